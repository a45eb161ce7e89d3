using Bulwark.Runtime.Tests.Shards;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Upsert.UpsertTestKit;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>The operator reads its output shard back even after its leases were removed while it stood still.</summary>
public sealed class UpsertFeedbackTests
{
    [Fact]
    public async Task An_operator_whose_leases_expired_while_the_since_moved_past_it_takes_new_ones_and_rehydrates()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");
        await upsert.PushAsync([Put(1, "a", 0, 0), Put(2, "b", 1, 1)]);
        await upsert.AdvanceInputAsync(5);

        // A peer writes on; then maintenance on a clock two minutes ahead (this operator's clock stood still, so no
        // heartbeat renewed its leases) removes the expired leases and moves the since past the operator's frontier.
        await kit.AppendAsync("peer", 5, 8, U(1, "a", 6, -1), U(1, "c", 6), U(3, "d", 7));
        var ahead = new FakeTimeProvider(kit.Shards.Time.GetUtcNow() + TimeSpan.FromMinutes(2));
        var maintenance = await kit.Shards.OpenAsync(time: ahead);
        Assert.Equal(7, await maintenance.AdvanceSinceAsync(7));
        Assert.Empty((await kit.Shards.StateAsync()).Leases);

        await upsert.AdvanceInputAsync(5);

        Assert.Equal(8, upsert.OutputFrontier);
        Assert.Equal(new Dictionary<long, Edge> { [1] = new(1, "c"), [2] = new(2, "b"), [3] = new(3, "d") }, upsert.Rows);

        // Its writer takes a new lease too, and appends on from the upper it read.
        await upsert.PushAsync([Delete(3, 8, 2)]);
        await upsert.AdvanceInputAsync(9);
        Assert.Equal(9, await kit.UpperAsync());
        Assert.False(upsert.TryGetRow(3, out _));
    }
}
