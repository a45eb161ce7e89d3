using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// Random interleavings of visits (start, append, finalize with success or failure, never finalize, unencodable
/// records), time advancing, and fault schedules (transient and permanent, before and after the operation takes
/// effect), checked against the invariants of DESIGN §6.
/// </summary>
public sealed class IngestPropertyTests
{
    internal static Workload? Current;

    private static readonly Arbitrary<int> Seeds = Gen.Choose(0, int.MaxValue).ToArbitrary();

    [Fact]
    public void RandomWorkloadsKeepTheInvariants() =>
        Prop.ForAll(Seeds, seed => Task.Run(() => RunAsync(seed)).GetAwaiter().GetResult()).Check(Config.QuickThrowOnFailure.WithMaxTest(20));

    // FsCheck runs properties synchronously; Task.Run keeps the workload's awaits off xunit's synchronization context,
    // whose few threads the blocked property would otherwise starve.

    /// <summary>Seeds that once found bugs, kept as regressions.</summary>
    [Theory]
    [InlineData(285571464)]
    [InlineData(984000268)]
    [InlineData(2050311066)]
    public Task KnownWorkloads(int seed) => RunAsync(seed);

    [Fact]
    public void ACrashAnywhereLosesNothingReportedCommitted() =>
        Prop.ForAll(Seeds, seed => Task.Run(() => CrashAsync(seed)).GetAwaiter().GetResult()).Check(Config.QuickThrowOnFailure.WithMaxTest(15));

    private static IngestOptions Options(Random random, string? spill) => new()
    {
        WriterId = "p",
        MaxCachedBytes = random.Next(1_000, 20_000),
        MaxRowsPerFile = random.Next(2, 40),
        FlushInterval = TimeSpan.FromSeconds(1),
        MaxAge = TimeSpan.FromSeconds(5),
        VisitTimeout = TimeSpan.FromSeconds(random.Next(2, 8)),
        ShutdownTimeout = TimeSpan.FromSeconds(3),
        RetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromSeconds(1),
        SpillDirectory = spill,
        Format = random.Next(2) == 0 ? IngestFormat.Parquet : IngestFormat.ArrowIpc,
    };

    private static async Task RunAsync(int seed)
    {
        var random = new Random(seed);
        using var temp = new TempDirectory();
        var spill = temp.Join("spill");
        var options = Options(random, spill);
        var h = await IngestHarness.OpenAsync(options);
        var workload = new Workload(h, random);
        Current = workload;
        var snapshots = new List<Dictionary<(long, string), int>>();
        for (var step = 0; step < 50; step++)
        {
            await workload.StepAsync();
            if (random.Next(8) == 0)
            {
                snapshots.Add(await VisibleAsync(h.Storage));
            }
        }

        if (random.Next(2) == 0)
        {
            h.Faults.ClearFaults();
        }
        else
        {
            h.Faults.FailWhen(op => op.Kind is StorageOperationKind.Create or StorageOperationKind.SyncDirectory, permanent: true);
        }

        await h.ShutdownAsync();
        var health = h.Controller.Health;

        // I2: exactly one outcome for every visit observed; Committed only for success without a lost record.
        foreach (var visit in workload.Visits.Values)
        {
            Assert.True(visit.Handle.Outcome.IsCompleted, $"seed {seed}: visit {visit.Id} has no outcome after disposal");
            var outcome = await visit.Handle.Outcome;
            if (outcome.State == VisitState.Committed)
            {
                Assert.True(visit.Succeeded && visit.Broken.Count == 0, $"seed {seed}: visit {visit.Id} Committed without a successful finalize");
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(outcome.Reason));
            }
        }

        // I4: nothing held after disposal.
        Assert.Equal(0, health.OpenVisits);
        Assert.Equal(0, health.CachedBytes);

        // I1: a Committed visit's rows are all there, once.
        var committed = await VisibleAsync(h.Storage);
        foreach (var visit in workload.Visits.Values.Where(v => v.Handle.Outcome.Result.State == VisitState.Committed))
        {
            foreach (var table in Workload.Tables)
            {
                Assert.Equal(visit.Rows(table), committed.GetValueOrDefault((visit.Id, table)));
            }
        }

