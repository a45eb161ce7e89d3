using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Shards;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Testing;
using Bulwark.Upsert;
using Xunit;
using static Bulwark.Runtime.Tests.Upsert.UpsertTestKit;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>
/// Restarts: from a checkpoint (its rows at frontier F, then the shard's updates in [F, upper)) or from a snapshot of
/// the shard alone. Either way the restarted operator's state and all its later output are those of a run that never
/// stopped.
/// </summary>
public sealed class UpsertCheckpointTests
{
    private const long Times = 30;
    private const long CheckpointAt = 12;
    private const long CrashAt = 18;

    [Theory]
    [InlineData(UpsertStart.Checkpoint)]
    [InlineData(UpsertStart.Snapshot)]
    public async Task A_restarted_operator_writes_what_an_uninterrupted_run_writes(UpsertStart restartFrom)
    {
        var source = UpsertModel.Source(new Random(42), Times, keys: 6);
        var uninterrupted = new UpsertTestKit();
        await using (var upsert = await uninterrupted.OpenAsync("replica"))
        {
            await FeedAsync(upsert, source, 0, Times);
        }

        var kit = new UpsertTestKit();
        var store = new InMemoryBackend();
        IReadOnlyDictionary<long, Edge> before;
        await using (var checkpointer = await Checkpointer.OpenAsync(store))
        {
            var first = await kit.OpenAsync("replica", new UpsertOptions { Checkpointer = checkpointer });
            Assert.Equal(UpsertStart.Empty, first.StartedFrom);
            await FeedAsync(first, source, 0, CheckpointAt);
            await first.CheckpointAsync();

            // It runs on past its checkpoint, then crashes: never disposed, its leases left behind.
            await FeedAsync(first, source, CheckpointAt, CrashAt);
            before = first.Rows;
        }

        await using var reopened = await Checkpointer.OpenAsync(store);
        await using var restarted = await kit.OpenAsync("replica", new UpsertOptions { Checkpointer = restartFrom == UpsertStart.Checkpoint ? reopened : null });

        Assert.Equal(restartFrom, restarted.StartedFrom);
        Assert.Equal(CrashAt, restarted.OutputFrontier);
        Assert.Equal(before, restarted.Rows);

        // The source replays from where its own checkpoint was; the times the shard already has are dropped.
        await FeedAsync(restarted, source, CheckpointAt, Times);
        ShardTestKit.Same(await uninterrupted.HistoryAsync(), await kit.HistoryAsync());
        ShardTestKit.Same(UpsertReference.Run(source, Times).History, await kit.HistoryAsync());
    }

    [Fact]
    public async Task A_checkpoint_plus_the_updates_peers_wrote_after_it_is_the_state_a_snapshot_gives()
    {
        var source = UpsertModel.Source(new Random(7), Times, keys: 5);
        var kit = new UpsertTestKit();
        var store = new InMemoryBackend();
        await using var checkpointer = await Checkpointer.OpenAsync(store);
        var options = new UpsertOptions { Checkpointer = checkpointer, OperatorId = "ranks" };
        await using (var replica = await kit.OpenAsync("replica-1", options))
        {
            await FeedAsync(replica, source, 0, 10);
            await replica.CheckpointAsync();
        }

        await using (var peer = await kit.OpenAsync("replica-2"))
        {
            await FeedAsync(peer, source, 10, Times);
        }

        await using var fromCheckpoint = await kit.OpenAsync("replica-1", options);
        await using var fromSnapshot = await kit.OpenAsync("replica-3");

        Assert.Equal(UpsertStart.Checkpoint, fromCheckpoint.StartedFrom);
        Assert.Equal(UpsertStart.Snapshot, fromSnapshot.StartedFrom);
        Assert.Equal(Times, fromCheckpoint.OutputFrontier);
        Assert.Equal(UpsertReference.Run(source, Times).Live, fromCheckpoint.Rows);
        Assert.Equal(fromSnapshot.Rows, fromCheckpoint.Rows);
    }

    [Fact]
    public async Task A_checkpoint_whose_frontier_the_since_has_passed_is_replaced_by_a_snapshot()
    {
        var source = UpsertModel.Source(new Random(3), 20, keys: 4);
        var kit = new UpsertTestKit();
        await using var checkpointer = await Checkpointer.OpenAsync(new InMemoryBackend());
        var options = new UpsertOptions { Checkpointer = checkpointer };
        await using (var replica = await kit.OpenAsync("replica", options))
        {
            await FeedAsync(replica, source, 0, 5);
            await replica.CheckpointAsync();
            await FeedAsync(replica, source, 5, 20);
        }

        // With the operator's reader lease given back, the since may pass the checkpoint's frontier and compaction
        // may merge what it would have read.
        var shard = await kit.ShardAsync();
        Assert.Equal(15, await shard.AdvanceSinceAsync(15));
        await using (var maintenance = await shard.OpenWriterAsync("maintenance"))
        {
            Assert.True(await maintenance.CompactAsync() > 0);
        }

        await using var restarted = await kit.OpenAsync("replica", options);

        Assert.Equal(UpsertStart.Snapshot, restarted.StartedFrom);
        Assert.Equal(20, restarted.OutputFrontier);
        Assert.Equal(UpsertReference.Run(source, 20).Live, restarted.Rows);
    }

