using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Upsert;

namespace Replicas;

/// <summary>Where the shard lives and what the source is; the defaults are the sample's.</summary>
public sealed class ReplicaSettings
{
    /// <summary>The shard's state machine; the caller owns it (an <see cref="InMemoryConsensus"/> or a PostgresConsensus).</summary>
    public required IConsensus Consensus { get; init; }

    /// <summary>Where the shard's Parquet parts go.</summary>
    public required string BlobDirectory { get; init; }

    public int Seed { get; init; } = 20261121;

    public int Skus { get; init; } = 12;

    public int MaxChangesPerTick { get; init; } = 5;
}

/// <summary>A replica's input and output frontier after a step.</summary>
public readonly record struct Frontiers(long Input, long Output);

/// <summary>One printed step: the frontiers after it, the shard's upper, and what each move did.</summary>
public sealed record StepRow(int Step, PlannedStep Plan, Frontiers A, Frontiers B, long Upper, IReadOnlyList<MoveResult> Moves);

/// <summary>What one move did: the replica's frontiers before and after it and how its counters changed.</summary>
public sealed record MoveResult(Move Move, Frontiers Before, Frontiers After, ReplicaCounts Delta, long UpperAfter);

/// <summary>The run: the steps, the end state of the shard and of both replicas, and every broken expectation in <see cref="Problems"/>.</summary>
public sealed record ReplicaReport(
    string ShardId,
    StockFeed Feed,
    IReadOnlyList<StepRow> Steps,
    long Upper,
    long OutputA,
    long OutputB,
    ReplicaCounts CountsA,
    ReplicaCounts CountsB,
    IReadOnlyList<Update<StockLevel>> ShardHistory,
    IReadOnlyDictionary<string, StockLevel> ShardContent,
    IReadOnlyList<string> Problems);

/// <summary>
/// Two replicas of one upsert, A and B, each with its own writer id and shard handle, fed the same source on the
/// <see cref="ReplicaSchedule"/>; afterwards the shard is read back and checked against the single-writer reference.
/// </summary>
public static class ReplicaRace
{
    public const string ShardPrefix = "replicas-";

    public static async Task<ReplicaReport> RunAsync(ReplicaSettings settings, CancellationToken ct = default)
    {
        var feed = StockFeed.Create(settings.Seed, ReplicaSchedule.Ticks, settings.Skus, settings.MaxChangesPerTick);
        Directory.CreateDirectory(settings.BlobDirectory);
        var blob = new LocalFileSystemBackend(settings.BlobDirectory);
        var (shardId, observer) = await OpenFreshShardAsync(settings.Consensus, blob, ct);

        using var metersA = new ReplicaMeters();
        using var metersB = new ReplicaMeters();
        var a = await UpsertOperator<string, StockLevel>.OpenAsync(await Shard<StockLevel>.OpenAsync(shardId, settings.Consensus, blob, ct: ct), "replica-a", StockFeed.KeyOf, new UpsertOptions { MeterFactory = metersA }, ct);
        var b = await UpsertOperator<string, StockLevel>.OpenAsync(await Shard<StockLevel>.OpenAsync(shardId, settings.Consensus, blob, ct: ct), "replica-b", StockFeed.KeyOf, new UpsertOptions { MeterFactory = metersB }, ct);
        var steps = new List<StepRow>();
        long upper;
        await using (a)
        await using (b)
        {
            foreach (var plan in ReplicaSchedule.Create(settings.Seed))
            {
                var moves = new List<MoveResult>();
                foreach (var move in plan.Moves)
                {
                    var (upsert, meters) = move.Replica == Replica.A ? (a, metersA) : (b, metersB);
                    var before = new Frontiers(upsert.InputFrontier, upsert.OutputFrontier);
                    var counts = meters.Counts;
                    await upsert.PushAsync(feed.Between(upsert.InputFrontier, move.DeliverTo), ct);
                    await upsert.AdvanceInputAsync(move.DeliverTo, ct);
                    var upperAfter = (await observer.GetFrontiersAsync(ct)).Upper;
                    moves.Add(new MoveResult(move, before, new Frontiers(upsert.InputFrontier, upsert.OutputFrontier), meters.Counts - counts, upperAfter));
                }

                upper = (await observer.GetFrontiersAsync(ct)).Upper;
                steps.Add(new StepRow(steps.Count + 1, plan, new Frontiers(a.InputFrontier, a.OutputFrontier), new Frontiers(b.InputFrontier, b.OutputFrontier), upper, moves));
            }

            upper = (await observer.GetFrontiersAsync(ct)).Upper;
            var history = upper == 0 ? [] : await observer.SnapshotAsync(upper - 1, ct);
            var content = ReplicaChecks.Content(history);
            var problems = ReplicaChecks.Verify(feed, steps, upper, a.OutputFrontier, b.OutputFrontier, history);
            return new ReplicaReport(shardId, feed, steps, upper, a.OutputFrontier, b.OutputFrontier, metersA.Counts, metersB.Counts, history, content, problems);
        }
    }

    /// <summary>
    /// Opens the first of replicas-1, replicas-2, ... that is empty in consensus and has no parts in the blob directory
    /// (creating it), so a run starts from an empty shard and never mixes its parts with those of an earlier run, whether
    /// that run's consensus was kept (PostgreSQL) or gone with its process (in memory).
    /// </summary>
    private static async Task<(string ShardId, Shard<StockLevel> Shard)> OpenFreshShardAsync(IConsensus consensus, IStorageBackend blob, CancellationToken ct)
    {
        for (var run = 1; ; run++)
        {
            var shardId = ShardPrefix + run.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var shard = await Shard<StockLevel>.OpenAsync(shardId, consensus, blob, ct: ct);
            if ((await shard.GetFrontiersAsync(ct)).Upper == 0 && await blob.GetEntryAsync(ShardNames.PartsDirectory(shardId), ct) is null)
            {
                return (shardId, shard);
            }
        }
    }
}
