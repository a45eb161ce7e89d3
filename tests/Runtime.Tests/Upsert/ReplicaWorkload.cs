using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Shards;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Testing;
using Bulwark.Upsert;
using Xunit;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>
/// Two to four replicas of one upsert share an output shard over a consensus store that fails calls and loses answers
/// at random. From a seed: the source, the replicas' speeds (lockstep, or one that starts cold after the others) and
/// a schedule of steps — feed a few times of input, follow the shard, checkpoint, crash (never disposed) and restart
/// from the checkpoint or from the shard alone, replaying the source from the start or from the restored frontier,
/// pause. Then the input stops and every replica has a bounded number of calls to reach the shard's upper.
/// </summary>
internal sealed class ReplicaWorkload
{
    /// <summary>Calls per replica, after the input stopped, within which its output frontier must reach the shard's upper.</summary>
    public const int LivenessRounds = 3;

    private const int MaxSteps = 300;

    private readonly Random _random;
    private readonly int _seed;
    private readonly UpsertDeviation _deviations;
    private readonly UpsertTestKit _kit;
    private readonly List<UpsertInput<long, Edge>> _source;
    private readonly Replica[] _replicas;
    private readonly List<string> _trace = [];
    private WorkloadStats _stats = new();
    private readonly long _end;
    private readonly TestMeterFactory _meters = new();
    private readonly MeterTotals _counters;

    private ReplicaWorkload(int seed, UpsertDeviation deviations)
    {
        _counters = new MeterTotals(_meters, UpsertMetrics.MeterName);
        _seed = seed;
        _deviations = deviations;
        _random = new Random(seed);
        var faults = _random.Next(3);
        _kit = new UpsertTestKit(failRate: 0.075 * faults, indeterminateRate: 0.075 * faults, seed: seed, maxAttempts: new[] { 2, 3, 50 }[_random.Next(3)]);
        _end = _random.Next(6, 16);
        _source = UpsertModel.Source(_random, _end, keys: _random.Next(2, 7));
        var cold = _random.Next(2) == 0;
        _replicas = Enumerable.Range(0, _random.Next(2, 5))
            .Select(i => new Replica($"replica-{i}") { Weight = cold ? _random.Next(1, 5) : 1 })
            .ToArray();
        if (cold)
        {
            _replicas[^1].Started = false;
        }

        Note($"seed {seed}: {_replicas.Length} replicas, {(cold ? "one starts cold" : "lockstep")}, {_source.Count} inputs below {_end}, faults x{faults}, max attempts {_kit.MaxAttempts}");
    }

    /// <summary>Runs the workload of <paramref name="seed"/> and checks it; returns what it exercised.</summary>
    public static async Task<WorkloadStats> RunAsync(int seed, UpsertDeviation deviations = UpsertDeviation.None)
    {
        var workload = new ReplicaWorkload(seed, deviations);
        try
        {
            await workload.RunAsync();
            return workload._stats with
            {
                LostRaces = workload._counters[UpsertMetrics.Appends + "/upper_mismatch"],
                RetriedAppends = workload._counters[UpsertMetrics.Appends + "/already_committed"],
                FailedAppends = workload._counters[UpsertMetrics.Appends + "/failed"],
                DroppedInputs = workload._counters[UpsertMetrics.Inputs + "/dropped"],
                LearnedUpdates = workload._counters[UpsertMetrics.UpdatesLearned],
            };
        }
        finally
        {
            workload._counters.Dispose();
            workload._meters.Dispose();
        }
    }

