using System.Text;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>The behaviour every <see cref="IStorageBackend"/> owes its callers; each backend runs it through a subclass.</summary>
public abstract partial class StorageContractTests : IDisposable
{
    public static TheoryData<string> HostilePaths => new()
    {
        "../x",
        "a/../../x",
        "/etc/passwd",
        "C:\\x",
        "C:x",
        "\\\\server\\share",
        "\\x",
        "a\0b",
        "a//b",
        "./a",
        "..",
        "a/..",
        "a/./b",
        "a\\..\\..\\x",
        "a/\u0007b",
        ".name.0123456789abcdef.tmp",
    };

    protected abstract IStorageBackend Backend { get; }

    /// <summary>
    /// True when the backend knows a file's length without real asynchronous I/O, so that refusing a long file can be
    /// observed on the calling thread. Object storage asks the server (HEAD): it overrides this with false, and its own
    /// tests show that the refused object was not downloaded.
    /// </summary>
    protected virtual bool ChecksLengthWithoutIo => true;

    public virtual void Dispose() => GC.SuppressFinalize(this);

    [Fact]
    public async Task CommitPublishesAtomically()
    {
        var bytes = Encoding.UTF8.GetBytes("hello, durable world");
        await using var file = await Backend.CreateAsync("a.bin");
        await file.WriteAsync(bytes);
        file.Write(bytes);

        Assert.Equal("a.bin", file.Path);
        Assert.False(file.IsCommitted);
        Assert.Equal(2 * bytes.Length, file.Length);
        Assert.Empty(await Backend.ListAsync(""));
        Assert.Null(await Backend.GetEntryAsync("a.bin"));
        await Assert.ThrowsAsync<FileNotFoundException>(async () => await Backend.OpenReadAsync("a.bin"));
        await Assert.ThrowsAsync<FileNotFoundException>(async () => await Backend.ReadAllBytesAsync("a.bin"));

        await file.CommitAsync();

        var doubled = bytes.Concat(bytes).ToArray();
        Assert.True(file.IsCommitted);
        Assert.Equal(2 * bytes.Length, file.Length);
        Assert.Equal(doubled, await Backend.ReadAllBytesAsync("a.bin"));
        Assert.Equal([new StorageEntry("a.bin", false, 2 * bytes.Length)], await Backend.ListAsync(""));
        Assert.Equal(new StorageEntry("a.bin", false, 2 * bytes.Length), await Backend.GetEntryAsync("a.bin"));
        await using var stream = await Backend.OpenReadAsync("a.bin");
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(doubled, copy.ToArray());
    }

    [Fact]
    public async Task UncommittedDisposeLeavesNothing()
    {
        await using (var file = await Backend.CreateAsync("dir/x.bin"))
        {
            await file.WriteAsync(new byte[1000]);
        }

        Assert.Null(await Backend.GetEntryAsync("dir/x.bin"));
        Assert.Empty(await Backend.ListAsync("dir"));
        await Assert.ThrowsAsync<FileNotFoundException>(async () => await Backend.ReadAllBytesAsync("dir/x.bin"));
        AssertNoStrayFiles("dir");
    }

