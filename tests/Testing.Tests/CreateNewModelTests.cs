using Bulwark.Storage;
using Xunit;

namespace Bulwark.Testing.Tests;

/// <summary>
/// <see cref="IStorageBackend.CreateNewAsync"/> in the test doubles: the crash model treats it as a rename that refuses
/// a taken name (durable only once its directory is synced), and the fault injector fails it like any file write.
/// </summary>
public sealed class CreateNewModelTests
{
    [Fact]
    public async Task CrashModelLosesAnUnsyncedNoReplaceRenameAndKeepsASyncedOne()
    {
        var backend = new CrashSimulatingBackend();
        await CommitNewAsync(backend, "c/a.json", [1]);
        Assert.False(backend.CaptureDurableState().Files.ContainsKey("c/a.json"));
        Assert.True(backend.CaptureVisibleState().Files.ContainsKey("c/a.json"));

        await backend.SyncDirectoryAsync("c");
        var state = backend.Crash();
        Assert.Equal(new byte[] { 1 }, state.Files["c/a.json"]);
    }

    [Fact]
    public async Task CrashModelRefusesATakenNameAndTracesNoRename()
    {
        var backend = new CrashSimulatingBackend();
        await CommitNewAsync(backend, "c/a.json", [1]);
        var before = backend.TraceCount;
        await Assert.ThrowsAsync<StorageFileExistsException>(() => CommitNewAsync(backend, "c/a.json", [2]));

        Assert.DoesNotContain(backend.Trace.Skip(before), op => op.Kind == StorageOperationKind.Rename);
        Assert.Equal(new byte[] { 1 }, await backend.ReadAllBytesAsync("c/a.json"));
    }

    [Fact]
    public async Task EveryCrashStateHoldsNoFileOrTheWholeNewOne()
    {
        var backend = new CrashSimulatingBackend();
        await CommitNewAsync(backend, "c/a.json", [1, 2, 3, 4]);
        await backend.SyncDirectoryAsync("c");
        await Assert.ThrowsAsync<StorageFileExistsException>(() => CommitNewAsync(backend, "c/a.json", [9]));

        var states = CrashSimulatingBackend.EnumerateCrashStates(CrashState.Empty, backend.Trace).ToArray();
        Assert.NotEmpty(states);
        foreach (var state in states)
        {
            if (state.Files.TryGetValue("c/a.json", out var bytes))
            {
                Assert.Equal(new byte[] { 1, 2, 3, 4 }, bytes);
            }
        }

        Assert.Contains(states, s => s.Files.ContainsKey("c/a.json"));
        Assert.Contains(states, s => !s.Files.ContainsKey("c/a.json"));
    }

    [Fact]
    public async Task CrashModelRacersOneWins()
    {
        var backend = new CrashSimulatingBackend();
        await using var first = await backend.CreateNewAsync("r.bin");
        await using var second = await backend.CreateNewAsync("r.bin");
        await first.WriteAsync(new byte[] { 1 });
        await second.WriteAsync(new byte[] { 2 });
        var results = await Task.WhenAll(Outcome(first), Outcome(second));

        Assert.Single(results, r => r is null);
        Assert.IsType<StorageFileExistsException>(Assert.Single(results, r => r is not null));
        Assert.Equal(results[0] is null ? new byte[] { 1 } : [2], await backend.ReadAllBytesAsync("r.bin"));
    }

    [Fact]
    public async Task FaultBeforeTheNoReplaceRenamePublishesNothing()
    {
        var backend = new FaultInjectingBackend(new InMemoryBackend());
        backend.FailWhen(StorageOperationKind.Rename, p => p == "x.json");
        await Assert.ThrowsAsync<InjectedFaultException>(() => CommitNewAsync(backend, "x.json", [1]));
        Assert.Null(await backend.GetEntryAsync("x.json"));

        await CommitNewAsync(backend, "x.json", [1]);
        Assert.Equal(new byte[] { 1 }, await backend.ReadAllBytesAsync("x.json"));
    }

    [Fact]
    public async Task FaultAfterTheNoReplaceRenameTookEffectThenTheNameIsTaken()
    {
        var backend = new FaultInjectingBackend(new InMemoryBackend());
        backend.FailWhen(StorageOperationKind.Rename, p => p == "x.json", timing: FaultTiming.After);
        await Assert.ThrowsAsync<InjectedFaultException>(() => CommitNewAsync(backend, "x.json", [1]));

        // The caller cannot tell it happened, but a retry finds its own bytes there.
        await Assert.ThrowsAsync<StorageFileExistsException>(() => CommitNewAsync(backend, "x.json", [1]));
        Assert.Equal(new byte[] { 1 }, await backend.ReadAllBytesAsync("x.json"));
    }

    [Fact]
    public async Task FaultOnCreateNewFailsLikeCreate()
    {
        var backend = new FaultInjectingBackend(new InMemoryBackend());
        backend.FailWhen(StorageOperationKind.Create);
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await backend.CreateNewAsync("y"));
        Assert.Equal(StorageOperationKind.Create, Assert.Single(backend.Trace).Kind);
    }

    private static async Task CommitNewAsync(IStorageBackend backend, string path, byte[] bytes)
    {
        await using var file = await backend.CreateNewAsync(path);
        await file.WriteAsync(bytes);
        await file.CommitAsync();
    }

    private static async Task<Exception?> Outcome(PendingFile file)
    {
        await Task.Yield();
        try
        {
            await file.CommitAsync();
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }
}
