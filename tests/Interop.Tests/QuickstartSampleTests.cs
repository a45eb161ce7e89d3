using System.Globalization;
using Bulwark.Checkpoints;
using Bulwark.Ingest;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Upsert;
using Quickstart;

namespace Bulwark.Interop.Tests;

/// <summary>
/// The quick start run twice over one fresh data directory, as a user runs the README's command twice; each run's shard
/// gets its own in-memory consensus and blob store, kept here so that the shard can be read back after the run.
/// </summary>
public sealed class QuickstartRunFixture : IAsyncLifetime
{
    private readonly TestDirectory directory = new();

    public string Data => directory.Path;

    public string Dataset => Path.Combine(Data, "crawl");

    public string Store => Path.Combine(Data, "checkpoints");

    public (InMemoryConsensus Consensus, InMemoryBackend Blob)[] Shards { get; } = [(new(), new()), (new(), new())];

    public QuickstartReport[] Runs { get; } = new QuickstartReport[2];

    public async Task InitializeAsync()
    {
        // Only a hang guard: a run takes seconds.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        for (var run = 0; run < Runs.Length; run++)
        {
            Runs[run] = await QuickstartRun.RunAsync(Data, Shards[run].Consensus, Shards[run].Blob, "consensus in memory", guard.Token);
        }
    }

