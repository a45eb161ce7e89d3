using Bulwark.Shards;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// Two processes collecting garbage on one shard: one reads the head, the other then removes a lease of that head
/// (expired by its clock) and truncates consensus below it, and only then does the first read the leased entries.
/// Found by the two-writer process-kill test (tests/Runtime.Tests/Shards/ShardProcessKillTests), where the first
/// collection failed with "consensus entry N is missing though a lease holds it".
/// </summary>
public sealed class ShardCollectionRaceTests
{
    [Fact]
    public async Task A_collection_whose_leased_entries_another_collection_truncated_starts_again_from_the_newer_head()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using (var reader = await shard.OpenReaderAsync("reader"))
        {
            var writer = await shard.OpenWriterAsync("writer");
            for (var t = 0L; t < 4; t++)
            {
                Assert.Equal(AppendResult.Committed(t + 1), await writer.CompareAndAppendAsync(Batch("a", t), t, t + 1, Guid.NewGuid()));
            }

            // The other process's clock is a minute ahead: every lease of the head has expired for it.
            var later = new FakeTimeProvider(kit.Time.GetUtcNow() + TimeSpan.FromMinutes(1));
            var other = await kit.OpenAsync(time: later);
            var racing = new BeforeFirstScan(kit.Recording, () => other.CollectGarbageAsync());
            var first = await Shard<Edge>.OpenAsync(ShardId, racing, kit.Blob, kit.Options());

            var leased = (await kit.StateAsync()).Leases.Count;
            var collected = await first.CollectGarbageAsync();

            Assert.Equal(2, leased);
            Assert.True(racing.Ran, "the other collection did not run between the first one's reading of the head and its scan");
            Assert.Empty((await kit.StateAsync()).Leases);
            var head = await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId));
            Assert.Equal(head!.SeqNo, collected.TruncatedBelow);
            Same([.. Enumerable.Range(0, 4).SelectMany(t => Batch("a", t))], await shard.SnapshotAsync(3));
        }
    }

    /// <summary>Runs <c>before</c> once, just before the first scan of consensus entries goes to the inner store.</summary>
    private sealed class BeforeFirstScan(IConsensus inner, Func<Task> before) : IConsensus
    {
        private int _scans;

        public bool Ran { get; private set; }

        public Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default) => inner.HeadAsync(key, ct);

        public Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default) =>
            inner.CompareAndSetAsync(key, expectedSeqNo, next, ct);

        public async IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
        {
            if (Interlocked.Increment(ref _scans) == 1)
            {
                await before();
                Ran = true;
            }

            await foreach (var entry in inner.ScanAsync(key, fromSeqNo, limit, ct))
            {
                yield return entry;
            }
        }

        public Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default) => inner.TruncateAsync(key, belowSeqNo, ct);
    }
}
