using System.Diagnostics;
using Bulwark.Shards;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// What a heartbeat writes besides the expiry: an idle writer's lease moves to the entry it writes; a reader's stays
/// at a state a read in flight loaded. And a disposed handle's heartbeat stops.
/// </summary>
public sealed class ShardHeartbeatTests
{
    private static readonly string Key = ShardNames.ConsensusKey(ShardId);

    /// <summary>Only a bound on a hang: the renewal is waited for however long it takes.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task An_idle_writers_heartbeat_moves_its_lease_to_the_entry_it_writes_so_it_holds_back_no_collection()
    {
        var kit = new ShardTestKit();
        var clock = new RecordingTimeProvider(kit.Time);
        var heartbeatWaits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        clock.TimerCreated = due =>
        {
            if (due == kit.Options().HeartbeatInterval)
            {
                heartbeatWaits.TrySetResult();
            }
        };
        var shard = await kit.OpenAsync(time: clock);
        await using var idle = await shard.OpenWriterAsync("idle");
        var opened = Lease(await kit.StateAsync(), idle.LeaseId);

        // The idle writer's heartbeat waits on the clock before the busy writer opens (whose heartbeat would wait too).
        await heartbeatWaits.Task.WaitAsync(HangGuard);
        await using (var busy = await shard.OpenWriterAsync("busy"))
        {
            await AppendBatchesAsync(busy, 3);
        }

        // Nothing but the idle writer's heartbeat writes from here on, and it renews once: the clock moves one interval
        // and then stays put, so the lease cannot expire however long the renewal takes, and no second one follows.
        var before = (await kit.Memory.HeadAsync(Key))!.SeqNo;
        kit.Time.Advance(kit.Options().HeartbeatInterval);
        var waited = Stopwatch.StartNew();
        while (Lease(await kit.StateAsync(), idle.LeaseId).ExpiresAtMs == opened.ExpiresAtMs)
        {
            Assert.True(waited.Elapsed < HangGuard, "the idle writer's heartbeat never renewed its lease");
            await Task.Delay(5);
        }

        // One read: the head and the lease it holds. The renewal is the newest entry and names itself.
        var head = (await kit.Memory.HeadAsync(Key))!;
        Assert.True(head.SeqNo > before);
        Assert.Equal(head.SeqNo, Assert.Single(ShardStateCodec.Decode(ShardId, Key, head).Leases).SeqNo);
        Assert.Equal(head.SeqNo, (await shard.CollectGarbageAsync()).TruncatedBelow);
    }

