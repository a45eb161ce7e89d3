namespace Bulwark.Storage;

/// <summary>
/// A thread-safe <see cref="IStorageBackend"/> held in memory, with the local backend's semantics: pending files are
/// invisible until committed, parents are created on demand, the same paths are refused and the same exceptions
/// thrown. Nothing survives the process, so <see cref="SyncDirectoryAsync"/> only checks that the directory exists.
/// </summary>
public sealed class InMemoryBackend : IStorageBackend
{
    private readonly Lock gate = new();
    private readonly InProcessLockTable locks = new();

    // A directory maps names to either a child Directory or a committed file's bytes (never mutated after commit).
    private readonly Directory root = new();

    public string Description => "memory";

    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) =>
        Create(path, noReplace: false, cancellationToken);

    public ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) =>
        Create(path, noReplace: true, cancellationToken);

    private ValueTask<PendingFile> Create(string path, bool noReplace, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(path);
        lock (gate)
        {
            var parent = EnsureDirectory(StoragePath.GetDirectory(normalized), normalized);
            if (parent.Children.GetValueOrDefault(Name(normalized)) is Directory)
            {
                throw StorageNames.IsDirectory(normalized, Description);
            }
        }

        return ValueTask.FromResult<PendingFile>(new MemoryPendingFile(this, normalized, noReplace));
    }

    public ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.Normalize(directory);
        lock (gate)
        {
            EnsureDirectory(normalized, normalized);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.Normalize(directory);
        lock (gate)
        {
            RequireDirectory(normalized);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(path);
        return ValueTask.FromResult<Stream>(new MemoryStream(RequireFile(normalized), writable: false));
    }

    public ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(path);
        var bytes = RequireFile(normalized);
        if (bytes.Length > maxBytes)
        {
            throw StorageNames.TooLong(normalized, Description, bytes.Length, maxBytes);
        }

        // A copy: the stored array is shared with every reader and must never change.
        return ValueTask.FromResult(bytes.AsSpan().ToArray());
    }

    public ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.Normalize(path);
        lock (gate)
        {
            return ValueTask.FromResult(Find(normalized) switch
            {
                Directory => new StorageEntry(normalized, true, 0),
                byte[] bytes => new StorageEntry(normalized, false, bytes.Length),
                _ => null,
            });
        }
    }

    public ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.Normalize(directory);
        lock (gate)
        {
            var entries = RequireDirectory(normalized).Children
                .Select(child => child.Value is byte[] bytes
                    ? new StorageEntry(Join(normalized, child.Key), false, bytes.Length)
                    : new StorageEntry(Join(normalized, child.Key), true, 0))
                .ToArray();
            return ValueTask.FromResult<IReadOnlyList<StorageEntry>>(entries);
        }
    }

    public ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(path);
        lock (gate)
        {
            switch (Find(normalized))
            {
                case Directory:
                    throw StorageNames.IsDirectory(normalized, Description);
                case byte[]:
                    ((Directory)Find(StoragePath.GetDirectory(normalized))!).Children.Remove(Name(normalized));
                    return ValueTask.FromResult(true);
                default:
                    return ValueTask.FromResult(false);
            }
        }
    }

    public ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(directory);
        lock (gate)
        {
            switch (Find(normalized))
            {
                case byte[]:
                    throw StorageNames.IsFile(normalized, Description);
                case Directory:
                    ((Directory)Find(StoragePath.GetDirectory(normalized))!).Children.Remove(Name(normalized));
                    return ValueTask.FromResult(true);
                default:
                    return ValueTask.FromResult(false);
            }
        }
    }

    public ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(locks.Acquire(StorageNames.NormalizeBelowRoot(path), owner, Description));
    }

    public override string ToString() => Description;

    private static string Name(string normalized) => normalized[(normalized.LastIndexOf('/') + 1)..];

    private static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;

    private object? Find(string normalized)
    {
        object node = root;
        if (normalized.Length == 0)
        {
            return node;
        }

        foreach (var segment in normalized.Split('/'))
        {
            if (node is not Directory directory || !directory.Children.TryGetValue(segment, out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    private Directory RequireDirectory(string normalized) => Find(normalized) switch
    {
        Directory directory => directory,
        byte[] => throw StorageNames.IsFile(normalized, Description),
        _ => throw StorageNames.DirectoryNotFound(normalized, Description),
    };

    private byte[] RequireFile(string normalized)
    {
        lock (gate)
        {
            return Find(normalized) switch
            {
                byte[] bytes => bytes,
                Directory => throw StorageNames.IsDirectory(normalized, Description),
                _ => throw StorageNames.FileNotFound(normalized, Description),
            };
        }
    }

    private Directory EnsureDirectory(string normalizedDirectory, string forPath)
    {
        var current = root;
        if (normalizedDirectory.Length == 0)
        {
            return current;
        }

        var walked = string.Empty;
        foreach (var segment in normalizedDirectory.Split('/'))
        {
            walked = Join(walked, segment);
            switch (current.Children.GetValueOrDefault(segment))
            {
                case Directory directory:
                    current = directory;
                    break;
                case byte[]:
                    throw new StorageException($"Cannot create '{forPath}' in {Description}: '{walked}' is a file, not a directory.");
                default:
                    var created = new Directory();
                    current.Children.Add(segment, created);
                    current = created;
                    break;
            }
        }

        return current;
    }

    private void Publish(string normalized, byte[] bytes, bool noReplace)
    {
        lock (gate)
        {
            if (Find(StoragePath.GetDirectory(normalized)) is not Directory parent)
            {
                // The local backend fails the same way: the temporary went with its deleted directory.
                throw new StorageException($"Cannot rename '{normalized}' into place in {Description}: its directory was deleted after the file was created.");
            }

            var name = Name(normalized);
            if (parent.Children.GetValueOrDefault(name) is Directory)
            {
                throw StorageNames.IsDirectory(normalized, Description);
            }

            // Checked and published under one lock: the atomic step a no-replace rename is.
            if (noReplace && parent.Children.ContainsKey(name))
            {
                throw new StorageFileExistsException(normalized, Description);
            }

            parent.Children[name] = bytes;
        }
    }

    private sealed class Directory
    {
        public SortedDictionary<string, object> Children { get; } = new(StringComparer.Ordinal);
    }

    private sealed class MemoryPendingFile : PendingFile
    {
        private readonly InMemoryBackend backend;
        private readonly MemoryStream buffer = new();
        private readonly bool noReplace;
        private Stream stream;
        private bool failed;
        private bool disposed;

        public MemoryPendingFile(InMemoryBackend backend, string path, bool noReplace)
            : base(path)
        {
            this.backend = backend;
            this.noReplace = noReplace;
            stream = buffer;
        }

        public override Stream Stream => stream;

        /// <remarks>A failed commit cannot be retried, as with the local backend, so that callers meet one rule.</remarks>
        public override ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(disposed && !IsCommitted, this);
            if (IsCommitted)
            {
                throw PendingFileRefusals.AlreadyCommitted(Path);
            }

            if (failed)
            {
                throw PendingFileRefusals.CommitFailedBefore(Path);
            }

            cancellationToken.ThrowIfCancellationRequested();
            failed = true;
            var bytes = buffer.ToArray();
            backend.Publish(Path, bytes, noReplace);
            failed = false;
            IsCommitted = true;
            stream = new ClosedPendingStream(Path, bytes.Length, committed: true);
            return ValueTask.CompletedTask;
        }

        public override ValueTask DisposeAsync()
        {
            if (!disposed && !IsCommitted)
            {
                stream = new ClosedPendingStream(Path, buffer.Length, committed: false);
            }

            disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
