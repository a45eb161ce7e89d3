using Bulwark.Ingest;
using Bulwark.Storage;

namespace Quickstart;

/// <summary>
/// Step 1, a simulated crawl: visits run at once, each loads its page (a delay) and appends one row per request to the
/// ingest controller, which flushes them as Parquet parts through a disk that fails now and then (<see cref="FlakyDisk"/>).
/// Afterwards the dataset is read back as any reader sees it: committed flushes only.
/// </summary>
public static class CrawlStep
{
    public const int VisitsPerRun = 40;

    public const string WriterId = "quickstart";

    private static readonly string[] Hosts = ["example.org", "docs.example.com", "bücher.example"];

    public static async Task<CrawlResult> RunAsync(string directory, CancellationToken ct = default)
    {
        System.IO.Directory.CreateDirectory(directory);
        var disk = new LocalFileSystemBackend(directory);
        var firstVisit = await NextVisitIdAsync(disk, ct);
        // Short intervals, so that 40 visits make several flushes in a second; the defaults suit a long-running crawler.
        var options = new IngestOptions
        {
            WriterId = WriterId,
            FlushInterval = TimeSpan.FromMilliseconds(50),
            MaxAge = TimeSpan.FromSeconds(1),
            RetryDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
            SpillDirectory = directory + "-spill",
        };

        var flaky = FlakyDisk.Wrap(disk);
        CrawledVisit[] visits;
        await using (var ingest = await IngestController.OpenAsync(flaky, options, cancellationToken: ct))
        {
            visits = await Task.WhenAll(Enumerable.Range(0, VisitsPerRun).Select(i => VisitAsync(ingest, firstVisit + i, ct)));
        }

        var dataset = await IngestDataset.OpenAsync(disk, ct);
        var all = new List<HttpRequest>();
        await foreach (var row in dataset.ReadAsync<HttpRequest>(ct))
        {
            all.Add(row);
        }

        var incompleteListed = new HashSet<long>();
        await foreach (var listed in dataset.ReadAsync<IncompleteVisit>(ct))
        {
            incompleteListed.Add(listed.VisitId);
        }

        var readBack = all.Where(r => r.VisitId >= firstVisit).ToArray();
        var problems = Verify(visits, readBack, incompleteListed);
        return new CrawlResult(directory, visits, flaky.FaultsFired, readBack, all.Count, problems);
    }