    [Fact]
    public async Task A_readers_heartbeat_during_a_read_keeps_its_lease_at_the_state_the_read_loaded_and_moves_it_after()
    {
        var kit = new ShardTestKit();
        var gated = new GatedBackend(kit.Blob);
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, gated, LongLeases(kit.Time));
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 3);

        var expected = await shard.SnapshotAsync(2);
        await using var reader = await shard.OpenReaderAsync("r", hold: 2);
        var loaded = Lease(await kit.StateAsync(), reader.LeaseId).SeqNo;

        // The reader loads the state with the three parts and stops before reading them; compaction replaces two.
        var gate = gated.HoldNextRead(path => path.EndsWith(".parquet", StringComparison.Ordinal));
        var snapshot = reader.SnapshotAsync(2);
        await gate.Reached;
        try
        {
            Assert.Equal(2, await shard.AdvanceSinceAsync(2));
            Assert.Equal(2, await writer.CompactAsync());
            await writer.DisposeAsync();

            // A renewal now must keep the lease at the state the read loaded, or the collection deletes what it reads.
            await BeatAsync(kit, reader.LeaseId);
            Assert.Equal(loaded, Lease(await kit.StateAsync(), reader.LeaseId).SeqNo);
            Assert.Equal(0, (await shard.CollectGarbageAsync()).DeletedParts);
        }
        finally
        {
            gate.Release();
        }

        Same(expected, await snapshot);

        // With the read done, the next renewal moves the lease to the head it read (the renewal is the entry after
        // it), and the replaced parts can go.
        await BeatAsync(kit, reader.LeaseId);
        Assert.Equal((await kit.Memory.HeadAsync(Key))!.SeqNo - 1, Lease(await kit.StateAsync(), reader.LeaseId).SeqNo);
        Assert.Equal(2, (await shard.CollectGarbageAsync()).DeletedParts);
        Same(Consolidation.Consolidate(expected, 2), await reader.SnapshotAsync(2));
    }

    [Fact]
    public async Task A_writers_heartbeat_during_its_compaction_keeps_its_lease_where_the_compaction_read()
    {
        var kit = new ShardTestKit();
        var gated = new GatedBackend(kit.Blob);
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, gated, LongLeases(kit.Time));
        await using var writer = await shard.OpenWriterAsync("w");
        await using var peer = await shard.OpenWriterAsync("p");
        await AppendBatchesAsync(writer, 3);

        Assert.Equal(2, await shard.AdvanceSinceAsync(2));
        var expected = Consolidation.Consolidate(await shard.SnapshotAsync(2), 2);
        var held = Lease(await kit.StateAsync(), writer.LeaseId).SeqNo;

        // The writer's compaction loads the head and stops before reading the first part it merges; a peer compacts the
        // same parts first, so only the states up to the writer's lease still reference them.
        var gate = gated.HoldNextRead(path => path.EndsWith(".parquet", StringComparison.Ordinal));
        var compaction = writer.CompactAsync();
        await gate.Reached;
        try
        {
            Assert.Equal(2, await peer.CompactAsync());

            // A renewal while the compaction runs moves the expiry, not the entry: the collection keeps what it reads.
            await BeatAsync(kit, writer.LeaseId);
            Assert.Equal(held, Lease(await kit.StateAsync(), writer.LeaseId).SeqNo);
            Assert.Equal(0, (await shard.CollectGarbageAsync()).DeletedParts);
        }
        finally
        {
            // A failed assertion must not leave the compaction (and the writer's disposal, which waits for it) held.
            gate.Release();
        }

        Assert.Equal(0, await compaction);
        Same(expected, await shard.SnapshotAsync(2));

        // Idle again, the next renewal moves the entry, and the two replaced parts go.
        await BeatAsync(kit, writer.LeaseId);
        Assert.True(Lease(await kit.StateAsync(), writer.LeaseId).SeqNo > held);
        Assert.Equal(2, (await shard.CollectGarbageAsync()).DeletedParts);
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }

    [Fact]
    public async Task A_listening_readers_handle_reports_the_hold_its_heartbeat_wrote()
    {
        var kit = new ShardTestKit();
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, LongLeases(kit.Time));
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync([], 0, 1, Guid.NewGuid())).IsCommitted);
        await using var reader = await shard.OpenReaderAsync("r", hold: 0);
        await using var events = reader.ListenAsync(0).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.True((await writer.CompareAndAppendAsync([], 1, 4, Guid.NewGuid())).IsCommitted);
        Assert.True(await kit.PumpAsync(events.MoveNextAsync().AsTask(), TimeSpan.FromSeconds(1)));
        Assert.Equal(new ShardEvent<Edge>.Progress(4), events.Current);

        // A renewal writes the hold the listener wants; the renewal after it shows that the first one has finished.
        for (var beats = 0; Lease(await kit.StateAsync(), reader.LeaseId).Hold != 3; beats++)
        {
            Assert.True(beats < 100, "no renewal wrote the hold the listener wants");
            await BeatAsync(kit, reader.LeaseId);
        }

        await BeatAsync(kit, reader.LeaseId);
        Assert.Equal(3, reader.Hold);
    }

    [Fact]
    public async Task A_disposed_reader_or_writer_leaves_no_heartbeat_waiting_on_the_clock()
    {
        var kit = new ShardTestKit();
        var time = new RecordingTimeProvider(kit.Time);
        var options = LongLeases(time);
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, options);
        await using var writer = await shard.OpenWriterAsync("w");
        await using var reader = await shard.OpenReaderAsync("r", hold: 0);

        // Both heartbeats wait for their first interval (they set the wait up after their handle is returned).
        for (var round = 0; time.DueTimes.Count(d => d == options.HeartbeatInterval) < 2; round++)
        {
            Assert.True(round < 10_000, "the heartbeats never started waiting");
            await Task.Delay(5);
        }

        Assert.Equal(2, time.LiveTimers);
        await reader.DisposeAsync();
        Assert.Equal(1, time.LiveTimers);
        await writer.DisposeAsync();
        Assert.Equal(0, time.LiveTimers);
        Assert.Empty((await kit.StateAsync()).Leases);
    }

    /// <summary>Leases that outlive any number of the tests' clock steps, renewed every 10 s.</summary>
    private static ShardOptions LongLeases(TimeProvider time) => new()
    {
        TimeProvider = time,
        InitialBackoff = TimeSpan.Zero,
        MaxBackoff = TimeSpan.Zero,
        LeaseDuration = TimeSpan.FromHours(1),
        HeartbeatInterval = TimeSpan.FromSeconds(10),
    };

    /// <summary>Advances the clock a heartbeat interval at a time until the lease's expiry moves.</summary>
    private static async Task BeatAsync(ShardTestKit kit, Guid leaseId)
    {
        var expiry = Lease(await kit.StateAsync(), leaseId).ExpiresAtMs;
        for (var round = 0; Lease(await kit.StateAsync(), leaseId).ExpiresAtMs == expiry; round++)
        {
            Assert.True(round < 10_000, $"the heartbeat never renewed lease {leaseId}");
            kit.Time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(5);
        }
    }

    private static ShardLease Lease(ShardState state, Guid leaseId) => state.FindLease(leaseId) ?? throw new InvalidOperationException($"lease {leaseId} is gone");
}
