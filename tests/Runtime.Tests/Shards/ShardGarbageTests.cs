using Bulwark.Shards;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>What garbage collection may delete, and when: never a part a lease may read, never before the state that dropped it is in consensus.</summary>
public sealed class ShardGarbageTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GC_never_deletes_a_part_a_live_reader_lease_may_read(bool negativeControlIgnoringLeases)
    {
        var kit = new ShardTestKit();
        var gated = new GatedBackend(kit.Blob);
        var deviation = negativeControlIgnoringLeases ? ShardDeviation.GcIgnoresLeases : ShardDeviation.None;
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, gated, kit.Options(deviation));
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 3);

        var expected = await shard.SnapshotAsync(2);
        await using var reader = await shard.OpenReaderAsync("r", hold: 2);

        // The reader loads the state with the three parts and stops before reading them.
        var gate = gated.HoldNextRead(path => path.EndsWith(".parquet", StringComparison.Ordinal));
        var snapshot = reader.SnapshotAsync(2);
        await gate.Reached;

        // Meanwhile the since advances, compaction replaces the two oldest parts, and garbage collection runs.
        Assert.Equal(2, await shard.AdvanceSinceAsync(2));
        Assert.Equal(2, await writer.CompactAsync());
        await shard.CollectGarbageAsync();
        gate.Release();

        if (negativeControlIgnoringLeases)
        {
            await Assert.ThrowsAsync<ShardPartException>(() => snapshot);
            return;
        }

        Same(expected, await snapshot);

        // Once the reader is gone, the replaced parts are collected and only the referenced ones stay.
        await reader.DisposeAsync();
        var collected = await shard.CollectGarbageAsync();
        Assert.Equal(2, collected.DeletedParts);
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
        Same(Consolidation.Consolidate(expected, 2), await shard.SnapshotAsync(2));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Compaction_deletes_nothing_before_its_compare_and_set_commits(bool negativeControlDeletingFirst)
    {
        var kit = new ShardTestKit();
        var deviation = negativeControlDeletingFirst ? ShardDeviation.CompactionDeletesBeforeCas : ShardDeviation.None;
        var shard = await kit.OpenAsync(deviation, maxAttempts: 2);
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 3);

        await shard.AdvanceSinceAsync(2);
        var expected = await shard.SnapshotAsync(2);

        // The compaction's compare-and-set fails, definitely, until it gives up.
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.FailWithoutEffect);
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.FailWithoutEffect);
        var failed = await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompactAsync());
        Assert.False(failed.OutcomeUnknown);

        if (negativeControlDeletingFirst)
        {
            await Assert.ThrowsAsync<ShardPartException>(() => shard.SnapshotAsync(2));
            return;
        }

        Same(expected, await shard.SnapshotAsync(2));
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }

    [Fact]
    public async Task Orphans_of_gone_writers_are_collected_while_parts_of_live_writers_and_foreign_files_stay()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid())).IsCommitted);
        var deadOrphan = $"{kit.PartsDirectory}/{Guid.NewGuid():N}-{Guid.NewGuid():N}-1.parquet";
        var settledLost = $"{kit.PartsDirectory}/{writer.LeaseId:N}-{Guid.NewGuid():N}-1.parquet";
        var inFlight = $"{kit.PartsDirectory}/{writer.LeaseId:N}-{Guid.NewGuid():N}-9.parquet";
        var foreign = $"{kit.PartsDirectory}/README.txt";
        foreach (var path in new[] { deadOrphan, settledLost, inFlight, foreign })
        {
            await using var file = await kit.Blob.CreateAsync(path);
            await file.WriteAsync("x"u8.ToArray());
            await file.CommitAsync();
        }

        // The dead writer's part goes; of the live writer's, the one numbered at or below what its lease records as
        // settled (its append 1 has committed since) goes, the one numbered above (an append it may be making) stays.
        var first = await shard.CollectGarbageAsync();
        Assert.Equal(2, first.DeletedParts);
        Assert.DoesNotContain(deadOrphan, await kit.PartFilesAsync());
        Assert.DoesNotContain(settledLost, await kit.PartFilesAsync());
        Assert.Contains(inFlight, await kit.PartFilesAsync());

        // A writer that gave its lease back can no longer commit what it wrote under it.
        await writer.DisposeAsync();
        Assert.Equal(1, (await shard.CollectGarbageAsync()).DeletedParts);
        var referenced = await kit.ReferencedPartsAsync();
        Assert.Equal(referenced.Append(foreign).Order(StringComparer.Ordinal), await kit.PartFilesAsync());
        Same(Batch("a", 0), await shard.SnapshotAsync(0));
    }

    [Fact]
    public async Task A_crashed_writers_lease_expires_its_lost_part_is_collected_and_its_retry_takes_a_new_lease_and_commits()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();

        // The "crashed" process: its clock never moves, so its heartbeat never runs.
        var frozen = new FakeTimeProvider(kit.Time.GetUtcNow());
        var crashedShard = await kit.OpenAsync(maxAttempts: 1, time: frozen);
        var crashed = await crashedShard.OpenWriterAsync("crashed");
        var oldLease = crashed.LeaseId;
        var token = Guid.NewGuid();
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateWithoutEffect);
        Assert.True((await Assert.ThrowsAsync<ShardUnavailableException>(() => crashed.CompareAndAppendAsync(Batch("c", 0), 0, 1, token))).OutcomeUnknown);
        Assert.Single(await kit.PartFilesAsync());

        kit.Time.Advance(TimeSpan.FromMinutes(1));
        var collected = await shard.CollectGarbageAsync();
        Assert.Equal(1, collected.DeletedParts);
        Assert.Empty((await kit.StateAsync()).Leases);

        Assert.Equal(AppendResult.Committed(1), await crashed.CompareAndAppendAsync(Batch("c", 0), 0, 1, token));
        Assert.NotEqual(oldLease, crashed.LeaseId);
        Same(Batch("c", 0), await shard.SnapshotAsync(0));
    }

    [Fact]
    public async Task GC_truncates_consensus_below_the_oldest_leased_entry_and_never_the_head()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 5);

        var head = (await shard.GetFrontiersAsync()).SeqNo;
        var collected = await shard.CollectGarbageAsync();

        // The writer's lease holds the entry its last append wrote, the head; everything older is gone.
        Assert.Equal(head, collected.TruncatedBelow);
        var entries = new List<long>();
        await foreach (var entry in kit.Memory.ScanAsync(ShardNames.ConsensusKey(ShardId), 0, 100))
        {
            entries.Add(entry.SeqNo);
        }

        Assert.Equal([head], entries);
        Same(Enumerable.Range(0, 5).SelectMany(t => Batch($"b{t}", t)), await shard.SnapshotAsync(4));
    }
}
