using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// What a shard publishes on <see cref="ShardMetrics.MeterName"/>, exactly: each outcome of an append, the parts
/// written and deleted, the state entries written and the races lost.
/// </summary>
public sealed class ShardMetricsTests
{
    [Fact]
    public async Task Appends_by_outcome_parts_state_writes_and_lost_races_are_counted_as_they_happen()
    {
        using var meters = new TestMeterFactory();
        using var totals = new MeterTotals(meters, ShardMetrics.MeterName);
        var kit = new ShardTestKit();
        var consensus = new InterferingConsensus(kit.Recording);
        var shard = await Shard<Edge>.OpenAsync(ShardId, consensus, kit.Blob, kit.Options(meters: meters));
        await using var writer = await shard.OpenWriterAsync("w");

        // Committed, then retried with its token: one part.
        var token = Guid.NewGuid();
        Assert.Equal(AppendResult.Committed(1), await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, token));
        Assert.Equal(AppendResult.AlreadyCommitted(1), await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, token));

        // A wrong expected upper is answered before a part is written (so none is written and deleted).
        Assert.Equal(AppendResult.UpperMismatch(1), await writer.CompareAndAppendAsync(Batch("b", 0), 0, 1, Guid.NewGuid()));

        // Another process writes the head once before the writer's compare-and-set: one race lost, then committed.
        var interfered = 0;
        consensus.BeforeCompareAndSet = () => interfered++ == 0 ? kit.WriteHeadAsync(state => state) : Task.CompletedTask;
        Assert.Equal(AppendResult.Committed(2), await writer.CompareAndAppendAsync(Batch("b", 1), 1, 2, Guid.NewGuid()));
        consensus.BeforeCompareAndSet = null;

        // A peer moves the upper while the writer's compare-and-set fails: the writer's part is deleted.
        await using (var peer = await shard.OpenWriterAsync("peer"))
        {
            kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.FailWithoutEffect, between: async () =>
                Assert.True((await peer.CompareAndAppendAsync(Batch("peer", 2), 2, 5, Guid.NewGuid())).IsCommitted));
            Assert.Equal(AppendResult.UpperMismatch(5), await writer.CompareAndAppendAsync(Batch("mine", 2), 2, 3, Guid.NewGuid()));
        }

        // Compaction writes one part for the two below the since; the collection deletes the two it replaced.
        Assert.Equal(2, await shard.AdvanceSinceAsync(2));
        Assert.Equal(2, await writer.CompactAsync());
        Assert.Equal(2, (await shard.CollectGarbageAsync()).DeletedParts);
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());

        // Every entry after the creation's was written by this shard but the one the other process wrote.
        var head = (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!;
        Assert.Equal(
            new Dictionary<string, long>
            {
                [$"{ShardMetrics.Appends}/committed"] = 3,
                [$"{ShardMetrics.Appends}/already_committed"] = 1,
                [$"{ShardMetrics.Appends}/upper_mismatch"] = 2,
                [ShardMetrics.PartsWritten] = 5,
                [ShardMetrics.PartsDeleted] = 3,
                [ShardMetrics.LostRaces] = 1,
                [ShardMetrics.StateWrites] = head.SeqNo - 1,
            },
            totals.All);
    }
}
