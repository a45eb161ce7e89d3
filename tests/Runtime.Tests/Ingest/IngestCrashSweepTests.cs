using System.Collections.Concurrent;
using System.Diagnostics;
using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// Every crash state a disk could be left in (lost unsynced renames and deletions, reordered changes, torn writes) at
/// every step of a 20-flush workload, and at every step of the run that follows each of those crashes — its recovery
/// (uncommitted parts removed), the flush that closes the visits the crash left unended, its own 15 flushes and its
/// shutdown. A writer reopened on any of them loses no visit reported Committed before either crash, duplicates
/// nothing, keeps no uncommitted part, shows no reader part of a visit, and closes every unended visit (see
/// <see cref="IngestAudit"/>). At least 10,000 distinct states; it takes about a minute of CPU.
/// </summary>
public sealed class IngestCrashSweepTests(ITestOutputHelper output)
{
    /// <summary>The floor of distinct crash states under <see cref="SweepSize.Reduced"/>.</summary>
    private const int ReducedMinimum = 1_000;

    /// <summary>The sweep must stay this wide: a workload that shrinks below it fails rather than silently checking less.</summary>
    private static readonly int MinimumDistinctStates = SweepSize.Pick(10_000, ReducedMinimum);

    /// <summary>Rounds of five flushes in the first run and in each run after one of its crashes.</summary>
    private static readonly int FirstRounds = SweepSize.Pick(5, 1);

    private static readonly int SecondRounds = SweepSize.Pick(3, 1);

    private static readonly IReadOnlyList<AuditTable> Tables =
    [
        AuditTable.Of<PageRow>(r => r.VisitId, r => r.Url),
        AuditTable.Of<RequestRow>(r => r.VisitId, r => r.Url),
    ];

    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(10);

    /// <summary>A broken variant makes thousands of violations: this many are enough to show, and the sweep stops there.</summary>
    private const int MostViolations = 20;

