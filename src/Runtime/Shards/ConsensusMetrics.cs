using System.Diagnostics.Metrics;

namespace Bulwark.Shards;

/// <summary>Names of the consensus instruments, for <see cref="MeterListener"/> and OpenTelemetry configuration.</summary>
public static class ConsensusMetrics
{
    /// <summary>The meter every consensus store publishes on.</summary>
    public const string MeterName = "Bulwark.Consensus";

    /// <summary>
    /// Counter of compare-and-set calls that reached a verdict, tagged <see cref="OutcomeTag"/> = <c>committed</c>,
    /// <c>mismatch</c> or <c>indeterminate</c>, and <see cref="StoreTag"/>.
    /// </summary>
    public const string CompareAndSets = "bulwark.consensus.compare_and_sets";

    /// <summary>Counter of entries removed by truncation, tagged <see cref="StoreTag"/>.</summary>
    public const string EntriesTruncated = "bulwark.consensus.entries_truncated";

    /// <summary>The tag that tells committed, mismatched and indeterminate compare-and-sets apart.</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>The tag naming the store kind: <c>memory</c>, <c>file</c> or <c>postgresql</c>.</summary>
    public const string StoreTag = "store";
}

internal sealed class ConsensusInstruments
{
    private readonly Counter<long> compareAndSets;
    private readonly Counter<long> truncated;

    private ConsensusInstruments(Meter meter)
    {
        compareAndSets = meter.CreateCounter<long>(ConsensusMetrics.CompareAndSets, "{call}", "compare-and-set calls by outcome");
        truncated = meter.CreateCounter<long>(ConsensusMetrics.EntriesTruncated, "{entry}", "consensus entries removed by truncation");
    }

    public static ConsensusInstruments Create(IMeterFactory? meterFactory) =>
        ComponentMeter.Instruments(meterFactory, ConsensusMetrics.MeterName, meter => new ConsensusInstruments(meter));

    public void CompareAndSet(string store, string outcome) =>
        compareAndSets.Add(1, new KeyValuePair<string, object?>(ConsensusMetrics.StoreTag, store), new KeyValuePair<string, object?>(ConsensusMetrics.OutcomeTag, outcome));

    public void Recorded(string store, CasResult result) => CompareAndSet(store, result.IsCommitted ? "committed" : "mismatch");

    public void Truncated(string store, long entries)
    {
        if (entries > 0)
        {
            truncated.Add(entries, new KeyValuePair<string, object?>(ConsensusMetrics.StoreTag, store));
        }
    }
}
