using System.Globalization;
using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Checkpoints;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Tests.Worker;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// The ingest controller under real SIGKILLs: the worker (tests/Workers, <c>ingest-loop</c>) runs many concurrent visits
/// over two tables on a local directory and prints each outcome only once FinalizeAsync resolved it, so after any
/// kill every visit it printed Committed must be in the dataset with exactly its rows (I1), no visit may be visible
/// in part (I5), and no reader may see an uncommitted part, a row twice or a visit that has not ended (I7). Each
/// restarted worker's open must remove exactly the uncommitted parts the kill left, resume after the last commit and
/// close exactly the visits left unended. Kill moments are counted in printed lines from a logged seed — a number
/// of outcomes, then often a storage step of the flush under way (the worker prints each file that lands and each
/// directory sync) — never timed; the only time limit is the worker's hang guard.
/// </summary>
public sealed class IngestProcessKillTests(ITestOutputHelper output)
{
    /// <summary>Runs of one dataset before a fresh one starts: the audit after each kill reads the whole dataset.</summary>
    private const int KillsPerDataset = 10;

    /// <summary>A kill comes after 0 to this many printed outcomes (a run prints hundreds a second).</summary>
    private const int MostEventsBeforeKill = 30;

    /// <summary>Where in a flush a kill lands: at the line a stage matches (or at once, for null).</summary>
    private static readonly Func<string, bool>?[] Stages =
    [
        null,
        line => line.StartsWith("stored ", StringComparison.Ordinal) && line.Contains("/part-", StringComparison.Ordinal),
        line => line.StartsWith("synced ", StringComparison.Ordinal) && line is not "synced _commits" and not "synced .",
        line => line.StartsWith("stored _commits/", StringComparison.Ordinal),
    ];

    private static readonly IReadOnlyList<AuditTable> Tables =
    [
        AuditTable.Of<WorkerPage>(p => p.VisitId, PageKey),
        AuditTable.Of<WorkerFetch>(f => f.VisitId, FetchKey),
    ];

