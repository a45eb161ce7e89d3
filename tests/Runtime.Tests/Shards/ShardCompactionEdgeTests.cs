using Bulwark.Shards;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// Which parts a compaction takes and what it records: the new part spans the intervals it replaced; a lone part is
/// rewritten only when it holds times below the since; nothing to merge writes no entry; a compaction that loses to
/// a peer's leaves no part behind; and a compaction that gives up or runs on a disposed writer says so.
/// </summary>
public sealed class ShardCompactionEdgeTests
{
    [Fact]
    public async Task A_compacted_part_spans_the_intervals_it_replaced_with_its_times_at_the_since()
    {
        var (kit, shard, writer) = await AppendedAsync(parts: 3);
        await using var _ = writer;
        Assert.Equal(2, await shard.AdvanceSinceAsync(2));

        Assert.Equal(2, await writer.CompactAsync());

        var parts = (await kit.StateAsync()).Parts;
        Assert.Equal([(0L, 2L, 2L, 2L), (2L, 3L, 2L, 2L)], parts.Select(p => (p.Lower, p.Upper, p.MinTime, p.MaxTime)));
    }

    [Fact]
    public async Task A_lone_part_below_the_since_is_rewritten_once_and_then_left_alone()
    {
        var (kit, shard, writer) = await AppendedAsync(parts: 2);
        await using var _ = writer;
        Assert.Equal(1, await shard.AdvanceSinceAsync(1));

        // One part lies below the since with times below it: they are advanced, so the part is rewritten.
        Assert.Equal(1, await writer.CompactAsync());
        Assert.Equal((0L, 1L, 1L, 1L), (await kit.StateAsync()).Parts.Select(p => (p.Lower, p.Upper, p.MinTime, p.MaxTime)).First());

        // Now its times are at the since: nothing would change, so nothing is written.
        var head = (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo;
        Assert.Equal(0, await writer.CompactAsync());
        Assert.Equal(head, (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo);
    }

    [Fact]
    public async Task Nothing_below_the_since_is_no_compaction_and_no_entry()
    {
        var (kit, _, writer) = await AppendedAsync(parts: 2);
        await using var __ = writer;
        var head = (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo;

        Assert.Equal(0, await writer.CompactAsync());

        Assert.Equal(head, (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_compaction_that_loses_to_a_peers_leaves_no_part_of_its_own(bool cancelsOut)
    {
        var kit = new ShardTestKit();
        var gated = new GatedBackend(kit.Blob);
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, gated, kit.Options());
        await using var writer = await shard.OpenWriterAsync("w");
        await using var peer = await shard.OpenWriterAsync("p");
        Assert.True((await writer.CompareAndAppendAsync([U(1, "x", 0)], 0, 1, Guid.NewGuid())).IsCommitted);
        Assert.True((await writer.CompareAndAppendAsync([U(1, "x", 1, cancelsOut ? -1 : 1)], 1, 2, Guid.NewGuid())).IsCommitted);
        Assert.True((await writer.CompareAndAppendAsync([U(2, "y", 2)], 2, 3, Guid.NewGuid())).IsCommitted);
        Assert.Equal(2, await shard.AdvanceSinceAsync(2));

        var gate = gated.HoldNextRead(path => path.EndsWith(".parquet", StringComparison.Ordinal));
        var compaction = writer.CompactAsync();
        await gate.Reached;
        try
        {
            Assert.Equal(2, await peer.CompactAsync());
        }
        finally
        {
            gate.Release();
        }

        Assert.Equal(0, await compaction);

        // The loser's part (if its updates did not cancel out) is deleted at once; only the two replaced parts are
        // left for the collection, as leases may still read them.
        var state = await kit.StateAsync();
        Assert.Equal(cancelsOut ? 1 : 2, state.Parts.Count);
        Assert.Equal(state.Parts.Count + 2, (await kit.PartFilesAsync()).Length);
    }

    [Fact]
    public async Task A_compaction_that_gives_up_names_itself()
    {
        var kit = new ShardTestKit();
        var consensus = new InterferingConsensus(kit.Consensus);
        var shard = await Shard<Edge>.OpenAsync(ShardId, consensus, kit.Blob, kit.Options(maxAttempts: 1));
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 3);

        Assert.Equal(2, await shard.AdvanceSinceAsync(2));

        // Its first read of the head fails, then (on a new call) its compare-and-set.
        kit.Consensus.Inject(ConsensusOperation.Head, ConsensusFault.FailWithoutEffect);
        var read = await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompactAsync());
        consensus.BeforeCompareAndSet = () => throw new ConsensusException("the consensus volume is read-only");
        var written = await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompactAsync());

        Assert.Equal(("compact", "compact"), (read.Operation, written.Operation));
        Assert.StartsWith($"Shard '{ShardId}': compact gave up after 1 failed consensus calls; it took no effect: ", written.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await kit.StateAsync()).Parts.Count);
    }

    [Fact]
    public async Task A_compaction_whose_updates_cancel_out_and_that_gives_up_raises_the_consensus_error()
    {
        var kit = new ShardTestKit();
        var consensus = new InterferingConsensus(kit.Consensus);
        var shard = await Shard<Edge>.OpenAsync(ShardId, consensus, kit.Blob, kit.Options(maxAttempts: 1));
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync([U(1, "x", 0)], 0, 1, Guid.NewGuid())).IsCommitted);
        Assert.True((await writer.CompareAndAppendAsync([U(1, "x", 1, -1)], 1, 2, Guid.NewGuid())).IsCommitted);
        Assert.True((await writer.CompareAndAppendAsync([U(2, "y", 2)], 2, 3, Guid.NewGuid())).IsCommitted);
        Assert.Equal(2, await shard.AdvanceSinceAsync(2));
        consensus.BeforeCompareAndSet = () => throw new ConsensusException("the consensus volume is read-only");

        var refused = await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompactAsync());

        Assert.Equal("the consensus volume is read-only", refused.InnerException!.Message);
        Assert.Equal(3, (await kit.StateAsync()).Parts.Count);
    }

    [Fact]
    public async Task A_disposed_writer_refuses_to_compact()
    {
        var (kit, shard, writer) = await AppendedAsync(parts: 3);
        Assert.Equal(2, await shard.AdvanceSinceAsync(2));
        await writer.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.CompactAsync());

        Assert.Equal(3, (await kit.StateAsync()).Parts.Count);
    }

    /// <summary>A shard with one writer that appended <paramref name="parts"/> batches, at times 0, 1, ….</summary>
    private static async Task<(ShardTestKit Kit, Shard<Edge> Shard, ShardWriter<Edge> Writer)> AppendedAsync(int parts)
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, parts);
        return (kit, shard, writer);
    }
}
