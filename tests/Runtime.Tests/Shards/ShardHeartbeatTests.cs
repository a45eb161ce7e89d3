using Bulwark.Shards;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>What a writer's heartbeat writes besides the expiry.</summary>
public sealed class ShardHeartbeatTests
{
    private static readonly string Key = ShardNames.ConsensusKey(ShardId);

    [Fact]
    public async Task An_idle_writers_heartbeat_moves_its_lease_to_the_entry_it_writes_so_it_holds_back_no_collection()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var idle = await shard.OpenWriterAsync("idle");
        var opened = Lease(await kit.StateAsync(), idle.LeaseId).SeqNo;
        await using (var busy = await shard.OpenWriterAsync("busy"))
        {
            for (var t = 0; t < 3; t++)
            {
                Assert.True((await busy.CompareAndAppendAsync(Batch($"b{t}", t), t, t + 1, Guid.NewGuid())).IsCommitted);
            }
        }

        // Nothing but the idle writer's heartbeat writes from here on.
        var before = (await kit.Memory.HeadAsync(Key))!.SeqNo;
        for (var round = 0; Lease(await kit.StateAsync(), idle.LeaseId).SeqNo == opened; round++)
        {
            Assert.True(round < 10_000, "the idle writer's heartbeat never renewed its lease");
            kit.Time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(5);
        }

        // One read: the head and the lease it holds. The renewal is the newest entry and names itself.
        var head = (await kit.Memory.HeadAsync(Key))!;
        Assert.True(head.SeqNo > before);
        Assert.Equal(head.SeqNo, Assert.Single(ShardStateCodec.Decode(ShardId, Key, head).Leases).SeqNo);
        Assert.Equal(head.SeqNo, (await shard.CollectGarbageAsync()).TruncatedBelow);
    }

    private static ShardLease Lease(ShardState state, Guid leaseId) => state.FindLease(leaseId) ?? throw new InvalidOperationException($"lease {leaseId} is gone");
}
