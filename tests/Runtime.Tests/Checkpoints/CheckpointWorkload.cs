using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>What a checkpoint must restore to: each operator's bytes and each shared file's bytes.</summary>
internal sealed record ExpectedCheckpoint(IReadOnlyDictionary<string, byte[]> States, IReadOnlyDictionary<string, byte[]> Shared);

/// <summary>One checkpointer call of a recorded workload, with the crash backend's trace positions around it.</summary>
/// <param name="Start">Trace length when the call began.</param>
/// <param name="End">Trace length when it returned (or threw).</param>
/// <param name="Before">The committed list before the call.</param>
/// <param name="After">The committed list after a successful call; for a failed call the list before it.</param>
/// <param name="Attempt">For a commit, what the new checkpoint holds (whether or not the commit succeeded).</param>
/// <param name="GcKeep">For a collection, the list it commits.</param>
internal sealed record WorkloadCall(string Name, int Start, int End, Guid[] Before, Guid[] After, ExpectedCheckpoint? Attempt, Guid[]? GcKeep);

/// <summary>
/// Runs a checkpoint workload over a fault-injecting decorator on a crash-simulating backend and records, for every
/// call, where in the trace it started and ended and what the durable list must be before and after it.
/// </summary>
internal sealed class CheckpointWorkload
{
    private readonly Random _random;
    private readonly Dictionary<string, byte[]> _sharedBytes = new(StringComparer.Ordinal);
    private int _sharedCounter;

    public CheckpointWorkload(int seed, CheckpointerOptions? options = null)
    {
        _random = new Random(seed);
        Options = options ?? new CheckpointerOptions();
        Crash = new CrashSimulatingBackend();
        Faults = new FaultInjectingBackend(Crash);
    }

    public CrashSimulatingBackend Crash { get; }

    public FaultInjectingBackend Faults { get; }

    public CheckpointerOptions Options { get; }

    public List<WorkloadCall> Calls { get; } = [];

    public Dictionary<Guid, ExpectedCheckpoint> Expected { get; } = [];

    public Checkpointer? Checkpointer { get; private set; }

    /// <summary>
    /// The sweep workload: checkpoints that write and share batch files, a collection, a restart, a commit whose
    /// catalog write fails, another collection that deletes shared files, and a second restart.
    /// </summary>
    public static async Task<CheckpointWorkload> RunStandardAsync(int seed, int operators, CheckpointerOptions? options = null)
    {
        var w = new CheckpointWorkload(seed, options);
        await w.OpenAsync();
        var c1 = await w.CommitAsync(operators, newShared: 2, referenced: []);
        var c2 = await w.CommitAsync(operators, newShared: 1, referenced: [w.SharedOf(c1)[0]]);
        var c3 = await w.CommitAsync(operators, newShared: 1, referenced: [.. w.SharedOf(c1), .. w.SharedOf(c2)]);
        await w.CollectAsync(2, []);
        var c4 = await w.CommitAsync(operators, newShared: 1, referenced: [w.SharedOf(c3)[^1]]);
        await w.RestartAsync();
        w.Faults.FailWhen(op => op.Kind == StorageOperationKind.Rename && op.Path == Checkpointer.CatalogFileName);
        await w.CommitAsync(operators, newShared: 1, referenced: [], expectFailure: true);
        w.Faults.ClearFaults();
        await w.CommitAsync(operators, newShared: 1, referenced: [w.SharedOf(c4)[0]]);

        // The commit-point sync fails after the catalog rename: the rename may or may not be on disk, so the
        // checkpointer must put the previous catalog back before reporting the failure.
        var armed = false;
        w.Faults.FailWhen(op =>
        {
            if (op.Kind == StorageOperationKind.Rename && op.Path == Checkpointer.CatalogFileName)
            {
                armed = true;
                return false;
            }

            return armed && op.Kind == StorageOperationKind.SyncDirectory && op.Path.Length == 0;
        });
        await w.CommitAsync(operators, newShared: 1, referenced: [], expectFailure: true);
        w.Faults.ClearFaults();
        await w.CollectAsync(1, [c4]);
        await w.RestartAsync();
        await w.CommitAsync(operators, newShared: 0, referenced: []);
        return w;
    }

    public string[] SharedOf(Guid id) => Expected[id].Shared.Keys.Order(StringComparer.Ordinal).ToArray();

    public async Task OpenAsync()
    {
        var start = Crash.TraceCount;
        var before = Ids();
        Checkpointer = await Checkpointer.OpenAsync(Faults, Options);
        Calls.Add(new WorkloadCall("open", start, Crash.TraceCount, before, Ids(), null, null));
    }

    public async Task RestartAsync()
    {
        if (Checkpointer is not null)
        {
            await Checkpointer.DisposeAsync();
        }

        await OpenAsync();
    }

    public async Task<Guid> CommitAsync(int operators, int newShared, string[] referenced, bool expectFailure = false)
    {
        var draft = new CheckpointDraft();
        var states = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < operators; i++)
        {
            var bytes = RandomBytes(8 + _random.Next(60));
            states[$"op-{i}"] = bytes;
            draft.SetState($"op-{i}", bytes);
        }