    [Fact]
    public async Task CommitTwiceFailsAndCommittedFilesRefuseWrites()
    {
        await using var file = await Backend.CreateAsync("once");
        file.Write([1, 2, 3]);
        await file.CommitAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await file.CommitAsync());
        Assert.Throws<InvalidOperationException>(() => file.Write([4]));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await file.WriteAsync(new byte[] { 4 }));
        Assert.Equal(new byte[] { 1, 2, 3 }, await Backend.ReadAllBytesAsync("once"));
    }

    [Fact]
    public async Task CommitAfterDisposeFails()
    {
        var file = await Backend.CreateAsync("abandoned");
        file.Write([1]);
        await file.DisposeAsync();
        await file.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await file.CommitAsync());
        Assert.Throws<InvalidOperationException>(() => file.Write([2]));
        Assert.Null(await Backend.GetEntryAsync("abandoned"));
    }

    [Fact]
    public async Task OverwriteByCommitReplaces()
    {
        await WriteAsync("data", [1, 1, 1, 1]);
        await using var second = await Backend.CreateAsync("data");
        second.Write([2, 2]);
        Assert.Equal(new byte[] { 1, 1, 1, 1 }, await Backend.ReadAllBytesAsync("data"));
        Assert.Equal(4, (await Backend.GetEntryAsync("data"))!.Length);

        await second.CommitAsync();

        Assert.Equal(new byte[] { 2, 2 }, await Backend.ReadAllBytesAsync("data"));
        Assert.Equal([new StorageEntry("data", false, 2)], await Backend.ListAsync(""));
    }

    [Fact]
    public async Task ReadersOfTheOldVersionKeepItWhileANewOneIsCommitted()
    {
        await WriteAsync("data", [1, 2, 3, 4]);
        await using var reader = await Backend.OpenReadAsync("data");
        await WriteAsync("data", [9]);

        var old = new MemoryStream();
        await reader.CopyToAsync(old);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, old.ToArray());
        Assert.Equal(new byte[] { 9 }, await Backend.ReadAllBytesAsync("data"));
    }

    [Fact]
    public async Task NestedDirectoriesAreCreated()
    {
        await using (var file = await Backend.CreateAsync("a/b/c/file"))
        {
            Assert.Equal(new StorageEntry("a/b/c", true, 0), await Backend.GetEntryAsync("a/b/c"));
            Assert.Empty(await Backend.ListAsync("a/b/c"));
            file.Write([7]);
            await file.CommitAsync();
        }

        Assert.Equal([new StorageEntry("a/b", true, 0)], await Backend.ListAsync("a"));
        Assert.Equal([new StorageEntry("a/b/c/file", false, 1)], await Backend.ListAsync("a/b/c/"));
        Assert.Equal(new byte[] { 7 }, await Backend.ReadAllBytesAsync("a\\b\\c\\file"));

        await Backend.CreateDirectoryAsync("x/y/z");
        await Backend.CreateDirectoryAsync("x/y/z");
        await Backend.CreateDirectoryAsync("");
        Assert.Equal(new StorageEntry("x/y/z", true, 0), await Backend.GetEntryAsync("x/y/z"));
        Assert.Equal(new StorageEntry("", true, 0), await Backend.GetEntryAsync(""));
        await Backend.SyncDirectoryAsync("x/y/z");
        await Backend.SyncDirectoryAsync("");
    }

    [Fact]
    public async Task FilesAndDirectoriesDoNotStandInForEachOther()
    {
        await WriteAsync("file", [1]);
        await Backend.CreateDirectoryAsync("dir");

        await Assert.ThrowsAsync<StorageException>(async () => await Backend.CreateAsync("file/below"));
        await Assert.ThrowsAsync<StorageException>(async () => await Backend.CreateDirectoryAsync("file/below"));
        await Assert.ThrowsAsync<StorageException>(async () => await Backend.CreateAsync("dir"));
        await Assert.ThrowsAsync<StorageException>(async () => await Backend.OpenReadAsync("dir"));
        await Assert.ThrowsAsync<StorageException>(async () => await Backend.ReadAllBytesAsync("dir"));
        await Assert.ThrowsAsync<StorageException>(async () => await Backend.ListAsync("file"));
        await Assert.ThrowsAsync<StorageException>(async () => await Backend.SyncDirectoryAsync("file"));
        await Assert.ThrowsAsync<StorageException>(async () => await Backend.DeleteAsync("dir"));
        await Assert.ThrowsAsync<StorageException>(async () => await Backend.DeleteDirectoryAsync("file"));
        Assert.Equal(new StorageEntry("file", false, 1), await Backend.GetEntryAsync("file"));
        Assert.Null(await Backend.GetEntryAsync("file/below"));
    }

    [Fact]
    public async Task ACommitOntoAPathThatBecameADirectoryFailsAndCannotBeRetried()
    {
        await using var file = await Backend.CreateAsync("target");
        file.Write([1]);
        await Backend.CreateDirectoryAsync("target");

        await Assert.ThrowsAsync<StorageException>(async () => await file.CommitAsync());
        Assert.False(file.IsCommitted);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await file.CommitAsync());
        await file.DisposeAsync();
        Assert.Equal([new StorageEntry("target", true, 0)], await Backend.ListAsync(""));
        Assert.Empty(await Backend.ListAsync("target"));
        AssertNoStrayFiles("");
    }

    [Fact]
    public async Task ACommitIntoADeletedDirectoryFails()
    {
        await using var file = await Backend.CreateAsync("gone/file");
        file.Write([1]);
        Assert.True(await Backend.DeleteDirectoryAsync("gone"));

        await Assert.ThrowsAsync<StorageException>(async () => await file.CommitAsync());
        Assert.Null(await Backend.GetEntryAsync("gone"));
    }

    [Fact]
    public async Task ListIsOrdinalAndHidesPendingFiles()
    {
        string[] names = ["b", "B", "a", "a.b", "a-b", "aa", "_", "Z", "é", "10", "9", ".hidden", "a.tmp"];
        foreach (var name in names)
        {
            await WriteAsync(name, Encoding.UTF8.GetBytes(name));
        }

        await Backend.CreateDirectoryAsync("m");
        await using var pending = await Backend.CreateAsync("zz");
        pending.Write([1, 2, 3]);
        await using var pendingOverwrite = await Backend.CreateAsync("a");
        pendingOverwrite.Write([1, 2, 3, 4, 5, 6, 7, 8]);

        var listed = await Backend.ListAsync("");

        var expected = names.Append("m").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, listed.Select(e => e.Name));
        Assert.Equal(expected, listed.Select(e => e.Path));
        Assert.All(listed, e => Assert.Equal(e.Name == "m" ? 0 : Encoding.UTF8.GetByteCount(e.Name), e.Length));
        Assert.True(listed.Single(e => e.Name == "m").IsDirectory);
        Assert.Equal(["m"], listed.Where(e => e.IsDirectory).Select(e => e.Name));
    }

    [Fact]
    public async Task ListNamesMissingDirectories()
    {
        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(async () => await Backend.ListAsync("no/such"));
        Assert.Contains("no/such", error.Message);
        Assert.Contains(Backend.Description, error.Message);
        await Assert.ThrowsAsync<DirectoryNotFoundException>(async () => await Backend.SyncDirectoryAsync("no/such"));
    }

    [Fact]
    public async Task MissingFilesAreNamedWithTheBackend()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(async () => await Backend.OpenReadAsync("dir/missing.bin"));
        Assert.Contains("dir/missing.bin", error.Message);
        Assert.Contains(Backend.Description, error.Message);
        Assert.Equal("dir/missing.bin", error.FileName);
    }

    [Fact]
    public async Task DeleteSemantics()
    {
        await WriteAsync("d/one", [1]);
        await WriteAsync("d/two", [2]);
        await WriteAsync("d/e/three", [3]);

        Assert.True(await Backend.DeleteAsync("d/one"));
        Assert.Null(await Backend.GetEntryAsync("d/one"));
        Assert.False(await Backend.DeleteAsync("d/one"));
        Assert.False(await Backend.DeleteAsync("nowhere/one"));
        Assert.Equal(["d/e", "d/two"], (await Backend.ListAsync("d")).Select(e => e.Path));

        Assert.True(await Backend.DeleteDirectoryAsync("d"));
        Assert.Null(await Backend.GetEntryAsync("d"));
        Assert.Null(await Backend.GetEntryAsync("d/e/three"));
        Assert.False(await Backend.DeleteDirectoryAsync("d"));
        Assert.Empty(await Backend.ListAsync(""));
        AssertNoStrayFiles("");

        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.DeleteDirectoryAsync(""));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.DeleteAsync(""));
        await Backend.SyncDirectoryAsync("");
    }

    [Fact]
    public async Task ReadAllBytesRefusesLongFilesBeforeAllocating()
    {
        const int length = 4 << 20;
        await WriteAsync("big", new byte[length]);

        // Both backends check the length before any real asynchronous I/O, so the refusal completes on this thread
        // and the thread's allocation counter sees everything it allocated.
        var before = GC.GetAllocatedBytesForCurrentThread();
        Exception? thrown = null;
        var refusal = default(ValueTask<byte[]>);
        try
        {
            refusal = Backend.ReadAllBytesAsync("big", maxBytes: 1024);
        }
        catch (StorageException exception)
        {
            thrown = exception;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (thrown is null)
        {
            Assert.True(refusal.IsCompleted || !ChecksLengthWithoutIo);
            thrown = await Assert.ThrowsAsync<StorageException>(async () => await refusal);
        }

        var error = Assert.IsType<StorageException>(thrown);
        Assert.Contains("big", error.Message);
        Assert.Contains("1024", error.Message);
        Assert.True(allocated < 256 * 1024 || !ChecksLengthWithoutIo, $"refusing a {length}-byte file allocated {allocated} bytes");

        Assert.Equal(length, (await Backend.ReadAllBytesAsync("big", maxBytes: length)).Length);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Backend.ReadAllBytesAsync("big", maxBytes: -1));
        Assert.Empty(await WriteAndReadEmptyAsync());
    }

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public async Task HostilePathsAreRefusedEverywhere(string path)
    {
        await WriteAsync("keep/file", [42]);

        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.CreateAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.CreateAsync(path + "/file"));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.CreateDirectoryAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.SyncDirectoryAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.OpenReadAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.ReadAllBytesAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.GetEntryAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.ListAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.DeleteAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.DeleteDirectoryAsync(path));

        Assert.Equal(["keep"], (await Backend.ListAsync("")).Select(e => e.Path));
        Assert.Equal(new byte[] { 42 }, await Backend.ReadAllBytesAsync("keep/file"));
        AssertNoStrayFiles("keep");
    }

    [Fact]
    public async Task LoneSurrogatesAreRefused()
    {
        // Not theory data: xunit's serialization of theory arguments would turn the lone surrogate into U+FFFD.
        foreach (var path in new[] { "a\uD800b", "a/\uDC00", "\uD800" })
        {
            await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.CreateAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await Backend.GetEntryAsync(path));
        }

        await WriteAsync("pair\uD83D\uDE00", [1]);
        Assert.Equal(["pair\uD83D\uDE00"], (await Backend.ListAsync("")).Select(e => e.Path));
    }

    [Fact]
    public async Task ConcurrentWritersAllPublish()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, 64), async (i, ct) =>
        {
            await using var file = await Backend.CreateAsync($"p/{i % 4}/f{i:D2}", ct);
            await file.WriteAsync(BitConverter.GetBytes(i), ct);
            await file.CommitAsync(ct);
        });

        for (var d = 0; d < 4; d++)
        {
            var listed = await Backend.ListAsync($"p/{d}");
            Assert.Equal(16, listed.Count);
            foreach (var entry in listed)
            {
                Assert.Equal(BitConverter.GetBytes(int.Parse(entry.Name[1..])), await Backend.ReadAllBytesAsync(entry.Path));
            }
        }
    }

    [Fact]
    public async Task CancelledOperationsDoNothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Backend.CreateAsync("c", cancelled.Token));
        await using var file = await Backend.CreateAsync("c");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await file.CommitAsync(cancelled.Token));
        Assert.Null(await Backend.GetEntryAsync("c"));
    }

    [Fact]
    public async Task CreateNewPublishesOntoAFreeName()
    {
        await using var file = await Backend.CreateNewAsync("n/new.bin");
        await file.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.Null(await Backend.GetEntryAsync("n/new.bin"));
        await file.CommitAsync();

        Assert.True(file.IsCommitted);
        Assert.Equal(new byte[] { 1, 2, 3 }, await Backend.ReadAllBytesAsync("n/new.bin"));
        await Backend.SyncDirectoryAsync("n");
        AssertNoStrayFiles("n");
    }

    [Fact]
    public async Task CreateNewNeverReplacesACommittedFile()
    {
        await WriteAsync("n/taken.bin", [7, 7]);
        await using (var file = await Backend.CreateNewAsync("n/taken.bin"))
        {
            await file.WriteAsync(new byte[] { 9, 9, 9 });
            var refused = await Assert.ThrowsAsync<StorageFileExistsException>(async () => await file.CommitAsync());

            Assert.False(file.IsCommitted);
            Assert.Equal("n/taken.bin", refused.Path);
            Assert.Equal(Backend.Description, refused.Backend);
            Assert.Contains("n/taken.bin", refused.Message, StringComparison.Ordinal);
            Assert.Contains(Backend.Description, refused.Message, StringComparison.Ordinal);

            // A refused commit, like any failed one, is not retried on the same pending file.
            await Assert.ThrowsAnyAsync<InvalidOperationException>(async () => await file.CommitAsync());
        }

        Assert.Equal(new byte[] { 7, 7 }, await Backend.ReadAllBytesAsync("n/taken.bin"));
        Assert.Equal(["n/taken.bin"], (await Backend.ListAsync("n")).Select(e => e.Path));
        AssertNoStrayFiles("n");
    }

    [Fact]
    public async Task CreateNewPublishesAgainOnceTheFileIsDeleted()
    {
        await WriteAsync("gone.bin", [1]);
        Assert.True(await Backend.DeleteAsync("gone.bin"));
        await using var file = await Backend.CreateNewAsync("gone.bin");
        await file.WriteAsync(new byte[] { 2 });
        await file.CommitAsync();
        Assert.Equal(new byte[] { 2 }, await Backend.ReadAllBytesAsync("gone.bin"));
    }

    [Fact]
    public async Task TwoWritersRacingCreateNewOnOnePathExactlyOneWins()
    {
        for (var round = 0; round < 16; round++)
        {
            var path = $"race/{round}.bin";
            await using var first = await Backend.CreateNewAsync(path);
            await using var second = await Backend.CreateNewAsync(path);
            await first.WriteAsync(new byte[] { 1, (byte)round });
            await second.WriteAsync(new byte[] { 2, (byte)round, 0 });

            using var start = new ManualResetEventSlim();
            var commits = new[] { first, second }.Select(file => Task.Run(async () =>
            {
                start.Wait();
                try
                {
                    await file.CommitAsync();
                    return (Exception?)null;
                }
                catch (Exception exception)
                {
                    return exception;
                }
            })).ToArray();
            start.Set();
            var outcomes = await Task.WhenAll(commits);

            Assert.Single(outcomes, o => o is null);
            Assert.IsType<StorageFileExistsException>(Assert.Single(outcomes, o => o is not null));
            var winner = outcomes[0] is null ? new byte[] { 1, (byte)round } : new byte[] { 2, (byte)round, 0 };
            Assert.Equal(winner, await Backend.ReadAllBytesAsync(path));
            Assert.Equal(outcomes[0] is null, first.IsCommitted);
            Assert.Equal(outcomes[1] is null, second.IsCommitted);
        }

        Assert.Equal(16, (await Backend.ListAsync("race")).Count);
        AssertNoStrayFiles("race");
    }

    /// <summary>Checks, where the backend has a physical form, that no temporary or other stray file is left.</summary>
    protected virtual void AssertNoStrayFiles(string directory)
    {
    }

    protected async Task WriteAsync(string path, byte[] bytes)
    {
        await using var file = await Backend.CreateAsync(path);
        await file.WriteAsync(bytes);
        await file.CommitAsync();
    }

    private async Task<byte[]> WriteAndReadEmptyAsync()
    {
        await WriteAsync("empty", []);
        return await Backend.ReadAllBytesAsync("empty", maxBytes: 0);
    }
}

