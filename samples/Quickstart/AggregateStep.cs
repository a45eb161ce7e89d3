using Bulwark.Checkpoints;
using Bulwark.Ingest;
using Bulwark.Storage;

namespace Quickstart;

/// <summary>
/// Step 2, an aggregator that survives restarts: it restores its <see cref="HostCounter"/> from the newest intact
/// checkpoint, counts the dataset's rows past the position it had reached, and commits the new state through the
/// <see cref="Checkpointer"/>. The next run restores what this one committed.
/// </summary>
public static class AggregateStep
{
    public const string OperatorId = "host-counter";

    public static async Task<AggregateResult> RunAsync(string storeDirectory, string datasetDirectory, CancellationToken ct = default)
    {
        Directory.CreateDirectory(storeDirectory);
        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(storeDirectory), cancellationToken: ct);

        // The newest intact checkpoint: a damaged newer one is skipped and reported, never silently used or fatal.
        var healthy = await checkpointer.RestoreLatestHealthyAsync(ct);
        var restored = healthy.Checkpoint;
        var counter = restored is not null && restored.TryGetState<HostCounter>(OperatorId, out var state) ? state : new HostCounter();
        var restoredCounts = counter.CountsByHost.ToDictionary(StringComparer.Ordinal);
        var restoredRuns = counter.Runs;

        var from = counter.CountedThroughVisit;
        long rows = 0;
        long counted = 0;
        var dataset = await IngestDataset.OpenAsync(new LocalFileSystemBackend(datasetDirectory), ct);
        await foreach (var request in dataset.ReadAsync<HttpRequest>(ct))
        {
            rows++;
            if (request.VisitId > from)
            {
                counter.Count(request);
                counted++;
            }
        }

        counter.EndRun();
        var committed = await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState(OperatorId, counter), ct);
        await checkpointer.CollectGarbageAsync(retain: 3, cancellationToken: ct);

        var problems = counter.Total == rows ? [] : new[] { $"the counter holds {counter.Total} requests, the dataset {rows} rows" };
        return new AggregateResult(storeDirectory, restored?.Id, healthy.Skipped, restoredCounts, restoredRuns, counted, counter, committed.Id, rows, problems);
    }
}

/// <summary>What step 2 did; <see cref="Problems"/> lists every broken guarantee.</summary>
public sealed record AggregateResult(
    string StoreDirectory,
    Guid? RestoredFrom,
    IReadOnlyList<SkippedCheckpoint> Skipped,
    IReadOnlyDictionary<string, long> RestoredCounts,
    int RestoredRuns,
    long RowsCounted,
    HostCounter Counter,
    Guid Committed,
    long RowsInDataset,
    IReadOnlyList<string> Problems)
{
    /// <summary>What step 2 prints; <paramref name="shown"/> is <see cref="StoreDirectory"/> as the user typed it.</summary>
    public IEnumerable<string> Describe(string shown)
    {
        yield return RestoredFrom is { } id
            ? $"2. checkpointed aggregator: restored checkpoint {id} ({RestoredCounts.Values.Sum()} requests counted over {RestoredRuns} earlier run(s))"
            : "2. checkpointed aggregator: no checkpoint yet, starting from empty counts (run the command again to see them restored)";
        foreach (var skipped in Skipped)
        {
            yield return $"   skipped damaged checkpoint {skipped.Id}: {skipped.Error.Message}";
        }

        var perHost = Counter.CountsByHost.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => RestoredFrom is null ? $"{p.Key} {p.Value}" : $"{p.Key} {RestoredCounts.GetValueOrDefault(p.Key)} -> {p.Value}");
        yield return $"   counted the {RowsCounted} rows it had not counted yet; requests per host: {string.Join(", ", perHost)}";
        yield return $"   guaranteed: counts and read position committed together in checkpoint {Committed}: {Counter.Total} requests counted = {RowsInDataset} rows in the dataset, each once";
        yield return $"   check: bulwark verify {shown}";
    }
}
