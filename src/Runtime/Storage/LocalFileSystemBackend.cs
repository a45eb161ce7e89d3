using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Storage;

/// <summary>
/// An <see cref="IStorageBackend"/> over a directory of the local file system. Files are fsynced before they are
/// renamed into place, directories are fsynced through libc on Unix (a no-op on Windows, whose NTFS journals metadata),
/// and every path is checked twice: lexically by <see cref="StoragePath.Normalize"/> and physically, by resolving each
/// existing segment's symbolic links, so that neither a hostile path nor a link planted in the store reaches outside.
/// </summary>
/// <remarks>
/// The link check guards against corrupt or hostile paths and links already in the store; it does not defend against
/// another process that swaps a directory for a link between the check and the use.
/// </remarks>
public sealed class LocalFileSystemBackend : IStorageBackend
{
    // Linux gives up with ELOOP after 40 links; a chain this long is a loop or an attack, not a layout.
    private const int MaxSymbolicLinks = 40;

    private static readonly StringComparison PathComparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
    private static readonly char[] Separators = [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];

    private readonly string realRoot;
    private readonly ILogger logger;
    private readonly StorageInstruments instruments;
    private readonly ConcurrentDictionary<string, byte> dirtyDirectories = new(StringComparer.Ordinal);

    /// <param name="rootPath">The root directory; it and its missing parents are created, each new level's parent synced.</param>
    /// <param name="logger">Receives commit, directory-creation and directory-sync events.</param>
    /// <param name="meterFactory">Creates the <see cref="StorageMetrics.MeterName"/> meter; without one a process-wide meter is used.</param>
    /// <exception cref="StorageException">The root cannot be created or is not a directory.</exception>
    public LocalFileSystemBackend(string rootPath, ILogger? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        RootPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootPath));
        Description = $"local directory '{RootPath}'";
        this.logger = logger ?? NullLogger.Instance;
        instruments = StorageInstruments.Create(meterFactory);
        if (DirectorySync.IsRequired && !DirectorySync.IsImplemented)
        {
            throw new PlatformNotSupportedException($"Directory fsync is not implemented for {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; renames would not be durable.");
        }

        CreateRoot();
        var budget = MaxSymbolicLinks;
        realRoot = RealPath(RootPath, RootPath, ref budget);
    }

    /// <summary>The absolute root directory.</summary>
    public string RootPath { get; }

    public string Description { get; }

    /// <summary>
    /// Directories ("" is the root) holding a committed rename or a deletion that no <see cref="SyncDirectoryAsync"/>
    /// has made durable yet. A snapshot.
    /// </summary>
    public IReadOnlyCollection<string> DirtyDirectories => dirtyDirectories.Keys.Order(StringComparer.Ordinal).ToArray();

    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) =>
        Create(path, noReplace: false, cancellationToken);

    /// <summary>A pending file whose commit publishes only onto a free name: link(2) then unlink on Unix, a no-replace move on Windows.</summary>
    public ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) =>
        Create(path, noReplace: true, cancellationToken);

    private ValueTask<PendingFile> Create(string path, bool noReplace, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(path);
        var full = Resolve(normalized, path);
        EnsureDirectory(StoragePath.GetDirectory(normalized), normalized);
        if (Directory.Exists(full))
        {
            throw StorageNames.IsDirectory(normalized, Description);
        }

        var temporary = Path.Join(Path.GetDirectoryName(full), StorageNames.NewTemporaryName(Path.GetFileName(full)));
        FileStream stream;
        try
        {
            stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 16384, FileOptions.Asynchronous);
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("create a temporary file for", normalized, exception);
        }

        return ValueTask.FromResult<PendingFile>(new LocalPendingFile(this, normalized, temporary, stream, noReplace));
    }

    public ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.Normalize(directory);
        Resolve(normalized, directory);
        EnsureDirectory(normalized, normalized);
        return ValueTask.CompletedTask;
    }

    /// <summary>An OS lock on the file <paramref name="path"/> (created if missing), released by the OS if this process dies.</summary>
    public ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(path);
        var full = Resolve(normalized, path);
        EnsureDirectory(StoragePath.GetDirectory(normalized), normalized);
        return ValueTask.FromResult(LocalFileLock.Acquire(normalized, full, owner, Description));
    }

    /// <summary>fsyncs the directory on Unix; on Windows only checks that it exists (NTFS journals metadata).</summary>
    public ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.Normalize(directory);
        var full = Resolve(normalized, directory);
        RequireDirectory(normalized, full);
        SyncDirectory(normalized, full);
        return ValueTask.CompletedTask;
    }

    public ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(path);
        var full = Resolve(normalized, path);
        return ValueTask.FromResult<Stream>(OpenRead(normalized, full));
    }

    public async ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(path);
        var full = Resolve(normalized, path);
        await using var stream = OpenRead(normalized, full);
        long length;
        try
        {
            length = stream.Length;
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("read", normalized, exception);
        }

        if (length > maxBytes || length > Array.MaxLength)
        {
            throw StorageNames.TooLong(normalized, Description, length, Math.Min(maxBytes, Array.MaxLength));
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        var read = 0;
        try
        {
            while (read < bytes.Length)
            {
                var count = await stream.ReadAsync(bytes.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (count == 0)
                {
                    // Committed files are replaced by rename, never rewritten in place, so a short read means tampering.
                    throw new StorageException($"File '{normalized}' in {Description} ended after {read} of its {length} bytes while being read.");
                }

                read += count;
            }
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("read", normalized, exception);
        }

        return bytes;
    }

    public ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.Normalize(path);
        var full = Resolve(normalized, path);
        try
        {
            if (Directory.Exists(full))
            {
                return ValueTask.FromResult<StorageEntry?>(new StorageEntry(normalized, true, 0));
            }

            var file = new FileInfo(full);
            return ValueTask.FromResult(file.Exists ? new StorageEntry(normalized, false, file.Length) : null);
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("inspect", normalized, exception);
        }
    }

    public ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.Normalize(directory);
        var full = Resolve(normalized, directory);
        RequireDirectory(normalized, full);
        var entries = new List<StorageEntry>();
        try
        {
            foreach (var info in new DirectoryInfo(full).EnumerateFileSystemInfos())
            {
                var name = info.Name;
                if (StorageNames.IsTemporary(name))
                {
                    continue;
                }

                var entryPath = normalized.Length == 0 ? name : normalized + "/" + name;
                if (!IsAddressable(entryPath))
                {
                    // Safe to leave out: what no path can name, no caller can read, keep or delete by mistake.
                    StorageLog.UnaddressableEntrySkipped(logger, name, normalized, Description);
                    continue;
                }

                if (info.LinkTarget is not null)
                {
                    Resolve(entryPath, entryPath);
                }

                entries.Add(info is DirectoryInfo ? new StorageEntry(entryPath, true, 0) : new StorageEntry(entryPath, false, ((FileInfo)info).Length));
            }
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("list", normalized, exception);
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return ValueTask.FromResult<IReadOnlyList<StorageEntry>>(entries);
    }

    public ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(path);
        var full = Resolve(normalized, path);
        if (Directory.Exists(full))
        {
            throw StorageNames.IsDirectory(normalized, Description);
        }

        try
        {
            if (!File.Exists(full))
            {
                return ValueTask.FromResult(false);
            }

            File.Delete(full);
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("delete", normalized, exception);
        }

        MarkDirty(StoragePath.GetDirectory(normalized));
        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.NormalizeBelowRoot(directory);
        var full = Resolve(normalized, directory);
        if (!Directory.Exists(full))
        {
            return File.Exists(full) ? throw StorageNames.IsFile(normalized, Description) : ValueTask.FromResult(false);
        }

        // Renamed away first so that the directory leaves listings in one atomic step: a crash or an error part-way
        // through the recursive delete leaves a hidden temporary, never a half-deleted directory that looks corrupt.
        var trash = Path.Join(Path.GetDirectoryName(full), StorageNames.NewTemporaryName(Path.GetFileName(full)));
        try
        {
            Directory.Move(full, trash);
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("delete directory", normalized, exception);
        }

        MarkDirty(StoragePath.GetDirectory(normalized));
        try
        {
            Directory.Delete(trash, recursive: true);
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            StorageLog.TrashNotDeleted(logger, exception, trash, Description);
        }

        return ValueTask.FromResult(true);
    }

    /// <summary>
    /// Deletes the temporaries a process that died left in <paramref name="directory"/>: pending files never committed
    /// and directories renamed away by <see cref="DeleteDirectoryAsync"/> but not yet removed. They are invisible to
    /// every other operation, so without this they would hold disk space forever. Durable after the directory is synced.
    /// </summary>
    /// <remarks>
    /// Call it only while no pending file of this store is open (at startup, before any writer exists): a temporary
    /// being written looks exactly like an abandoned one.
    /// </remarks>
    /// <returns>How many temporaries were deleted.</returns>
    public ValueTask<int> DeleteAbandonedTemporariesAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = StorageNames.Normalize(directory);
        var full = Resolve(normalized, directory);
        RequireDirectory(normalized, full);
        var deleted = 0;
        try
        {
            foreach (var info in new DirectoryInfo(full).EnumerateFileSystemInfos())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!StorageNames.IsTemporary(info.Name))
                {
                    continue;
                }

                // A link is removed itself, never followed: Directory.Delete on a link to a directory only unlinks it.
                if (info is DirectoryInfo && info.LinkTarget is null)
                {
                    Directory.Delete(info.FullName, recursive: true);
                }
                else
                {
                    info.Delete();
                }

                deleted++;
            }
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("delete abandoned temporaries in", normalized, exception);
        }
        finally
        {
            if (deleted > 0)
            {
                MarkDirty(normalized);
            }
        }

        return ValueTask.FromResult(deleted);
    }

    public override string ToString() => Description;

    /// <summary>The absolute path <paramref name="path"/> resolves to, after both checks.</summary>
    internal string GetFullPath(string path) => Resolve(StorageNames.Normalize(path), path);

    private static bool IsIoFailure(Exception exception) => exception is (IOException and not StorageException) or UnauthorizedAccessException;

    private static bool IsAddressable(string entryPath)
    {
        try
        {
            return StorageNames.Normalize(entryPath) == entryPath;
        }
        catch (StoragePathException)
        {
            return false;
        }
    }

    private static bool IsUnder(string path, string root)
    {
        if (!path.StartsWith(root, PathComparison))
        {
            return false;
        }

        return path.Length == root.Length || Path.EndsInDirectorySeparator(root) || Array.IndexOf(Separators, path[root.Length]) >= 0;
    }

    /// <summary>
    /// The physical path of <paramref name="fullPath"/>: every symbolic link on the way replaced by its target, as the
    /// kernel would follow it, and ".." taken from the physical parent.
    /// </summary>
    private static string RealPath(string fullPath, string original, ref int budget)
    {
        var pathRoot = Path.GetPathRoot(fullPath);
        if (string.IsNullOrEmpty(pathRoot))
        {
            throw new StoragePathException(original, "a symbolic link on the way has a target that cannot be resolved");
        }

        return Walk(pathRoot, fullPath[pathRoot.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries), original, ref budget);
    }

    private static string Walk(string current, string[] segments, string original, ref int budget)
    {
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var candidate = Path.Join(current, segment);
            var target = ReadLink(candidate);
            if (target is null)
            {
                current = candidate;
                if (!Path.Exists(candidate))
                {
                    // Nothing below a missing entry exists, so nothing below it can be a link either.
                    return Path.Join([current, .. segments[(i + 1)..]]);
                }

                continue;
            }

            if (--budget < 0)
            {
                throw new StoragePathException(original, $"it passes through more than {MaxSymbolicLinks} symbolic links");
            }

            var linked = Path.IsPathRooted(target) ? target : Path.Join(current, target);
            current = RealPath(linked, original, ref budget);
        }

        return current;
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Not a link we could follow (a file in place of a directory, no permission): the operation itself will
            // meet the same condition and report it with the path.
            return null;
        }
    }

    private string Resolve(string normalized, string original)
    {
        var full = normalized.Length == 0 ? RootPath : Path.GetFullPath(Path.Join(RootPath, normalized));
        if (!IsUnder(full, RootPath))
        {
            throw new StoragePathException(original, "it resolves outside the storage root");
        }

        if (normalized.Length > 0)
        {
            var budget = MaxSymbolicLinks;
            var real = Walk(realRoot, normalized.Split('/'), original, ref budget);
            if (!IsUnder(real, realRoot))
            {
                throw new StoragePathException(original, "it passes through a symbolic link that leads outside the storage root");
            }
        }

        return full;
    }

    private void RequireDirectory(string normalized, string full)
    {
        if (!Directory.Exists(full))
        {
            throw File.Exists(full) ? StorageNames.IsFile(normalized, Description) : StorageNames.DirectoryNotFound(normalized, Description);
        }
    }

    private FileStream OpenRead(string normalized, string full)
    {
        if (Directory.Exists(full))
        {
            throw StorageNames.IsDirectory(normalized, Description);
        }

        try
        {
            // FileShare.Delete lets a newer version be renamed over the file (or the file be deleted) while it is read.
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 16384, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw StorageNames.FileNotFound(normalized, Description);
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("open", normalized, exception);
        }
    }

    private void CreateRoot()
    {
        var missing = new Stack<string>();
        var current = RootPath;
        while (!Directory.Exists(current))
        {
            if (File.Exists(current))
            {
                throw new StorageException($"Cannot use '{RootPath}' as a storage root: '{current}' is a file.");
            }

            missing.Push(current);
            current = Path.GetDirectoryName(current) ?? throw new StorageException($"Cannot use '{RootPath}' as a storage root: its volume does not exist.");
        }

        while (missing.TryPop(out var directory))
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                throw new StorageException($"Cannot create the storage root '{RootPath}': {exception.Message}", exception);
            }

            var parent = Path.GetDirectoryName(directory)!;
            if (DirectorySync.Sync(parent, $"'{parent}'", $"the chain of {Description}"))
            {
                instruments.DirectorySynced();
            }
        }
    }

    /// <summary>Creates the missing levels of <paramref name="normalizedDirectory"/>, syncing each new level's parent.</summary>
    private void EnsureDirectory(string normalizedDirectory, string forPath)
    {
        if (normalizedDirectory.Length == 0)
        {
            return;
        }

        var current = string.Empty;
        var currentFull = RootPath;
        foreach (var segment in normalizedDirectory.Split('/'))
        {
            var next = current.Length == 0 ? segment : current + "/" + segment;
            var nextFull = Path.Join(currentFull, segment);
            if (!Directory.Exists(nextFull))
            {
                if (File.Exists(nextFull))
                {
                    throw new StorageException($"Cannot create '{forPath}' in {Description}: '{next}' is a file, not a directory.");
                }

                try
                {
                    Directory.CreateDirectory(nextFull);
                }
                catch (Exception exception) when (IsIoFailure(exception))
                {
                    throw Failed("create directory", next, exception);
                }

                StorageLog.DirectoryCreated(logger, next, Description);

                // The new entry lives in its parent; until the parent is synced a crash can lose the whole chain below it.
                SyncDirectory(current, currentFull);
            }

            current = next;
            currentFull = nextFull;
        }
    }

    private void SyncDirectory(string normalized, string full)
    {
        // Cleared before the fsync: a rename that lands during the fsync marks the directory dirty again afterwards.
        var wasDirty = dirtyDirectories.TryRemove(normalized, out _);
        try
        {
            if (DirectorySync.Sync(full, StorageNames.Display(normalized), Description))
            {
                instruments.DirectorySynced();
                StorageLog.DirectorySynced(logger, normalized, Description);
            }
        }
        catch
        {
            if (wasDirty)
            {
                MarkDirty(normalized);
            }

            throw;
        }
    }

    private void MarkDirty(string normalizedDirectory) => dirtyDirectories.TryAdd(normalizedDirectory, 0);

    private StorageException Failed(string action, string normalized, Exception exception) =>
        new($"Cannot {action} {StorageNames.Display(normalized)} in {Description}: {exception.Message}", exception);

    private sealed class LocalPendingFile : PendingFile
    {
        private readonly LocalFileSystemBackend backend;
        private readonly string temporary;
        private readonly FileStream file;
        private readonly bool noReplace;
        private Stream stream;
        private bool failed;
        private bool disposed;

        public LocalPendingFile(LocalFileSystemBackend backend, string path, string temporary, FileStream file, bool noReplace)
            : base(path)
        {
            this.backend = backend;
            this.noReplace = noReplace;
            this.temporary = temporary;
            this.file = file;
            stream = file;
        }

        public override Stream Stream => stream;

        /// <remarks>
        /// A commit that failed cannot be retried: after a failed fsync Linux may already have dropped the dirty pages,
        /// so a second fsync could report success for bytes that never reached the disk. Write the file again instead.
        /// </remarks>
        public override async ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(disposed && !IsCommitted, this);
            if (IsCommitted)
            {
                throw StorageNames.AlreadyCommitted(Path);
            }

            if (failed)
            {
                throw StorageNames.CommitFailedBefore(Path);
            }

            cancellationToken.ThrowIfCancellationRequested();
            failed = true;
            long length;
            try
            {
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                backend.instruments.FileSynced();
                length = file.Length;
                await file.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                throw backend.Failed("flush", Path, exception);
            }

            cancellationToken.ThrowIfCancellationRequested();

            // Checked again: a link planted since CreateAsync must not redirect the rename outside the root.
            var full = backend.Resolve(Path, Path);
            try
            {
                if (!noReplace)
                {
                    File.Move(temporary, full, overwrite: true);
                }
                else if (!TryPublishNew(full, out var leftBehind))
                {
                    // Still "failed": the temporary is deleted on dispose and the commit cannot be retried.
                    throw Directory.Exists(full) ? StorageNames.IsDirectory(Path, backend.Description) : new StorageFileExistsException(Path, backend.Description);
                }
                else if (leftBehind is not null)
                {
                    StorageLog.TemporaryNotDeleted(backend.logger, new IOException("unlink failed"), leftBehind, Path, backend.Description);
                }
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                throw backend.Failed("rename into place", Path, exception);
            }

            failed = false;
            IsCommitted = true;
            stream = new ClosedPendingStream(Path, length, committed: true);
            backend.MarkDirty(StoragePath.GetDirectory(Path));
            backend.instruments.Committed(length);
            StorageLog.Committed(backend.logger, Path, length, backend.Description);
        }

        private bool TryPublishNew(string full, out string? leftBehind)
        {
            leftBehind = null;
            if (!OperatingSystem.IsWindows())
            {
                return NoReplaceRename.TryLink(temporary, full, out leftBehind);
            }

            try
            {
                File.Move(temporary, full, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(full) || Directory.Exists(full))
            {
                return false;
            }
        }

        public override async ValueTask DisposeAsync()
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            if (IsCommitted)
            {
                return;
            }

            long length = 0;
            try
            {
                length = file.CanSeek ? file.Length : 0;
                await file.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                // The bytes are being discarded; a flush error while closing changes nothing.
            }

            stream = new ClosedPendingStream(Path, length, committed: false);
            try
            {
                File.Delete(temporary);
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                // Disposal runs on error paths too; throwing here would hide the error that abandoned the file.
                StorageLog.TemporaryNotDeleted(backend.logger, exception, temporary, Path, backend.Description);
            }
        }
    }
}
