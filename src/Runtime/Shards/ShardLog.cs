using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Bulwark.Shards;

internal static partial class ShardLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Created shard '{ShardId}' for {RecordSchema}")]
    public static partial void Created(ILogger logger, string shardId, string recordSchema);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Writer '{WriterId}' appended {Rows} rows to shard '{ShardId}': upper {Lower} -> {Upper} at entry {SeqNo}")]
    public static partial void Appended(ILogger logger, string writerId, int rows, string shardId, long lower, long upper, long seqNo);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Writer '{WriterId}' of shard '{ShardId}': {Result} for expected upper {ExpectedUpper}")]
    public static partial void AppendNotCommitted(ILogger logger, string writerId, string shardId, AppendResult result, long expectedUpper);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Consensus call to {Operation} of shard '{ShardId}' failed (failure {Failures}); retrying")]
    public static partial void ConsensusCallFailed(ILogger logger, Exception exception, string operation, string shardId, int failures);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Compare-and-set to {Operation} of shard '{ShardId}' at entry {SeqNo} has an unknown outcome; reading the head to find out")]
    public static partial void UnknownOutcome(ILogger logger, Exception exception, string operation, string shardId, long seqNo);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Could not delete part '{PartKey}' of shard '{ShardId}'; no state references it, so garbage collection removes it later")]
    public static partial void PartNotDeleted(ILogger logger, Exception exception, string partKey, string shardId);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Heartbeat of lease {LeaseId} ('{HolderId}') on shard '{ShardId}' failed; retrying at the next interval")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception, Guid leaseId, string holderId, string shardId);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Compacted shard '{ShardId}': {Replaced} parts below since {Since} became {Rows} rows at entry {SeqNo}")]
    public static partial void Compacted(ILogger logger, string shardId, int replaced, long since, long rows, long seqNo);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Garbage collection of shard '{ShardId}' deleted {Deleted} parts and truncated consensus below entry {Below}")]
    public static partial void Collected(ILogger logger, string shardId, int deleted, long below);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Lease {LeaseId} of '{HolderId}' on shard '{ShardId}' is gone: {Reason}")]
    public static partial void LeaseLost(ILogger logger, Guid leaseId, string holderId, string shardId, string reason);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Shard '{ShardId}' keeps '{Path}' in its parts folder: the name is not one a shard writes")]
    public static partial void ForeignFile(ILogger logger, string shardId, string path);
}

/// <summary>Names of the shard instruments, for <see cref="MeterListener"/> and OpenTelemetry configuration.</summary>
public static class ShardMetrics
{
    /// <summary>The meter every shard publishes on.</summary>
    public const string MeterName = "Bulwark.Shards";

    /// <summary>Counter of compare-and-appends, tagged <see cref="OutcomeTag"/> = <c>committed</c>, <c>already_committed</c> or <c>upper_mismatch</c>.</summary>
    public const string Appends = "bulwark.shards.appends";

    /// <summary>Counter of state entries committed to consensus.</summary>
    public const string StateWrites = "bulwark.shards.state_writes";

    /// <summary>Counter of compare-and-sets that found a newer head.</summary>
    public const string LostRaces = "bulwark.shards.lost_races";

    /// <summary>Counter of part files written (appends and compactions).</summary>
    public const string PartsWritten = "bulwark.shards.parts_written";

    /// <summary>Counter of part files deleted (lost races and garbage collection).</summary>
    public const string PartsDeleted = "bulwark.shards.parts_deleted";

    /// <summary>The tag of <see cref="Appends"/>.</summary>
    public const string OutcomeTag = "outcome";
}

internal sealed class ShardInstruments
{
    private ShardInstruments(Meter meter)
    {
        Appends = meter.CreateCounter<long>(ShardMetrics.Appends, "{append}", "Compare-and-appends by outcome");
        StateWrites = meter.CreateCounter<long>(ShardMetrics.StateWrites, "{entry}", "State entries committed to consensus");
        LostRaces = meter.CreateCounter<long>(ShardMetrics.LostRaces, "{cas}", "Compare-and-sets that found a newer head");
        PartsWritten = meter.CreateCounter<long>(ShardMetrics.PartsWritten, "{part}", "Part files written");
        PartsDeleted = meter.CreateCounter<long>(ShardMetrics.PartsDeleted, "{part}", "Part files deleted (lost races and garbage collection)");
    }

    public Counter<long> Appends { get; }

    public Counter<long> StateWrites { get; }

    public Counter<long> LostRaces { get; }

    public Counter<long> PartsWritten { get; }

    public Counter<long> PartsDeleted { get; }

    public static ShardInstruments Create(IMeterFactory? meterFactory) =>
        ComponentMeter.Instruments(meterFactory, ShardMetrics.MeterName, meter => new ShardInstruments(meter));

    public void Appended(AppendResult result) =>
        Appends.Add(1, new KeyValuePair<string, object?>(ShardMetrics.OutcomeTag, result.Outcome switch
        {
            AppendOutcome.Committed => "committed",
            AppendOutcome.AlreadyCommitted => "already_committed",
            _ => "upper_mismatch",
        }));
}