    [Fact]
    public async Task A_checkpoint_of_another_shard_is_refused_naming_both()
    {
        var kit = new UpsertTestKit();
        await using var checkpointer = await Checkpointer.OpenAsync(new InMemoryBackend());
        await using (var replica = await kit.OpenAsync("replica", new UpsertOptions { Checkpointer = checkpointer }))
        {
            await replica.AdvanceInputAsync(3);
            await replica.CheckpointAsync();
        }

        var other = await Shard<Edge>.OpenAsync("edges-2", kit.Shards.Recording, kit.Shards.Blob, kit.Shards.Options());
        var e = await Assert.ThrowsAsync<UpsertCheckpointException>(() => UpsertOperator<long, Edge>.OpenAsync(other, "replica", KeyOf, new UpsertOptions { Checkpointer = checkpointer }));

        Assert.Equal(checkpointer.Latest!.Id, e.CheckpointId);
        Assert.Contains("shard 'edges-2'", e.Message);
        Assert.Contains("taken from shard 'edges-1'", e.Message);
    }

    [Fact]
    public async Task A_checkpoint_ahead_of_the_shard_is_refused()
    {
        var first = new UpsertTestKit();
        await using var checkpointer = await Checkpointer.OpenAsync(new InMemoryBackend());
        await using (var replica = await first.OpenAsync("replica", new UpsertOptions { Checkpointer = checkpointer }))
        {
            await replica.AdvanceInputAsync(10);
            await replica.CheckpointAsync();
        }

        // The same shard id, recreated empty.
        var recreated = new UpsertTestKit();
        var e = await Assert.ThrowsAsync<UpsertCheckpointException>(() => recreated.OpenAsync("replica", new UpsertOptions { Checkpointer = checkpointer }));

        Assert.Contains("frontier 10 is above the shard's upper 0", e.Message);
    }

    [Fact]
    public async Task A_checkpoint_restored_with_a_key_function_that_merges_keys_is_refused_naming_the_key()
    {
        var kit = new UpsertTestKit();
        await using var checkpointer = await Checkpointer.OpenAsync(new InMemoryBackend());
        await using (var replica = await kit.OpenAsync("replica", new UpsertOptions { Checkpointer = checkpointer }))
        {
            await replica.PushAsync([Put(1, "a", 0, 0), Put(2, "b", 0, 1)]);
            await replica.AdvanceInputAsync(1);
            await replica.CheckpointAsync();
        }

        var shard = await kit.ShardAsync();
        var e = await Assert.ThrowsAsync<UpsertCheckpointException>(() =>
            UpsertOperator<int, Edge>.OpenAsync(shard, "replica", edge => edge.Dst.Length, new UpsertOptions { Checkpointer = checkpointer }));

        Assert.Contains("key 1 holds two rows", e.Message);
    }

    [Fact]
    public async Task A_shard_an_upsert_could_not_have_written_is_refused_on_rehydration_and_on_catch_up()
    {
        var kit = new UpsertTestKit();
        await kit.AppendAsync("other", 0, 1, U(1, "a", 0), U(1, "b", 0));
        var e = await Assert.ThrowsAsync<UpsertStateException>(() => kit.OpenAsync("replica"));
        Assert.Equal("1", e.Key);
        Assert.Contains("two live rows", e.Message);

        var second = new UpsertTestKit();
        await using var upsert = await second.OpenAsync("replica");
        await upsert.PushAsync([Put(1, "a", 0, 0)]);
        await upsert.AdvanceInputAsync(1);
        await second.AppendAsync("other", 1, 2, U(1, "z", 1, -1));

        var caught = await Assert.ThrowsAsync<UpsertStateException>(() => upsert.AdvanceInputAsync(1));
        Assert.Equal(1, caught.Time);
        Assert.Contains("the retraction of Edge { Src = 1, Dst = z } finds Edge { Src = 1, Dst = a }", caught.Message);
        Assert.Equal(1, upsert.OutputFrontier);
        Assert.Equal(new Edge(1, "a"), upsert.Rows[1]);
    }

    /// <summary>Pushes the inputs at times in [from, to) and moves the input frontier to <paramref name="to"/>, one time at a time.</summary>
    internal static async Task FeedAsync(UpsertOperator<long, Edge> upsert, IReadOnlyList<UpsertInput<long, Edge>> source, long from, long to)
    {
        for (var time = from; time < to; time++)
        {
            var now = time;
            await upsert.PushAsync(source.Where(i => i.Time == now));
            await upsert.AdvanceInputAsync(now + 1);
        }
    }
}
