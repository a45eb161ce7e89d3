using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// SQLite's I/O-error loop: for n = 1..N fail backend operation n of a commit, a garbage collection or a recovery —
/// once, and from then on; before the operation and after it (performed but reported failed). After each, the
/// checkpoint list in memory must equal the one a restart finds on the durable state, every listed checkpoint must
/// restore byte for byte, and once the fault is cleared the next commit must succeed and survive a restart.
/// </summary>
public sealed class IoErrorLoopTests
{
    private readonly ITestOutputHelper _output;

    public IoErrorLoopTests(ITestOutputHelper output) => _output = output;

    public enum Phase
    {
        Commit,
        GarbageCollection,
        Recovery,
    }

    [Theory]
    [InlineData(Phase.Commit)]
    [InlineData(Phase.GarbageCollection)]
    [InlineData(Phase.Recovery)]
    public async Task EveryInjectedErrorLeavesMemoryEqualToDiskAndTheNextCommitSucceeds(Phase phase)
    {
        var (baseState, expected) = await BuildStoreAsync();
        var operations = await CountOperationsAsync(phase, baseState, expected);
        Assert.True(operations > 5, $"the {phase} phase issued only {operations} operations");

        var runs = 0;
        var failures = 0;
        var inDoubt = 0;
        for (var n = 1; n <= operations; n++)
        {
            foreach (var permanent in new[] { false, true })
            {
                foreach (var timing in new[] { FaultTiming.Before, FaultTiming.After })
                {
                    var label = $"{phase}, operation {n} of {operations}, {(permanent ? "permanent" : "transient")}, {timing}";
                    var (failed, doubt) = await RunOnceAsync(phase, baseState, expected, n, permanent, timing, label);
                    failures += failed ? 1 : 0;
                    inDoubt += doubt ? 1 : 0;
                    runs++;
                }
            }
        }

        _output.WriteLine($"{phase}: {operations} operations, {runs} injected-error runs, {failures} of them failed the call, {inDoubt} left the catalog in doubt");
        Assert.True(failures > 0);
    }

    /// <summary>Returns whether the call under test failed, and whether it left the catalog in doubt.</summary>
    private static async Task<(bool Failed, bool InDoubt)> RunOnceAsync(Phase phase, CrashState baseState, Dictionary<Guid, ExpectedCheckpoint> expectedBase, int n, bool permanent, FaultTiming timing, string label)
    {
        var expected = new Dictionary<Guid, ExpectedCheckpoint>(expectedBase);
        var crash = CrashSimulatingBackend.FromState(baseState);
        var faults = new FaultInjectingBackend(crash);
        Checkpointer? checkpointer = null;
        var failed = false;
        var attempt = LoopDraft("in-loop", 7, expectedBase);
        try
        {
            if (phase == Phase.Recovery)
            {
                faults.FailAt(n, permanent, timing);
                checkpointer = await Checkpointer.OpenAsync(faults);
            }
            else
            {
                checkpointer = await Checkpointer.OpenAsync(faults);
                faults.FailAt(n, permanent, timing);
                if (phase == Phase.Commit)
                {
                    var info = await checkpointer.CommitAsync(attempt.Draft);
                    expected[info.Id] = attempt.Expected;
                }
                else
                {
                    await checkpointer.CollectGarbageAsync(1);
                }
            }
        }
        catch (CheckpointException)
        {
            failed = true;
        }
        catch (Exception e)
        {
            Assert.Fail($"{label}: an untyped {e.GetType().Name} escaped: {e.Message}");
        }

        // Memory equals disk: a restart on what is durable now finds exactly the in-memory list.
        var inDoubtAttempt = checkpointer is { IsCatalogInDoubt: true } && phase == Phase.Commit ? attempt.Expected : null;
        var durableIds = await VerifyAsync(crash.CaptureDurableState(), expected, label + " (durable after the fault)", inDoubtAttempt);
        var doubt = checkpointer is { IsCatalogInDoubt: true };
        if (doubt && timing == FaultTiming.After && permanent)
        {
            // Operations that take effect yet report failure, forever: the catalog rename may be on disk and the
            // rollback cannot tell. The checkpointer says so, and the next commit rewrites the catalog first.
        }
        else if (checkpointer is not null)
        {
            Assert.True(checkpointer.Checkpoints.Select(c => c.Id).SequenceEqual(durableIds), $"{label}: memory [{string.Join(", ", checkpointer.Checkpoints.Select(c => RecoveryOracle.Short(c.Id)))}] but disk [{string.Join(", ", durableIds.Select(RecoveryOracle.Short))}]");
        }
        else
        {
            Assert.Equal(expectedBase.Count, durableIds.Length);
        }

        // The next commit, with the fault cleared, succeeds and survives a restart.
        faults.ClearFaults();
        checkpointer ??= await Checkpointer.OpenAsync(faults);
        var next = Draft("after-fault", 11);
        var committed = await checkpointer.CommitAsync(next.Draft);
        expected[committed.Id] = next.Expected;
        var afterIds = await VerifyAsync(crash.CaptureDurableState(), expected, label + " (after the next commit)", null);
        Assert.Equal(checkpointer.Checkpoints.Select(c => c.Id), afterIds);
        Assert.Equal(committed.Id, afterIds[^1]);
        Assert.False(checkpointer.IsCatalogInDoubt);
        await checkpointer.DisposeAsync();
        return (failed, doubt);
    }

