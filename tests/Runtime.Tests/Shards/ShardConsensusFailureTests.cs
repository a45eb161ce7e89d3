using Bulwark.Shards;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// How a shard gives up on its consensus store, and how it does not: a race it keeps losing ends after
/// <see cref="ShardOptions.MaxContendedRounds"/>, a permanent failure at once, each saying whether the operation may
/// have taken effect; a failed page of a scan is read again; a scan longer than a page is read whole; a scan that ends
/// before the head stops garbage collection before it deletes anything.
/// </summary>
public sealed class ShardConsensusFailureTests
{
    private static readonly string Key = ShardNames.ConsensusKey(ShardId);

    [Fact]
    public async Task An_append_that_loses_every_race_gives_up_after_MaxContendedRounds_saying_it_took_no_effect()
    {
        var kit = new ShardTestKit();
        var consensus = new InterferingConsensus(kit.Consensus);
        var shard = await Shard<Edge>.OpenAsync(ShardId, consensus, kit.Blob, kit.Options(limits: new ShardLimits(ContendedRounds: 3)));
        await using var writer = await shard.OpenWriterAsync("w");
        var head = await kit.Memory.HeadAsync(Key);

        // Before each of the writer's compare-and-sets another process writes the same state one entry further.
        consensus.BeforeCompareAndSet = () => kit.WriteHeadAsync(state => state);
        var refused = await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid()));

        Assert.Equal("append", refused.Operation);
        Assert.Equal(3, refused.Attempts);
        Assert.False(refused.OutcomeUnknown);
        Assert.Equal($"Shard '{ShardId}': 3 compare-and-sets in a row found a newer head.", refused.InnerException!.Message);
        Assert.Equal(
            $"Shard '{ShardId}': append gave up after 3 failed consensus calls; it took no effect: Shard '{ShardId}': 3 compare-and-sets in a row found a newer head.",
            refused.Message);
        Assert.Equal(head!.SeqNo + 3, (await kit.Memory.HeadAsync(Key))!.SeqNo);
        Assert.Equal(0, (await kit.StateAsync()).Upper);
    }

    [Fact]
    public async Task A_permanent_consensus_failure_ends_the_append_at_once_and_says_whether_an_earlier_attempt_may_have_landed()
    {
        var kit = new ShardTestKit();
        var consensus = new InterferingConsensus(kit.Consensus);
        var shard = await Shard<Edge>.OpenAsync(ShardId, consensus, kit.Blob, kit.Options());
        await using var writer = await shard.OpenWriterAsync("w");
        consensus.BeforeCompareAndSet = () => throw new ConsensusException("the consensus volume is read-only");

        var first = await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid()));
        Assert.Equal(1, first.Attempts);
        Assert.False(first.OutcomeUnknown);
        Assert.Equal($"Shard '{ShardId}': append gave up after 1 failed consensus calls; it took no effect: the consensus volume is read-only", first.Message);
        Assert.Empty(await kit.PartFilesAsync());

        // An attempt whose answer was lost comes first: the permanent failure then cannot say that nothing landed.
        var calls = 0;
        consensus.BeforeCompareAndSet = () => ++calls == 1 ? Task.CompletedTask : throw new ConsensusException("the consensus volume is read-only");
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateWithoutEffect);
        var second = await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid()));
        Assert.Equal(2, second.Attempts);
        Assert.True(second.OutcomeUnknown);
        Assert.Equal(
            $"Shard '{ShardId}': append gave up after 2 failed consensus calls; whether it took effect is unknown, retry with the same idempotency token to find out: the consensus volume is read-only",
            second.Message);
        Assert.Equal(0, (await kit.StateAsync()).Upper);

        // The second call's part stays, as its first attempt may have landed (a collection decides later).
        Assert.Single(await kit.PartFilesAsync());
    }

    [Theory]
    [InlineData("read the frontiers")]
    [InlineData("take a reader lease")]
    [InlineData("snapshot")]
    [InlineData("advance the since")]
    [InlineData("move a reader's hold")]
    [InlineData("listen")]
    public async Task An_operation_that_gives_up_names_itself(string operation)
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync(maxAttempts: 1);
        await using (var writer = await shard.OpenWriterAsync("w"))
        {
            Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid())).IsCommitted);
        }

        await using var reader = await shard.OpenReaderAsync("r");
        kit.Consensus.Inject(ConsensusOperation.Head, ConsensusFault.FailWithoutEffect);
        Func<Task> call = operation switch
        {
            "read the frontiers" => () => shard.GetFrontiersAsync(),
            "take a reader lease" => () => shard.OpenReaderAsync("r2"),
            "snapshot" => () => reader.SnapshotAsync(0),
            "move a reader's hold" => () => reader.DowngradeSinceAsync(1),
            "listen" => () => reader.ReadFromAsync(0, CancellationToken.None),
            _ => () => shard.AdvanceSinceAsync(1),
        };

        var refused = await Assert.ThrowsAsync<ShardUnavailableException>(call);

        Assert.Equal((operation, 1), (refused.Operation, refused.Attempts));
        Assert.StartsWith($"Shard '{ShardId}': {operation} gave up after 1 failed consensus calls; it took no effect: ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_reads_that_keep_failing_spend_the_operations_attempts_and_end_it()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync(maxAttempts: 3);
        await using var writer = await shard.OpenWriterAsync("w");
        for (var i = 0; i < 3; i++)
        {
            kit.Consensus.Inject(ConsensusOperation.Head, ConsensusFault.FailWithoutEffect);
        }

        var refused = await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid()));

        Assert.Equal(("append", 3, false), (refused.Operation, refused.Attempts, refused.OutcomeUnknown));
        Assert.Equal(0, kit.Consensus.PendingInjections);
        Assert.Equal(0, (await kit.StateAsync()).Upper);
    }

    [Fact]
    public async Task A_truncation_that_keeps_failing_ends_the_collection_naming_it_and_the_next_collection_truncates()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync(maxAttempts: 3);
        await using (var writer = await shard.OpenWriterAsync("w"))
        {
            Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid())).IsCommitted);
        }

        for (var i = 0; i < 3; i++)
        {
            kit.Consensus.Inject(ConsensusOperation.Truncate, ConsensusFault.FailWithoutEffect);
        }

        var refused = await Assert.ThrowsAsync<ShardUnavailableException>(() => shard.CollectGarbageAsync());

        Assert.Equal(("truncate consensus", 3, false), (refused.Operation, refused.Attempts, refused.OutcomeUnknown));
        Assert.Equal(0, kit.Consensus.PendingInjections);
        Assert.Equal(0, (await kit.Memory.ScanAsync(Key, 0, 1).FirstAsync()).SeqNo);
        Assert.Equal(0, (await shard.CollectGarbageAsync()).DeletedParts);
        Assert.True((await kit.Memory.ScanAsync(Key, 0, 1).FirstAsync()).SeqNo > 0);
    }

    [Fact]
    public async Task Failed_calls_back_off_on_the_shards_clock_doubling_up_to_MaxBackoff()
    {
        var kit = new ShardTestKit();
        var time = new RecordingTimeProvider(kit.Time);
        var options = new ShardOptions
        {
            TimeProvider = time,
            InitialBackoff = TimeSpan.FromSeconds(4),
            MaxBackoff = TimeSpan.FromSeconds(10),
            LeaseDuration = TimeSpan.FromHours(1),
            HeartbeatInterval = TimeSpan.FromMinutes(20),
        };
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, options);
        await using var writer = await shard.OpenWriterAsync("w");
        for (var i = 0; i < 3; i++)
        {
            kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.FailWithoutEffect);
        }

        var result = await kit.PumpAsync(writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid()), TimeSpan.FromSeconds(1));

        // 4 s, then 8 s, then 10 s (16 s capped); the heartbeat's waits are the only other timers.
        Assert.True(result.IsCommitted);
        Assert.Equal([4, 8, 10], time.DueTimes.Where(d => d != options.HeartbeatInterval).Select(d => d.TotalSeconds));
    }

    [Fact]
    public async Task Garbage_collection_reads_every_leased_state_past_a_page_and_reads_a_failed_page_again()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var reader = await shard.OpenReaderAsync("r", hold: 0);
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 70);

        // The reader's lease holds a state from before the first append: the collection reads more than 64 states.
        Assert.True((await kit.Memory.HeadAsync(Key))!.SeqNo - (await kit.StateAsync()).Leases.Single(l => l.HolderId == "r").SeqNo > 64);
        kit.Consensus.Inject(ConsensusOperation.Scan, ConsensusFault.FailWithoutEffect);
        var collected = await shard.CollectGarbageAsync();

        Assert.Equal(0, kit.Consensus.PendingInjections);
        Assert.Equal(0, collected.DeletedParts);
        Assert.Equal(70, collected.KeptParts);
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_scan_that_ends_before_the_head_stops_garbage_collection_before_it_deletes_anything(bool onlyTheHeadMissing)
    {
        var kit = new ShardTestKit();
        var consensus = new InterferingConsensus(kit.Consensus);
        var shard = await Shard<Edge>.OpenAsync(ShardId, consensus, kit.Blob, kit.Options());
        await using var reader = await shard.OpenReaderAsync("r", hold: 0);
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 3);

        // A part of a writer that is gone: nothing references it, so only a collection that read every leased state deletes it.
        await Checkpoints.CheckpointTestKit.WriteRawAsync(kit.Blob, $"{kit.PartsDirectory}/{Guid.NewGuid():N}-{Guid.NewGuid():N}-1.parquet", [1, 2, 3]);
        var files = await kit.PartFilesAsync();
        var oldest = (await kit.StateAsync()).Leases.Single(l => l.HolderId == "r").SeqNo;
        var head = (await kit.Memory.HeadAsync(Key))!.SeqNo;

        // Either nothing comes back, or everything but the head's own entry.
        consensus.ScansEndEarly = !onlyTheHeadMissing;
        consensus.ScansStopBefore = onlyTheHeadMissing ? head : null;
        var refused = await Assert.ThrowsAsync<ShardException>(() => shard.CollectGarbageAsync());
        Assert.Equal($"Shard '{ShardId}': consensus entries {(onlyTheHeadMissing ? head : oldest)} to {head} could not be read; garbage collection deleted nothing.", refused.Message);
        Assert.Equal(files, await kit.PartFilesAsync());

        consensus.ScansEndEarly = false;
        consensus.ScansStopBefore = null;
        Assert.Equal(1, (await shard.CollectGarbageAsync()).DeletedParts);
    }

    [Fact]
    public async Task A_scan_that_fails_once_is_retried_and_the_collection_completes()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var reader = await shard.OpenReaderAsync("r", hold: 0);
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 3);

        await Checkpoints.CheckpointTestKit.WriteRawAsync(kit.Blob, $"{kit.PartsDirectory}/{Guid.NewGuid():N}-{Guid.NewGuid():N}-1.parquet", [1, 2, 3]);
        kit.Consensus.Inject(ConsensusOperation.Scan, ConsensusFault.FailWithoutEffect);

        Assert.Equal(1, (await shard.CollectGarbageAsync()).DeletedParts);
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }

    [Fact]
    public async Task Scans_that_keep_failing_spend_the_collections_attempts_and_end_it()
    {
        var kit = new ShardTestKit();
        var consensus = new InterferingConsensus(kit.Consensus);
        var shard = await Shard<Edge>.OpenAsync(ShardId, consensus, kit.Blob, kit.Options(maxAttempts: 3));
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid())).IsCommitted);
        consensus.ScansFail = true;

        var refused = await Assert.ThrowsAsync<ShardUnavailableException>(() => shard.CollectGarbageAsync());

        Assert.Equal(("read the leased states", 3), (refused.Operation, refused.Attempts));
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }
}
