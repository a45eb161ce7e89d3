using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// What only a real file system can show: nothing outside the root is touched by hostile paths or planted links,
/// temporaries are real but hidden, and the fsyncs a crash-safe protocol relies on really happen.
/// </summary>
public sealed class LocalFileSystemBackendTests : IDisposable
{
    private static readonly byte[] SentinelBytes = "do not touch"u8.ToArray();

    private readonly TempDirectory temp = new();
    private readonly TestMeterFactory meters = new();
    private readonly MeterTotals counters;
    private readonly RecordingLogger logger = new();
    private readonly LocalFileSystemBackend backend;

    public LocalFileSystemBackendTests()
    {
        // Layout: {temp}/root is the store; {temp}/sentinel and {temp}/outside/sentinel must survive every test.
        File.WriteAllBytes(temp.Join("sentinel"), SentinelBytes);
        Directory.CreateDirectory(temp.Join("outside"));
        File.WriteAllBytes(temp.Join("outside", "sentinel"), SentinelBytes);
        counters = new MeterTotals(meters, StorageMetrics.MeterName);
        backend = new LocalFileSystemBackend(temp.Join("root"), logger, meters);
    }

    public static TheoryData<string> PathsAimedAtTheSentinels => new()
    {
        "../sentinel",
        "../outside/sentinel",
        "../outside",
        "..",
        "a/../../sentinel",
        "..\\outside\\sentinel",
        "a\\..\\..\\outside",
        "./../sentinel",
        "/tmp",
        "C:\\Windows",
        "\\\\server\\share\\sentinel",
    };

    public void Dispose()
    {
        counters.Dispose();
        meters.Dispose();
        temp.Dispose();
    }

    [Theory]
    [MemberData(nameof(PathsAimedAtTheSentinels))]
    public async Task HostilePathsNeverReachFilesOutsideTheRoot(string path)
    {
        await Assert.ThrowsAsync<StoragePathException>(async () => await backend.DeleteAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await backend.DeleteDirectoryAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ReadAllBytesAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ListAsync(path));
        await Assert.ThrowsAsync<StoragePathException>(async () => await backend.CreateAsync(path + "/new"));

        AssertSentinelsSurvive();
        Assert.Equal(["outside", "root", "sentinel"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Join("root")));
    }

    [Fact]
    public async Task AbsolutePathsOfTheSentinelsAreRefused()
    {
        foreach (var path in new[] { temp.Join("sentinel"), temp.Join("outside"), temp.Join("outside", "sentinel") })
        {
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.DeleteAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.DeleteDirectoryAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ReadAllBytesAsync(path));
        }