    /// <summary>A store with three checkpoints sharing batch files and the directory of a commit that never reached its catalog.</summary>
    private static async Task<(CrashState State, Dictionary<Guid, ExpectedCheckpoint> Expected)> BuildStoreAsync()
    {
        var crash = new CrashSimulatingBackend();
        var faults = new FaultInjectingBackend(crash);
        var expected = new Dictionary<Guid, ExpectedCheckpoint>();
        await using var checkpointer = await Checkpointer.OpenAsync(faults);
        var first = Draft("c1", 1, newShared: ["b1.arrow"]);
        expected[(await checkpointer.CommitAsync(first.Draft)).Id] = first.Expected;
        var second = Draft("c2", 2, newShared: ["b2.arrow"], referenced: [("b1.arrow", first.Expected.Shared["b1.arrow"])]);
        expected[(await checkpointer.CommitAsync(second.Draft)).Id] = second.Expected;
        var third = Draft("c3", 3, newShared: ["b3.arrow"], referenced: [("b2.arrow", second.Expected.Shared["b2.arrow"])]);
        expected[(await checkpointer.CommitAsync(third.Draft)).Id] = third.Expected;

        // A commit that dies at its catalog write and cannot clean up: its directory and batch file stay behind.
        faults.FailWhen(op => (op.Path == Checkpointer.CatalogFileName && op.Kind != StorageOperationKind.Read) || op.Kind is StorageOperationKind.Delete or StorageOperationKind.DeleteDirectory, permanent: true);
        await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(Draft("orphan", 4, newShared: ["b4.arrow"]).Draft));
        var state = crash.Crash();
        Assert.Contains(state.Directories, d => d.Length == 36 && expected.Keys.All(k => k.ToString("D") != d));
        return (state, expected);
    }

    /// <summary>The commit under test: two operators, a new batch file and a reference to an existing one.</summary>
    private static (CheckpointDraft Draft, ExpectedCheckpoint Expected) LoopDraft(string tag, int seed, Dictionary<Guid, ExpectedCheckpoint> expected)
    {
        var b3 = expected.Values.First(e => e.Shared.ContainsKey("b3.arrow")).Shared["b3.arrow"];
        return Draft(tag, seed, newShared: ["loop.arrow"], referenced: [("b3.arrow", b3)]);
    }

    private static async Task<int> CountOperationsAsync(Phase phase, CrashState baseState, Dictionary<Guid, ExpectedCheckpoint> expected)
    {
        var faults = new FaultInjectingBackend(CrashSimulatingBackend.FromState(baseState));
        var start = 0;
        await using var checkpointer = await Checkpointer.OpenAsync(faults);
        if (phase == Phase.Recovery)
        {
            return faults.OperationCount;
        }

        start = faults.OperationCount;
        if (phase == Phase.Commit)
        {
            await checkpointer.CommitAsync(LoopDraft("count", 5, expected).Draft);
        }
        else
        {
            await checkpointer.CollectGarbageAsync(1);
        }

        return faults.OperationCount - start;
    }

    /// <summary>Opens a fresh store on <paramref name="state"/>, restores every checkpoint, compares bytes; returns the list.</summary>
    private static async Task<Guid[]> VerifyAsync(CrashState state, Dictionary<Guid, ExpectedCheckpoint> expected, string label, ExpectedCheckpoint? inDoubtAttempt)
    {
        Checkpointer reopened;
        try
        {
            reopened = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(state));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{label}: the durable store does not open: {e.Message}");
        }

        await using (reopened)
        {
            foreach (var info in reopened.Checkpoints)
            {
                // With the catalog in doubt, the failed commit's checkpoint may be the one on disk — complete, never partial.
                var want = expected.GetValueOrDefault(info.Id) ?? inDoubtAttempt;
                Assert.True(want is not null, $"{label}: unknown checkpoint {info.Id} on disk");
                var restored = await reopened.RestoreAsync(info.Id);
                foreach (var (op, bytes) in want!.States)
                {
                    Assert.True(restored.TryGetState(op, out var got) && got.Span.SequenceEqual(bytes), $"{label}: {op} of {info.Id} differs");
                }

                foreach (var (name, bytes) in want.Shared)
                {
                    Assert.Equal(bytes, await restored.ReadSharedFileAsync(name));
                }
            }

            return reopened.Checkpoints.Select(c => c.Id).ToArray();
        }
    }

    private static (CheckpointDraft Draft, ExpectedCheckpoint Expected) Draft(string tag, int seed, string[]? newShared = null, (string Name, byte[] Bytes)[]? referenced = null)
    {
        var random = new Random(seed);
        var draft = new CheckpointDraft();
        var states = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var op in new[] { "counts", "offsets" })
        {
            var bytes = new byte[20 + random.Next(40)];
            random.NextBytes(bytes);
            bytes[0] = (byte)tag.Length;
            states[op] = bytes;
            draft.SetState(op, bytes);
        }

        var shared = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in newShared ?? [])
        {
            var bytes = new byte[30];
            random.NextBytes(bytes);
            shared[name] = bytes;
            draft.AddSharedFile(name, bytes);
        }

        foreach (var (name, bytes) in referenced ?? [])
        {
            shared[name] = bytes;
            draft.ReferenceSharedFile(name);
        }

        return (draft, new ExpectedCheckpoint(states, shared));
    }
}
