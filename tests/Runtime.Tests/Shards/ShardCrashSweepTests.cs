using System.Collections.Concurrent;
using System.Diagnostics;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// Every crash state the blob side of a shard could be left in by a power loss (unsynced writes, renames and
/// deletions dropped or reordered, torn writes) at every step of two writers' appends, a lost race, compactions and
/// garbage collections (<see cref="ShardCrashWorkload"/>), and at every step of the run that follows each of those
/// crashes — its collection of what the crash orphaned, the retries of the appends the crash left unanswered, and
/// more rounds. Consensus is in memory and durable once a compare-and-set returns, as FileConsensus (which fsyncs
/// outside any IStorageBackend, so it cannot run on the crash-simulating one) and PostgreSQL are: the consensus a
/// crash state is checked with is the one at that point of the trace. On every state: the shard opens and reads as of
/// upper - 1 (every part the head references is there with its size and checksum), every append reported in the shard
/// before the crash is there whole and once, every row belongs to an append that was made, at its time (or advanced to
/// the since), the batches tile [0, upper), a retry answers AlreadyCommitted exactly when its batch is in, and a
/// collection with every lease expired leaves exactly the parts the head references.
/// </summary>
public sealed class ShardCrashSweepTests(ITestOutputHelper output)
{
    /// <summary>The floor of distinct crash states under <see cref="SweepSize.Reduced"/>.</summary>
    private const int ReducedMinimum = 1_000;

    private static readonly int MinimumDistinctStates = SweepSize.Pick(10_000, ReducedMinimum);

    private static readonly int FirstRounds = SweepSize.Pick(10, 2);

    private static readonly int SecondRounds = SweepSize.Pick(3, 1);

    private const int MostViolations = 20;

    [Fact]
    public async Task Every_crash_state_of_appends_compactions_and_collections_keeps_every_reported_append_once()
    {
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sweep = await SweepAsync(ShardDeviation.None, secondRuns: true);
        output.WriteLine($"{sweep.FirstStates} crash states of the first run ({sweep.FirstOperations} blob operations), {sweep.SecondStates} of the {sweep.SecondRuns} runs after them ({sweep.Retries} retries of unanswered appends, {sweep.RetriesIn} found already in): {sweep.Distinct} distinct crash states (blob state and consensus) reopened and checked, {sweep.Violations.Count} violations; {SweepSize.Describe}, {clock.Elapsed.TotalSeconds:F1} s (CPU time of this process meanwhile: {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s)");
        Assert.True(sweep.Violations.IsEmpty, $"{sweep.Violations.Count} violations:\n{string.Join("\n", sweep.Violations.Take(MostViolations))}");
        Assert.True(sweep.Distinct >= MinimumDistinctStates, $"only {sweep.Distinct} distinct crash states; the sweep must cover at least {MinimumDistinctStates}");
    }

    /// <summary>The same sweep over the first run finds the bug of a compaction that deletes the parts it replaces before its compare-and-set.</summary>
    [Fact]
    public async Task The_sweep_catches_a_compaction_that_deletes_parts_before_its_compare_and_set()
    {
        var sweep = await SweepAsync(ShardDeviation.CompactionDeletesBeforeCas, secondRuns: false);
        output.WriteLine($"{sweep.Violations.Count} violations (stopped at {MostViolations}), e.g. {sweep.Violations.FirstOrDefault()}");
        Assert.Contains(sweep.Violations, v => v.Contains(nameof(ShardPartException), StringComparison.Ordinal));
    }