    [Fact]
    public async Task SIGKILL_at_counted_events_never_loses_duplicates_or_exposes_part_of_a_visit()
    {
        var (kills, seed, settings) = KillHarness.Settings("BULWARK_INGEST", 100);
        output.WriteLine(settings);
        var random = new Random(seed);
        using var temp = new TempDirectory();
        var sentinel = temp.Join("outside", "sentinel.txt");
        Directory.CreateDirectory(temp.Join("outside"));
        await File.WriteAllTextAsync(sentinel, "not the dataset's");
        var sentinelTime = File.GetLastWriteTimeUtc(sentinel);

        var totals = new Totals();
        for (var round = 0; round * KillsPerDataset < kills; round++)
        {
            var dataset = temp.Join($"dataset-{round}");
            var runs = Math.Min(KillsPerDataset, kills - (round * KillsPerDataset));
            await KillRepeatedlyAsync(dataset, runs, random, $"seed {seed}, dataset {round}", totals);
        }

        // Nothing outside the dataset directories was touched, and inside them only the dataset's own names exist.
        Assert.Equal(["dataset-", "outside"], Directory.EnumerateFileSystemEntries(temp.Path).Select(p => Path.GetFileName(p).TrimEnd("0123456789".ToCharArray())).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(["sentinel.txt"], Directory.EnumerateFileSystemEntries(temp.Join("outside")).Select(p => Path.GetFileName(p)));
        Assert.Equal("not the dataset's", await File.ReadAllTextAsync(sentinel));
        Assert.Equal(sentinelTime, File.GetLastWriteTimeUtc(sentinel));
        foreach (var dataset in Directory.EnumerateDirectories(temp.Path, "dataset-*"))
        {
            Assert.Subset(new HashSet<string> { "_commits", "_locks", "fetches", "incomplete_visits", "pages" }, Directory.EnumerateFileSystemEntries(dataset).Select(p => Path.GetFileName(p)).ToHashSet());
            totals.Temporaries += Directory.EnumerateFiles(dataset, ".*.tmp", SearchOption.AllDirectories).Count();
        }

        output.WriteLine($"{kills} SIGKILLs: {totals.Committed} visits reported Committed, {totals.Incomplete} Incomplete; {totals.Removed} uncommitted parts removed and {totals.Unfinished} unended visits closed by reopens; {totals.Commits} commits audited in the last states; {totals.Temporaries} temporaries of killed writes left behind (invisible to readers)");
        Assert.True(totals.Removed > 0 && totals.Unfinished > 0, "no kill left an uncommitted part or no kill an unended visit: the kills did not land inside flushes and visits");
    }

    private async Task KillRepeatedlyAsync(string dataset, int runs, Random random, string context, Totals totals)
    {
        var reported = new Dictionary<long, VisitOutcome>();
        var storage = new LocalFileSystemBackend(dataset);
        var expected = new Recovery([], 1, []);
        for (var run = 1; run <= runs; run++)
        {
            var at = $"{context}, run {run}";
            await using (var worker = WorkerProcess.Start(["ingest-loop", dataset, run.ToString(CultureInfo.InvariantCulture)]))
            {
                // Now and then the kill lands before the worker has opened (its recovery may be under way).
                if (random.Next(10) != 0)
                {
                    await worker.WaitUntilOpenedAsync();
                    for (var events = random.Next(MostEventsBeforeKill + 1); events > 0;)
                    {
                        var line = await worker.NextLineAsync();
                        events -= line.StartsWith("committed ", StringComparison.Ordinal) || line.StartsWith("incomplete ", StringComparison.Ordinal) ? 1 : 0;
                    }

                    // Then, most times, on into a flush: just after one of its parts landed, after a table directory
                    // was synced, or after its commit record landed (not yet synced, never yet reported).
                    var stage = Stages[random.Next(Stages.Length)];
                    while (stage is not null && !stage(await worker.NextLineAsync()))
                    {
                    }
                }

                await worker.KillAsync();
                ReadTranscript(worker, run, expected, reported, $"{at}\n{worker.Transcript}", totals);
            }

            var audit = await AuditAsync(storage, runs, reported, at);
            expected = UnfinishedState(audit, at);
        }

        // The last kill's leftovers, recovered in this process: the open removes every uncommitted part, and the
        // visits the kill left unended are closed as Incomplete once the reopened controller has flushed. Its clock
        // stands still, so that it flushes only when disposed, not while the audit lists the parts.
        var reopened = await IngestController.OpenAsync(storage, IngestWorkload.Options(runs + 1), null, new FakeTimeProvider(DateTimeOffset.UnixEpoch));
        var open = await AuditAsync(storage, runs, reported, $"{context}, reopened");
        Assert.True(open.Status.UnreferencedParts.Count == 0, $"{context}: uncommitted parts survived the reopen: {string.Join(", ", open.Status.UnreferencedParts)}");

        // A kill during a part's write leaves its hidden temporary; the reopen reclaims the writer's own.
        var temporaries = Directory.EnumerateFiles(storage.RootPath, ".*.tmp", SearchOption.AllDirectories).ToArray();
        Assert.True(temporaries.Length == 0, $"{context}: abandoned temporaries survived the reopen: {string.Join(", ", temporaries)}");
        await reopened.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(10)); // a hang guard: the drain needs no clock
        var closed = await AuditAsync(storage, runs, reported, $"{context}, reopened and closed");
        Assert.True(closed.Status.UnendedVisits.Count == 0, $"{context}: visits still unended after the reopened controller closed: {string.Join(", ", closed.Status.UnendedVisits)}");
        foreach (var visit in expected.Unended)
        {
            Assert.True(closed.Incomplete.TryGetValue(visit, out var reason) && reason.Contains("stopped before the visit ended", StringComparison.Ordinal), $"{context}: visit {visit}, left unended by the last kill, is not closed as incomplete");
        }

        totals.Removed += expected.Orphans.Count;
        totals.Unfinished += expected.Unended.Count;
        totals.Commits += closed.Commits.Count;
    }

