using Bulwark.Storage;
using Microsoft.Extensions.Logging;
using Xunit;
using static Bulwark.Runtime.Tests.Storage.SystemCallErrors;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// A create-new commit on the local backend (link the temporary to the final name, then unlink the temporary) over
/// system calls that fail on cue: a failed link publishes nothing, an interrupted one is made again, and a temporary
/// name that cannot be removed leaves the file published, the name hidden and collectable.
/// </summary>
public sealed class NoReplaceCommitFaultTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly FaultingSystemCalls calls = new();
    private readonly RecordingLogger logger = new();
    private readonly LocalFileSystemBackend backend;

    public NoReplaceCommitFaultTests()
    {
        backend = new LocalFileSystemBackend(temp.Join("root"), logger) { SystemCalls = calls };
    }

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_failed_link_publishes_nothing_and_leaves_no_temporary()
    {
        calls.Links.Enqueue(LinkFault.Fails(EIO));
        var file = await backend.CreateNewAsync("d/new");
        file.Write([1, 2]);

        var error = await Assert.ThrowsAsync<StorageException>(async () => await file.CommitAsync());
        await file.DisposeAsync();

        Assert.Equal($"Cannot rename into place 'd/new' in {backend.Description}: link failed with errno 5 ({IoError}).", error.Message);
        Assert.Null(await backend.GetEntryAsync("d/new"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Join("root", "d")));
        Assert.Empty(backend.DirtyDirectories);
    }

    [Fact]
    public async Task An_interrupted_link_is_made_again()
    {
        calls.Links.Enqueue(LinkFault.Fails(EINTR));
        await using var file = await backend.CreateNewAsync("d/new");
        file.Write([1, 2]);

        await file.CommitAsync();

        Assert.Equal(2, calls.LinksMade);
        Assert.Equal(new byte[] { 1, 2 }, await backend.ReadAllBytesAsync("d/new"));
        Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(temp.Join("root", "d")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_name_taken_at_the_link_refuses_the_commit_and_keeps_the_other_file()
    {
        calls.Links.Enqueue(LinkFault.Taken("theirs"));
        var file = await backend.CreateNewAsync("d/new");
        file.Write([1, 2]);

        var refused = await Assert.ThrowsAsync<StorageFileExistsException>(async () => await file.CommitAsync());
        await file.DisposeAsync();

        Assert.Equal("d/new", refused.Path);
        Assert.Equal("theirs"u8.ToArray(), await backend.ReadAllBytesAsync("d/new"));
        Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(temp.Join("root", "d")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_interrupted_unlink_of_the_temporary_name_is_made_again()
    {
        calls.Unlinks.Enqueue(EINTR);
        await using (var file = await backend.CreateNewAsync("d/new"))
        {
            file.Write([3]);
            await file.CommitAsync();
        }

        Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(temp.Join("root", "d")).Select(Path.GetFileName));
        Assert.Empty(logger.Named("PublishedTemporaryNotRemoved"));
        Assert.Equal(new byte[] { 3 }, await backend.ReadAllBytesAsync("d/new"));
    }

    [Fact]
    public async Task A_temporary_name_that_cannot_be_removed_stays_hidden_and_is_collected()
    {
        calls.Unlinks.Enqueue(EIO);
        await using (var file = await backend.CreateNewAsync("d/new"))
        {
            file.Write([1, 2]);
            await file.CommitAsync();
            Assert.True(file.IsCommitted);
        }

        // Said once, with the name left behind and why.
        var warning = Assert.Single(logger.Named("PublishedTemporaryNotRemoved"));
        var leftBehind = Assert.Single(Directory.EnumerateFiles(temp.Join("root", "d"), ".new.*.tmp"));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(leftBehind, warning.Fields["Temporary"]);
        Assert.Equal("d/new", warning.Fields["Path"]);
        Assert.Equal($"unlink failed with errno 5 ({IoError}).", warning.Exception?.Message);
        Assert.Empty(logger.Named("TemporaryNotDeleted"));

        // Published under its final name; the second name is a hidden temporary, never listed, and the next collection
        // of abandoned temporaries removes it without touching the file.
        Assert.Equal(new byte[] { 1, 2 }, await backend.ReadAllBytesAsync("d/new"));
        Assert.Equal([new StorageEntry("d/new", false, 2)], await backend.ListAsync("d"));
        Assert.Equal(2, Directory.EnumerateFileSystemEntries(temp.Join("root", "d")).Count());
        Assert.Equal(1, await backend.DeleteAbandonedTemporariesAsync("d"));
        Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(temp.Join("root", "d")).Select(Path.GetFileName));
        Assert.Equal(new byte[] { 1, 2 }, await backend.ReadAllBytesAsync("d/new"));
    }
}
