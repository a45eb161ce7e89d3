using Bulwark.Checkpoints;
using Bulwark.Shards;
using Bulwark.Storage;
using Quickstart;

// The whole story in one command: a crawl through the ingest controller on a failing disk becomes a Parquet dataset; a
// checkpointed aggregator counts it and restores its counts on the next run; two replicas upsert into one shard, one of
// them lagging, and both converge. Each step prints what it guaranteed and how to check it; the exit code says whether
// every guarantee held. Run it twice: the second run adds to the dataset and restores the first run's counts.
var dataDirectory = Path.GetFullPath(args.Length > 0 ? args[0] : "bulwark-data");
try
{
    var report = await QuickstartRun.RunAsync(dataDirectory, new InMemoryConsensus(), new InMemoryBackend(), "consensus in memory");
    foreach (var line in report.Lines)
    {
        Console.WriteLine(line);
    }

    return report.Problems.Any() ? 1 : 0;
}
catch (Exception e) when (e is CheckpointException or ShardException or IOException)
{
    // Another run holding the store, a damaged catalog, a full disk: say so, no stack trace.
    Console.Error.WriteLine($"the quick start failed: {e.Message}");
    return 1;
}
