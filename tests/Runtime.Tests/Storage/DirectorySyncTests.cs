using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// A directory fsync over scripted system calls: interrupted calls are retried, a failed one is reported with the
/// directory and the error and never retried into a false success, the descriptor is always closed, and the local
/// backend keeps a directory whose fsync failed dirty.
/// </summary>
public sealed class DirectorySyncTests : IDisposable
{
    private const int EINTR = 4;
    private const int ENOENT = 2;
    private const int EIO = 5;
    private const int Descriptor = 9;

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void InterruptedCallsAreRetriedUntilTheyComplete()
    {
        var calls = new ScriptedDirectoryCalls(opens: [-EINTR, -EINTR, Descriptor], fsyncs: [-EINTR, 0]);

        Assert.True(DirectorySync.Sync(calls, "/store/d", "'d'", "the store"));

        Assert.Equal(["/store/d", "/store/d", "/store/d"], calls.Opened);
        Assert.Equal([Descriptor, Descriptor], calls.Fsynced);
        Assert.Equal([Descriptor], calls.Closed);
    }

    [Fact]
    public void DescriptorZeroIsADescriptorLikeAnyOther()
    {
        // A process whose standard input is closed gets descriptor 0 for the next file it opens.
        var calls = new ScriptedDirectoryCalls(opens: [0], fsyncs: [0]);

        Assert.True(DirectorySync.Sync(calls, "/store/d", "'d'", "the store"));

        Assert.Equal([0], calls.Fsynced);
        Assert.Equal([0], calls.Closed);
    }

    [Fact]
    public void AFailedOpenNamesTheDirectoryAndTheError()
    {
        var calls = new ScriptedDirectoryCalls(opens: [-ENOENT, Descriptor], fsyncs: [0]);

        var error = Assert.Throws<StorageException>(() => DirectorySync.Sync(calls, "/store/d", "'d'", "the store"));

        Assert.Equal("Cannot sync directory 'd' in the store: open failed with errno 2 (No such file or directory).", error.Message);
        Assert.Single(calls.Opened);
        Assert.Empty(calls.Fsynced);
        Assert.Empty(calls.Closed);
    }

    [Fact]
    public void AFailedFsyncIsReportedNotRetriedAndTheDescriptorClosed()
    {
        // A success is scripted after the failure: a retry would reach it and report the directory durable.
        var calls = new ScriptedDirectoryCalls(opens: [Descriptor], fsyncs: [-EIO, 0]);

        var error = Assert.Throws<StorageException>(() => DirectorySync.Sync(calls, "/store/d", "'d'", "the store"));

        Assert.Equal("Cannot sync directory 'd' in the store: fsync failed with errno 5 (Input/output error).", error.Message);
        Assert.Equal([Descriptor], calls.Fsynced);
        Assert.Equal([Descriptor], calls.Closed);
    }

    [Fact]
    public async Task ADirectoryWhoseFsyncFailedStaysDirtyUntilAnFsyncSucceeds()
    {
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        await backend.CreateDirectoryAsync("d");
        await using (var file = await backend.CreateAsync("d/file"))
        {
            file.Write([1]);
            await file.CommitAsync();
        }

        Assert.Equal(["d"], backend.DirtyDirectories);
        var failing = new ScriptedDirectoryCalls(opens: [Descriptor], fsyncs: [-EIO]);
        backend.SystemCalls = failing;

        var error = await Assert.ThrowsAsync<StorageException>(async () => await backend.SyncDirectoryAsync("d"));

        Assert.Equal($"Cannot sync directory 'd' in {backend.Description}: fsync failed with errno 5 (Input/output error).", error.Message);
        Assert.Equal(["d"], backend.DirtyDirectories);
        Assert.Equal([Descriptor], failing.Closed);

        var healed = new ScriptedDirectoryCalls(opens: [Descriptor], fsyncs: [0]);
        backend.SystemCalls = healed;
        await backend.SyncDirectoryAsync("d");

        Assert.Empty(backend.DirtyDirectories);
        Assert.Equal([temp.Join("root", "d")], healed.Opened);
    }

    [Fact]
    public async Task ANewDirectoryWhoseParentCannotBeSyncedIsUndoneAndCreatedAgainByARetry()
    {
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        var failing = new ScriptedDirectoryCalls(opens: [Descriptor], fsyncs: [-EIO]);
        backend.SystemCalls = failing;

        var error = await Assert.ThrowsAsync<StorageException>(async () => await backend.CreateDirectoryAsync("new/below"));

        // The first new level's entry lives in the root, whose fsync failed: nothing below it was created.
        Assert.Equal($"Cannot sync directory the root directory in {backend.Description}: fsync failed with errno 5 (Input/output error).", error.Message);
        Assert.Equal([temp.Join("root")], failing.Opened);
        Assert.Null(await backend.GetEntryAsync("new"));

        // Left in place, "new" would be found by the retry and its parent never synced again.
        var healed = new ScriptedDirectoryCalls(opens: [Descriptor, Descriptor], fsyncs: [0, 0]);
        backend.SystemCalls = healed;
        await backend.CreateDirectoryAsync("new/below");

        Assert.Equal([temp.Join("root"), temp.Join("root", "new")], healed.Opened);
        Assert.Equal(new StorageEntry("new/below", true, 0), await backend.GetEntryAsync("new/below"));
    }

    [Fact]
    public void AFileIsNoDirectoryToSync()
    {
        // O_DIRECTORY: a file put where a directory was expected is refused, not fsynced as if it were the directory.
        File.WriteAllBytes(temp.Join("f"), [1]);

        var error = Assert.Throws<StorageException>(() => DirectorySync.Sync(LibcSystemCalls.Instance, temp.Join("f"), "'f'", "the store"));

        Assert.Equal("Cannot sync directory 'f' in the store: open failed with errno 20 (Not a directory).", error.Message);
    }

    [Fact]
    public async Task UndoingANewDirectoryNeverRemovesWhatAnotherWriterPutInIt()
    {
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        backend.SystemCalls = new ScriptedDirectoryCalls(opens: [Descriptor], fsyncs: [-EIO])
        {
            BeforeFsync = () => File.WriteAllBytes(temp.Join("root", "new", "theirs"), [7]),
        };

        await Assert.ThrowsAsync<StorageException>(async () => await backend.CreateDirectoryAsync("new"));

        Assert.Equal([7], File.ReadAllBytes(temp.Join("root", "new", "theirs")));
    }

    [Fact]
    public void ARootWhoseChainCannotBeSyncedIsRefusedNamingTheLevel()
    {
        // The root and its parent are new: the first level's entry lives in the temporary directory, fsynced first.
        var failing = new ScriptedDirectoryCalls(opens: [Descriptor], fsyncs: [-EIO]);

        var error = Assert.Throws<StorageException>(() => new LocalFileSystemBackend(temp.Join("a", "root"), failing));

        Assert.Equal(
            $"Cannot sync directory '{temp.Path}' in the chain of local directory '{temp.Join("a", "root")}': fsync failed with errno 5 (Input/output error).",
            error.Message);
        Assert.Equal([temp.Path], failing.Opened);
    }
}
