using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Upsert;

namespace Quickstart;

/// <summary>
/// Step 3, a feedback upsert with two replicas: both read the same feed (this run's requests, spread over
/// <see cref="Ticks"/> ticks, keyed by host) into one shard. A leads while B lags <see cref="Lag"/> ticks behind; then A
/// stops and B catches up and writes the rest; then A resumes. Each replica reads the shard's upper back, so the one
/// behind drops what the other already wrote instead of holding its output frontier below the upper.
/// </summary>
public static class UpsertStep
{
    public const string ShardId = "latest-requests";

    public const int Ticks = 10;

    public const int Lag = 3;

    /// <summary>A stops once it has written ticks below this.</summary>
    public const int AStopsAt = 7;

    public static string KeyOf(LatestRequest row) => row.Host;

    /// <summary>Request i of n goes in at tick i * Ticks / n: offsets ascend, times never go down.</summary>
    public static IReadOnlyList<UpsertInput<string, LatestRequest>> Feed(IReadOnlyList<HttpRequest> requests) =>
        requests.Select((r, i) => new UpsertInput<string, LatestRequest>(r.Host, new LatestRequest(r.Host, r.VisitId, r.Url, r.Status), (long)i * Ticks / requests.Count, i)).ToArray();

    public static async Task<UpsertResult> RunAsync(IReadOnlyList<HttpRequest> requests, IConsensus consensus, IStorageBackend blob, CancellationToken ct = default)
    {
        var feed = Feed(requests);
        var observer = await Shard<LatestRequest>.OpenAsync(ShardId, consensus, blob, ct: ct);
        await using var a = await UpsertOperator<string, LatestRequest>.OpenAsync(await Shard<LatestRequest>.OpenAsync(ShardId, consensus, blob, ct: ct), "replica-a", KeyOf, ct);
        await using var b = await UpsertOperator<string, LatestRequest>.OpenAsync(await Shard<LatestRequest>.OpenAsync(ShardId, consensus, blob, ct: ct), "replica-b", KeyOf, ct);

        // Delivers the feed up to (not including) tick `to` and returns how many ticks the shard's upper moved meanwhile.
        async Task<long> MoveAsync(UpsertOperator<string, LatestRequest> replica, long to)
        {
            var before = (await observer.GetFrontiersAsync(ct)).Upper;
            await replica.PushAsync(feed.Where(i => i.Time >= replica.InputFrontier && i.Time < to), ct);
            await replica.AdvanceInputAsync(to, ct);
            return (await observer.GetFrontiersAsync(ct)).Upper - before;
        }

        long byA = 0, byB = 0;
        int laggingCalls = 0, atUpper = 0;
        for (var t = 0; t < AStopsAt; t++)
        {
            byA += await MoveAsync(a, t + 1);
            if (t >= Lag)
            {
                byB += await MoveAsync(b, t + 1 - Lag);
                laggingCalls++;
                atUpper += b.OutputFrontier == (await observer.GetFrontiersAsync(ct)).Upper ? 1 : 0;
            }
        }

        for (var t = AStopsAt; t < Ticks; t++)
        {
            byB += await MoveAsync(b, t + 1);
        }

        byA += await MoveAsync(a, Ticks);

        var upper = (await observer.GetFrontiersAsync(ct)).Upper;
        var content = (await observer.SnapshotAsync(upper - 1, ct))
            .GroupBy(u => u.Row).Where(g => g.Sum(u => u.Diff) != 0).Select(g => g.Key).OrderBy(r => r.Host, StringComparer.Ordinal).ToArray();

        // What one writer alone leaves: per host, the input with the highest (time, offset).
        var expected = feed.GroupBy(i => i.Key).Select(g => g.MaxBy(i => (i.Time, i.Offset)).Row!).OrderBy(r => r.Host, StringComparer.Ordinal).ToArray();
        var problems = new List<string>();
        if (upper != Ticks || a.OutputFrontier != upper || b.OutputFrontier != upper)
        {
            problems.Add($"the shard's upper is {upper} (expected {Ticks}); A's output frontier {a.OutputFrontier}, B's {b.OutputFrontier}");
        }

        if (atUpper != laggingCalls)
        {
            problems.Add($"B's output frontier trailed the upper after {laggingCalls - atUpper} of its {laggingCalls} lagging calls");
        }

        if (!content.SequenceEqual(expected))
        {
            problems.Add($"the shard holds {string.Join(", ", content.AsEnumerable())}; one writer would have left {string.Join(", ", expected.AsEnumerable())}");
        }

        return new UpsertResult(ShardId, feed, upper, a.OutputFrontier, b.OutputFrontier, byA, byB, laggingCalls, atUpper, content, problems);
    }
}

/// <summary>What step 3 did; <see cref="Problems"/> lists every broken guarantee.</summary>
public sealed record UpsertResult(
    string ShardId,
    IReadOnlyList<UpsertInput<string, LatestRequest>> Feed,
    long Upper,
    long OutputA,
    long OutputB,
    long TicksWrittenByA,
    long TicksWrittenByB,
    int LaggingCalls,
    int LaggingCallsAtUpper,
    IReadOnlyList<LatestRequest> Content,
    IReadOnlyList<string> Problems)
{
    /// <summary>What step 3 prints; <paramref name="consensus"/> says where the shard's state machine lives.</summary>
    public IEnumerable<string> Describe(string consensus)
    {
        yield return $"3. upsert into a shard ({consensus}): replicas A and B write the newest request per host from the same {Feed.Count} inputs; B lags {UpsertStep.Lag} ticks, then A stops";
        yield return $"   shard upper {Upper}; A's output frontier {OutputA}, B's {OutputB}; of its {Upper} ticks A wrote {TicksWrittenByA}, B {TicksWrittenByB}";
        yield return $"   guaranteed: neither froze (B's output was at the upper after all {LaggingCallsAtUpper} of its {LaggingCalls} calls while its input lagged); the shard holds {Content.Count} rows, one per host, as one writer alone would have written";
        yield return "   check: the shard lives in this process; samples/Replicas runs the same race on PostgreSQL (--postgres) and prints more";
    }
}
