using Bulwark.Shards;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>Reads, listeners, frontiers and leases: who may move the since, and what a lease that is gone means.</summary>
public sealed class ShardReaderTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Listen_yields_the_snapshot_then_each_new_interval_and_its_progress()
    {
        await using var written = await Written.OpenAsync([U(1, "a", 0)], upper: 1);
        var (kit, shard, writer) = written;

        using var stop = new CancellationTokenSource();
        await using var events = shard.ListenAsync(0, stop.Token).GetAsyncEnumerator(stop.Token);
        var snapshot = Assert.IsType<ShardEvent<Edge>.Snapshot>(await NextAsync(kit, events));
        Same([U(1, "a", 0)], snapshot.Contents);

        Assert.True((await writer.CompareAndAppendAsync([U(2, "b", 1), U(3, "c", 2), U(3, "c", 2)], 1, 3, Guid.NewGuid())).IsCommitted);
        var updates = Assert.IsType<ShardEvent<Edge>.Updates>(await NextAsync(kit, events));
        Assert.Equal((1, 3), (updates.Lower, updates.Upper));
        Same([U(2, "b", 1), U(3, "c", 2, 2)], updates.Contents);
        Assert.Equal(new ShardEvent<Edge>.Progress(3), await NextAsync(kit, events));

        // An empty interval is progress alone.
        Assert.True((await writer.CompareAndAppendAsync([], 3, 5, Guid.NewGuid())).IsCommitted);
        Assert.Equal(new ShardEvent<Edge>.Progress(5), await NextAsync(kit, events));
        await stop.CancelAsync();
    }

    [Fact]
    public async Task A_listener_ends_when_the_shard_is_closed()
    {
        await using var written = await Written.OpenAsync([U(1, "a", 0)], upper: 1);
        var (kit, shard, writer) = written;
        await using var events = shard.ListenAsync(0).GetAsyncEnumerator();
        Assert.IsType<ShardEvent<Edge>.Snapshot>(await NextAsync(kit, events));

        // An upper of long.MaxValue closes the shard: nothing can follow it, so the listener has nothing to wait for.
        Assert.True((await writer.CompareAndAppendAsync([U(2, "b", 1)], 1, long.MaxValue, Guid.NewGuid())).IsCommitted);
        var updates = Assert.IsType<ShardEvent<Edge>.Updates>(await NextAsync(kit, events));
        Assert.Equal((1, long.MaxValue), (updates.Lower, updates.Upper));
        Assert.Equal(new ShardEvent<Edge>.Progress(long.MaxValue), await NextAsync(kit, events));

        Assert.False(await kit.PumpAsync(events.MoveNextAsync().AsTask(), Poll));
    }

    [Fact]
    public async Task Listen_sees_appends_of_another_process_by_polling_on_the_shards_clock()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        var otherProcess = await kit.OpenAsync();
        await using var writer = await otherProcess.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync([], 0, 1, Guid.NewGuid())).IsCommitted);

        await using var events = shard.ListenAsync(0).GetAsyncEnumerator();
        Assert.Empty(Assert.IsType<ShardEvent<Edge>.Snapshot>(await NextAsync(kit, events)).Contents);
        var next = events.MoveNextAsync().AsTask();
        Assert.True((await writer.CompareAndAppendAsync([U(7, "x", 1)], 1, 2, Guid.NewGuid())).IsCommitted);

        Assert.True(await kit.PumpAsync(next, Poll));
        Same([U(7, "x", 1)], Assert.IsType<ShardEvent<Edge>.Updates>(events.Current).Contents);
    }

    [Fact]
    public async Task A_listeners_hold_follows_what_it_has_reported()
    {
        await using var written = await Written.OpenAsync([], upper: 1);
        var (kit, shard, writer) = written;
        await using var events = shard.ListenAsync(0).GetAsyncEnumerator();
        Assert.IsType<ShardEvent<Edge>.Snapshot>(await NextAsync(kit, events));
        Assert.Equal(0, await shard.AdvanceSinceAsync(100));

        Assert.True((await writer.CompareAndAppendAsync([], 1, 4, Guid.NewGuid())).IsCommitted);
        Assert.Equal(new ShardEvent<Edge>.Progress(4), await NextAsync(kit, events));

        // The next heartbeat writes the hold: one below the upper the listener reported.
        Assert.Equal(3, await HoldOnceMovedFromAsync(kit, 0));

        Assert.Equal(3, await shard.AdvanceSinceAsync(100));
    }

    [Fact]
    public async Task A_readers_hold_bounds_the_since_until_it_moves_or_goes()
    {
        await using var written = await Written.OpenAsync([], upper: 20);
        var (_, shard, _) = written;

        var reader = await shard.OpenReaderAsync("r", hold: 3);
        Assert.Equal(3, await shard.AdvanceSinceAsync(10));
        await reader.DowngradeSinceAsync(6);
        await reader.DowngradeSinceAsync(4);
        Assert.Equal(6, reader.Hold);
        Assert.Equal(6, await shard.AdvanceSinceAsync(10));
        await reader.DisposeAsync();
        Assert.Equal(10, await shard.AdvanceSinceAsync(10));

        // Never past the upper, and never back.
        Assert.Equal(20, await shard.AdvanceSinceAsync(50));
        Assert.Equal(20, await shard.AdvanceSinceAsync(5));
    }

    [Fact]
    public async Task Reads_outside_since_and_upper_are_typed_errors()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");

        // An empty shard (upper 0) has no time to read at.
        await Assert.ThrowsAsync<ShardFrontierException>(() => shard.SnapshotAsync(0));
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 2), 0, 5, Guid.NewGuid())).IsCommitted);
        await shard.AdvanceSinceAsync(3);

        var atUpper = await Assert.ThrowsAsync<ShardFrontierException>(() => shard.SnapshotAsync(5));
        Assert.Equal((3, 5), (atUpper.Since, atUpper.Upper));
        Assert.Equal($"Shard '{ShardId}' cannot be read as of 5: only times in [since 3, upper 5) can be.", atUpper.Message);
        await Assert.ThrowsAsync<ShardFrontierException>(() => shard.SnapshotAsync(2));
        var held = await Assert.ThrowsAsync<ShardFrontierException>(() => shard.OpenReaderAsync("r", hold: 1));
        Assert.Equal($"Shard '{ShardId}' cannot be read as of 1: only times in [since 3, upper 5) can be; the since has already passed it.", held.Message);
        Assert.Equal(1, held.AsOf);

        // At the since, earlier times read as the since.
        Same(Batch("a", 3), await shard.SnapshotAsync(3));
    }

    [Fact]
    public async Task A_second_handle_of_a_writer_fences_the_first()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var first = await shard.OpenWriterAsync("w");
        await using var second = await shard.OpenWriterAsync("w");

        var fenced = await Assert.ThrowsAsync<ShardLeaseLostException>(() => first.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid()));
        Assert.True(fenced.Replaced);
        Assert.True((await second.CompareAndAppendAsync(Batch("b", 0), 0, 1, Guid.NewGuid())).IsCommitted);
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }

    [Fact]
    public async Task Heartbeats_keep_leases_alive_across_many_lease_durations()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        await using var reader = await shard.OpenReaderAsync("r");
        var lease = writer.LeaseId;

        // Two minutes on the shard clock, in heartbeat-sized steps, each step waiting until both leases are renewed.
        // While waiting the clock creeps on a second at a time: a heartbeat that was still finishing its previous
        // renewal when the step began sets up its next wait after the step, and fires only once time moves again.
        for (var step = 0; step < 12; step++)
        {
            kit.Time.Advance(TimeSpan.FromSeconds(10));
            var due = kit.Time.GetUtcNow().ToUnixTimeMilliseconds();
            for (var round = 0; (await kit.StateAsync()).Leases.Any(l => l.ExpiresAtMs < due + 20_000); round++)
            {
                Assert.True(round < 10_000, "a heartbeat never renewed its lease");
                await Task.Delay(5);
                if (round % 10 == 9)
                {
                    kit.Time.Advance(TimeSpan.FromSeconds(1));
                }
            }

            await shard.CollectGarbageAsync();
        }

        Assert.Equal(2, (await kit.StateAsync()).Leases.Count);
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid())).IsCommitted);
        Assert.Equal(lease, writer.LeaseId);
        Same(Batch("a", 0), await reader.SnapshotAsync(0));
    }

    [Fact]
    public async Task A_reader_whose_lease_expired_is_told_so_and_no_longer_holds_the_since()
    {
        await using var written = await Written.OpenAsync(Batch("a", 0), upper: 10);
        var (kit, shard, _) = written;
        var frozen = new FakeTimeProvider(kit.Time.GetUtcNow());
        var stalled = await (await kit.OpenAsync(time: frozen)).OpenReaderAsync("stalled", hold: 1);

        // The stalled reader's clock never moves, so nothing renews its lease; the collector's clock passes its expiry.
        kit.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(9, await shard.AdvanceSinceAsync(9));

        var lost = await Assert.ThrowsAsync<ShardLeaseLostException>(() => stalled.SnapshotAsync(9));
        Assert.False(lost.Replaced);
    }

    [Fact]
    public async Task A_reader_refuses_a_snapshot_below_its_hold_though_the_since_allows_it_and_any_snapshot_once_disposed()
    {
        await using var written = await Written.OpenAsync(Batch("a", 0), upper: 10);
        var (_, shard, _) = written;
        var reader = await shard.OpenReaderAsync("r", hold: 5);

        // The since is 0, but nothing keeps it from passing 3 while this reader reads: its lease holds only 5.
        var below = await Assert.ThrowsAsync<ShardFrontierException>(() => reader.SnapshotAsync(3));
        Assert.Equal($"Shard '{ShardId}' cannot be read as of 3: only times in [since 0, upper 10) can be; reader 'r' holds the since only at or below 5.", below.Message);
        Same(await shard.SnapshotAsync(5), await reader.SnapshotAsync(5));

        await reader.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.SnapshotAsync(5));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.DowngradeSinceAsync(6));
    }

    [Fact]
    public async Task A_readers_snapshot_at_the_upper_is_refused_for_the_upper_even_when_its_hold_is_there()
    {
        await using var written = await Written.OpenAsync(Batch("a", 0), upper: 10);
        var (_, shard, _) = written;
        await using var reader = await shard.OpenReaderAsync("r", hold: 10);

        // Not a read below the hold: the upper is the reason, so the message names no hold.
        var refused = await Assert.ThrowsAsync<ShardFrontierException>(() => reader.SnapshotAsync(10));

        Assert.Equal($"Shard '{ShardId}' cannot be read as of 10: only times in [since 0, upper 10) can be.", refused.Message);
    }

    [Fact]
    public async Task A_listener_from_inside_a_part_yields_only_what_its_snapshot_did_not_and_each_progress_once()
    {
        await using var written = await Written.OpenAsync([U(1, "a", 0), U(2, "b", 2), U(3, "c", 4)], upper: 5);
        var (kit, shard, writer) = written;

        await using var events = shard.ListenAsync(1).GetAsyncEnumerator();
        Same([U(1, "a", 0)], Assert.IsType<ShardEvent<Edge>.Snapshot>(await NextAsync(kit, events)).Contents);

        // The part holds times 0 to 4; the snapshot gave those up to 1, the listener gives the rest, and nothing twice.
        var rest = Assert.IsType<ShardEvent<Edge>.Updates>(await NextAsync(kit, events));
        Assert.Equal((2, 5), (rest.Lower, rest.Upper));
        Same([U(2, "b", 2), U(3, "c", 4)], rest.Contents);
        Assert.Equal(new ShardEvent<Edge>.Progress(5), await NextAsync(kit, events));

        // With the upper unchanged the listener waits: its next event is the next interval, not the same progress again.
        var next = events.MoveNextAsync().AsTask();
        Assert.True((await writer.CompareAndAppendAsync([U(4, "d", 5)], 5, 6, Guid.NewGuid())).IsCommitted);
        Assert.True(await kit.PumpAsync(next, Poll));
        var later = Assert.IsType<ShardEvent<Edge>.Updates>(events.Current);
        Assert.Equal((5, 6), (later.Lower, later.Upper));
        Same([U(4, "d", 5)], later.Contents);
    }

    [Fact]
    public async Task A_read_from_exactly_the_since_is_whole_and_one_below_it_is_refused()
    {
        await using var written = await Written.OpenAsync([U(1, "a", 1)], upper: 2);
        var (_, shard, writer) = written;
        Assert.True((await writer.CompareAndAppendAsync([U(2, "b", 2), U(3, "c", 4)], 2, 5, Guid.NewGuid())).IsCommitted);
        Assert.Equal(2, await shard.AdvanceSinceAsync(2));
        var reader = await shard.OpenReaderAsync("r", hold: 2);

        var (upper, updates) = await reader.ReadFromAsync(2, CancellationToken.None);

        Assert.Equal(5, upper);
        Same([U(2, "b", 2), U(3, "c", 4)], updates);
        var compacted = await Assert.ThrowsAsync<ShardFrontierException>(() => reader.ReadFromAsync(1, CancellationToken.None));
        Assert.Equal($"Shard '{ShardId}' cannot be read as of 1: only times in [since 2, upper 5) can be; the updates from there on may have been compacted.", compacted.Message);
        await reader.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.ReadFromAsync(2, CancellationToken.None));
    }

    [Fact]
    public async Task Moving_a_hold_to_where_it_is_writes_nothing()
    {
        await using var written = await Written.OpenAsync([], upper: 20);
        var (kit, shard, _) = written;
        await using var reader = await shard.OpenReaderAsync("r", hold: 3);
        var head = (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo;

        await reader.DowngradeSinceAsync(3);
        await reader.DowngradeSinceAsync(2);

        Assert.Equal(head, (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo);
        Assert.Equal(3, reader.Hold);
    }

    [Fact]
    public async Task A_wanted_hold_only_moves_forward()
    {
        await using var written = await Written.OpenAsync([], upper: 10);
        var (kit, shard, _) = written;
        await using var reader = await shard.OpenReaderAsync("r", hold: 0);

        reader.WantHold(5);
        reader.WantHold(3);

        // The next heartbeat writes what is wanted then: 5, never the later, lower 3.
        Assert.Equal(5, await HoldOnceMovedFromAsync(kit, 0));
    }

    [Fact]
    public async Task Advancing_the_since_to_where_it_is_writes_nothing()
    {
        await using var written = await Written.OpenAsync([], upper: 10);
        var (kit, shard, _) = written;
        Assert.Equal(4, await shard.AdvanceSinceAsync(4));
        var seqNo = (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo;

        Assert.Equal(4, await shard.AdvanceSinceAsync(4));
        Assert.Equal(4, await shard.AdvanceSinceAsync(2));

        Assert.Equal(seqNo, (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo);
    }

    [Fact]
    public async Task A_listener_wakes_at_once_when_this_process_commits()
    {
        await using var written = await Written.OpenAsync([], upper: 1);
        var (kit, shard, writer) = written;
        await using var events = shard.ListenAsync(0).GetAsyncEnumerator();
        Assert.IsType<ShardEvent<Edge>.Snapshot>(await NextAsync(kit, events));
        var next = events.MoveNextAsync().AsTask();

        Assert.True((await writer.CompareAndAppendAsync([U(1, "a", 1)], 1, 2, Guid.NewGuid())).IsCommitted);

        // The shard's clock stands still, so no poll can fire: only the commit's own signal can wake the listener.
        for (var round = 0; !next.IsCompleted; round++)
        {
            Assert.True(round < 20_000, "the listener was not woken by this process's commit");
            await Task.Delay(5);
        }

        Assert.True(await next);
        Same([U(1, "a", 1)], Assert.IsType<ShardEvent<Edge>.Updates>(events.Current).Contents);
    }

    [Fact]
    public async Task A_handle_shows_the_newest_state_it_has_seen()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        var otherProcess = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync([], 0, 5, Guid.NewGuid())).IsCommitted);
        Assert.Equal(3, await shard.AdvanceSinceAsync(3));

        Assert.Equal((5, 3), (shard.Upper, shard.Since));
        Assert.Equal((0, 0), (otherProcess.Upper, otherProcess.Since));

        await otherProcess.SnapshotAsync(4);
        Assert.Equal((5, 3), (otherProcess.Upper, otherProcess.Since));
    }

    [Fact]
    public async Task A_read_answered_after_a_newer_commit_does_not_take_the_handle_back()
    {
        var kit = new ShardTestKit();
        var consensus = new InterferingConsensus(kit.Recording);
        var shard = await Shard<Edge>.OpenAsync(ShardId, consensus, kit.Blob, kit.Options());
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync([], 0, 5, Guid.NewGuid())).IsCommitted);

        // The frontier read has loaded the head at upper 5 when this process commits upper 7; then its answer arrives.
        consensus.AfterNextHead = async () => Assert.True((await writer.CompareAndAppendAsync([], 5, 7, Guid.NewGuid())).IsCommitted);
        var frontiers = await shard.GetFrontiersAsync();

        Assert.Equal(5, frontiers.Upper);
        Assert.Equal(7, shard.Upper);
    }

    /// <summary>A shard whose writer "w" has committed its first interval, [0, upper); disposing it disposes the writer.</summary>
    private sealed record Written(ShardTestKit Kit, Shard<Edge> Shard, ShardWriter<Edge> Writer) : IAsyncDisposable
    {
        public static async Task<Written> OpenAsync(Update<Edge>[] updates, long upper)
        {
            var kit = new ShardTestKit();
            var shard = await kit.OpenAsync();
            var writer = await shard.OpenWriterAsync("w");
            Assert.True((await writer.CompareAndAppendAsync(updates, 0, upper, Guid.NewGuid())).IsCommitted);
            return new Written(kit, shard, writer);
        }

        public ValueTask DisposeAsync() => Writer.DisposeAsync();
    }

    /// <summary>Lets heartbeats run, one heartbeat interval at a time, until the one reader lease's hold is no longer <paramref name="from"/>.</summary>
    private static async Task<long?> HoldOnceMovedFromAsync(ShardTestKit kit, long from)
    {
        for (var round = 0; ; round++)
        {
            var hold = (await kit.StateAsync()).Leases.Single(l => l.Kind == LeaseKind.Reader).Hold;
            if (hold != from)
            {
                return hold;
            }

            Assert.True(round < 10_000, "the reader's hold never moved");
            kit.Time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(5);
        }
    }

    private static async Task<ShardEvent<Edge>> NextAsync(ShardTestKit kit, IAsyncEnumerator<ShardEvent<Edge>> events)
    {
        Assert.True(await kit.PumpAsync(events.MoveNextAsync().AsTask(), Poll));
        return events.Current;
    }
}