    /// <summary>Checks every line the killed worker printed and adds its outcomes to <paramref name="reported"/>.</summary>
    private static void ReadTranscript(WorkerProcess worker, int run, Recovery expected, Dictionary<long, VisitOutcome> reported, string context, Totals totals)
    {
        var removed = new List<string>();
        var opened = false;
        foreach (var line in worker.Lines)
        {
            var words = line.Split(' ', 3);
            switch (words[0])
            {
                case "removed" when !opened:
                    removed.Add(words[1]);
                    break;
                case "opened" when !opened:
                    opened = true;

                    // Recovery removed exactly the parts the last kill left uncommitted, resumed after the last commit
                    // and closed exactly the visits left unended.
                    Assert.True(removed.Order(StringComparer.Ordinal).SequenceEqual(expected.Orphans), $"{context}\nremoved [{string.Join(", ", removed)}], the kill left [{string.Join(", ", expected.Orphans)}] uncommitted");
                    Assert.True(line == $"opened {expected.NextFlush} {expected.Unended.Count}", $"{context}\nexpected 'opened {expected.NextFlush} {expected.Unended.Count}'");
                    totals.Removed += removed.Count;
                    totals.Unfinished += expected.Unended.Count;
                    break;
                case "stored" or "synced":
                    break;
                case "committed" or "incomplete" when opened && words.Length == 3:
                    var visit = long.Parse(words[1], CultureInfo.InvariantCulture);
                    var plan = IngestWorkload.Plan(visit);
                    Assert.True(visit / IngestWorkload.VisitsPerRun == run, $"{context}\n{line}: a visit of another run");
                    var outcome = words[0] == "committed"
                        ? new VisitOutcome(visit, VisitState.Committed, null)
                        : new VisitOutcome(visit, VisitState.Incomplete, words[2]);
                    Assert.True(reported.TryAdd(visit, outcome), $"{context}\n{line}: a second outcome");

                    // Only the planned failures end Incomplete (a healthy disk, no timeouts), with the planned reason;
                    // a committed line reports the planned rows.
                    Assert.True(
                        plan.Fails ? outcome.Reason == $"finalized as failed: {IngestWorkload.FailureReason(visit)}" : words[2] == $"fetches={plan.Fetches} pages={plan.Pages}",
                        $"{context}\n{line}: expected {plan}");
                    if (plan.Fails)
                    {
                        totals.Incomplete++;
                    }
                    else
                    {
                        totals.Committed++;
                    }

                    break;
                default:
                    Assert.Fail($"{context}\nunexpected line '{line}'");
                    break;
            }
        }

        Assert.True(opened || removed.All(expected.Orphans.Contains), $"{context}\nremoved parts the kill had not left");
    }

    private static async Task<IngestAudit> AuditAsync(IStorageBackend storage, int runs, IReadOnlyDictionary<long, VisitOutcome> reported, string context)
    {
        IngestAudit audit;
        try
        {
            audit = await IngestAudit.ReadAsync(storage, Tables);
        }
        catch (IngestDataException exception)
        {
            throw new Xunit.Sdk.XunitException($"{context}: the dataset does not read back: {exception.Message}");
        }

        var violations = audit.Violations(visit => Expected(visit, runs), reported);
        Assert.True(violations.Count == 0, $"{context}: {violations.Count} violations:\n{string.Join("\n", violations.Take(20))}");
        return audit;
    }

    /// <summary>What the next open must find: the uncommitted parts (all of the one flush in progress at the kill), the next number, the unended visits.</summary>
    private static Recovery UnfinishedState(IngestAudit audit, string context)
    {
        var next = audit.Commits.Where(c => c.Writer == IngestWorkload.WriterId).Select(c => c.Flush).DefaultIfEmpty(0L).Max() + 1;
        foreach (var part in audit.Status.UnreferencedParts)
        {
            Assert.True(
                CommitNames.TryParsePartName(part[(part.LastIndexOf('/') + 1)..], out var flush, out var writer) && flush == next && writer.StartsWith(IngestWorkload.WriterId + ".", StringComparison.Ordinal),
                $"{context}: uncommitted part '{part}' is not of flush {next}, the only one that can have been in progress");
        }

        return new Recovery([.. audit.Status.UnreferencedParts.Order(StringComparer.Ordinal)], next, [.. audit.Status.UnendedVisits.Select(v => v.VisitId)]);
    }

    private static IReadOnlyDictionary<string, string[]>? Expected(long visit, int runs)
    {
        var run = visit / IngestWorkload.VisitsPerRun;
        if (run < 1 || run > runs)
        {
            return null;
        }

        var plan = IngestWorkload.Plan(visit);
        return new Dictionary<string, string[]>
        {
            ["pages"] = [.. Enumerable.Range(0, plan.Pages).Select(i => PageKey(IngestWorkload.Page(visit, i)))],
            ["fetches"] = [.. Enumerable.Range(0, plan.Fetches).Select(i => FetchKey(IngestWorkload.Fetch(visit, i)))],
        };
    }

    private static string PageKey(WorkerPage page) => $"{page.Index} {page.Url}";

    private static string FetchKey(WorkerFetch fetch) => $"{fetch.Index} {fetch.Bytes} {fetch.ContentType ?? "-"}";

    /// <summary>What a reopening writer must find and do.</summary>
    private sealed record Recovery(IReadOnlyList<string> Orphans, long NextFlush, IReadOnlyList<long> Unended);

    private sealed class Totals
    {
        public int Committed { get; set; }

        public int Incomplete { get; set; }

        public int Removed { get; set; }

        public int Unfinished { get; set; }

        public int Commits { get; set; }

        public int Temporaries { get; set; }
    }
}
