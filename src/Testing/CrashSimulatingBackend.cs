using Bulwark.Storage;

namespace Bulwark.Testing;

/// <summary>
/// An in-memory backend that models what a POSIX file system guarantees after a power cut, so that crash tests can
/// build every state a real disk could be left in. File contents become durable when a commit flushes them (the
/// fsync before the rename); a rename (publish), a deletion or a new directory entry becomes durable only when its
/// parent directory is synced. It records the ordered operation trace; <see cref="Crash"/> drops what is not durable,
/// and <see cref="EnumerateCrashStates"/> turns a trace into crash states on which <see cref="FromState"/> builds a
/// fresh backend to re-open a store. Until a crash it behaves as any backend (it passes the same storage contract).
/// </summary>
public sealed partial class CrashSimulatingBackend : IStorageBackend
{
    private readonly CrashModel _model;
    private readonly List<StorageOperation> _trace = [];
    private readonly Lock _lock = new();

    // Locks are not part of the durable state: an in-memory backend's lock table, never its files, holds them.
    private readonly InMemoryBackend _locks = new();

    /// <summary>An empty backend: the disk before anything was written.</summary>
    public CrashSimulatingBackend()
        : this(CrashState.Empty)
    {
    }

    private CrashSimulatingBackend(CrashState state) => _model = new CrashModel(state);

    /// <inheritdoc/>
    public string Description => "crash-simulating memory";

    /// <summary>A backend whose volatile and durable contents are both <paramref name="state"/>: the disk after a reboot.</summary>
    public static CrashSimulatingBackend FromState(CrashState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new CrashSimulatingBackend(state);
    }

    /// <summary>Every operation so far, in order, including reads.</summary>
    public IReadOnlyList<StorageOperation> Trace
    {
        get
        {
            lock (_lock)
            {
                return _trace.ToArray();
            }
        }
    }

    /// <summary>The number of traced operations; a prefix of this length is what <see cref="CrashState.PrefixLength"/> counts.</summary>
    public int TraceCount
    {
        get
        {
            lock (_lock)
            {
                return _trace.Count;
            }
        }
    }

    /// <summary>Power cut: drops every write, rename, deletion and directory entry that is not durable; the backend then holds only the durable state.</summary>
    public CrashState Crash()
    {
        lock (_lock)
        {
            var state = _model.DurableState($"crash after {_trace.Count} operations", _trace.Count);
            _model.Reset(state);
            return state;
        }
    }

    /// <summary>What a crash now would leave, without crashing.</summary>
    public CrashState CaptureDurableState()
    {
        lock (_lock)
        {
            return _model.DurableState($"durable after {_trace.Count} operations", _trace.Count);
        }
    }

    /// <summary>What a reader sees now (as if the OS flushed everything).</summary>
    public CrashState CaptureVisibleState()
    {
        lock (_lock)
        {
            return _model.VisibleState($"visible after {_trace.Count} operations", _trace.Count);
        }
    }