    private async Task RunAsync()
    {
        for (var step = 0; step < MaxSteps && !_replicas.All(r => r.Started && r.Upsert?.InputFrontier == _end); step++)
        {
            var idle = _replicas.Where(r => r.Started).All(r => r.Next == _end);
            foreach (var late in _replicas.Where(r => !r.Started && (idle || _random.Next(40) == 0)))
            {
                late.Started = true;
                Note($"{late.Id} starts");
            }

            var ready = _replicas.Where(r => r.Started && r.PausedFor-- <= 0).ToList();
            if (ready.Count > 0)
            {
                await StepAsync(Pick(ready));
            }
        }

        // The input stops: every replica gets the rest of the source, then a bounded number of calls to catch up.
        _kit.Shards.Consensus.RandomFaultsEnabled = false;
        foreach (var replica in _replicas)
        {
            replica.Started = true;
            replica.PausedFor = 0;
            while (replica.Upsert is null)
            {
                await RestartAsync(replica);
            }

            await replica.Upsert.PushAsync(Shuffled(_source.Where(i => i.Time >= replica.Next)));
            replica.Next = _end;
        }

        for (var round = 0; round < LivenessRounds; round++)
        {
            foreach (var replica in _replicas)
            {
                await replica.Upsert!.AdvanceInputAsync(_end);
            }
        }

        await CheckAsync();
    }

    private async Task CheckAsync()
    {
        var upper = await _kit.UpperAsync();
        foreach (var replica in _replicas)
        {
            Assert.True(
                replica.Upsert!.OutputFrontier == upper,
                $"liveness: {replica.Id}'s output frontier is {replica.Upsert.OutputFrontier}, below the shard's upper {upper}, {LivenessRounds} calls after the input stopped{Trace()}");
        }

        Assert.True(upper == _end, $"the shard's upper is {upper}, not the input's end {_end}{Trace()}");

        // The shard is exactly what one writer alone writes, time by time.
        var history = await _kit.HistoryAsync();
        var (expected, live) = UpsertReference.Run(_source, _end);
        ShardTestKit.Same(expected, history);

        // Consolidated over all times: every row counts 0 or 1, and no key has two live rows.
        var counts = history.GroupBy(u => u.Row).Select(g => (g.Key, Count: g.Sum(u => u.Diff))).Where(c => c.Count != 0).ToList();
        Assert.All(counts, c => Assert.True(c.Count == 1, $"{c.Key} counts {c.Count}{Trace()}"));
        Assert.All(counts.GroupBy(c => c.Key.Src), k => Assert.True(k.Count() == 1, $"key {k.Key} has {k.Count()} live rows{Trace()}"));
        Assert.Equal(live.Values.OrderBy(e => e.Src), counts.Select(c => c.Key).OrderBy(e => e.Src));

        foreach (var replica in _replicas)
        {
            Assert.Equal(live, replica.Upsert!.Rows);
            await replica.Upsert.DisposeAsync();
            if (replica.Checkpointer is not null)
            {
                await replica.Checkpointer.DisposeAsync();
            }
        }
    }

    private async Task StepAsync(Replica replica)
    {
        if (replica.Upsert is null)
        {
            await RestartAsync(replica);
            return;
        }

        var roll = _random.Next(100);
        try
        {
            if (roll < 55 && replica.Next < _end)
            {
                var to = Math.Min(_end, replica.Next + _random.Next(1, 4));
                var batch = Shuffled(_source.Where(i => i.Time >= replica.Next && i.Time < to));
                var split = _random.Next(batch.Count + 1);
                await replica.Upsert.PushAsync(batch.Take(split));
                await replica.Upsert.PushAsync(batch.Skip(split));
                replica.Next = to;
                if (_random.Next(10) < 7)
                {
                    Note($"{replica.Id} feeds to {to}");
                    await replica.Upsert.AdvanceInputAsync(to);
                }
                else
                {
                    Note($"{replica.Id} pushes to {to}");
                }
            }
            else if (roll < 63)
            {
                Note($"{replica.Id} follows");
                await replica.Upsert.AdvanceInputAsync(replica.Upsert.InputFrontier);
            }
            else if (roll < 75)
            {
                Note($"{replica.Id} checkpoints at {replica.Upsert.OutputFrontier}");
                await replica.Upsert.CheckpointAsync();
            }
            else if (roll < 80)
            {
                // A crash: the operator is dropped without a dispose; its leases stay behind. The store lock of its
                // checkpointer dies with the process, as an OS lock does.
                Note($"{replica.Id} crashes at {replica.Upsert.OutputFrontier}");
                _stats = _stats with { Crashes = _stats.Crashes + 1 };
                replica.Upsert = null;
                await replica.Checkpointer!.DisposeAsync();
                replica.Checkpointer = null;
            }
            else
            {
                replica.PausedFor = _random.Next(1, 8);
                Note($"{replica.Id} pauses for {replica.PausedFor} steps");
            }
        }
        catch (ShardUnavailableException e)
        {
            // The store kept failing: the operator keeps its state and any pending append, and the next call retries.
            Note($"{replica.Id}: {e.Operation} unavailable");
            _stats = _stats with { Unavailable = _stats.Unavailable + 1 };
        }

        if (replica.Upsert is not null)
        {
            Note($"  {replica.Id}'s output frontier: {replica.Upsert.OutputFrontier}");
        }
    }