        var shared = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in referenced)
        {
            shared[name] = _sharedBytes[name];
            draft.ReferenceSharedFile(name);
        }

        for (var i = 0; i < newShared; i++)
        {
            var name = $"batch-{++_sharedCounter:D4}.arrow";
            var bytes = RandomBytes(16 + _random.Next(100));
            _sharedBytes[name] = bytes;
            shared[name] = bytes;
            draft.AddSharedFile(name, bytes);
        }

        var expected = new ExpectedCheckpoint(states, shared);
        var start = Crash.TraceCount;
        var before = Ids();
        try
        {
            var info = await Checkpointer!.CommitAsync(draft);
            if (expectFailure)
            {
                throw new InvalidOperationException("The commit was expected to fail.");
            }

            Expected[info.Id] = expected;
            Calls.Add(new WorkloadCall("commit", start, Crash.TraceCount, before, Ids(), expected, null));
            return info.Id;
        }
        catch (CheckpointCommitException) when (expectFailure)
        {
            Calls.Add(new WorkloadCall("failing commit", start, Crash.TraceCount, before, Ids(), expected, null));
            return Guid.Empty;
        }
    }

    public async Task CollectAsync(int retain, Guid[] except)
    {
        var start = Crash.TraceCount;
        var before = Ids();
        var keep = before.Skip(Math.Max(0, before.Length - retain)).Concat(except).ToHashSet();
        await Checkpointer!.CollectGarbageAsync(retain, except);
        Calls.Add(new WorkloadCall("gc", start, Crash.TraceCount, before, Ids(), null, before.Where(keep.Contains).ToArray()));
    }

    public Guid[] Ids() => Checkpointer?.Checkpoints.Select(c => c.Id).ToArray() ?? [];

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }
}

/// <summary>Checks that a store recovers to an acceptable checkpoint list with exactly the recorded contents.</summary>
internal static class RecoveryOracle
{
    /// <summary>Null if the state recovers correctly; otherwise what is wrong.</summary>
    public static async Task<string?> CheckAsync(CrashState state, IReadOnlyList<WorkloadCall> calls, IReadOnlyDictionary<Guid, ExpectedCheckpoint> expected, bool continueAfterRecovery)
    {
        var backend = CrashSimulatingBackend.FromState(state);
        Checkpointer checkpointer;
        try
        {
            checkpointer = await Checkpointer.OpenAsync(backend);
        }
        catch (Exception e)
        {
            return $"refused to open a recoverable store: {e.GetType().Name}: {e.Message}";
        }

        await using (checkpointer)
        {
            var recovered = checkpointer.Checkpoints.Select(c => c.Id).ToArray();
            var completed = calls.LastOrDefault(c => c.End <= state.PrefixLength);
            var baseline = completed?.After ?? [];
            var inFlight = calls.FirstOrDefault(c => c.Start < state.PrefixLength && state.PrefixLength < c.End);
            Guid? newId = null;
            if (!recovered.SequenceEqual(baseline))
            {
                if (inFlight?.Attempt is not null && recovered.Length == baseline.Length + 1 && recovered.Take(baseline.Length).SequenceEqual(baseline))
                {
                    newId = recovered[^1];
                }
                else if (inFlight?.GcKeep is { } keep && recovered.SequenceEqual(keep))
                {
                    // The collection's catalog is durable; its deletions may or may not be.
                }
                else
                {
                    return $"recovered [{string.Join(", ", recovered.Select(Short))}] but expected [{string.Join(", ", baseline.Select(Short))}]" +
                        (inFlight is null ? string.Empty : $" or the outcome of in-flight '{inFlight.Name}'");
                }
            }

            foreach (var id in recovered)
            {
                var want = id == newId ? inFlight!.Attempt! : expected.GetValueOrDefault(id);
                if (want is null)
                {
                    return $"recovered unknown checkpoint {Short(id)}";
                }

                RestoredCheckpoint restored;
                try
                {
                    restored = await checkpointer.RestoreAsync(id);
                }
                catch (Exception e)
                {
                    return $"checkpoint {Short(id)} does not restore: {e.GetType().Name}: {e.Message}";
                }

                if (!restored.OperatorIds.Order(StringComparer.Ordinal).SequenceEqual(want.States.Keys.Order(StringComparer.Ordinal)))
                {
                    return $"checkpoint {Short(id)} restored operators [{string.Join(", ", restored.OperatorIds)}]";
                }

                foreach (var (op, bytes) in want.States)
                {
                    if (!restored.TryGetState(op, out var got) || !got.Span.SequenceEqual(bytes))
                    {
                        return $"checkpoint {Short(id)} restored different bytes for {op}";
                    }
                }

                if (!restored.SharedFiles.Select(f => f.Path).Order(StringComparer.Ordinal).SequenceEqual(want.Shared.Keys.Order(StringComparer.Ordinal)))
                {
                    return $"checkpoint {Short(id)} lists other shared files";
                }

                foreach (var (name, bytes) in want.Shared)
                {
                    try
                    {
                        if (!(await restored.ReadSharedFileAsync(name)).AsSpan().SequenceEqual(bytes))
                        {
                            return $"checkpoint {Short(id)}: shared file {name} has other bytes";
                        }
                    }
                    catch (Exception e)
                    {
                        return $"checkpoint {Short(id)}: shared file {name} lost: {e.Message}";
                    }
                }
            }

            if (continueAfterRecovery)
            {
                // A recovered store must take the next checkpoint and find it again after another restart.
                try
                {
                    var next = await checkpointer.CommitAsync(new CheckpointDraft().SetState("after", new byte[] { 1, 2, 3 }).AddSharedFile("after.arrow", new byte[] { 9 }));
                    await using var again = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(backend.Crash()));
                    if (!again.Checkpoints.Select(c => c.Id).SequenceEqual([.. recovered, next.Id]))
                    {
                        return "the commit after recovery was not found after a restart";
                    }

                    await again.RestoreAsync(next.Id);
                }
                catch (Exception e)
                {
                    return $"the store does not work after recovery: {e.GetType().Name}: {e.Message}";
                }
            }
        }

        return null;
    }

    public static string Short(Guid id) => id.ToString("N")[^6..];
}
