using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

// The contract's refusals, word for word: a cancelled call changes nothing, a closed pending file says why it refuses
// a write, and every backend words the same refusal the same way, so that callers and operators meet one text.
public abstract partial class StorageContractTests
{
    [Fact]
    public async Task EveryCallRefusesACancelledTokenAndChangesNothing()
    {
        await WriteAsync("kept/file", [1, 2]);
        var owner = StorageLockOwner.Current("contract test");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.CreateAsync("new", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.CreateNewAsync("new", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.CreateDirectoryAsync("made", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.SyncDirectoryAsync("kept", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.OpenReadAsync("kept/file", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.ReadAllBytesAsync("kept/file", cancellationToken: token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.GetEntryAsync("kept/file", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.ListAsync("kept", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.DeleteAsync("kept/file", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.DeleteDirectoryAsync("kept", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.AcquireLockAsync("held", owner, token));

        Assert.Equal([new StorageEntry("kept", true, 0)], await Backend.ListAsync(""));
        Assert.Equal([new StorageEntry("kept/file", false, 2)], await Backend.ListAsync("kept"));
        Assert.Equal(new byte[] { 1, 2 }, await Backend.ReadAllBytesAsync("kept/file"));

        // The cancelled acquisition took nothing: the lock is free for the next caller, who alone holds it.
        await using var held = await Backend.AcquireLockAsync("held", owner);
        var refused = await Assert.ThrowsAsync<StorageLockedException>(async () => await Backend.AcquireLockAsync("held", owner));
        Assert.Equal("held", refused.Path);
    }

    [Fact]
    public async Task ALockNeedsAnOwner()
    {
        var error = await Assert.ThrowsAsync<ArgumentNullException>(async () => await Backend.AcquireLockAsync("held", null!));
        Assert.Equal("owner", error.ParamName);
    }

    [Fact]
    public async Task AClosedPendingFileSaysWhyItRefusesAWrite()
    {
        var committed = await Backend.CreateAsync("dir/committed");
        committed.Write([1, 2, 3]);
        await committed.CommitAsync();
        await committed.DisposeAsync();
        var abandoned = await Backend.CreateAsync("dir/abandoned");
        abandoned.Write([4, 5]);
        await abandoned.DisposeAsync();

        // Disposing a committed file keeps the committed reason; one disposal is enough to close an abandoned one.
        var afterCommit = Assert.Throws<InvalidOperationException>(() => committed.Write([9]));
        Assert.Equal("The pending file 'dir/committed' was committed; its bytes can no longer change.", afterCommit.Message);
        var afterDispose = Assert.Throws<InvalidOperationException>(() => abandoned.Write([9]));
        Assert.Equal("The pending file 'dir/abandoned' was disposed without a commit; nothing can be written to it.", afterDispose.Message);
        var asyncAfterDispose = await Assert.ThrowsAsync<InvalidOperationException>(async () => await abandoned.WriteAsync(new byte[] { 9 }));
        Assert.Equal(afterDispose.Message, asyncAfterDispose.Message);

        foreach (var (file, length) in new[] { (committed, 3L), (abandoned, 2L) })
        {
            Assert.Equal(length, file.Length);
            Assert.False(file.Stream.CanWrite);
            Assert.False(file.Stream.CanRead);
            Assert.False(file.Stream.CanSeek);
        }

        Assert.Equal(new byte[] { 1, 2, 3 }, await Backend.ReadAllBytesAsync("dir/committed"));
        Assert.Null(await Backend.GetEntryAsync("dir/abandoned"));
    }

    [Fact]
    public async Task ASecondCommitAndACommitAfterAFailureSayWhy()
    {
        await using var committed = await Backend.CreateAsync("done");
        await committed.CommitAsync();
        var again = await Assert.ThrowsAsync<InvalidOperationException>(async () => await committed.CommitAsync());
        Assert.Equal("The pending file 'done' was already committed; a pending file is committed once.", again.Message);

        await using var late = await Backend.CreateNewAsync("done");
        late.Write([1]);
        await Assert.ThrowsAsync<StorageFileExistsException>(async () => await late.CommitAsync());
        var retried = await Assert.ThrowsAsync<InvalidOperationException>(async () => await late.CommitAsync());
        Assert.Equal("An earlier commit of the pending file 'done' failed; write the file again with a new pending file.", retried.Message);
        Assert.Equal(Array.Empty<byte>(), await Backend.ReadAllBytesAsync("done"));
    }

    [Fact]
    public async Task ACreateNewCommitOntoANameThatBecameADirectorySaysSo()
    {
        await using var file = await Backend.CreateNewAsync("became");
        file.Write([1]);
        await WriteAsync("became/inner", [2]);

        var refused = await Assert.ThrowsAsync<StorageException>(async () => await file.CommitAsync());

        Assert.Equal($"'became' in {Backend.Description} is a directory, not a file.", refused.Message);
        Assert.Equal([new StorageEntry("became/inner", false, 1)], await Backend.ListAsync("became"));
    }

    [Fact]
    public async Task AReadStreamIsReadOnlyAndTwoReadersShareAFile()
    {
        await WriteAsync("shared", [7, 8, 9]);
        await using var first = await Backend.OpenReadAsync("shared");
        await using var second = await Backend.OpenReadAsync("shared");

        Assert.False(first.CanWrite);
        Assert.Throws<NotSupportedException>(() => first.Write([1]));
        Assert.Equal(new byte[] { 7, 8, 9 }, await ReadToEndAsync(second));
        Assert.Equal(new byte[] { 7, 8, 9 }, await ReadToEndAsync(first));
        Assert.Equal(new byte[] { 7, 8, 9 }, await Backend.ReadAllBytesAsync("shared"));
    }

    [Fact]
    public async Task RefusalsAreWordedAlikeByEveryBackend()
    {
        await WriteAsync("f/x", [1]);
        await Backend.CreateDirectoryAsync("d");
        var description = Backend.Description;

        var fileInTheWay = await Assert.ThrowsAsync<StorageException>(async () => await Backend.CreateAsync("f/x/y/z"));
        Assert.Equal($"Cannot create 'f/x/y/z' in {description}: 'f/x' is a file, not a directory.", fileInTheWay.Message);
        var directoryInTheWay = await Assert.ThrowsAsync<StorageException>(async () => await Backend.OpenReadAsync("d"));
        Assert.Equal($"'d' in {description} is a directory, not a file.", directoryInTheWay.Message);
        var listedFile = await Assert.ThrowsAsync<StorageException>(async () => await Backend.ListAsync("f/x"));
        Assert.Equal($"'f/x' in {description} is a file, not a directory.", listedFile.Message);
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(async () => await Backend.ReadAllBytesAsync("f/none"));
        Assert.Equal($"File 'f/none' does not exist in {description}.", missing.Message);

        // A control character is shown escaped, so that the message cannot corrupt a log line or a terminal.
        var hostile = await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.ReadAllBytesAsync("a/\u0007b"));
        Assert.Equal("Storage path 'a/\\u0007b' is refused: it contains a control character (NUL or another).", hostile.Message);
        Assert.Equal("a/\u0007b", hostile.Path);
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
