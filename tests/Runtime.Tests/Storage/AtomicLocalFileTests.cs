using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// The path-based writers' atomic file: published whole over the old file and its directory synced, or abandoned with
/// the old file untouched and nothing left behind.
/// </summary>
public sealed class AtomicLocalFileTests : IDisposable
{
    private const int Descriptor = 9;
    private const int EIO = 5;

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task APublishedFileReplacesTheOldOneAndItsDirectoryIsSynced()
    {
        File.WriteAllBytes(temp.Join("out.arrow"), [1]);
        var calls = new ScriptedDirectoryCalls(opens: [Descriptor], fsyncs: [0]);

        var file = AtomicLocalFile.Create(temp.Join("out.arrow"), calls);
        file.Stream.Write([2, 3]);
        await file.PublishAsync();
        await file.AbandonAsync();

        Assert.Equal([2, 3], File.ReadAllBytes(temp.Join("out.arrow")));
        Assert.Equal([temp.Path], calls.Opened);
        Assert.Equal([Descriptor], calls.Fsynced);
        Assert.Equal(["out.arrow"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task AFailedDirectorySyncIsReportedAfterTheRename()
    {
        var calls = new ScriptedDirectoryCalls(opens: [Descriptor], fsyncs: [-EIO]);

        var file = AtomicLocalFile.Create(temp.Join("out.arrow"), calls);
        file.Stream.Write([4]);
        var error = await Assert.ThrowsAsync<StorageException>(async () => await file.PublishAsync());

        // The file is in place, but the caller learns that its name may not survive a crash.
        Assert.Equal($"Cannot sync directory '{temp.Path}' in the local file system: fsync failed with errno 5 (Input/output error).", error.Message);
        Assert.Equal([4], File.ReadAllBytes(temp.Join("out.arrow")));
    }

    [Fact]
    public async Task AnAbandonedFileLeavesTheOldOneAndClosesItsStream()
    {
        File.WriteAllBytes(temp.Join("out.arrow"), [1]);

        var file = AtomicLocalFile.Create(temp.Join("out.arrow"));
        file.Stream.Write([5, 6]);
        await file.AbandonAsync();
        await file.AbandonAsync();

        Assert.False(file.Stream.CanWrite);
        Assert.Equal([1], File.ReadAllBytes(temp.Join("out.arrow")));
        Assert.Equal(["out.arrow"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void APathMustNameAFileInADirectory()
    {
        Assert.Throws<ArgumentNullException>(() => AtomicLocalFile.Create(null!));
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => AtomicLocalFile.Create("")).ParamName);

        var root = Assert.Throws<ArgumentException>(() => AtomicLocalFile.Create("/"));

        Assert.Equal("'/' has no parent directory. (Parameter 'path')", root.Message);
    }
}
