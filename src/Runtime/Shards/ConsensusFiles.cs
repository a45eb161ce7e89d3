namespace Bulwark.Shards;

/// <summary>
/// The file operations of <see cref="FileConsensus"/> besides link and fsync (those are <see cref="Storage.ISystemCalls"/>).
/// A test substitutes operations that fail — a write, a deletion, a listing, a lock — which a real disk does not do on
/// demand and permissions cannot stage while tests run as root.
/// </summary>
internal interface IConsensusFiles
{
    bool DirectoryExists(string path);

    bool FileExists(string path);

    void CreateDirectory(string path);

    IEnumerable<string> EnumerateFiles(string directory, string searchPattern);

    IEnumerable<string> EnumerateDirectories(string directory);

    /// <summary>Opens an entry for reading; its writer's peers may still delete it meanwhile.</summary>
    Stream OpenRead(string path);

    /// <summary>Creates <paramref name="path"/>, which must not exist, writes <paramref name="data"/> and flushes it to the disk.</summary>
    Task WriteNewAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Renames <paramref name="source"/> to <paramref name="destination"/>, never replacing a file.</summary>
    [RequiresDirectorySync]
    void MoveNoReplace(string source, string destination);

    void Delete(string path);

    /// <summary>Opens <paramref name="path"/> (created if missing) for this holder alone; while another holds it, an <see cref="IOException"/> whose HResult says so.</summary>
    IDisposable OpenExclusive(string path);
}

/// <summary>The file system's own operations.</summary>
internal sealed class ConsensusFiles : IConsensusFiles
{
    public static readonly ConsensusFiles Instance = new();

    private ConsensusFiles()
    {
    }

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public bool FileExists(string path) => File.Exists(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public IEnumerable<string> EnumerateFiles(string directory, string searchPattern) => Directory.EnumerateFiles(directory, searchPattern);

    public IEnumerable<string> EnumerateDirectories(string directory) => Directory.EnumerateDirectories(directory);

    public Stream OpenRead(string path) =>
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);

    public async Task WriteNewAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
        await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        stream.Flush(flushToDisk: true);
    }

    [RequiresDirectorySync]
    public void MoveNoReplace(string source, string destination) => File.Move(source, destination, overwrite: false);

    public void Delete(string path) => File.Delete(path);

    // On Unix .NET takes flock(LOCK_EX | LOCK_NB) for FileShare.None, which the OS releases if the process dies.
    public IDisposable OpenExclusive(string path) =>
        new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
}