    /// <inheritdoc/>
    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) =>
        Create(path, noReplace: false, cancellationToken);

    /// <summary>
    /// A pending file published by a no-replace rename: traced as a <see cref="StorageOperationKind.Rename"/> and modelled
    /// exactly like one (durable once its directory is synced), but refused, with nothing traced as published, when a
    /// committed file is visible at the path.
    /// </summary>
    public ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) =>
        Create(path, noReplace: true, cancellationToken);

    private ValueTask<PendingFile> Create(string path, bool noReplace, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        path = NormalizeBelowRoot(path);
        lock (_lock)
        {
            if (_model.Visible.TryGetValue(path, out var existing) && existing is null)
            {
                throw IsDirectory(path);
            }

            CreateDirectoryChain(StoragePath.GetDirectory(path), path);
            Record(StorageOperationKind.Create, path);
        }

        return ValueTask.FromResult<PendingFile>(new CrashPendingFile(this, path, noReplace));
    }

    /// <inheritdoc/>
    public ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        directory = StoragePath.NormalizeEntryPath(directory);
        lock (_lock)
        {
            CreateDirectoryChain(directory, directory);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        directory = StoragePath.NormalizeEntryPath(directory);
        lock (_lock)
        {
            RequireDirectory(directory);
            var op = Record(StorageOperationKind.SyncDirectory, directory);
            _model.Sync(directory, op.Sequence);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        path = NormalizeBelowRoot(path);
        lock (_lock)
        {
            Record(StorageOperationKind.Read, path);
            return ValueTask.FromResult<Stream>(new MemoryStream(ReadFile(path), writable: false));
        }
    }

    /// <inheritdoc/>
    public ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        path = NormalizeBelowRoot(path);
        lock (_lock)
        {
            Record(StorageOperationKind.Read, path);
            var content = ReadFile(path);
            if (content.LongLength > maxBytes)
            {
                throw new StorageException($"File '{path}' in {Description} is {content.LongLength} bytes long, more than the {maxBytes} bytes allowed; it was not read.");
            }

            // A copy: the stored array is shared with readers and crash states and must never change.
            return ValueTask.FromResult(content.AsSpan().ToArray());
        }
    }

    /// <inheritdoc/>
    public ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        path = StoragePath.NormalizeEntryPath(path);
        lock (_lock)
        {
            Record(StorageOperationKind.GetEntry, path);
            if (path.Length == 0)
            {
                return ValueTask.FromResult<StorageEntry?>(new StorageEntry(string.Empty, true, 0));
            }

            return ValueTask.FromResult(_model.Visible.TryGetValue(path, out var node)
                ? new StorageEntry(path, node is null, node?.LongLength ?? 0)
                : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        directory = StoragePath.NormalizeEntryPath(directory);
        lock (_lock)
        {
            Record(StorageOperationKind.List, directory);
            RequireDirectory(directory);
            var entries = _model.Visible
                .Where(e => e.Key.Length > 0 && StoragePath.GetDirectory(e.Key) == directory)
                .Select(e => new StorageEntry(e.Key, e.Value is null, e.Value?.LongLength ?? 0))
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .ToArray();
            return ValueTask.FromResult<IReadOnlyList<StorageEntry>>(entries);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        path = NormalizeBelowRoot(path);
        lock (_lock)
        {
            if (!_model.Visible.TryGetValue(path, out var node))
            {
                return ValueTask.FromResult(false);
            }

            if (node is null)
            {
                throw IsDirectory(path);
            }

            var op = Record(StorageOperationKind.Delete, path);
            _model.Unlink(path, op.Sequence);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        directory = NormalizeBelowRoot(directory);
        lock (_lock)
        {
            if (!_model.Visible.TryGetValue(directory, out var node))
            {
                return ValueTask.FromResult(false);
            }

            if (node is not null)
            {
                throw IsFile(directory);
            }

            var op = Record(StorageOperationKind.DeleteDirectory, directory);
            _model.RemoveDirectory(directory, op.Sequence);
            return ValueTask.FromResult(true);
        }
    }

    /// <summary>
    /// A lock held by this simulated process. Locks are not part of the durable state: a backend made from a
    /// <see cref="CrashState"/> (the restarted process) starts with none, as the OS releases a dead process's locks.
    /// </summary>
    public async ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _locks.AcquireLockAsync(path, owner, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageLockedException e)
        {
            throw new StorageLockedException(e.Path, Description, e.Holder, e);
        }
    }

    private void CreateDirectoryChain(string directory, string forPath)
    {
        if (directory.Length == 0)
        {
            return;
        }

        if (_model.Visible.TryGetValue(directory, out var node))
        {
            if (node is not null)
            {
                throw new StorageException($"Cannot create '{forPath}' in {Description}: '{directory}' is a file, not a directory.");
            }

            return;
        }

        var parent = StoragePath.GetDirectory(directory);
        CreateDirectoryChain(parent, forPath);

        // The contract syncs each new entry's parent as it is created, so the chain is durable when this returns.
        var create = Record(StorageOperationKind.CreateDirectory, directory);
        _model.MakeDirectory(directory, create.Sequence);
        var sync = Record(StorageOperationKind.SyncDirectory, parent);
        _model.Sync(parent, sync.Sequence);
    }

    private void RequireDirectory(string directory)
    {
        if (directory.Length == 0)
        {
            return;
        }

        if (!_model.Visible.TryGetValue(directory, out var node))
        {
            throw new DirectoryNotFoundException($"Directory '{directory}' does not exist in {Description}.");
        }

        if (node is not null)
        {
            throw IsFile(directory);
        }
    }

    private byte[] ReadFile(string path)
    {
        if (!_model.Visible.TryGetValue(path, out var node))
        {
            throw new FileNotFoundException($"File '{path}' does not exist in {Description}.", path);
        }

        return node ?? throw IsDirectory(path);
    }

    private StorageException IsDirectory(string path) => new($"'{path}' in {Description} is a directory, not a file.");

    private StorageException IsFile(string path) => new($"'{path}' in {Description} is a file, not a directory.");

    private static string NormalizeBelowRoot(string path)
    {
        var normalized = StoragePath.NormalizeEntryPath(path);
        return normalized.Length == 0 ? throw new StoragePathException(path, "it names the storage root itself") : normalized;
    }

    private StorageOperation Record(StorageOperationKind kind, string path, ReadOnlyMemory<byte> data = default)
    {
        var op = new StorageOperation(_trace.Count, kind, path) { Data = data };
        _trace.Add(op);
        return op;
    }
}