        // I3: after disposal nothing is only in memory — replaying the spill (twice: the second is a no-op) brings
        // every row that was not discarded with an unencodable record, exactly once.
        await IngestSpill.ReplayAsync(spill, h.Storage, options);
        Assert.Empty((await IngestSpill.ReplayAsync(spill, h.Storage, options)).Replayed);
        var final = await VisibleAsync(h.Storage);
        await AssertNoDuplicatesAsync(h.Storage, seed);
        foreach (var visit in workload.Visits.Values)
        {
            foreach (var table in Workload.Tables)
            {
                var rows = final.GetValueOrDefault((visit.Id, table));
                if (visit.Broken.Contains(table))
                {
                    Assert.True(rows <= visit.Rows(table), $"seed {seed}: visit {visit.Id} has {rows} rows in {table}, more than appended");
                }
                else
                {
                    Assert.True(visit.Rows(table) == rows, $"seed {seed}: visit {visit.Id} ({visit.Handle.Outcome.Result}) has {rows} of its {visit.Rows(table)} rows in {table}; {string.Join(", ", (IngestDataset.OpenAsync(h.Storage).Result.GetStatusAsync().Result.UnendedVisits))}");
                }
            }
        }

        var listed = (await ReadAsync<IncompleteVisit>(h.Storage)).Select(v => v.VisitId).ToHashSet();
        foreach (var visit in workload.Visits.Values.Where(v => v.Handle.Outcome.Result.State == VisitState.Incomplete))
        {
            Assert.True(listed.Contains(visit.Id), $"seed {seed}: Incomplete visit {visit.Id} is not listed in incomplete_visits ({visit.Handle.Outcome.Result.Reason})");
        }

        // I5: a reader never saw part of a visit.
        foreach (var snapshot in snapshots)
        {
            foreach (var ((visit, table), rows) in snapshot)
            {
                Assert.True(rows == final.GetValueOrDefault((visit, table)), $"seed {seed}: a reader saw {rows} of visit {visit}'s {final.GetValueOrDefault((visit, table))} rows in {table}");
            }
        }
    }

    private static async Task CrashAsync(int seed)
    {
        var random = new Random(seed);
        var crash = new CrashSimulatingBackend();
        var h = await IngestHarness.OpenAsync(Options(random, spill: null), crash);
        var workload = new Workload(h, random);
        var steps = random.Next(5, 50);
        for (var step = 0; step < steps; step++)
        {
            await workload.StepAsync();
        }

        // Power cut while the loop is idle: outcomes reported so far are the ones that must survive.
        await h.SettleAsync();
        var reported = workload.Visits.Values.Where(v => v.Handle.Outcome.IsCompletedSuccessfully && v.Handle.Outcome.Result.State == VisitState.Committed).ToArray();
        var state = crash.CaptureDurableState();
        h.Faults.FailWhen(_ => true, permanent: true);
        await h.ShutdownAsync();

        // I7: the restarted writer loses nothing reported Committed, duplicates nothing, keeps no uncommitted part.
        var time = new FakeTimeProvider(IngestHarness.Start + TimeSpan.FromHours(1));
        var restarted = CrashSimulatingBackend.FromState(state);
        var reopened = await IngestController.OpenAsync(restarted, Options(new Random(seed), spill: null), null, time);
        var status = await (await IngestDataset.OpenAsync(restarted)).GetStatusAsync();
        Assert.Empty(status.UnreferencedParts);
        var visible = await VisibleAsync(restarted);
        foreach (var visit in reported)
        {
            foreach (var table in Workload.Tables)
            {
                Assert.True(visit.Rows(table) == visible.GetValueOrDefault((visit.Id, table)), $"seed {seed}: committed visit {visit.Id} lost rows of {table} in the crash");
            }
        }

        await AssertNoDuplicatesAsync(restarted, seed);

        // Every visit of the crashed run with committed rows ends, listed as incomplete, once the new run flushes.
        await IngestHarness.ShutdownAsync(reopened, time);
        var after = await IngestDataset.OpenAsync(restarted);
        Assert.Empty((await after.GetStatusAsync()).UnendedVisits);
    }

    private static async Task AssertNoDuplicatesAsync(IStorageBackend storage, int seed)
    {
        var pages = (await ReadAsync<PageRow>(storage)).Select(r => r.Url).ToList();
        var requests = (await ReadAsync<RequestRow>(storage)).Select(r => r.Url).ToList();
        Assert.True(pages.Count == pages.Distinct().Count(), $"seed {seed}: duplicate page rows");
        Assert.True(requests.Count == requests.Distinct().Count(), $"seed {seed}: duplicate request rows");
    }

    private static async Task<Dictionary<(long, string), int>> VisibleAsync(IStorageBackend storage)
    {
        var counts = new Dictionary<(long, string), int>();
        foreach (var row in await ReadAsync<PageRow>(storage))
        {
            counts[(row.VisitId, "pages")] = counts.GetValueOrDefault((row.VisitId, "pages")) + 1;
        }

        foreach (var row in await ReadAsync<RequestRow>(storage))
        {
            counts[(row.VisitId, "requests")] = counts.GetValueOrDefault((row.VisitId, "requests")) + 1;
        }

        return counts;
    }

    private static async Task<List<T>> ReadAsync<T>(IStorageBackend storage)
        where T : Records.IArrowRecord<T>
    {
        var rows = new List<T>();
        await foreach (var row in (await IngestDataset.OpenAsync(storage)).ReadAsync<T>())
        {
            rows.Add(row);
        }

        return rows;
    }
}