    public Task DisposeAsync()
    {
        directory.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// samples/Quickstart end to end, twice: the dataset holds every row of every committed visit of both runs exactly once
/// and lists the failed ones; the second run restores the first run's counts and counts only the new rows; both
/// replicas end at the shard's upper with the shard holding what a single writer writes; DuckDB reads the counted rows;
/// and each step prints what it checked and the commands that check it.
/// </summary>
public sealed class QuickstartSampleTests(QuickstartRunFixture fixture) : IClassFixture<QuickstartRunFixture>
{
    [Fact]
    public async Task TheDatasetHoldsEveryRowOfEveryCommittedVisitOfBothRunsOnce()
    {
        var (first, second) = (fixture.Runs[0].Crawl, fixture.Runs[1].Crawl);
        Assert.Empty(fixture.Runs.SelectMany(r => r.Problems));
        var visits = first.Visits.Concat(second.Visits).ToArray();
        Assert.Equal(Enumerable.Range(1, 2 * CrawlStep.VisitsPerRun).Select(i => (long)i), visits.Select(v => v.Outcome.VisitId));
        Assert.All(visits.Where(v => v.Outcome.VisitId % 10 == 7), v => Assert.Equal(new VisitOutcome(v.Outcome.VisitId, VisitState.Incomplete, "finalized as failed: DNS lookup failed"), v.Outcome));
        Assert.All(visits.Where(v => v.Outcome.VisitId % 10 != 7), v => Assert.Equal(VisitState.Committed, v.Outcome.State));
        Assert.All(fixture.Runs, r => Assert.True(r.Crawl.FaultsInjected > 0, "no storage fault fired: the run did not exercise the retries"));

        // Read independently of the sample, as another process would.
        var dataset = await IngestDataset.OpenAsync(new LocalFileSystemBackend(fixture.Dataset));
        var status = await dataset.GetStatusAsync();
        Assert.Empty(status.UnreferencedParts);
        Assert.Empty(status.UnendedVisits);
        var rows = await ReadAsync<HttpRequest>(dataset);
        var appended = visits.Where(v => v.Outcome.State == VisitState.Committed).SelectMany(v => v.Rows).ToArray();
        Assert.Equal(appended, rows.GroupBy(r => r.VisitId).OrderBy(g => g.Key).SelectMany(g => g));
        Assert.Equal(visits.Where(v => v.Outcome.State == VisitState.Incomplete).Select(v => new IncompleteVisit(v.Outcome.VisitId, v.Outcome.Reason!)), (await ReadAsync<IncompleteVisit>(dataset)).OrderBy(v => v.VisitId));

        // What the runs printed: the rows of this run read back, all runs' rows, and the commands that check them.
        Assert.Equal(first.RowsCommitted, first.RowsReadBack.Count);
        Assert.Equal(first.RowsCommitted + second.RowsCommitted, second.RowsInDataset);
        Assert.Equal(rows.Count, second.RowsInDataset);
        var lines = fixture.Runs[1].Lines;
        Assert.Contains($"   guaranteed: every visit ended exactly once; the {second.RowsCommitted} rows of the committed visits are in the dataset exactly once (read back: {second.RowsCommitted}; all runs: {rows.Count})", lines);
        Assert.Contains($"   check: bulwark verify {fixture.Dataset}", lines);
        Assert.Contains($"          duckdb -c \"SELECT Host, count(*) AS requests FROM read_parquet('{fixture.Dataset}/http_requests/*.parquet') GROUP BY Host ORDER BY Host\"", lines);
    }

    [Fact]
    public void TheCrawlsOwnChecksReportAMissingRowAStrayRowAndAnUnlistedVisit()
    {
        var crawl = fixture.Runs[0].Crawl;
        var committed = crawl.Committed.First();
        var missing = committed.Rows[0];
        var readBack = crawl.RowsReadBack.Where(r => r != missing).Append(missing with { VisitId = 999 }).ToArray();
        var unlisted = crawl.Incomplete.First().Outcome.VisitId;
        var listed = crawl.Incomplete.Select(v => v.Outcome.VisitId).Where(id => id != unlisted).ToHashSet();

        var problems = CrawlStep.Verify(crawl.Visits, readBack, listed);

        string[] expected =
        [
            $"visit {committed.Outcome.VisitId} (Committed): the dataset holds {committed.Rows.Count - 1} rows, it appended {committed.Rows.Count}",
            $"visit {unlisted} is Incomplete but incomplete_visits does not list it",
            "the dataset holds 1 rows of visit 999, which this run did not make",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), problems.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheSecondRunRestoresTheFirstRunsCountsAndCountsOnlyItsNewRows()
    {
        var (first, second) = (fixture.Runs[0].Aggregate, fixture.Runs[1].Aggregate);
        Assert.Null(first.RestoredFrom);
        Assert.Empty(first.RestoredCounts);
        Assert.Equal(fixture.Runs[0].Crawl.RowsCommitted, first.RowsCounted);

        Assert.Equal(first.Committed, second.RestoredFrom);
        Assert.Equal(1, second.RestoredRuns);
        Assert.Equal(Sorted(first.Counter.CountsByHost), Sorted(second.RestoredCounts));
        Assert.Equal(fixture.Runs[1].Crawl.RowsCommitted, second.RowsCounted);
        Assert.Equal(2, second.Counter.Runs);

        // The counts equal the dataset's rows per host, counted here from the dataset itself.
        var rows = await ReadAsync<HttpRequest>(await IngestDataset.OpenAsync(new LocalFileSystemBackend(fixture.Dataset)));
        var perHost = rows.GroupBy(r => r.Host).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(Sorted(perHost), Sorted(second.Counter.CountsByHost));
        Assert.Equal(rows.Count, second.Counter.Total);
        Assert.Equal(rows.Max(r => r.VisitId), second.Counter.CountedThroughVisit);

        // A new checkpointer over the store restores what the second run committed.
        await using (var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(fixture.Store)))
        {
            var latest = await checkpointer.RestoreLatestAsync();
            Assert.Equal(second.Committed, latest!.Id);
            Assert.True(latest.TryGetState<HostCounter>(AggregateStep.OperatorId, out var restored));
            Assert.Equal(Sorted(second.Counter.CountsByHost), Sorted(restored.CountsByHost));
            Assert.Equal((2, rows.Count), (restored.Runs, restored.Total));
        }

        var lines = fixture.Runs[1].Lines;
        Assert.Contains($"2. checkpointed aggregator: restored checkpoint {first.Committed} ({first.Counter.Total} requests counted over 1 earlier run(s))", lines);
        Assert.Contains($"   guaranteed: counts and read position committed together in checkpoint {second.Committed}: {rows.Count} requests counted = {rows.Count} rows in the dataset, each once", lines);
        Assert.Contains($"   check: bulwark verify {fixture.Store}", lines);
        Assert.Contains(fixture.Runs[0].Lines, l => l.StartsWith("2. checkpointed aggregator: no checkpoint yet", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BothReplicasEndAtTheUpperAndTheShardHoldsWhatOneWriterAloneWrites()
    {
        for (var run = 0; run < fixture.Runs.Length; run++)
        {
            var upsert = fixture.Runs[run].Upsert;
            Assert.Equal((UpsertStep.Ticks, UpsertStep.Ticks, UpsertStep.Ticks), (upsert.Upper, upsert.OutputA, upsert.OutputB));
            Assert.True(upsert.LaggingCalls > 0);
            Assert.Equal(upsert.LaggingCalls, upsert.LaggingCallsAtUpper);
            Assert.True(upsert.TicksWrittenByA > 0 && upsert.TicksWrittenByB > 0, $"A wrote {upsert.TicksWrittenByA} ticks, B {upsert.TicksWrittenByB}");
            Assert.Equal(UpsertStep.Ticks, upsert.TicksWrittenByA + upsert.TicksWrittenByB);

            // The shard read back through a new handle, against one upsert alone writing the same feed to another shard.
            var (consensus, blob) = fixture.Shards[run];
            var shard = await Shard<LatestRequest>.OpenAsync(UpsertStep.ShardId, consensus, blob);
            Assert.Equal(UpsertStep.Ticks, (await shard.GetFrontiersAsync()).Upper);
            var history = await shard.SnapshotAsync(UpsertStep.Ticks - 1);
            var reference = await SingleWriterAsync(fixture.Runs[run].Crawl.RowsReadBack);
            Assert.Equal(Ordered(reference), Ordered(history));

            // And against the latest request per host, worked out by hand: the feed's times never go down.
            var content = history.GroupBy(u => u.Row).Select(g => (g.Key, Diff: g.Sum(u => u.Diff))).Where(r => r.Diff != 0).ToArray();
            Assert.All(content, r => Assert.Equal(1, r.Diff));
            var latest = fixture.Runs[run].Crawl.RowsReadBack.GroupBy(r => r.Host).Select(g => g.Last()).Select(r => new LatestRequest(r.Host, r.VisitId, r.Url, r.Status));
            Assert.Equal(latest.OrderBy(r => r.Host, StringComparer.Ordinal), content.Select(r => r.Key).OrderBy(r => r.Host, StringComparer.Ordinal));
            Assert.Equal(latest.OrderBy(r => r.Host, StringComparer.Ordinal), upsert.Content);

            var lines = fixture.Runs[run].Lines;
            Assert.Contains($"   shard upper {UpsertStep.Ticks}; A's output frontier {UpsertStep.Ticks}, B's {UpsertStep.Ticks}; of its {UpsertStep.Ticks} ticks A wrote {upsert.TicksWrittenByA}, B {upsert.TicksWrittenByB}", lines);
            Assert.Contains(lines, l => l.StartsWith($"   guaranteed: neither froze (B's output was at the upper after all {upsert.LaggingCalls} of its {upsert.LaggingCalls} calls", StringComparison.Ordinal));
        }
    }

    [NodeFact]
    public async Task DuckDbReadsTheRowsTheAggregatorCounted()
    {
        var glob = Path.Combine(fixture.Dataset, HttpRequest.TableName, "*.parquet");
        var result = await NodeEnvironment.RunScriptAsync("duckdb-parquet-values.mjs", [glob]);
        var duck = ArrowJson.Parse(result.StandardOutput, "duckdb-parquet-values.mjs");
        var values = duck["values"]!;
        var read = Enumerable.Range(0, duck["numRows"]!.GetValue<int>())
            .Select(i => (VisitId: long.Parse(values["VisitId"]![i]!.GetValue<string>(), CultureInfo.InvariantCulture), Host: values["Host"]![i]!.GetValue<string>(), Url: values["Url"]![i]!.GetValue<string>()))
            .ToArray();

        var counter = fixture.Runs[1].Aggregate.Counter;
        Assert.Equal(counter.Total, read.Length);
        Assert.Equal(Sorted(counter.CountsByHost), Sorted(read.GroupBy(r => r.Host).ToDictionary(g => g.Key, g => (long)g.Count())));
        var committed = fixture.Runs.SelectMany(r => r.Crawl.Committed).SelectMany(v => v.Rows).Select(r => (r.VisitId, r.Host, r.Url)).Order().ToArray();
        Assert.Equal(committed, read.Order().ToArray());
    }

    /// <summary>What one upsert alone writes from the same feed, tick by tick, into a shard of its own.</summary>
    private static async Task<IReadOnlyList<Update<LatestRequest>>> SingleWriterAsync(IReadOnlyList<HttpRequest> requests)
    {
        var consensus = new InMemoryConsensus();
        var blob = new InMemoryBackend();
        var shard = await Shard<LatestRequest>.OpenAsync("reference", consensus, blob);
        var feed = UpsertStep.Feed(requests);
        await using (var alone = await UpsertOperator<string, LatestRequest>.OpenAsync(await Shard<LatestRequest>.OpenAsync("reference", consensus, blob), "alone", UpsertStep.KeyOf))
        {
            await alone.PushAsync(feed);
            for (var t = 1; t <= UpsertStep.Ticks; t++)
            {
                await alone.AdvanceInputAsync(t);
            }
        }

        return await shard.SnapshotAsync(UpsertStep.Ticks - 1);
    }

    private static IEnumerable<(long Time, string Host, long VisitId, string Url, long Diff)> Ordered(IEnumerable<Update<LatestRequest>> updates) =>
        updates.Select(u => (u.Time, u.Row.Host, u.Row.VisitId, u.Row.Url, u.Diff)).Order();

    private static IEnumerable<KeyValuePair<string, long>> Sorted(IReadOnlyDictionary<string, long> counts) => counts.OrderBy(p => p.Key, StringComparer.Ordinal);

    private static async Task<List<T>> ReadAsync<T>(IngestDataset dataset)
        where T : Records.IArrowRecord<T>
    {
        var rows = new List<T>();
        await foreach (var row in dataset.ReadAsync<T>())
        {
            rows.Add(row);
        }

        return rows;
    }
}
