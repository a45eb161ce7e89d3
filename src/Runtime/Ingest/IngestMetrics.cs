using System.Diagnostics.Metrics;

namespace Bulwark.Ingest;

/// <summary>Names of the ingest instruments, for <see cref="MeterListener"/> and OpenTelemetry configuration.</summary>
public static class IngestMetrics
{
    /// <summary>The meter every controller publishes on.</summary>
    public const string MeterName = "Bulwark.Ingest";

    /// <summary>Counter of flush attempts, tagged <see cref="OutcomeTag"/> = <c>committed</c> or <c>failed</c>.</summary>
    public const string Flushes = "bulwark.ingest.flushes";

    /// <summary>Counter of rows in committed flushes.</summary>
    public const string RowsCommitted = "bulwark.ingest.rows_committed";

    /// <summary>Counter of part and commit-record bytes in committed flushes.</summary>
    public const string BytesCommitted = "bulwark.ingest.bytes_committed";

    /// <summary>Counter of visits that reached a terminal state, tagged <see cref="StateTag"/> = <c>committed</c> or <c>incomplete</c>.</summary>
    public const string Visits = "bulwark.ingest.visits";

    /// <summary>Counter of records that could not be encoded (each fails its visit).</summary>
    public const string EncodeFailures = "bulwark.ingest.encode_failures";

    /// <summary>Counter of flushes spilled at shutdown.</summary>
    public const string Spills = "bulwark.ingest.spills";

    /// <summary>Up-down counter of the bytes held: encoded uncut rows plus the serialized flush being written.</summary>
    public const string CachedBytes = "bulwark.ingest.cached_bytes";

    /// <summary>Up-down counter of visits not yet resolved.</summary>
    public const string OpenVisits = "bulwark.ingest.open_visits";

    /// <summary>The tag of <see cref="Flushes"/>.</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>The tag of <see cref="Visits"/>.</summary>
    public const string StateTag = "state";
}

internal sealed class IngestInstruments
{
    private static readonly KeyValuePair<string, object?> CommittedOutcome = new(IngestMetrics.OutcomeTag, "committed");
    private static readonly KeyValuePair<string, object?> FailedOutcome = new(IngestMetrics.OutcomeTag, "failed");
    private static readonly KeyValuePair<string, object?> CommittedState = new(IngestMetrics.StateTag, "committed");
    private static readonly KeyValuePair<string, object?> IncompleteState = new(IngestMetrics.StateTag, "incomplete");

    private readonly Counter<long> flushes;
    private readonly Counter<long> rows;
    private readonly Counter<long> bytes;
    private readonly Counter<long> visits;
    private readonly Counter<long> encodeFailures;
    private readonly Counter<long> spills;
    private readonly UpDownCounter<long> cachedBytes;
    private readonly UpDownCounter<long> openVisits;

    private IngestInstruments(Meter meter)
    {
        flushes = meter.CreateCounter<long>(IngestMetrics.Flushes, "{flush}", "flush attempts by outcome (committed or failed)");
        rows = meter.CreateCounter<long>(IngestMetrics.RowsCommitted, "{row}", "rows in committed flushes");
        bytes = meter.CreateCounter<long>(IngestMetrics.BytesCommitted, "By", "bytes of parts and commit records in committed flushes");
        visits = meter.CreateCounter<long>(IngestMetrics.Visits, "{visit}", "visits resolved, by terminal state");
        encodeFailures = meter.CreateCounter<long>(IngestMetrics.EncodeFailures, "{record}", "records that could not be encoded");
        spills = meter.CreateCounter<long>(IngestMetrics.Spills, "{flush}", "flushes spilled at shutdown");
        cachedBytes = meter.CreateUpDownCounter<long>(IngestMetrics.CachedBytes, "By", "bytes held by the controller");
        openVisits = meter.CreateUpDownCounter<long>(IngestMetrics.OpenVisits, "{visit}", "visits not yet resolved");
    }

    public static IngestInstruments Create(IMeterFactory? meterFactory) =>
        ComponentMeter.Instruments(meterFactory, IngestMetrics.MeterName, meter => new IngestInstruments(meter));

    public void FlushCommitted(long rowCount, long byteCount)
    {
        flushes.Add(1, CommittedOutcome);
        rows.Add(rowCount);
        bytes.Add(byteCount);
    }

    public void FlushFailed() => flushes.Add(1, FailedOutcome);

    public void VisitResolved(VisitState state)
    {
        visits.Add(1, state == VisitState.Committed ? CommittedState : IncompleteState);
        openVisits.Add(-1);
    }

    public void VisitOpened() => openVisits.Add(1);

    public void EncodeFailed() => encodeFailures.Add(1);

    public void Spilled() => spills.Add(1);

    public void CachedBytesChanged(long delta)
    {
        if (delta != 0)
        {
            cachedBytes.Add(delta);
        }
    }
}
