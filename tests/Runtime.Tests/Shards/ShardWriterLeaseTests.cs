using Bulwark.Shards;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// What a writer's commits do to its own lease: an append moves it (and the writer's registration) to the entry it
/// writes and pushes its expiry out,
/// taking a lease that gives up names itself, and a writer whose lease is already gone leaves on disposal without
/// writing.
/// </summary>
public sealed class ShardWriterLeaseTests
{
    private static readonly string Key = ShardNames.ConsensusKey(ShardId);

    [Fact]
    public async Task An_append_moves_the_writers_lease_to_its_entry_and_pushes_its_expiry_out()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");

        // Less than a heartbeat interval passes, so only the append can move the lease.
        kit.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid())).IsCommitted);

        var head = (await kit.Memory.HeadAsync(Key))!.SeqNo;
        var lease = Assert.Single((await kit.StateAsync()).Leases);
        Assert.Equal(head, lease.SeqNo);
        Assert.Equal(head, Assert.Single((await kit.StateAsync()).Writers).SeqNo);
        Assert.Equal((kit.Time.GetUtcNow() + kit.Options().LeaseDuration).ToUnixTimeMilliseconds(), lease.ExpiresAtMs);
    }

    [Fact]
    public async Task Taking_a_writer_lease_that_gives_up_names_itself()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync(maxAttempts: 1);
        kit.Consensus.Inject(ConsensusOperation.Head, ConsensusFault.FailWithoutEffect);

        var refused = await Assert.ThrowsAsync<ShardUnavailableException>(() => shard.OpenWriterAsync("w"));

        Assert.Equal(("take a writer lease", 1), (refused.Operation, refused.Attempts));
        Assert.Empty((await kit.StateAsync()).Leases);
    }

    [Fact]
    public async Task A_writer_whose_lease_is_gone_leaves_without_writing_an_entry()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        var writer = await shard.OpenWriterAsync("w");
        await kit.WriteHeadAsync(state => state with { Leases = [] });
        var head = (await kit.Memory.HeadAsync(Key))!.SeqNo;

        await writer.DisposeAsync();

        Assert.Equal(head, (await kit.Memory.HeadAsync(Key))!.SeqNo);
    }
}