        AssertSentinelsSurvive();
    }

    [Fact]
    public async Task SymbolicLinksLeadingOutsideAreRefused()
    {
        if (!CanCreateSymbolicLinks())
        {
            return;
        }

        File.CreateSymbolicLink(temp.Join("root", "file-link"), temp.Join("outside", "sentinel"));
        Directory.CreateSymbolicLink(temp.Join("root", "dir-link"), temp.Join("outside"));
        Directory.CreateSymbolicLink(temp.Join("root", "relative-link"), Path.Join("..", "outside"));
        Directory.CreateDirectory(temp.Join("root", "inner"));
        Directory.CreateSymbolicLink(temp.Join("root", "inner", "hop"), Path.Join("..", "dir-link"));
        Directory.CreateSymbolicLink(temp.Join("root", "inner", "up"), "..");
        Directory.CreateSymbolicLink(temp.Join("root", "escape"), "..");

        foreach (var path in new[] { "file-link", "dir-link/sentinel", "relative-link/sentinel", "inner/hop/sentinel", "inner/up/dir-link/sentinel", "escape/sentinel", "escape/outside/sentinel" })
        {
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ReadAllBytesAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.OpenReadAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.GetEntryAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.DeleteAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.CreateAsync(path));
        }

        foreach (var path in new[] { "dir-link", "relative-link", "inner/hop", "escape", "inner/up/escape" })
        {
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.DeleteDirectoryAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ListAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.CreateAsync(path + "/new"));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.CreateNewAsync(path + "/new"));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.SyncDirectoryAsync(path));

            // Creating through the link would make directories and lock files outside the root.
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.CreateDirectoryAsync(path));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.CreateDirectoryAsync(path + "/made/deeper"));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.AcquireLockAsync(path + "/made/lock", StorageLockOwner.Current("the test")));
        }

        // A listing would report the length of a file outside the root through the link, so it refuses too.
        await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ListAsync(""));
        AssertSentinelsSurvive();
        Assert.Equal(["sentinel"], Directory.EnumerateFileSystemEntries(temp.Join("outside")).Select(Path.GetFileName));
        Assert.False(Directory.Exists(temp.Join("made")), "a directory was made beside the root through the link 'escape'");
    }

    [Fact]
    public async Task SymbolicLinksThatStayInsideAreFollowed()
    {
        if (!CanCreateSymbolicLinks())
        {
            return;
        }

        await WriteAsync("real/file", [5]);
        Directory.CreateSymbolicLink(temp.Join("root", "alias"), "real");

        Assert.Equal(new byte[] { 5 }, await backend.ReadAllBytesAsync("alias/file"));
        Assert.Equal(["alias", "real"], (await backend.ListAsync("")).Select(e => e.Path));
    }

    [Fact]
    public async Task ALinkLoopIsRefusedNotFollowedForever()
    {
        if (!CanCreateSymbolicLinks())
        {
            return;
        }

        File.CreateSymbolicLink(temp.Join("root", "loop-a"), "loop-b");
        File.CreateSymbolicLink(temp.Join("root", "loop-b"), "loop-a");

        await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ReadAllBytesAsync("loop-a"));
    }

    [Fact]
    public async Task DeletingADirectoryDoesNotFollowLinksInsideIt()
    {
        if (!CanCreateSymbolicLinks())
        {
            return;
        }

        await WriteAsync("victim/own", [1]);
        Directory.CreateSymbolicLink(temp.Join("root", "victim", "out-dir"), temp.Join("outside"));
        File.CreateSymbolicLink(temp.Join("root", "victim", "out-file"), temp.Join("sentinel"));

        Assert.True(await backend.DeleteDirectoryAsync("victim"));

        AssertSentinelsSurvive();
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Join("root")));
    }

    [Fact]
    public async Task PendingFilesAreHiddenTemporariesRemovedOnDispose()
    {
        await using (var file = await backend.CreateAsync("d/file"))
        {
            file.Write([1, 2, 3]);
            var onDisk = Directory.EnumerateFiles(temp.Join("root", "d")).Select(Path.GetFileName).ToArray();
            var temporary = Assert.Single(onDisk);
            Assert.StartsWith(".file.", temporary);
            Assert.EndsWith(".tmp", temporary);
            Assert.Empty(await backend.ListAsync("d"));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.GetEntryAsync("d/" + temporary));
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.DeleteAsync("d/" + temporary));
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Join("root", "d")));
    }

    [Fact]
    public async Task AbandonedTemporariesAreDeletedAndNothingElse()
    {
        // What a process killed mid-write leaves: an uncommitted temporary and a renamed-away directory.
        var abandoned = await backend.CreateAsync("d/state");
        abandoned.Write([1, 2, 3]);
        await WriteAsync("d/trash-me/inner", [1]);
        await backend.SyncDirectoryAsync("d/trash-me");
        var trash = temp.Join("root", "d", ".trash-me.0123456789abcdef.tmp");
        Directory.Move(temp.Join("root", "d", "trash-me"), trash);
        await WriteAsync("d/keep.tmp", [1]);
        await WriteAsync("d/.keep", [1]);
        await backend.SyncDirectoryAsync("d");

        Assert.Equal(2, await backend.DeleteAbandonedTemporariesAsync("d"));

        Assert.Equal([".keep", "keep.tmp"], Directory.EnumerateFileSystemEntries(temp.Join("root", "d")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["d"], backend.DirtyDirectories);

        // A collection that deletes nothing changes no entry, so it leaves nothing to sync.
        await backend.SyncDirectoryAsync("d");
        Assert.Equal(0, await backend.DeleteAbandonedTemporariesAsync("d"));
        Assert.Empty(backend.DirtyDirectories);
        await Assert.ThrowsAsync<DirectoryNotFoundException>(async () => await backend.DeleteAbandonedTemporariesAsync("none"));
        await abandoned.DisposeAsync();
    }

    [Fact]
    public async Task ACollectionOfAbandonedTemporariesChecksItsArgumentsAndItsToken()
    {
        var first = await backend.CreateAsync("d/first");
        first.Write([1]);
        var second = await backend.CreateAsync("d/second");
        second.Write([2]);
        await backend.CreateDirectoryAsync("empty");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var noFilter = await Assert.ThrowsAsync<ArgumentNullException>(async () => await backend.DeleteAbandonedTemporariesAsync("d", null!));
        Assert.Equal("isOwnTarget", noFilter.ParamName);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await backend.DeleteAbandonedTemporariesAsync("empty", cancelled.Token));

        // Cancelled while it walks the directory: it stops at the next entry instead of finishing the walk.
        using var midway = new CancellationTokenSource();
        var asked = new List<string>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await backend.DeleteAbandonedTemporariesAsync("d", target =>
        {
            asked.Add(target);
            midway.Cancel();
            return false;
        }, midway.Token));
        Assert.Single(asked);

        // No call deleted a temporary: both pending files still commit.
        Assert.Equal(2, Directory.EnumerateFiles(temp.Join("root", "d"), ".*.tmp").Count());
        foreach (var file in new[] { first, second })
        {
            await file.CommitAsync();
            await file.DisposeAsync();
        }

        Assert.Equal(new byte[] { 2 }, await backend.ReadAllBytesAsync("d/second"));
    }

    [Fact]
    public async Task CommitAndSyncFsyncTheFileAndTheDirectory()
    {
        await backend.CreateDirectoryAsync("dir");
        var directoriesBefore = counters[StorageMetrics.Fsyncs + "/directory"];

        await using (var file = await backend.CreateAsync("dir/state.bin"))
        {
            file.Write(new byte[300]);
            Assert.Equal(0, counters[StorageMetrics.Fsyncs + "/file"]);
            await file.CommitAsync();
        }

        Assert.Equal(1, counters[StorageMetrics.Fsyncs + "/file"]);
        Assert.Equal(1, counters[StorageMetrics.Commits]);
        Assert.Equal(300, counters[StorageMetrics.BytesWritten]);
        Assert.Equal(directoriesBefore, counters[StorageMetrics.Fsyncs + "/directory"]);
        Assert.Equal(["dir"], backend.DirtyDirectories);

        await backend.SyncDirectoryAsync("dir");

        Assert.Empty(backend.DirtyDirectories);
        Assert.Equal(directoriesBefore + (OperatingSystem.IsWindows() ? 0 : 1), counters[StorageMetrics.Fsyncs + "/directory"]);

        Assert.True(await backend.DeleteAsync("dir/state.bin"));
        Assert.Equal(["dir"], backend.DirtyDirectories);
        Assert.True(await backend.DeleteDirectoryAsync("dir"));
        Assert.Equal(["", "dir"], backend.DirtyDirectories);
        await backend.SyncDirectoryAsync("");
        Assert.Equal(["dir"], backend.DirtyDirectories);
    }

    [Fact]
    public async Task ANewDirectoryChainSyncsEachNewLevelsParent()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        logger.Clear();
        var before = counters[StorageMetrics.Fsyncs + "/directory"];

        await using (var file = await backend.CreateAsync("a/b/c/file"))
        {
            await file.CommitAsync();
        }

        Assert.Equal(["", "a", "a/b"], logger.SyncedDirectories);
        Assert.Equal(before + 3, counters[StorageMetrics.Fsyncs + "/directory"]);

        logger.Clear();
        await backend.CreateDirectoryAsync("a/b/d/e");
        Assert.Equal(["a/b", "a/b/d"], logger.SyncedDirectories);

        logger.Clear();
        await backend.CreateDirectoryAsync("a/b/d/e");
        await using (var file = await backend.CreateAsync("a/b/c/other"))
        {
            await file.CommitAsync();
        }

        Assert.Empty(logger.SyncedDirectories);
        Assert.Equal(before + 5, counters[StorageMetrics.Fsyncs + "/directory"]);
    }

    [Fact]
    public void TheRootChainIsCreatedAndSynced()
    {
        using var factory = new TestMeterFactory();
        using var rootCounters = new MeterTotals(factory, StorageMetrics.MeterName);
        var root = temp.Join("x", "y", "z");

        var created = new LocalFileSystemBackend(root, meterFactory: factory);

        Assert.True(Directory.Exists(root));
        Assert.Equal(root, created.RootPath);
        Assert.Contains(root, created.Description);
        Assert.Equal(OperatingSystem.IsWindows() ? 0 : 3, rootCounters[StorageMetrics.Fsyncs + "/directory"]);

        File.WriteAllBytes(temp.Join("a-file"), [1]);
        Assert.Throws<StorageException>(() => new LocalFileSystemBackend(temp.Join("a-file")));
        Assert.Throws<StorageException>(() => new LocalFileSystemBackend(temp.Join("a-file", "below")));
    }

    [Fact]
    public async Task SyncingAMissingDirectoryNamesIt()
    {
        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(async () => await backend.SyncDirectoryAsync("not/there"));
        Assert.Contains("not/there", error.Message);
        Assert.Contains(backend.RootPath, error.Message);
    }

    [Fact]
    public async Task EntriesNoStoragePathCanNameAreLeftOutOfListings()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Only another program can create these: a backslash would be read back as a separator, a control
        // character is refused. Leaving them out means no caller acts on a name that points somewhere else.
        File.WriteAllBytes(temp.Join("root", "a\\b"), [1]);
        File.WriteAllBytes(temp.Join("root", "bell\u0007"), [1]);
        await WriteAsync("normal", [1]);

        Assert.Equal(["normal"], (await backend.ListAsync("")).Select(e => e.Path));
    }

    private static bool CanCreateSymbolicLinks()
    {
        // Windows needs developer mode or elevation for symbolic links; the Unix CI always has them.
        return !OperatingSystem.IsWindows();
    }

    private void AssertSentinelsSurvive()
    {
        Assert.Equal(SentinelBytes, File.ReadAllBytes(temp.Join("sentinel")));
        Assert.Equal(SentinelBytes, File.ReadAllBytes(temp.Join("outside", "sentinel")));
    }

    private async Task WriteAsync(string path, byte[] bytes)
    {
        await using var file = await backend.CreateAsync(path);
        file.Write(bytes);
        await file.CommitAsync();
    }
}