    private static async Task<Sweep> SweepAsync(ShardDeviation deviations, bool secondRuns)
    {
        var sweep = new Sweep();
        using var stop = new CancellationTokenSource();
        var first = await ShardCrashWorkload.RunAsync(CrashState.Empty, ConsensusImage.Empty, run: 0, FirstRounds, [], deviations);
        sweep.FirstOperations = first.Trace.Count;
        var attempts = first.Appends.ToDictionary(a => a.Tag, StringComparer.Ordinal);
        var firstStates = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        foreach (var (prefix, image, crash) in States(CrashState.Empty, first))
        {
            if (!firstStates.TryGetValue(crash.Key + image.Key, out var candidate))
            {
                firstStates[crash.Key + image.Key] = candidate = new Candidate(crash, image, prefix, $"{crash} ({prefix})", attempts);
            }

            candidate.Add(first.ReportedInShard(prefix));
        }

        sweep.FirstStates = firstStates.Count;
        await CheckAllAsync(firstStates.Values, sweep, stop);
        var states = new ConcurrentDictionary<string, Candidate>(StringComparer.Ordinal);
        if (secondRuns && sweep.Violations.IsEmpty)
        {
            // Crash states that differ only in a torn temporary start the same run after them: one run per namespace and consensus.
            var starts = firstStates.Values.GroupBy(c => NamespaceKey(c.State) + c.Image.Key, StringComparer.Ordinal).ToArray();
            sweep.SecondRuns = starts.Length;
            await Parallel.ForEachAsync(starts, Parallelism(stop), async (group, _) =>
            {
                var start = group.First();
                var second = await ShardCrashWorkload.RunAsync(start.State, start.Image, run: 1, SecondRounds, first.UnansweredAt(start.Prefix), ShardDeviation.None);
                // Each run after a crash appends its own batches at its own uppers: they are checked against its states only.
                var theirs = new Dictionary<string, SweptAppend>(attempts, StringComparer.Ordinal);
                foreach (var append in second.Appends)
                {
                    theirs.Add(append.Tag, append);
                }

                foreach (var (append, result, wasIn, _) in second.Retries)
                {
                    Interlocked.Increment(ref sweep.Retries);
                    Interlocked.Add(ref sweep.RetriesIn, wasIn ? 1 : 0);
                    if (wasIn != result.IsAlreadyCommitted || (!wasIn && !(result.IsCommitted || result.IsUpperMismatch)))
                    {
                        sweep.Violations.Enqueue($"{start.How}: the retry of {append.Tag} answered {result}, but its batch was {(wasIn ? "" : "not ")}in the shard");
                    }
                }

                foreach (var (prefix, image, state) in States(start.State, second))
                {
                    Interlocked.Increment(ref sweep.SecondStates);
                    var candidate = states.GetOrAdd(state.Key + image.Key, _ => new Candidate(state, image, prefix, $"{start.How}, then {state} ({prefix})", theirs));
                    candidate.Add(start.Reported);
                    candidate.Add(second.ReportedInShard(prefix));
                }
            });

            await CheckAllAsync(states.Values, sweep, stop);
        }

        sweep.Distinct = firstStates.Keys.Concat(states.Keys).Distinct(StringComparer.Ordinal).Count();
        return sweep;
    }

    /// <summary>Every crash state of a run with the consensus it finds, and the states just after each consensus change (see <see cref="TimelineConsensus.Boundaries"/>).</summary>
    private static IEnumerable<(int Prefix, ConsensusImage Image, CrashState State)> States(CrashState initial, ShardCrashWorkload run) =>
        CrashSimulatingBackend.EnumerateCrashStates(initial, run.Trace).Select(s => (s.PrefixLength, run.Consensus.ImageAt(s.PrefixLength), s))
            .Concat(run.Consensus.Boundaries);

    private static async Task CheckAllAsync(IEnumerable<Candidate> candidates, Sweep sweep, CancellationTokenSource stop)
    {
        try
        {
            await Parallel.ForEachAsync(candidates, Parallelism(stop), async (candidate, _) =>
            {
                foreach (var violation in await CheckAsync(candidate, candidate.Attempts))
                {
                    sweep.Violations.Enqueue($"{candidate.How}: {violation}");
                }

                if (sweep.Violations.Count >= MostViolations)
                {
                    await stop.CancelAsync();
                }
            });
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Enough violations to fail with.
        }
    }

