using System.Globalization;
using Bulwark.Arrow;
using Bulwark.Ingest;
using Bulwark.Storage;
using Crawler;

namespace Bulwark.Interop.Tests;

/// <summary>One run of the crawl sample's core with the sample's own settings, into a fresh directory, for the whole class.</summary>
public sealed class CrawlRunFixture : IAsyncLifetime
{
    private readonly TestDirectory directory = new();

    public string Dataset => Path.Combine(directory.Path, "crawl");

    public CrawlReport Report { get; private set; } = null!;

    // VisitTimeout runs on the real clock here: a generous one keeps a visit whose continuation a loaded machine
    // delays from looking silent; only the visit that never finalizes waits it out.
    public async Task InitializeAsync() => Report = await CrawlSimulation.RunAsync(new CrawlSettings { Directory = Dataset, VisitTimeout = TimeSpan.FromSeconds(20) });

    public Task DisposeAsync()
    {
        directory.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// samples/Crawler end to end: every visit ends once as its fate says, the dataset holds exactly the rows the visits
/// appended, the sample's own checks notice a missing row or outcome, and DuckDB reads exactly those rows from the parts.
/// </summary>
public sealed class CrawlerSampleTests(CrawlRunFixture crawl) : IClassFixture<CrawlRunFixture>
{
    [Fact]
    public async Task EveryVisitEndsOnceAsItsFateSaysAndTheDatasetHoldsItsRows()
    {
        var report = crawl.Report;
        Assert.Empty(report.Problems);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), report.Results.Select(r => r.Visit.VisitId));
        Assert.All(report.Results, r => Assert.Equal(r.Visit.VisitId, r.Outcome!.VisitId));

        // The seed's fates, and the outcome each must have.
        var byFate = report.Results.ToLookup(r => r.Visit.Fate);
        Assert.All(byFate[VisitFate.Succeeds], r => Assert.Equal(new VisitOutcome(r.Visit.VisitId, VisitState.Committed, null), r.Outcome));
        Assert.Equal(280, byFate[VisitFate.Succeeds].Count());
        Assert.Equal(18, byFate[VisitFate.NavigationFails].Count());
        Assert.All(byFate[VisitFate.NavigationFails], r =>
        {
            Assert.Equal(VisitState.Incomplete, r.Outcome!.State);
            Assert.Equal($"finalized as failed: {r.Visit.FailureReason}", r.Outcome.Reason);
        });
        var hung = Assert.Single(byFate[VisitFate.NeverFinalized]).Outcome!;
        Assert.Equal(VisitState.Incomplete, hung.State);
        Assert.StartsWith("not finalized within VisitTimeout", hung.Reason, StringComparison.Ordinal);
        var unencodable = Assert.Single(byFate[VisitFate.UnencodableRecord]);
        Assert.Equal(VisitState.Incomplete, unencodable.Outcome!.State);
        Assert.Contains("'javascript_calls' could not be encoded", unencodable.Outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("javascript_calls", unencodable.RecordError, StringComparison.Ordinal);
        Assert.True(report.FaultsInjected > 0, "no storage fault fired: the run did not exercise the retries");

        // Read independently of the sample's checks: per visit, in append order, exactly the rows it kept.
        var storage = new LocalFileSystemBackend(crawl.Dataset);
        var dataset = await IngestDataset.OpenAsync(storage);
        var status = await dataset.GetStatusAsync();
        Assert.Empty(status.UnreferencedParts);
        Assert.Empty(status.UnendedVisits);
        var plan = report.Plan.ToArray();
        Assert.Equal(CrawlChecks.ExpectedRows(plan, e => e.Request), ByVisit(await ReadAsync<HttpRequest>(dataset), r => r.VisitId));
        Assert.Equal(CrawlChecks.ExpectedRows(plan, e => e.Response), ByVisit(await ReadAsync<HttpResponse>(dataset), r => r.VisitId));
        Assert.Equal(CrawlChecks.ExpectedRows(plan, e => e.Call), ByVisit(await ReadAsync<JavaScriptCall>(dataset), r => r.VisitId));
        Assert.DoesNotContain(await ReadAsync<JavaScriptCall>(dataset), c => c.VisitId == unencodable.Visit.VisitId);
        Assert.Contains(await ReadAsync<HttpRequest>(dataset), r => r.VisitId == unencodable.Visit.VisitId);

        var listed = (await ReadAsync<IncompleteVisit>(dataset)).OrderBy(v => v.VisitId).ToArray();
        var incomplete = report.Results.Where(r => r.Outcome!.State == VisitState.Incomplete).Select(r => new IncompleteVisit(r.Visit.VisitId, r.Outcome!.Reason!)).ToArray();
        Assert.Equal(incomplete, listed);
        var completed = dataset.Commits.SelectMany(c => c.CompletedVisits).Order().ToArray();
        Assert.Equal(byFate[VisitFate.Succeeds].Select(r => r.Visit.VisitId).Order(), completed);
    }

    [Fact]
    public async Task TheSamplesChecksReportAMissingRowAndAMissingOutcome()
    {
        var results = crawl.Report.Results.ToList();
        var committed = results.FindIndex(r => r.Visit.Fate == VisitFate.Succeeds);
        var planned = results[committed].Visit;
        var phantom = new HttpRequest(planned.VisitId, 999, "https://never.example/", "GET", ResourceType.Image, new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
        results[committed] = results[committed] with { Visit = planned with { Events = [.. planned.Events, new CrawlEvent(Request: phantom)] } };
        var silent = results.FindLastIndex(r => r.Visit.Fate == VisitFate.Succeeds);
        results[silent] = results[silent] with { Outcome = null };

        var problems = await CrawlChecks.VerifyAsync(results, await IngestDataset.OpenAsync(new LocalFileSystemBackend(crawl.Dataset)), CancellationToken.None);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith($"visit {planned.VisitId} (Succeeds): http_requests holds", StringComparison.Ordinal) && p.Contains("1 missing", StringComparison.Ordinal));
        Assert.Contains($"visit {results[silent].Visit.VisitId}: no outcome arrived", problems);
    }

    [NodeFact]
    public async Task DuckDbReadsExactlyTheCommittedRequestsFromTheParts()
    {
        var glob = Path.Combine(crawl.Dataset, HttpRequest.TableName, "*.parquet");
        var result = await NodeEnvironment.RunScriptAsync("duckdb-parquet-values.mjs", [glob]);
        var duck = ArrowJson.Parse(result.StandardOutput, "duckdb-parquet-values.mjs");
        var values = duck["values"]!;
        var rows = duck["numRows"]!.GetValue<int>();
        var read = Enumerable.Range(0, rows).Select(i => string.Join(
            " | ",
            values["VisitId"]![i]!.GetValue<string>(),
            values["RequestId"]![i]!.GetValue<int>().ToString(CultureInfo.InvariantCulture),
            values["Url"]![i]!.GetValue<string>(),
            values["Method"]![i]!.GetValue<string>(),
            values["Type"]![i]!.GetValue<string>(),
            values["ts"]![i]!.GetValue<string>())).Order(StringComparer.Ordinal).ToArray();

        // Every visit has ended, so the committed parts hold exactly the rows the visits kept: the failed visits' too.
        var expected = CrawlChecks.ExpectedRows(crawl.Report.Plan, e => e.Request).Select(r => string.Join(
            " | ",
            r.VisitId.ToString(CultureInfo.InvariantCulture),
            r.RequestId.ToString(CultureInfo.InvariantCulture),
            r.Url,
            r.Method,
            r.Type.ToString(),
            ArrowConvert.ToUnixMicroseconds(r.Time).ToString(CultureInfo.InvariantCulture))).Order(StringComparer.Ordinal).ToArray();
        Assert.True(expected.Length > 1000, $"only {expected.Length} requests planned");
        Assert.Equal(expected, read);
    }

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

    /// <summary>Rows grouped by visit in visit order, each visit's rows in their dataset order (the order it appended them).</summary>
    private static IEnumerable<T> ByVisit<T>(IEnumerable<T> rows, Func<T, long> visit) => rows.GroupBy(visit).OrderBy(g => g.Key).SelectMany(g => g);
}
