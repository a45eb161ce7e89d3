namespace Bulwark.Storage;

/// <summary>
/// A local file written under a hidden temporary sibling and published atomically: flushed to disk, renamed over its
/// final path, then the directory fsynced — so a crash leaves the old file or the complete new one, never a torn one.
/// The path-based Arrow and Parquet writers use it; code on an <see cref="IStorageBackend"/> gets the same from
/// <see cref="PendingFile"/>.
/// </summary>
internal sealed class AtomicLocalFile
{
    private readonly string _tempPath;
    private readonly string _directory;
    private readonly ISystemCalls _systemCalls;
    private bool _published;

    private AtomicLocalFile(string finalPath, string tempPath, string directory, FileStream stream, ISystemCalls systemCalls)
    {
        FinalPath = finalPath;
        _tempPath = tempPath;
        _directory = directory;
        Stream = stream;
        _systemCalls = systemCalls;
    }

    public string FinalPath { get; }

    public FileStream Stream { get; }

    public static AtomicLocalFile Create(string path) => Create(path, LibcSystemCalls.Instance);

    /// <summary>As <see cref="Create(string)"/>, with the directory fsync made through <paramref name="systemCalls"/>.</summary>
    internal static AtomicLocalFile Create(string path, ISystemCalls systemCalls)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' has no parent directory.", nameof(path));
        var temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
        return new AtomicLocalFile(fullPath, temp, directory, stream, systemCalls);
    }

    /// <summary>Flushes the bytes to stable storage, renames the file into place and makes the rename durable.</summary>
    public async ValueTask PublishAsync()
    {
        Stream.Flush(flushToDisk: true);
        await Stream.DisposeAsync().ConfigureAwait(false);
        File.Move(_tempPath, FinalPath, overwrite: true);
        _published = true;
        SyncDirectory();
    }

    private void SyncDirectory() => DirectorySync.Sync(_systemCalls, _directory, $"'{_directory}'", "the local file system");

    /// <summary>Deletes the temporary unless the file was published; safe to call more than once.</summary>
    public async ValueTask AbandonAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        if (!_published)
        {
            File.Delete(_tempPath);
        }
    }
}
