using Bulwark.Runtime.Tests.Shards;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Testing;
using Bulwark.Upsert;
using Xunit;
using static Bulwark.Runtime.Tests.Upsert.UpsertTestKit;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>The three-way classification against the upper, and what one time's inputs write.</summary>
public sealed class UpsertClassificationTests
{
    [Theory]
    [InlineData(4, 5, "Drop")]
    [InlineData(0, 5, "Drop")]
    [InlineData(5, 5, "Apply")]
    [InlineData(0, 0, "Apply")]
    [InlineData(6, 5, "Keep")]
    [InlineData(long.MaxValue, 5, "Keep")]
    public void Inputs_are_classified_three_ways_against_the_upper(long time, long upper, string expected)
    {
        Assert.Equal(Enum.Parse<UpsertClass>(expected), UpsertClassifier.Classify(time, upper));
    }

    [Theory]
    [InlineData(4, 5, "Keep")]
    [InlineData(5, 5, "Apply")]
    [InlineData(6, 5, "Keep")]
    public void The_two_way_deviation_keeps_what_is_below_the_upper(long time, long upper, string expected)
    {
        Assert.Equal(Enum.Parse<UpsertClass>(expected), UpsertClassifier.Classify(time, upper, twoWay: true));
    }

    [Fact]
    public async Task An_input_at_the_upper_is_written_at_its_time_and_one_above_waits_for_the_input_frontier()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");

        await upsert.PushAsync([Put(1, "a", 0, 0), Put(2, "b", 5, 1)]);
        await upsert.AdvanceInputAsync(3);

        ShardTestKit.Same([U(1, "a", 0)], await kit.HistoryAsync());
        Assert.Equal(3, upsert.OutputFrontier);
        Assert.Equal(1, upsert.BufferedInputs);