    [Fact]
    public async Task EveryCrashStateOfTheFlushesAndOfTheRecoveryAfterACrashLosesNothingReported()
    {
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var first = await Workload.RunAsync(CrashState.Empty, run: 0, rounds: FirstRounds);
        var violations = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        // Every crash state of the first run, checked as it is enumerated (a broken variant stops the sweep early).
        var crashes = new ConcurrentQueue<CrashState>();
        await CheckAllAsync(CrashSimulatingBackend.EnumerateCrashStates(CrashState.Empty, first.Trace).Select(crash =>
        {
            crashes.Enqueue(crash);
            var candidate = new Candidate(crash, crash.ToString());
            candidate.Add(first.ReportedBefore(crash.PrefixLength), closed: crash.PrefixLength >= first.Trace.Count);
            return candidate;
        }));

        // The run after each crash, on a disk that records it: its recovery, its flushes and its shutdown, each of
        // whose states is a second crash. Different paths reach the same disk content; it is checked once, against
        // everything any path to it had reported (what either run reported before its crash must survive both).
        // Crash states that differ only in a torn temporary start the same run after them (a reopened disk holds no
        // temporaries), so that run is made once per namespace.
        var states = new ConcurrentDictionary<string, Candidate>(StringComparer.Ordinal);
        var starts = crashes.GroupBy(NamespaceKey, StringComparer.Ordinal).ToArray();
        var secondStates = 0;
        var recoveries = 0;
        if (violations.IsEmpty)
        {
            await Parallel.ForEachAsync(starts, Parallelism(stop), async (group, _) =>
            {
                var crash = group.First();
                var reported = first.ReportedBefore(group.Max(c => c.PrefixLength));
                var second = await Workload.RunAsync(crash, run: 1, rounds: SecondRounds);
                if (second.Trace.Any(op => op.Kind == StorageOperationKind.Delete))
                {
                    Interlocked.Increment(ref recoveries);
                }

                foreach (var state in CrashSimulatingBackend.EnumerateCrashStates(crash, second.Trace))
                {
                    Interlocked.Increment(ref secondStates);
                    states.GetOrAdd(state.Key, _ => new Candidate(state, $"{crash}, then {state}"))
                        .Add(second.ReportedBefore(state.PrefixLength, reported), closed: state.PrefixLength >= second.Trace.Count);
                }
            });

            await CheckAllAsync(states.Values);
        }

        var distinct = crashes.Select(c => c.Key).Concat(states.Keys).Distinct(StringComparer.Ordinal).Count();
        output.WriteLine($"{crashes.Count} crash states of the first run ({first.Trace.Count} operations), {secondStates} of the {starts.Length} runs after them ({recoveries} of which removed uncommitted parts): {distinct} distinct crash states reopened and audited, {violations.Count} violations; {SweepSize.Describe}, {clock.Elapsed.TotalSeconds:F1} s (CPU time of this process meanwhile: {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s)");
        Assert.True(violations.IsEmpty, $"{(stop.IsCancellationRequested ? "stopped at " : "")}{violations.Count} violations:\n{string.Join("\n", violations.Take(MostViolations))}");
        Assert.True(distinct >= MinimumDistinctStates, $"only {distinct} distinct crash states; the sweep must cover at least {MinimumDistinctStates}");

        async Task CheckAllAsync(IEnumerable<Candidate> candidates)
        {
            try
            {
                await Parallel.ForEachAsync(candidates, Parallelism(stop), async (candidate, _) =>
                {
                    foreach (var violation in await CheckAsync(candidate.State, candidate.Reported, candidate.Closed))
                    {
                        violations.Enqueue($"{candidate.How}: {violation}");
                    }

                    if (violations.Count >= MostViolations)
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
    }

    private static ParallelOptions Parallelism(CancellationTokenSource stop) =>
        new() { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = stop.Token };

    /// <summary>The committed files and directories of a crash state, without the temporaries a torn write left.</summary>
    private static string NamespaceKey(CrashState state) =>
        string.Join('\n', state.Directories.Order(StringComparer.Ordinal).Select(d => $"d {d}")
            .Concat(state.Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"f {f.Key} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(f.Value))}")));

    /// <summary>
    /// Reopens <paramref name="state"/> and audits it against what was reported before the crash: right after the
    /// open (no uncommitted part left), and after the reopened controller closed (no visit left unended). A run
    /// that had closed before the crash (<paramref name="closed"/>) must have left no unended visit either.
    /// </summary>
    private static async Task<List<string>> CheckAsync(CrashState state, IReadOnlyDictionary<long, VisitOutcome> reported, bool closed)
    {
        var violations = new List<string>();
        try
        {
            var disk = CrashSimulatingBackend.FromState(state);
            if (closed && (await (await IngestDataset.OpenAsync(disk)).GetStatusAsync()).UnendedVisits is { Count: > 0 } unended)
            {
                violations.Add($"the run had closed, yet visits are unended: {string.Join(", ", unended)}");
            }

            var reopened = await OpenAsync(disk);
            var open = await IngestAudit.ReadAsync(disk, Tables);
            violations.AddRange(open.Violations(Workload.Expected, reported));
            if (open.Status.UnreferencedParts.Count > 0)
            {
                violations.Add($"uncommitted parts survived the reopen: {string.Join(", ", open.Status.UnreferencedParts)}");
            }

            await reopened.DisposeAsync().AsTask().WaitAsync(HangGuard);
            if (open.Status.UnendedVisits.Count == 0)
            {
                // Nothing was left to close: the controller wrote nothing, and the audit above stands.
                return violations;
            }

            var done = await IngestAudit.ReadAsync(disk, Tables);
            violations.AddRange(done.Violations(Workload.Expected, reported).Select(v => $"after the reopened controller closed: {v}"));
            if (done.Status.UnendedVisits.Count > 0)
            {
                violations.Add($"visits unended after the reopened controller closed: {string.Join(", ", done.Status.UnendedVisits)}");
            }
        }
        catch (Exception exception) when (exception is IngestDataException or StorageException)
        {
            violations.Add($"{exception.GetType().Name}: {exception.Message}");
        }

        return violations;
    }

    /// <summary>A controller whose clock stands still: it flushes only when disposed (its drain needs no clock).</summary>
    private static Task<IngestController> OpenAsync(IStorageBackend disk) =>
        IngestController.OpenAsync(disk, Options(), null, new FakeTimeProvider(IngestHarness.Start));

    /// <summary>
    /// Arrow IPC parts: the sweep is about which files and renames survive, not their encoding, and each of its many
    /// audits decodes every part (Parquet parts are in the process-kill test and the properties).
    /// </summary>
    private static IngestOptions Options() => IngestHarness.DefaultOptions(format: IngestFormat.ArrowIpc);

    /// <summary>A distinct crash state, with the union of what every path to it had reported (a visit's outcome is the same on every path).</summary>
    private sealed class Candidate(CrashState state, string how)
    {
        private readonly Dictionary<long, VisitOutcome> _reported = [];

        public CrashState State { get; } = state;

        public string How { get; } = how;

        public IReadOnlyDictionary<long, VisitOutcome> Reported => _reported;

        public bool Closed { get; private set; }

        public void Add(IReadOnlyDictionary<long, VisitOutcome> reported, bool closed)
        {
            lock (_reported)
            {
                foreach (var (visit, outcome) in reported)
                {
                    _reported[visit] = outcome;
                }

                Closed |= closed;
            }
        }
    }

    /// <summary>
    /// One run of the workload on a crash-simulating disk that starts as <c>initial</c> (a run after a crash first
    /// recovers what the crash left): its trace, and when each outcome was reported. Rows are a function of the visit id.
    /// </summary>
    private sealed class Workload
    {
        private readonly List<(int Prefix, VisitOutcome Outcome)> _reported = [];

        public IReadOnlyList<StorageOperation> Trace { get; private set; } = [];

        /// <summary>
        /// Rounds of five flushes: visits that commit at once, one whose rows commit before it ends (an explicit flush
        /// between its appends), a failure without rows, a failure with rows, and one left unended until shutdown
        /// closes it as Incomplete. Visit ids are run * 100 + round * 10 + 1..6.
        /// </summary>
        public static async Task<Workload> RunAsync(CrashState initial, int run, int rounds)
        {
            var crash = CrashSimulatingBackend.FromState(initial);
            var h = await IngestHarness.OpenAsync(Options(), crash);
            var w = new Workload();
            var unended = new List<IngestVisit>();
            for (var round = 0; round < rounds; round++)
            {
                var b = (run * 100) + (round * 10);
                var v1 = await VisitAsync(h, b + 1, pages: 2, requests: 1);
                await w.CommitAsync(h, crash, v1.FinalizeAsync(true));

                var v2 = await VisitAsync(h, b + 2, pages: 1, requests: 2);
                await h.Controller.FlushAsync(); // visit 2's rows are committed before it ends
                await VisitAsync(h, b + 2, pages: 1, requests: 0);
                var v4 = await VisitAsync(h, b + 4, pages: 1, requests: 1);
                await w.CommitAsync(h, crash, v2.FinalizeAsync(true), (await VisitAsync(h, b + 3, pages: 0, requests: 0)).FinalizeAsync(false, "timeout"));

                var v5 = await VisitAsync(h, b + 5, pages: 0, requests: 2);
                await w.CommitAsync(h, crash, v4.FinalizeAsync(true), v5.FinalizeAsync(false, "bad page"));

                unended.Add(await VisitAsync(h, b + 6, pages: 2, requests: 1));
                await h.Controller.FlushAsync();
            }

            await h.ShutdownAsync();
            foreach (var visit in unended)
            {
                w._reported.Add((crash.TraceCount, await visit.Outcome));
            }

            Assert.All(w._reported, r => Assert.Equal((r.Outcome.VisitId % 10) is 1 or 2 or 4 ? VisitState.Committed : VisitState.Incomplete, r.Outcome.State));
            w.Trace = crash.Trace;
            return w;
        }

        /// <summary>What each visit appends: its pages then its requests (visit 2 in two appends, a page more after the flush).</summary>
        public static IReadOnlyDictionary<string, string[]>? Expected(long visit) => visit % 10 is < 1 or > 6 || visit / 100 > 1 ? null : new Dictionary<string, string[]>
        {
            ["pages"] = [.. Enumerable.Range(0, (visit % 10) switch { 1 or 2 or 6 => 2, 4 => 1, _ => 0 }).Select(i => PageUrl(visit, i))],
            ["requests"] = [.. Enumerable.Range(0, (visit % 10) switch { 2 or 5 => 2, 1 or 4 or 6 => 1, _ => 0 }).Select(i => RequestUrl(visit, i))],
        };

        /// <summary>The outcomes reported once the first <paramref name="prefix"/> operations had happened, with <paramref name="earlier"/>.</summary>
        public IReadOnlyDictionary<long, VisitOutcome> ReportedBefore(int prefix, IReadOnlyDictionary<long, VisitOutcome>? earlier = null)
        {
            var reported = new Dictionary<long, VisitOutcome>(earlier ?? new Dictionary<long, VisitOutcome>());
            foreach (var (_, outcome) in _reported.Where(r => r.Prefix <= prefix))
            {
                reported.Add(outcome.VisitId, outcome);
            }

            return reported;
        }

        private static string PageUrl(long visit, int index) => $"https://example.org/{visit}/{index}";

        private static string RequestUrl(long visit, int index) => $"https://cdn.example.org/{visit}/{index}";

        private static async Task<IngestVisit> VisitAsync(IngestHarness h, long id, int pages, int requests)
        {
            var visit = h.Controller.StartVisit(id);
            var (havePages, haveRequests) = id % 10 == 2 && pages == 1 && requests == 0 ? (1, 2) : (0, 0);
            for (var i = 0; i < pages; i++)
            {
                await visit.AppendAsync(new PageRow(id, PageUrl(id, havePages + i), 200));
            }

            for (var i = 0; i < requests; i++)
            {
                await visit.AppendAsync(new RequestRow(id, RequestUrl(id, haveRequests + i)));
            }

            return visit;
        }

        /// <summary>Flushes until every outcome has resolved, then notes them as reported at this point of the trace.</summary>
        /// <remarks>An explicit flush rather than the clock's: the storage operations are the same, and no clock is stepped.</remarks>
        private async Task CommitAsync(IngestHarness h, CrashSimulatingBackend crash, params Task<VisitOutcome>[] outcomes)
        {
            await h.Controller.FlushAsync().WaitAsync(HangGuard);
            Assert.All(outcomes, o => Assert.True(o.IsCompleted));
            var prefix = crash.TraceCount;
            foreach (var outcome in outcomes)
            {
                _reported.Add((prefix, await outcome));
            }
        }
    }
}