#if !STORAGE_CONTRACT_ONLY // other test projects link this file for the contract alone
public sealed class InMemoryBackendContractTests : StorageContractTests
{
    protected override IStorageBackend Backend { get; } = new InMemoryBackend();

    [Fact]
    public async Task ACommitIntoADeletedDirectorySaysSo()
    {
        await using var file = await Backend.CreateAsync("gone/file");
        await Backend.DeleteDirectoryAsync("gone");

        var error = await Assert.ThrowsAsync<StorageException>(async () => await file.CommitAsync());
        Assert.Equal("Cannot rename 'gone/file' into place in memory: its directory was deleted after the file was created.", error.Message);
    }
}

public sealed class LocalFileSystemBackendContractTests : StorageContractTests
{
    private readonly TempDirectory temp = new();

    public LocalFileSystemBackendContractTests() => Backend = new LocalFileSystemBackend(temp.Join("root"));

    protected override IStorageBackend Backend { get; }

    public override void Dispose()
    {
        temp.Dispose();
        base.Dispose();
    }

    protected override void AssertNoStrayFiles(string directory)
    {
        var full = temp.Join("root", directory);
        var names = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).ToArray();
        Assert.DoesNotContain(names, name => name!.EndsWith(".tmp", StringComparison.Ordinal));

        // Nothing ever lands next to the root either.
        Assert.Equal(["root"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }
}
#endif
