using Bulwark.Shards;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>Compaction changes how the updates are stored, never what a read at or above the since returns.</summary>
public sealed class ShardCompactionTests
{
    public static TheoryData<int> Seeds => new() { 1, 2, 3, 4, 5, 6 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Compaction_preserves_the_snapshot_at_every_asOf_at_or_above_the_since(int seed)
    {
        var random = new Random(seed);
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        var appended = new List<Update<Edge>>();
        var upper = 0L;
        var replacedAny = 0;

        for (var round = 0; round < 3; round++)
        {
            upper = await AppendRandomAsync(writer, random, appended, upper, 6);

            // The model: every update at or below asOf, times below the since advanced to it, consolidated.
            var since = await shard.AdvanceSinceAsync(upper - 1 - random.Next(3));
            var before = await SnapshotsAsync(shard, since, upper);
            for (var asOf = since; asOf < upper; asOf++)
            {
                Same(Consolidation.Consolidate(appended.Where(u => u.Time <= asOf), since), before[asOf]);
            }

            var partsBefore = (await kit.StateAsync()).Parts.Count;
            var replaced = await writer.CompactAsync();
            replacedAny += replaced;
            var state = await kit.StateAsync();
            Assert.True(replaced == 0 || state.Parts.Count < partsBefore);
            Assert.True(state.Parts.Count(p => p.Upper <= since) <= 1, "compaction left more than one part below the since");

            var after = await SnapshotsAsync(shard, since, upper);
            foreach (var (asOf, expected) in before)
            {
                Same(expected, after[asOf]);
            }

            // Collected, the replaced parts are gone and the reads are still the same.
            await shard.CollectGarbageAsync();
            Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
            foreach (var (asOf, expected) in before)
            {
                Same(expected, await shard.SnapshotAsync(asOf));
            }
        }

        Assert.True(replacedAny > 0, "the workload never gave compaction anything to merge");
    }

    [Fact]
    public async Task Updates_that_cancel_out_below_the_since_leave_no_part()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync([U(1, "x", 0)], 0, 1, Guid.NewGuid())).IsCommitted);
        Assert.True((await writer.CompareAndAppendAsync([U(1, "x", 1, -1)], 1, 2, Guid.NewGuid())).IsCommitted);
        Assert.True((await writer.CompareAndAppendAsync([U(2, "y", 2)], 2, 3, Guid.NewGuid())).IsCommitted);
        await shard.AdvanceSinceAsync(2);

        Assert.Equal(2, await writer.CompactAsync());

        Assert.Single((await kit.StateAsync()).Parts);
        Same([U(2, "y", 2)], await shard.SnapshotAsync(2));
        Assert.Equal(0, await writer.CompactAsync());
    }

    [Fact]
    public async Task A_compaction_whose_answer_is_lost_is_not_applied_twice()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 3);

        await shard.AdvanceSinceAsync(2);
        var expected = await shard.SnapshotAsync(2);
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateAfterEffect);

        Assert.Equal(2, await writer.CompactAsync());

        Assert.Equal(2, (await kit.StateAsync()).Parts.Count);
        Same(expected, await shard.SnapshotAsync(2));
    }

    private static async Task<long> AppendRandomAsync(ShardWriter<Edge> writer, Random random, List<Update<Edge>> appended, long upper, int batches)
    {
        for (var b = 0; b < batches; b++)
        {
            var next = upper + 1 + random.Next(2);
            var batch = new List<Update<Edge>>();
            for (var i = random.Next(4); i >= 0; i--)
            {
                // A small domain of rows, so later batches retract and re-add earlier rows.
                batch.Add(U(random.Next(3), ((char)('a' + random.Next(3))).ToString(), upper + random.Next((int)(next - upper)), random.Next(2) == 0 ? -1 : 1 + random.Next(2)));
            }

            Assert.True((await writer.CompareAndAppendAsync(batch, upper, next, Guid.NewGuid())).IsCommitted);
            appended.AddRange(batch);
            upper = next;
        }

        return upper;
    }

    private static async Task<Dictionary<long, IReadOnlyList<Update<Edge>>>> SnapshotsAsync(Shard<Edge> shard, long since, long upper)
    {
        var snapshots = new Dictionary<long, IReadOnlyList<Update<Edge>>>();
        for (var asOf = since; asOf < upper; asOf++)
        {
            snapshots[asOf] = await shard.SnapshotAsync(asOf);
        }

        return snapshots;
    }
}
