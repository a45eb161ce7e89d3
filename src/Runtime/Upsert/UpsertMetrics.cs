using System.Diagnostics.Metrics;

namespace Bulwark.Upsert;

/// <summary>Names of the upsert instruments, for <see cref="MeterListener"/> and OpenTelemetry configuration.</summary>
public static class UpsertMetrics
{
    /// <summary>The meter every upsert operator publishes on.</summary>
    public const string MeterName = "Bulwark.Upsert";

    /// <summary>
    /// Counter of inputs by what became of them, tagged <see cref="OutcomeTag"/>: <c>written</c> (decided a key's value
    /// in an append that is in the shard), <c>dropped</c> (below the shard's upper: a peer wrote that time),
    /// <c>superseded</c> (a higher offset for the same key and time arrived).
    /// </summary>
    public const string Inputs = "bulwark.upsert.inputs";

    /// <summary>Counter of compare-and-appends, tagged <see cref="OutcomeTag"/>: <c>committed</c>, <c>already_committed</c>, <c>upper_mismatch</c> or <c>failed</c>.</summary>
    public const string Appends = "bulwark.upsert.appends";

    /// <summary>Counter of updates (retractions and insertions) in this operator's appends that are in the shard.</summary>
    public const string UpdatesWritten = "bulwark.upsert.updates_written";

    /// <summary>Counter of updates read back from the shard that peers wrote (catching up after a lost race or a restart).</summary>
    public const string UpdatesLearned = "bulwark.upsert.updates_learned";

    /// <summary>Counter of operator starts, tagged <see cref="StartTag"/>: <c>empty</c>, <c>checkpoint</c> or <c>snapshot</c>.</summary>
    public const string Starts = "bulwark.upsert.starts";

    public const string OutcomeTag = "outcome";

    public const string StartTag = "start";
}

internal sealed class UpsertInstruments
{
    private readonly Counter<long> inputs;
    private readonly Counter<long> appends;
    private readonly Counter<long> written;
    private readonly Counter<long> learned;
    private readonly Counter<long> starts;

    private UpsertInstruments(Meter meter)
    {
        inputs = meter.CreateCounter<long>(UpsertMetrics.Inputs, "{input}", "inputs by outcome (written, dropped, superseded)");
        appends = meter.CreateCounter<long>(UpsertMetrics.Appends, "{append}", "compare-and-appends by outcome");
        written = meter.CreateCounter<long>(UpsertMetrics.UpdatesWritten, "{update}", "updates in appends that are in the shard");
        learned = meter.CreateCounter<long>(UpsertMetrics.UpdatesLearned, "{update}", "updates peers wrote, read back from the shard");
        starts = meter.CreateCounter<long>(UpsertMetrics.Starts, "{start}", "operator starts by where the state came from");
    }

    public static UpsertInstruments Create(IMeterFactory? meterFactory) =>
        ComponentMeter.Instruments(meterFactory, UpsertMetrics.MeterName, meter => new UpsertInstruments(meter));

    public void Inputs(string outcome, long count)
    {
        if (count > 0)
        {
            inputs.Add(count, new KeyValuePair<string, object?>(UpsertMetrics.OutcomeTag, outcome));
        }
    }

    public void Append(string outcome) => appends.Add(1, new KeyValuePair<string, object?>(UpsertMetrics.OutcomeTag, outcome));

    public void Written(long count) => written.Add(count);

    public void Learned(long count) => learned.Add(count);

    public void Started(UpsertStart start) => starts.Add(1, new KeyValuePair<string, object?>(UpsertMetrics.StartTag, start switch
    {
        UpsertStart.Empty => "empty",
        UpsertStart.Checkpoint => "checkpoint",
        _ => "snapshot",
    }));
}
