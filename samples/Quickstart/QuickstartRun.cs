using Bulwark.Shards;
using Bulwark.Storage;

namespace Quickstart;

/// <summary>One run of the three steps over a data directory, and the lines it prints.</summary>
public sealed record QuickstartReport(CrawlResult Crawl, AggregateResult Aggregate, UpsertResult Upsert, IReadOnlyList<string> Lines)
{
    public IEnumerable<string> Problems => Crawl.Problems.Concat(Aggregate.Problems).Concat(Upsert.Problems);
}

/// <summary>
/// The quick start: step 1 crawls into a Parquet dataset, step 2 counts it with a checkpointed aggregator, step 3 upserts
/// this run's requests into a shard with two replicas. Each step checks what it guarantees; the report lists what failed.
/// </summary>
public static class QuickstartRun
{
    /// <param name="dataDirectory">Holds crawl/ (the dataset) and checkpoints/ (the aggregator's store); both grow run after run.</param>
    /// <param name="consensus">Where the shard's state machine lives (the quick start keeps it in memory).</param>
    /// <param name="blob">Where the shard's parts go.</param>
    /// <param name="consensusDescription">Says where the consensus is, for the printed lines.</param>
    public static async Task<QuickstartReport> RunAsync(string dataDirectory, IConsensus consensus, IStorageBackend blob, string consensusDescription, CancellationToken ct = default)
    {
        var datasetDirectory = Path.Combine(dataDirectory, "crawl");
        var storeDirectory = Path.Combine(dataDirectory, "checkpoints");
        var lines = new List<string> { $"Bulwark quick start - data in {dataDirectory}", "" };

        var crawl = await CrawlStep.RunAsync(datasetDirectory, ct);
        lines.AddRange(crawl.Describe(Shown(datasetDirectory)));
        lines.Add("");

        var aggregate = await AggregateStep.RunAsync(storeDirectory, datasetDirectory, ct);
        lines.AddRange(aggregate.Describe(Shown(storeDirectory)));
        lines.Add("");

        var upsert = await UpsertStep.RunAsync(crawl.RowsReadBack, consensus, blob, ct);
        lines.AddRange(upsert.Describe(consensusDescription));
        lines.Add("");

        var report = new QuickstartReport(crawl, aggregate, upsert, lines);
        var problems = report.Problems.ToArray();
        lines.Add(problems.Length == 0 ? "every guarantee held (exit code 0)" : $"{problems.Length} PROBLEM(S):");
        lines.AddRange(problems.Select(p => "  " + p));
        lines.Add("bulwark is the CLI (package Bulwark.Cli); from this repository: dotnet run --project src/Cli -- verify PATH");
        return report;
    }

    /// <summary>A path relative to the current directory when it is below it, as the user would type it.</summary>
    private static string Shown(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
