using Bulwark.Runtime.Tests.Shards;
using Bulwark.Upsert;
using Xunit;
using static Bulwark.Runtime.Tests.Upsert.UpsertTestKit;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>
/// What the upsert operator refuses, and how each refusal names its shard, time, key and reason: shard updates no upsert
/// could have written (the refusals the complete mutation run of bench/mutation found no test reaching), bad arguments,
/// and calls on a disposed operator.
/// </summary>
public sealed class UpsertRefusalTests
{
    [Theory]
    [InlineData(1, "a", -2, "row Edge { Src = 1, Dst = a } has a diff of -2")]
    [InlineData(2, "b", 2, "row Edge { Src = 2, Dst = b } has a diff of 2")]
    [InlineData(5, "x", -1, "the retraction of Edge { Src = 5, Dst = x } finds no row")]
    [InlineData(1, "b", 1, "the insertion of Edge { Src = 1, Dst = b } finds Edge { Src = 1, Dst = a } still live")]
    public async Task A_catch_up_refuses_an_update_no_upsert_could_have_written_and_applies_nothing_of_it(long key, string dst, long diff, string reason)
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");
        await upsert.PushAsync([Put(1, "a", 0, 0)]);
        await upsert.AdvanceInputAsync(1);
        await kit.AppendAsync("other", 1, 2, U(key, dst, 1, diff));

        var e = await Assert.ThrowsAsync<UpsertStateException>(() => upsert.AdvanceInputAsync(1));

        Assert.Equal(reason, e.Reason);
        Assert.Equal(key.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Key);
        Assert.Equal(1, e.Time);
        Assert.Equal(upsert.ShardId, e.ShardId);
        Assert.Contains(upsert.ShardId, e.Message);
        Assert.Equal(1, upsert.OutputFrontier);
        Assert.Equal(new Edge(1, "a"), Assert.Single(upsert.Rows).Value);
    }

    [Fact]
    public async Task Rehydration_refuses_a_row_the_shard_holds_twice_and_names_the_time_of_the_snapshot()
    {
        var kit = new UpsertTestKit();
        await kit.AppendAsync("other", 0, 1, U(1, "a", 0));
        await kit.AppendAsync("other", 1, 2, U(1, "a", 1));

        var e = await Assert.ThrowsAsync<UpsertStateException>(() => kit.OpenAsync("replica"));

        Assert.Equal("row Edge { Src = 1, Dst = a } has a count of 2, not 0 or 1", e.Reason);
        Assert.Equal(1, e.Time);
        Assert.Equal((await kit.ShardAsync()).ShardId, e.ShardId);
    }

    [Fact]
    public async Task Of_two_inputs_with_the_same_key_time_and_offset_the_later_push_wins()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");

        await upsert.PushAsync([Put(1, "a", 0, 5)]);
        await upsert.PushAsync([Put(1, "b", 0, 5)]);
        await upsert.AdvanceInputAsync(1);

        Assert.Equal(new Edge(1, "b"), upsert.Rows[1]);
    }

    [Fact]
    public async Task A_disposed_operator_refuses_pushes_and_advances_without_moving_its_input_frontier()
    {
        var kit = new UpsertTestKit();
        var upsert = await kit.OpenAsync("replica");
        await upsert.AdvanceInputAsync(2);
        await upsert.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => upsert.PushAsync([Put(1, "a", 3, 0)]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => upsert.AdvanceInputAsync(5));
        Assert.Equal(2, upsert.InputFrontier);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_by_name_before_any_lease_is_taken()
    {
        var kit = new UpsertTestKit();
        var shard = await kit.ShardAsync();

        Assert.Equal("output", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            UpsertOperator<long, Edge>.OpenAsync(null!, "replica", KeyOf, new UpsertOptions()))).ParamName);
        Assert.Equal("keyOf", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            UpsertOperator<long, Edge>.OpenAsync(shard, "replica", null!, new UpsertOptions()))).ParamName);
        Assert.Equal("options", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            UpsertOperator<long, Edge>.OpenAsync(shard, "replica", KeyOf, null!))).ParamName);
        var invalid = await Assert.ThrowsAsync<ArgumentException>(() =>
            UpsertOperator<long, Edge>.OpenAsync(shard, "replica", KeyOf, new UpsertOptions { OperatorId = ".hidden" }));
        Assert.Equal("OperatorId", invalid.ParamName);
        Assert.Contains("'.hidden'", invalid.Message);

        // None of the refused opens left a writer behind: the same writer id opens, pushes and commits.
        await using var upsert = await kit.OpenAsync("replica");
        Assert.Equal("inputs", (await Assert.ThrowsAsync<ArgumentNullException>(() => upsert.PushAsync(null!))).ParamName);
        await upsert.PushAsync([Put(1, "a", 0, 0)]);
        await upsert.AdvanceInputAsync(1);
        Assert.Equal(1, await kit.UpperAsync());
    }

    [Fact]
    public async Task A_checkpoint_without_a_checkpointer_is_refused_and_says_what_to_do_instead()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => upsert.CheckpointAsync());

        Assert.Contains($"shard '{upsert.ShardId}'", e.Message);
        Assert.Contains("SaveStateAsync", e.Message);
    }
}