    /// <summary>The page loads, then its requests go in at once and the visit finalizes; one visit in ten fails to load.</summary>
    private static async Task<CrawledVisit> VisitAsync(IngestController ingest, long visitId, CancellationToken ct)
    {
        var random = new Random((int)visitId);
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(600)), ct);
        var visit = ingest.StartVisit(visitId);
        if (visitId % 10 == 7)
        {
            return new CrawledVisit(await visit.FinalizeAsync(success: false, "DNS lookup failed").WaitAsync(ct), []);
        }

        var host = Hosts[visitId % Hosts.Length];
        var time = new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero).AddSeconds(visitId);
        var rows = new List<HttpRequest> { new(visitId, host, $"https://{host}/page/{visitId}", random.Next(10) == 0 ? 404 : 200, time, TimeSpan.FromMilliseconds(random.Next(20, 900))) };
        for (var resource = random.Next(3); resource > 0; resource--)
        {
            rows.Add(new HttpRequest(visitId, host, $"https://{host}/static/{visitId}-{resource}.js", 200, time.AddMilliseconds(resource * 37), TimeSpan.FromMilliseconds(random.Next(5, 300))));
        }

        foreach (var row in rows)
        {
            await visit.AppendAsync(row, ct);
        }

        return new CrawledVisit(await visit.FinalizeAsync(success: true).WaitAsync(ct), rows);
    }

    /// <summary>Every committed visit's rows in the dataset once and in order, no row of another visit, every incomplete visit listed.</summary>
    public static IReadOnlyList<string> Verify(IReadOnlyList<CrawledVisit> visits, IReadOnlyList<HttpRequest> readBack, IReadOnlySet<long> incompleteListed)
    {
        var problems = new List<string>();
        var byVisit = readBack.ToLookup(r => r.VisitId);
        foreach (var visit in visits)
        {
            var id = visit.Outcome.VisitId;
            var expected = visit.Outcome.State == VisitState.Committed ? visit.Rows : [];
            if (!byVisit[id].SequenceEqual(expected))
            {
                var held = byVisit[id].Count();
                problems.Add(held == expected.Count
                    ? $"visit {id} ({visit.Outcome.State}): the dataset's {held} rows differ from those it appended"
                    : $"visit {id} ({visit.Outcome.State}): the dataset holds {held} rows, it appended {expected.Count}");
            }

            if (visit.Outcome.State == VisitState.Incomplete && !incompleteListed.Contains(id))
            {
                problems.Add($"visit {id} is Incomplete but incomplete_visits does not list it");
            }
        }

        var made = visits.Select(v => v.Outcome.VisitId).ToHashSet();
        foreach (var stray in byVisit.Where(rows => !made.Contains(rows.Key)))
        {
            problems.Add($"the dataset holds {stray.Count()} rows of visit {stray.Key}, which this run did not make");
        }

        return problems;
    }

    /// <summary>One past the highest visit id the dataset already knows, so that a second run adds new visits.</summary>
    private static async Task<long> NextVisitIdAsync(IStorageBackend disk, CancellationToken ct)
    {
        var dataset = await IngestDataset.OpenAsync(disk, ct);
        var known = dataset.Commits.SelectMany(c => c.Files.SelectMany(f => f.Visits.Select(v => v.VisitId))
            .Concat(c.CompletedVisits).Concat(c.IncompleteVisits.Select(v => v.VisitId)));
        return known.DefaultIfEmpty(0).Max() + 1;
    }
}

/// <summary>One visit of step 1: its outcome and the rows it appended (none for a page that failed to load).</summary>
public sealed record CrawledVisit(VisitOutcome Outcome, IReadOnlyList<HttpRequest> Rows);

/// <summary>What step 1 did and what the dataset holds afterwards; <see cref="Problems"/> lists every broken guarantee.</summary>
public sealed record CrawlResult(
    string Directory,
    IReadOnlyList<CrawledVisit> Visits,
    int FaultsInjected,
    IReadOnlyList<HttpRequest> RowsReadBack,
    long RowsInDataset,
    IReadOnlyList<string> Problems)
{
    public IEnumerable<CrawledVisit> Committed => Visits.Where(v => v.Outcome.State == VisitState.Committed);

    public IEnumerable<CrawledVisit> Incomplete => Visits.Where(v => v.Outcome.State == VisitState.Incomplete);

    public long RowsCommitted => Committed.Sum(v => v.Rows.Count);

    /// <summary>What step 1 prints: what happened, what it guaranteed and how to check it; <paramref name="shown"/> is <see cref="Directory"/> as the user typed it.</summary>
    public IEnumerable<string> Describe(string shown)
    {
        yield return $"1. crawl -> Parquet: {Visits.Count} visits at once through the ingest controller, on a disk that failed {FaultsInjected} write(s) (each retried)";
        yield return $"   {Committed.Count()} visits committed, {Incomplete.Count()} incomplete (page failed to load; listed in the incomplete_visits table)";
        yield return $"   guaranteed: every visit ended exactly once; the {RowsCommitted} rows of the committed visits are in the dataset exactly once (read back: {RowsReadBack.Count}; all runs: {RowsInDataset})";
        yield return $"   check: bulwark verify {shown}";
        yield return $"          duckdb -c \"SELECT Host, count(*) AS requests FROM read_parquet('{shown}/{HttpRequest.TableName}/*.parquet') GROUP BY Host ORDER BY Host\"";
    }
}
