using Bulwark.Shards;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>What a listener costs between events: no reads while its frontier is the upper, and only the new parts after.</summary>
public sealed class ShardListenerCostTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_listener_at_its_frontier_reads_nothing_until_its_poll_is_due()
    {
        var kit = new ShardTestKit();
        var clock = new RecordingTimeProvider(kit.Time);
        var shard = await kit.OpenAsync(time: clock);
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync([U(1, "a", 0)], 0, 1, Guid.NewGuid())).IsCommitted);
        await using var events = shard.ListenAsync(0).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.IsType<ShardEvent<Edge>.Snapshot>(events.Current);
        var polls = clock.DueTimes.Count(due => due == Poll);

        // The clock stands still from here, so no heartbeat runs and no poll falls due: once the listener has read the
        // head at its frontier and set its poll timer, nothing may read the head again. A listener that does not wait
        // reads it in a loop instead, which the bound on reads turns into a failure rather than a hang.
        var next = events.MoveNextAsync().AsTask();
        for (var round = 0; clock.DueTimes.Count(due => due == Poll) == polls; round++)
        {
            Assert.True(round < 20_000 && HeadReads(kit) < 10_000, "the listener never waited for its poll");
            await Task.Delay(5);
        }

        var reads = HeadReads(kit);
        await Task.Delay(50);

        Assert.Equal(reads, HeadReads(kit));
        Assert.False(next.IsCompleted);
        Assert.True((await writer.CompareAndAppendAsync([U(2, "b", 1)], 1, 2, Guid.NewGuid())).IsCommitted);
        Assert.True(await next);
    }

    [Fact]
    public async Task A_listener_reads_only_the_parts_of_the_interval_it_has_not_reported()
    {
        var kit = new ShardTestKit();
        var traced = new FaultInjectingBackend(kit.Blob);
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, traced, kit.Options());
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync([U(1, "a", 0)], 0, 1, Guid.NewGuid())).IsCommitted);
        Assert.True((await writer.CompareAndAppendAsync([U(2, "b", 2)], 1, 3, Guid.NewGuid())).IsCommitted);
        Assert.True((await writer.CompareAndAppendAsync([U(3, "c", 3)], 3, 5, Guid.NewGuid())).IsCommitted);
        await using var reader = await shard.OpenReaderAsync("r", hold: 0);
        var newest = (await kit.StateAsync()).Parts.Single(p => p.Lower == 3).Key;
        var before = traced.OperationCount;

        // Everything below 3 was reported: the part [1, 3) ends there and the part [0, 1) below it.
        var (upper, updates) = await reader.ReadFromAsync(3, CancellationToken.None);

        Assert.Equal(5, upper);
        Same([U(3, "c", 3)], updates);
        Assert.Equal([newest], traced.Trace.Skip(before).Where(o => o.Kind == StorageOperationKind.Read).Select(o => o.Path));
    }

    private static int HeadReads(ShardTestKit kit) =>
        kit.Recording.History(ShardNames.ConsensusKey(ShardId)).Count(o => !o.Input.IsCompareAndSet);
}
