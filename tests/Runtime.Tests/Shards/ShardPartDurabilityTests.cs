using Bulwark.Shards;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// A part's name is durable before any state references it: its folder is synced after the part is published and
/// before the compare-and-set that records it, for an append and a compaction alike; and a collection syncs the folder
/// after it deletes, so that a crash cannot bring back a part it already counted as gone.
/// </summary>
public sealed class ShardPartDurabilityTests
{
    [Fact]
    public async Task An_appended_and_a_compacted_part_are_synced_into_their_folder_before_a_state_references_them()
    {
        var (kit, blob, casMarks, shard) = await OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        await AppendBatchesAsync(writer, 3);

        Assert.Equal(2, await shard.AdvanceSinceAsync(2));
        Assert.Equal(2, await writer.CompactAsync());

        var trace = blob.Trace;
        var published = Enumerable.Range(0, trace.Count)
            .Where(i => trace[i].Kind == StorageOperationKind.Rename && trace[i].Path.StartsWith(kit.PartsDirectory + "/", StringComparison.Ordinal))
            .ToArray();
        Assert.Equal(4, published.Length);
        Assert.Matches("-c[0-9]+[.]parquet$", trace[published[^1]].Path);
        foreach (var at in published)
        {
            var recorded = casMarks.First(mark => mark > at);
            Assert.True(
                Enumerable.Range(at + 1, recorded - at - 1).Any(i => IsPartsSync(kit, trace[i])),
                $"part '{trace[at].Path}' was recorded before its folder was synced");
        }
    }

    [Fact]
    public async Task A_collection_syncs_the_parts_folder_after_it_deletes()
    {
        var (kit, blob, _, shard) = await OpenAsync();
        await using (var writer = await shard.OpenWriterAsync("w"))
        {
            await AppendBatchesAsync(writer, 3);

            Assert.Equal(2, await shard.AdvanceSinceAsync(2));
            Assert.Equal(2, await writer.CompactAsync());
        }

        var before = blob.OperationCount;
        Assert.Equal(2, (await shard.CollectGarbageAsync()).DeletedParts);

        var trace = blob.Trace.Skip(before).ToArray();
        var lastDelete = Array.FindLastIndex(trace, o => o.Kind == StorageOperationKind.Delete);
        Assert.True(lastDelete >= 0, "the collection deleted nothing");
        Assert.Contains(trace.Skip(lastDelete + 1), o => IsPartsSync(kit, o));
    }

    private static async Task<(ShardTestKit Kit, FaultInjectingBackend Blob, List<int> CasMarks, Shard<Edge> Shard)> OpenAsync()
    {
        var kit = new ShardTestKit();
        var blob = new FaultInjectingBackend(kit.Blob);
        var consensus = new InterferingConsensus(kit.Recording);

        // Each compare-and-set is marked by how many storage operations came before it.
        var casMarks = new List<int>();
        consensus.BeforeCompareAndSet = () =>
        {
            lock (casMarks)
            {
                casMarks.Add(blob.OperationCount);
            }

            return Task.CompletedTask;
        };
        return (kit, blob, casMarks, await Shard<Edge>.OpenAsync(ShardId, consensus, blob, kit.Options()));
    }

    private static bool IsPartsSync(ShardTestKit kit, StorageOperation operation) =>
        operation.Kind == StorageOperationKind.SyncDirectory && operation.Path == kit.PartsDirectory;
}
