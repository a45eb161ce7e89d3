using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>What the consensus stores publish on <see cref="ConsensusMetrics.MeterName"/>, exactly.</summary>
public sealed class ConsensusMetricsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("memory")]
    [InlineData("file")]
    public async Task Compare_and_sets_are_counted_by_outcome_and_truncations_by_the_entries_they_removed(string store)
    {
        using var meters = new TestMeterFactory();
        using var totals = new MeterTotals(meters, ConsensusMetrics.MeterName);

        IConsensus consensus = store == "memory" ? new InMemoryConsensus(meters) : new FileConsensus(temp.Join("consensus"), meterFactory: meters);
        Assert.True((await consensus.CompareAndSetAsync("k", null, Entry(0))).IsCommitted);
        Assert.True((await consensus.CompareAndSetAsync("k", 0, Entry(1))).IsCommitted);
        Assert.False((await consensus.CompareAndSetAsync("k", 2, Entry(3))).IsCommitted);
        Assert.Equal(0, await consensus.TruncateAsync("k", 0));
        Assert.Equal(1, await consensus.TruncateAsync("k", 1));

        Assert.Equal(
            new Dictionary<string, long>
            {
                [$"{ConsensusMetrics.CompareAndSets}/{store}/committed"] = 2,
                [$"{ConsensusMetrics.CompareAndSets}/{store}/mismatch"] = 1,
                [$"{ConsensusMetrics.EntriesTruncated}/{store}"] = 1,
            },
            totals.All);
    }

    private static VersionedData Entry(long seqNo) => new(seqNo, new[] { (byte)seqNo });
}