    private static async Task<List<string>> CheckAsync(Candidate candidate, IReadOnlyDictionary<string, SweptAppend> attempts)
    {
        var violations = new List<string>();
        try
        {
            var blob = CrashSimulatingBackend.FromState(candidate.State);
            var consensus = await candidate.Image.BuildAsync();
            var shard = await Shard<Edge>.OpenAsync(ShardTestKit.ShardId, consensus, blob, ShardCrashWorkload.Options(new FakeTimeProvider(ShardCrashWorkload.Start.AddDays(10))));
            var frontiers = await shard.GetFrontiersAsync();
            var rows = frontiers.Upper > 0 ? await shard.SnapshotAsync(frontiers.Upper - 1) : [];
            var found = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var update in rows)
            {
                var tag = update.Row.Dst[..update.Row.Dst.LastIndexOf('/')];
                if (!attempts.TryGetValue(tag, out var append) || append.Batch().FirstOrDefault(u => u.Row == update.Row) is not { Row: not null } original)
                {
                    violations.Add($"{update} is of no append that was made");
                    continue;
                }

                if (update.Diff != 1 || !(update.Time == original.Time || (update.Time > original.Time && update.Time <= frontiers.Since)))
                {
                    violations.Add($"{update}: expected diff 1 at time {original.Time} (or advanced to at most the since {frontiers.Since})");
                }

                found[tag] = found.GetValueOrDefault(tag) + 1;
            }

            var next = 0L;
            foreach (var (tag, count) in found.OrderBy(f => attempts[f.Key].Expected))
            {
                var append = attempts[tag];
                if (count != append.Batch().Length || append.Expected != next)
                {
                    violations.Add($"{tag}: {count} of {append.Batch().Length} rows, appended at {append.Expected} where the batches before end at {next}");
                }

                next = append.NewUpper;
            }

            if (next != frontiers.Upper)
            {
                violations.Add($"the batches end at {next}, the upper is {frontiers.Upper}");
            }

            violations.AddRange(candidate.Reported.Where(tag => !found.ContainsKey(tag)).Select(tag => $"{tag} was reported in the shard but is missing"));

            await shard.CollectGarbageAsync();
            var head = ShardStateCodec.Decode(ShardTestKit.ShardId, ShardNames.ConsensusKey(ShardTestKit.ShardId), (await consensus.HeadAsync(ShardNames.ConsensusKey(ShardTestKit.ShardId)))!);
            var referenced = head.Parts.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
            var files = await PartFilesAsync(blob);
            if (!referenced.SequenceEqual(files))
            {
                violations.Add($"after a collection with every lease expired the part files are [{string.Join(", ", files)}], the head references [{string.Join(", ", referenced)}]");
            }
        }
        catch (Exception exception) when (exception is ShardException or StorageException)
        {
            violations.Add($"{exception.GetType().Name}: {exception.Message}");
        }

        return violations;
    }

    private static async Task<string[]> PartFilesAsync(IStorageBackend blob)
    {
        try
        {
            return [.. (await blob.ListAsync(ShardNames.PartsDirectory(ShardTestKit.ShardId))).Where(e => !e.IsDirectory).Select(e => e.Path).Order(StringComparer.Ordinal)];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private static ParallelOptions Parallelism(CancellationTokenSource stop) =>
        new() { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = stop.Token };

    /// <summary>The committed files and directories of a crash state, without the temporaries a torn write left.</summary>
    private static string NamespaceKey(CrashState state) =>
        string.Join('\n', state.Directories.Order(StringComparer.Ordinal).Select(d => $"d {d}")
            .Concat(state.Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"f {f.Key} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(f.Value))}")));

    /// <summary>A distinct crash state (blob and consensus) with the union of what every path to it had reported in the shard.</summary>
    private sealed class Candidate(CrashState state, ConsensusImage image, int prefix, string how, IReadOnlyDictionary<string, SweptAppend> attempts)
    {
        private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

        public CrashState State { get; } = state;

        public ConsensusImage Image { get; } = image;

        /// <summary>The trace prefix of the first path found to this state: what was reported and unanswered by then.</summary>
        public int Prefix { get; } = prefix;

        public string How { get; } = how;

        /// <summary>Every append made on the way to this state, by tag (the same tag means another batch in another run after a crash).</summary>
        public IReadOnlyDictionary<string, SweptAppend> Attempts { get; } = attempts;

        public IReadOnlyCollection<string> Reported
        {
            get
            {
                lock (_reported)
                {
                    return [.. _reported];
                }
            }
        }

        public void Add(IEnumerable<SweptAppend> appends) => Add(appends.Select(a => a.Tag));

        public void Add(IEnumerable<string> tags)
        {
            lock (_reported)
            {
                _reported.UnionWith(tags);
            }
        }
    }

    private sealed class Sweep
    {
        public int FirstOperations;
        public int FirstStates;
        public int SecondRuns;
        public int SecondStates;
        public int Retries;
        public int RetriesIn;
        public int Distinct;

        public ConcurrentQueue<string> Violations { get; } = new();
    }
}