        await upsert.AdvanceInputAsync(6);
        ShardTestKit.Same([U(1, "a", 0), U(2, "b", 5)], await kit.HistoryAsync());
        Assert.Equal(6, await kit.UpperAsync());
        Assert.Equal(0, upsert.BufferedInputs);
    }

    [Fact]
    public async Task Empty_intervals_still_advance_the_upper()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");

        await upsert.AdvanceInputAsync(5);
        Assert.Equal(5, await kit.UpperAsync());
        await upsert.AdvanceInputAsync(7);
        Assert.Equal(7, await kit.UpperAsync());
        Assert.Equal(7, upsert.OutputFrontier);
        Assert.Empty(await kit.HistoryAsync());
    }

    [Fact]
    public async Task Within_one_time_the_highest_offset_wins_whatever_the_push_order()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");

        await upsert.PushAsync([Put(1, "x", 3, 7), Put(1, "y", 3, 9)]);
        await upsert.PushAsync([Put(1, "z", 3, 8), Delete(1, 3, 2)]);
        await upsert.PushAsync([Delete(2, 3, 10), Put(2, "w", 3, 4)]);
        await upsert.AdvanceInputAsync(4);

        ShardTestKit.Same([U(1, "y", 3)], await kit.HistoryAsync());
        Assert.True(upsert.TryGetRow(1, out var row));
        Assert.Equal(new Edge(1, "y"), row);
        Assert.False(upsert.TryGetRow(2, out _));
    }

    [Fact]
    public async Task A_new_row_retracts_the_old_one_a_delete_retracts_only_and_a_reinsert_inserts_again()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");

        await upsert.PushAsync([
            Put(1, "a", 1, 0),
            Put(1, "b", 2, 1),
            Delete(1, 3, 2),
            Put(1, "b", 4, 3),
            Delete(2, 4, 4),
        ]);
        await upsert.AdvanceInputAsync(5);

        ShardTestKit.Same(
            [U(1, "a", 1), U(1, "a", 2, -1), U(1, "b", 2), U(1, "b", 3, -1), U(1, "b", 4)],
            await kit.HistoryAsync());
    }

    [Fact]
    public async Task An_unchanged_row_writes_nothing_but_the_upper_still_moves()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");
        await upsert.PushAsync([Put(1, "a", 1, 0)]);
        await upsert.AdvanceInputAsync(2);

        await upsert.PushAsync([Put(1, "a", 2, 1), Put(1, "a", 3, 2)]);
        await upsert.AdvanceInputAsync(4);

        ShardTestKit.Same([U(1, "a", 1)], await kit.HistoryAsync());
        Assert.Equal(4, await kit.UpperAsync());
    }

    [Fact]
    public async Task A_row_whose_key_is_not_its_inputs_key_is_refused_naming_both_and_nothing_of_the_batch_is_buffered()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => upsert.PushAsync([Put(3, "ok", 1, 0), new UpsertInput<long, Edge>(1, new Edge(2, "x"), 1, 17)]));

        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("key 1 at time 1, offset 17", e.Message);
        Assert.Contains("whose key is 2", e.Message);
        Assert.Equal(0, upsert.BufferedInputs);
    }

    [Fact]
    public async Task Inputs_below_the_input_frontier_or_at_negative_times_are_refused_and_the_input_frontier_never_goes_back()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");
        await upsert.AdvanceInputAsync(5);

        var below = await Assert.ThrowsAsync<ArgumentException>(() => upsert.PushAsync([Put(1, "a", 4, 0)]));
        Assert.Contains("time 4, below the input frontier 5", below.Message);
        var negative = await Assert.ThrowsAsync<ArgumentException>(() => upsert.PushAsync([Put(1, "a", -1, 0)]));
        Assert.Contains("negative time", negative.Message);
        var back = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => upsert.AdvanceInputAsync(4));
        Assert.Contains("cannot go back", back.Message);
        Assert.Equal(5, upsert.InputFrontier);
    }

    [Fact]
    public async Task A_replica_that_loses_the_race_takes_the_winners_output_and_writes_nothing_twice()
    {
        var kit = new UpsertTestKit();
        await using var first = await kit.OpenAsync("replica-1");
        await using var second = await kit.OpenAsync("replica-2");
        UpsertInput<long, Edge>[] inputs = [Put(1, "a", 0, 0), Put(2, "b", 1, 1), Put(1, "c", 2, 2)];

        await first.PushAsync(inputs);
        await first.AdvanceInputAsync(3);
        await second.PushAsync(inputs);
        await second.AdvanceInputAsync(2);

        // The second replica's append of [0, 2) lost; it read what the first wrote up to 3 and dropped its inputs there.
        Assert.Equal(3, second.OutputFrontier);
        Assert.Equal(0, second.BufferedInputs);
        Assert.Equal(first.Rows, second.Rows);
        ShardTestKit.Same([U(1, "a", 0), U(2, "b", 1), U(1, "a", 2, -1), U(1, "c", 2)], await kit.HistoryAsync());
    }

    [Fact]
    public async Task A_replica_with_no_more_input_follows_the_shard_when_it_advances_its_input_frontier_again()
    {
        var kit = new UpsertTestKit();
        await using var leader = await kit.OpenAsync("replica-1");
        await using var follower = await kit.OpenAsync("replica-2");
        await leader.PushAsync([Put(1, "a", 0, 0), Put(2, "b", 4, 1)]);
        await leader.AdvanceInputAsync(8);

        await follower.AdvanceInputAsync(follower.InputFrontier);

        Assert.Equal(8, follower.OutputFrontier);
        Assert.Equal(leader.Rows, follower.Rows);
    }

    [Fact]
    public async Task An_append_whose_outcome_is_unknown_is_retried_with_its_token_and_is_in_the_shard_once()
    {
        using var meters = new TestMeterFactory();
        using var counters = new MeterTotals(meters, UpsertMetrics.MeterName);
        var kit = new UpsertTestKit(maxAttempts: 1);
        await using var upsert = await kit.OpenAsync("replica", new UpsertOptions { MeterFactory = meters });
        await upsert.PushAsync([Put(1, "a", 0, 0)]);

        // The compare-and-set of the append takes effect, but its answer is lost and the writer may not retry.
        kit.Shards.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateAfterEffect);
        var e = await Assert.ThrowsAsync<ShardUnavailableException>(() => upsert.AdvanceInputAsync(1));
        Assert.True(e.OutcomeUnknown);
        Assert.Equal(0, upsert.OutputFrontier);

        await upsert.AdvanceInputAsync(1);

        Assert.Equal(1, counters[UpsertMetrics.Appends + "/already_committed"]);
        Assert.Equal(0, counters[UpsertMetrics.Appends + "/upper_mismatch"]);
        Assert.Equal(1, upsert.OutputFrontier);
        ShardTestKit.Same([U(1, "a", 0)], await kit.HistoryAsync());
        Assert.Equal(new Edge(1, "a"), upsert.Rows[1]);
    }
}
