using Bulwark.Upsert;
using Xunit;
using static Bulwark.Runtime.Tests.Upsert.UpsertTestKit;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>
/// The bug the operator exists to make impossible: an upsert that classified buffered input two ways (at the upper:
/// emit; otherwise: keep) kept input below the upper — times a faster peer had already written — forever, so its
/// output frontier stayed at that input's time, below the shard's upper, and a shard that only it wrote froze.
/// </summary>
public sealed class UpsertSeedRegressionTests
{
    [Fact]
    public async Task Seed_regression_input_below_an_upper_another_writer_advanced_is_dropped_and_the_frontier_passes_it_while_the_two_way_variant_stays_pinned()
    {
        Assert.Equal((11L, 11L, 0), await RunSeedAsync(twoWay: false));

        // The historical two-way classification keeps the inputs at 5 and 7 below the upper 10 and can never append:
        // its output frontier stays at 5 however far the input goes, and the shard stays at 10.
        Assert.Equal((5L, 10L, 2), await RunSeedAsync(twoWay: true));
    }

    [Fact]
    public async Task Input_pushed_after_the_operator_has_seen_the_peers_upper_is_dropped_at_once()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");
        await kit.AppendAsync("peer", 0, 10);
        await upsert.AdvanceInputAsync(0);
        Assert.Equal(10, upsert.OutputFrontier);

        await upsert.PushAsync([Put(1, "a", 5, 0), Put(2, "b", 7, 1)]);

        Assert.Equal(0, upsert.BufferedInputs);
        Assert.Equal(10, upsert.OutputFrontier);
    }

    /// <summary>
    /// The seed: the shard's upper is advanced to 10 by another writer while this operator has written nothing; then
    /// source updates at 5 and 7 arrive and the input frontier passes 10. Returns the operator's output frontier, the
    /// shard's upper and the inputs still buffered, after the input frontier has moved on twice more.
    /// </summary>
    private static async Task<(long OutputFrontier, long Upper, int Buffered)> RunSeedAsync(bool twoWay)
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica", twoWay ? TwoWay() : null);
        Assert.Equal(0, upsert.OutputFrontier);
        await kit.AppendAsync("peer", 0, 10);

        await upsert.PushAsync([Put(1, "a", 5, 0), Put(2, "b", 7, 1)]);
        await upsert.AdvanceInputAsync(11);
        var afterSeed = (upsert.OutputFrontier, await kit.UpperAsync());
        await upsert.AdvanceInputAsync(20);
        await upsert.AdvanceInputAsync(30);

        if (!twoWay)
        {
            Assert.Equal((11L, 11L), afterSeed);
            Assert.Equal(30, upsert.OutputFrontier);
            Assert.Empty(await kit.HistoryAsync());
            return (afterSeed.OutputFrontier, afterSeed.Item2, upsert.BufferedInputs);
        }

        Assert.Equal(afterSeed, (upsert.OutputFrontier, await kit.UpperAsync()));
        return (upsert.OutputFrontier, await kit.UpperAsync(), upsert.BufferedInputs);
    }
}