    private async Task RestartAsync(Replica replica)
    {
        // From its checkpoint if it has one, two times in three; otherwise its checkpoint store is lost too.
        var fromCheckpoint = _random.Next(3) > 0;
        if (!fromCheckpoint)
        {
            replica.Store = new InMemoryBackend();
        }

        replica.Checkpointer = await Checkpointer.OpenAsync(replica.Store);
        try
        {
            replica.Upsert = await _kit.OpenAsync(replica.Id, new UpsertOptions { Checkpointer = replica.Checkpointer, Deviations = _deviations, MeterFactory = _meters });
        }
        catch (ShardUnavailableException)
        {
            Note($"{replica.Id} could not open");
            await replica.Checkpointer.DisposeAsync();
            replica.Checkpointer = null;
            return;
        }

        // The source replays from the start (a cold source) or from the restored frontier.
        replica.Next = _random.Next(2) == 0 ? 0 : replica.Upsert.OutputFrontier;
        _stats = replica.Upsert.StartedFrom switch
        {
            UpsertStart.Checkpoint => _stats with { CheckpointStarts = _stats.CheckpointStarts + 1 },
            UpsertStart.Snapshot => _stats with { SnapshotStarts = _stats.SnapshotStarts + 1 },
            _ => _stats,
        };
        Note($"{replica.Id} opens from {replica.Upsert.StartedFrom} at {replica.Upsert.OutputFrontier}, replaying from {replica.Next}");
    }

    private Replica Pick(List<Replica> ready)
    {
        var draw = _random.Next(ready.Sum(r => r.Weight));
        foreach (var replica in ready)
        {
            if ((draw -= replica.Weight) < 0)
            {
                return replica;
            }
        }

        return ready[^1];
    }

    private List<UpsertInput<long, Edge>> Shuffled(IEnumerable<UpsertInput<long, Edge>> inputs) => inputs.OrderBy(_ => _random.Next()).ToList();

    private void Note(string line) => _trace.Add(line);

    private string Trace() => $" (seed {_seed}; last steps:{Environment.NewLine}{string.Join(Environment.NewLine, _trace.TakeLast(40))})";

    private sealed class Replica(string id)
    {
        public string Id { get; } = id;

        public UpsertOperator<long, Edge>? Upsert { get; set; }

        public InMemoryBackend Store { get; set; } = new();

        public Checkpointer? Checkpointer { get; set; }

        /// <summary>Every input at a time below it has been pushed to <see cref="Upsert"/>.</summary>
        public long Next { get; set; }

        public int Weight { get; init; }

        public int PausedFor { get; set; }

        public bool Started { get; set; } = true;
    }
}

/// <summary>What one workload exercised: totals of its replicas.</summary>
internal sealed record WorkloadStats(
    int Crashes = 0,
    int CheckpointStarts = 0,
    int SnapshotStarts = 0,
    int Unavailable = 0,
    long LostRaces = 0,
    long RetriedAppends = 0,
    long FailedAppends = 0,
    long DroppedInputs = 0,
    long LearnedUpdates = 0)
{
    public static WorkloadStats operator +(WorkloadStats a, WorkloadStats b) => new(
        a.Crashes + b.Crashes,
        a.CheckpointStarts + b.CheckpointStarts,
        a.SnapshotStarts + b.SnapshotStarts,
        a.Unavailable + b.Unavailable,
        a.LostRaces + b.LostRaces,
        a.RetriedAppends + b.RetriedAppends,
        a.FailedAppends + b.FailedAppends,
        a.DroppedInputs + b.DroppedInputs,
        a.LearnedUpdates + b.LearnedUpdates);
}
