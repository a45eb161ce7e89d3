using Bulwark.Shards;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// <see cref="Consolidation.Consolidate{T}"/> as a list, order included: the shard tests compare snapshots as
/// multisets, so only these pin the order a snapshot is documented to have.
/// </summary>
public sealed class ConsolidationTests
{
    [Fact]
    public void The_result_is_ordered_by_time_and_within_a_time_by_first_appearance()
    {
        Update<Edge>[] updates = [U(1, "c", 3), U(2, "a", 1), U(3, "d", 3), U(4, "b", 2), U(5, "e", 1), U(1, "c", 3)];

        Assert.Equal([U(2, "a", 1), U(5, "e", 1), U(4, "b", 2), U(1, "c", 3, diff: 2), U(3, "d", 3)], Consolidation.Consolidate(updates));

        // Past 16 elements List.Sort stops being an insertion sort: the first appearance must be in the comparison.
        var many = Enumerable.Range(0, 64).Select(i => U(i, $"r{i}", i * 7 % 5)).ToArray();
        Assert.Equal(many.OrderBy(u => u.Time), Consolidation.Consolidate(many));
    }

    [Fact]
    public void Times_below_the_since_move_to_it_and_sums_of_zero_are_dropped()
    {
        Update<Edge>[] updates = [U(1, "x", 0), U(2, "y", 4), U(1, "x", 1, diff: -1), U(3, "z", 1, diff: 3), U(3, "z", 2)];

        Assert.Equal([U(3, "z", 2, diff: 4), U(2, "y", 4)], Consolidation.Consolidate(updates, since: 2));
        Assert.Equal([U(1, "x", 0), U(1, "x", 1, diff: -1), U(3, "z", 1, diff: 3), U(3, "z", 2), U(2, "y", 4)], Consolidation.Consolidate(updates));
    }

    [Fact]
    public void Diffs_that_sum_past_the_range_of_a_long_are_refused()
    {
        Update<Edge>[] updates = [U(1, "x", 0, diff: long.MaxValue), U(1, "x", 0, diff: 1)];

        Assert.Throws<OverflowException>(() => Consolidation.Consolidate(updates));
    }
}
