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
public sealed partial class LocalFileSystemBackend : IStorageBackend
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
        : this(rootPath, LibcSystemCalls.Instance, logger, meterFactory)
    {
    }

    /// <summary>As the public constructor, with the root's chain created and synced through <paramref name="systemCalls"/>.</summary>
    internal LocalFileSystemBackend(string rootPath, ISystemCalls systemCalls, ILogger? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        SystemCalls = systemCalls;
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

    /// <summary>
    /// Test seam, null in production (one comparison per listed entry): <see cref="ListAsync"/> calls it with each
    /// entry's path when the enumeration hands the entry out, between two entries of one directory read. A test
    /// deletes the entries still to come there, which the directory read already returned but the listing has not yet
    /// looked at: the window in which another process's deletion once failed the listing, hit every time.
    /// </summary>
    internal Action<string>? EntryListed { get; set; }

    /// <summary>
    /// Test seam: the system calls of a directory fsync and of a create-new commit, the C library's in production. A
    /// test makes them fail or be interrupted, which no real file system does on demand.
    /// </summary>
    internal ISystemCalls SystemCalls { get; set; }

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

                EntryListed?.Invoke(entryPath);
                if (info.LinkTarget is not null)
                {
                    Resolve(entryPath, entryPath);
                }

                if (info is not FileInfo file)
                {
                    entries.Add(new StorageEntry(entryPath, true, 0));
                    continue;
                }

                long length;
                try
                {
                    length = file.Length;
                }
                catch (FileNotFoundException)
                {
                    // Deleted by another process between the directory read and this look at its size: the listing
                    // is the one a moment later, without it.
                    continue;
                }

                entries.Add(new StorageEntry(entryPath, false, length));
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
    public ValueTask<int> DeleteAbandonedTemporariesAsync(string directory, CancellationToken cancellationToken = default) =>
        DeleteAbandonedTemporariesAsync(directory, static _ => true, cancellationToken);

    /// <summary>
    /// Deletes the temporaries in <paramref name="directory"/> that were made for a name <paramref name="isOwnTarget"/>
    /// accepts (the target's name, cut at 64 characters for long names): for a writer that shares the directory with
    /// other writers and can tell its own files by name. Durable after the directory is synced.
    /// </summary>
    /// <remarks>Call it only while no pending file of the names it accepts is open.</remarks>
    /// <returns>How many temporaries were deleted.</returns>
    public ValueTask<int> DeleteAbandonedTemporariesAsync(string directory, Func<string, bool> isOwnTarget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(isOwnTarget);
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
                if (!StorageNames.TryGetTemporaryTarget(info.Name, out var target) || !isOwnTarget(target))
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
}
