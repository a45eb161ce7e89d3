using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
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
        using var listener = new MeterListener();
        var totals = new ConcurrentDictionary<string, long>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Meter.Name == ConsensusMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"/{tag.Key}={tag.Value}";
            }

            totals.AddOrUpdate(key, value, (_, total) => total + value);
        });
        listener.Start();

        IConsensus consensus = store == "memory" ? new InMemoryConsensus(meters) : new FileConsensus(temp.Join("consensus"), meterFactory: meters);
        Assert.True((await consensus.CompareAndSetAsync("k", null, Entry(0))).IsCommitted);
        Assert.True((await consensus.CompareAndSetAsync("k", 0, Entry(1))).IsCommitted);
        Assert.False((await consensus.CompareAndSetAsync("k", 2, Entry(3))).IsCommitted);
        Assert.Equal(0, await consensus.TruncateAsync("k", 0));
        Assert.Equal(1, await consensus.TruncateAsync("k", 1));

        Assert.Equal(
            new Dictionary<string, long>
            {
                [$"{ConsensusMetrics.CompareAndSets}/store={store}/outcome=committed"] = 2,
                [$"{ConsensusMetrics.CompareAndSets}/store={store}/outcome=mismatch"] = 1,
                [$"{ConsensusMetrics.EntriesTruncated}/store={store}"] = 1,
            },
            totals.ToDictionary());
    }

    private static VersionedData Entry(long seqNo) => new(seqNo, new[] { (byte)seqNo });
}
