using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;

namespace Crawler;

/// <summary>What to crawl and how the controller is tuned; the defaults are the sample's.</summary>
public sealed class CrawlSettings
{
    /// <summary>The dataset directory; a second run appends to it (its visits continue after the highest id found).</summary>
    public required string Directory { get; init; }

    public int Visits { get; init; } = 300;

    public int Seed { get; init; } = 20261121;

    /// <summary>Page load times are spread over this, so that many visits are in flight at once.</summary>
    public TimeSpan Spread { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Ends the visit that is never finalized; the others finalize right after their last record.</summary>
    public TimeSpan VisitTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Every Nth publication of a file fails before it happens; the flush loop retries it.</summary>
    public int FailEveryNthPublication { get; init; } = 7;

    /// <summary>Every Nth commit record is published but reported failed; the retry must find it, not duplicate it.</summary>
    public int LoseEveryNthCommitAcknowledgement { get; init; } = 3;

    /// <summary>A bound on the whole run, so that a broken controller fails the run instead of hanging it.</summary>
    public TimeSpan HangGuard { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>One visit as the crawler saw it: the outcome (null if none arrived before the hang guard) and the record error it got.</summary>
public sealed record VisitResult(PlannedVisit Visit, VisitOutcome? Outcome, string? RecordError);

/// <summary>What a crawl did and what the dataset holds afterwards; <see cref="Problems"/> lists every broken invariant.</summary>
public sealed record CrawlReport(
    string Directory,
    IReadOnlyList<VisitResult> Results,
    int FaultsInjected,
    int MaxOpenVisits,
    IngestDatasetStatus Status,
    IReadOnlyList<string> Problems)
{
    public IEnumerable<PlannedVisit> Plan => Results.Select(r => r.Visit);
}

/// <summary>
/// The crawl: every visit loads its page (a delay), then appends its records to the ingest controller and finalizes;
/// the controller writes to a local directory through a disk that fails now and then.
/// </summary>
public static class CrawlSimulation
{
    public const string WriterId = "crawler";

    public static async Task<CrawlReport> RunAsync(CrawlSettings settings, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetFullPath(settings.Directory);
        System.IO.Directory.CreateDirectory(directory);
        var disk = new LocalFileSystemBackend(directory);
        var firstVisit = await NextVisitIdAsync(disk, cancellationToken);
        var plan = CrawlPlan.Create(settings.Visits, settings.Seed, firstVisit, new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero), settings.Spread);

        var flaky = FlakyDisk.Wrap(disk, settings.FailEveryNthPublication, settings.LoseEveryNthCommitAcknowledgement);
        var options = new IngestOptions
        {
            WriterId = WriterId,
            FlushInterval = TimeSpan.FromMilliseconds(100),
            MaxAge = TimeSpan.FromSeconds(2),
            MaxCachedBytes = 256 * 1024,
            VisitTimeout = settings.VisitTimeout,
            RetryDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
            ShutdownTimeout = TimeSpan.FromSeconds(10),
            SpillDirectory = directory + "-spill",
        };

        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(settings.HangGuard);
        VisitResult[] results;
        var open = new OpenVisits();
        await using (var ingest = await IngestController.OpenAsync(flaky, options, loggerFactory: null, TimeProvider.System, cancellationToken))
        {
            results = await Task.WhenAll(plan.Select(visit => VisitAsync(ingest, visit, open, guard.Token)));
        }

        var dataset = await IngestDataset.OpenAsync(disk, cancellationToken);
        var problems = await CrawlChecks.VerifyAsync(results, dataset, cancellationToken);
        return new CrawlReport(directory, results, flaky.FaultsFired, open.Max, await dataset.GetStatusAsync(cancellationToken), problems);
    }

    private static async Task<VisitResult> VisitAsync(IngestController ingest, PlannedVisit planned, OpenVisits open, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(planned.LoadTime, TimeProvider.System, cancellationToken);

            // The page has loaded: its records go in at once. No await between them waits on time, so a visit that is
            // being recorded never looks idle to VisitTimeout (an append that waits for cache space does not count).
            var visit = ingest.StartVisit(planned.VisitId);
            open.Started();
            string? recordError = null;
            try
            {
                foreach (var e in planned.Events)
                {
                    await AppendAsync(visit, e, cancellationToken);
                }
            }
            catch (IngestRecordException exception)
            {
                // The visit is Incomplete now; other visits are untouched. A crawler would log the page and move on.
                recordError = exception.Message;
            }

            var outcome = planned.Fate switch
            {
                VisitFate.NeverFinalized => visit.Outcome,
                VisitFate.NavigationFails => visit.FinalizeAsync(success: false, planned.FailureReason),
                _ => visit.FinalizeAsync(success: true),
            };
            var ended = await outcome.WaitAsync(cancellationToken);
            open.Ended();
            return new VisitResult(planned, ended, recordError);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new VisitResult(planned, null, null);
        }
    }

    private static ValueTask AppendAsync(IngestVisit visit, CrawlEvent e, CancellationToken cancellationToken) =>
        e.Request is { } request ? visit.AppendAsync(request, cancellationToken)
        : e.Response is { } response ? visit.AppendAsync(response, cancellationToken)
        : visit.AppendAsync(e.Call!, cancellationToken);

    /// <summary>One past the highest visit id the dataset already knows, so that a second run adds new visits.</summary>
    private static async Task<long> NextVisitIdAsync(IStorageBackend disk, CancellationToken cancellationToken)
    {
        var dataset = await IngestDataset.OpenAsync(disk, cancellationToken);
        var known = dataset.Commits.SelectMany(c => c.Files.SelectMany(f => f.Visits.Select(v => v.VisitId))
            .Concat(c.CompletedVisits).Concat(c.IncompleteVisits.Select(v => v.VisitId)));
        return known.DefaultIfEmpty(0).Max() + 1;
    }
}

/// <summary>Visits started whose outcome has not arrived: the most at once says how many the controller juggled.</summary>
internal sealed class OpenVisits
{
    private int _current;
    private int _max;

    public int Max => Volatile.Read(ref _max);

    public void Started()
    {
        var now = Interlocked.Increment(ref _current);
        for (var max = Volatile.Read(ref _max); now > max && Interlocked.CompareExchange(ref _max, now, max) != max; max = Volatile.Read(ref _max))
        {
        }
    }

    public void Ended() => Interlocked.Decrement(ref _current);
}

/// <summary>
/// The runtime's fault-injecting decorator over the local disk: transient failures the flush loop must ride out. The
/// counters run under the decorator's lock, which evaluates the rules one operation at a time.
/// </summary>
internal static class FlakyDisk
{
    public static FaultInjectingBackend Wrap(IStorageBackend disk, int failEvery, int loseAcknowledgementEvery)
    {
        var publications = 0;
        var commitRecords = 0;
        return new FaultInjectingBackend(disk)
            .FailWhen(op => op.Kind == StorageOperationKind.Rename && ++publications % failEvery == 0, permanent: true)
            .FailWhen(
                op => op.Kind == StorageOperationKind.Rename && op.Path.StartsWith("_commits/", StringComparison.Ordinal) && ++commitRecords % loseAcknowledgementEvery == 0,
                permanent: true,
                timing: FaultTiming.After);
    }
}
