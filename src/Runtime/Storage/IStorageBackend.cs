namespace Bulwark.Storage;

/// <summary>
/// A rooted store of files and directories. Every path is relative to the root, '/'-separated and validated by
/// <see cref="StoragePath.Normalize"/>: nothing a caller (or a corrupt manifest) passes can reach outside the root.
/// Writes are published only through <see cref="PendingFile.CommitAsync"/>; a rename is durable once its directory
/// has been synced with <see cref="SyncDirectoryAsync"/>.
/// </summary>
public interface IStorageBackend
{
    /// <summary>Where this backend stores (a directory, "memory"), for messages.</summary>
    string Description { get; }

    /// <summary>
    /// Starts writing <paramref name="path"/>: bytes go to a temporary sibling that no reader sees until
    /// <see cref="PendingFile.CommitAsync"/> flushes it and renames it into place. Missing parent directories are
    /// created and their chain is synced up to the root.
    /// </summary>
    ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="CreateAsync"/>, but <see cref="PendingFile.CommitAsync"/> publishes the file only if no committed
    /// file exists at <paramref name="path"/>, deciding and publishing in one atomic step (a no-replace rename, a
    /// conditional put): of two writers racing on one path exactly one commit wins. The loser's commit throws
    /// <see cref="StorageFileExistsException"/> and publishes nothing. The rename is durable, as for
    /// <see cref="CreateAsync"/>, once the parent directory has been synced.
    /// </summary>
    ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Creates <paramref name="directory"/> and any missing parents, syncing each new entry's parent, up to the root.</summary>
    ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default);

    /// <summary>The barrier that makes renames and deletions in <paramref name="directory"/> durable ("" is the root).</summary>
    ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default);

    /// <summary>Opens a committed file for reading.</summary>
    /// <exception cref="FileNotFoundException">No committed file at that path.</exception>
    ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Reads a whole committed file, refusing one longer than <paramref name="maxBytes"/> before allocating.</summary>
    /// <exception cref="FileNotFoundException">No committed file at that path.</exception>
    /// <exception cref="StorageException">The file is longer than <paramref name="maxBytes"/>.</exception>
    ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>The entry at <paramref name="path"/>, or null if there is none.</summary>
    ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>The immediate children of <paramref name="directory"/> ("" is the root), excluding pending temporaries, ordered by name.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default);

    /// <summary>Deletes a file; returns false if it did not exist. Durable after the parent directory is synced.</summary>
    ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Deletes a directory and everything below it; returns false if it did not exist. Durable after the parent is synced.</summary>
    ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the exclusive lock <paramref name="path"/> without waiting, held until the returned lock is disposed. It
    /// excludes other holders of the same store (other processes for the local file system, other callers for the
    /// in-memory backends); a backend that cannot lock (object storage) relies on its callers' fencing instead.
    /// </summary>
    /// <exception cref="StorageLockedException">Someone else holds it; the exception names the holder when it can.</exception>
    ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default);
}

/// <summary>A file or directory under a backend's root.</summary>
/// <param name="Path">The normalized path relative to the root.</param>
/// <param name="IsDirectory">True for a directory.</param>
/// <param name="Length">The file length in bytes; 0 for a directory.</param>
public sealed record StorageEntry(string Path, bool IsDirectory, long Length)
{
    /// <summary>The last path segment.</summary>
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];
}

/// <summary>A storage operation failed for a reason other than a missing file; the message names the path and the reason.</summary>
public class StorageException : IOException
{
    public StorageException(string message)
        : base(message)
    {
    }

    public StorageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A commit of a file created with <see cref="IStorageBackend.CreateNewAsync"/> found a committed file at its path;
/// nothing was published and the existing file is unchanged.
/// </summary>
public sealed class StorageFileExistsException : StorageException
{
    public StorageFileExistsException(string path, string backend)
        : base($"File '{path}' already exists in {backend}; a file created as new does not replace it, so nothing was published.")
    {
        Path = path;
        Backend = backend;
    }

    public StorageFileExistsException(string path, string backend, Exception innerException)
        : base($"File '{path}' already exists in {backend}; a file created as new does not replace it, so nothing was published.", innerException)
    {
        Path = path;
        Backend = backend;
    }

    /// <summary>The normalized path that was taken.</summary>
    public string Path { get; }

    /// <summary>The backend's <see cref="IStorageBackend.Description"/>.</summary>
    public string Backend { get; }
}

/// <summary>A path was refused: absolute, escaping the root, or holding characters no backend may store.</summary>
public sealed class StoragePathException : StorageException
{
    public StoragePathException(string path, string reason)
        : base($"Storage path '{Printable(path)}' is refused: {reason}.")
    {
        Path = path;
    }

    public string Path { get; }

    private static string Printable(string path) => string.Concat(path.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