/// <summary>The random actions of one run and what the caller saw.</summary>
internal sealed class Workload(IngestHarness h, Random random)
{
    public static readonly string[] Tables = ["pages", "requests"];

    private long _nextVisit = 1;
    private int _nextRow;

    public Dictionary<long, VisitModel> Visits { get; } = [];

    public IngestHarness Harness => h;

    public int Step { get; private set; }

    public bool Appending { get; private set; }

    public async Task StepAsync()
    {
        Step++;
        var open = Visits.Values.Where(v => !v.Finalized && !v.Handle.Outcome.IsCompleted).ToArray();
        switch (random.Next(10))
        {
            case 0 or 1:
                var id = _nextVisit++;
                Visits[id] = new VisitModel(id, h.Controller.StartVisit(id));
                break;
            case 2 or 3 or 4 when open.Length > 0:
                await AppendAsync(open[random.Next(open.Length)]);
                break;
            case 5 when open.Length > 0:
                var visit = open[random.Next(open.Length)];
                visit.Finalized = true;
                visit.Succeeded = random.Next(4) != 0;
                _ = visit.Handle.FinalizeAsync(visit.Succeeded, visit.Succeeded ? null : "random failure");
                break;
            case 6 or 7:
                await h.SettleAsync();
                h.Time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 2500)));
                break;
            case 8:
                var kind = random.Next(4) switch
                {
                    0 => StorageOperationKind.Create,
                    1 => StorageOperationKind.Rename,
                    2 => StorageOperationKind.SyncDirectory,
                    _ => StorageOperationKind.Write,
                };
                h.Faults.FailWhen(kind, permanent: random.Next(4) == 0, timing: random.Next(2) == 0 ? FaultTiming.Before : FaultTiming.After);
                break;
            default:
                h.Faults.ClearFaults();
                break;
        }
    }

    private async Task AppendAsync(VisitModel visit)
    {
        var table = Tables[random.Next(Tables.Length)];
        var bad = random.Next(15) == 0;
        var url = (bad ? "\uD800" : string.Empty) + $"{visit.Id}/{table}/{_nextRow++}";
        var pending = table == "pages"
            ? visit.Handle.AppendAsync(new PageRow(visit.Id, url, 200)).AsTask()
            : visit.Handle.AppendAsync(new RequestRow(visit.Id, url)).AsTask();
        Appending = true;
        if (!pending.IsCompleted)
        {
            // Backpressure: only a flush makes room, so the destination must come back.
            h.Faults.ClearFaults();
            await h.RunUntilAsync(() => pending.IsCompleted);
        }

        Appending = false;
        try
        {
            await pending;
            visit.Appended[table] = visit.Appended.GetValueOrDefault(table) + 1;
        }
        catch (IngestRecordException)
        {
            Assert.True(bad);
            visit.Broken.Add(table);
        }
        catch (InvalidOperationException)
        {
            // The visit timed out (or broke) while the clock moved on: it ended before this append.
            visit.Finalized = true;
        }
    }
}

internal sealed class VisitModel(long id, IngestVisit handle)
{
    public long Id { get; } = id;

    public IngestVisit Handle { get; } = handle;

    public bool Finalized { get; set; }

    public bool Succeeded { get; set; }

    public Dictionary<string, int> Appended { get; } = [];

    public HashSet<string> Broken { get; } = [];

    public int Rows(string table) => Appended.GetValueOrDefault(table);
}
