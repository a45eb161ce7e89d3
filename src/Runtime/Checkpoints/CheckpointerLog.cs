using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Bulwark.Checkpoints;

internal static partial class CheckpointerLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Committed checkpoint {CheckpointId} ({FileCount} files, {Bytes} bytes written) in {Store}")]
    public static partial void Committed(ILogger logger, Guid checkpointId, int fileCount, long bytes, string store);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Checkpoint commit failed at step {Step} on '{Path}' in {Store}; the checkpoint list is unchanged")]
    public static partial void CommitFailed(ILogger logger, Exception exception, CheckpointCommitStep step, string path, string store);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Critical, Message = "Could not restore the catalog of {Store} after a failed commit; the next commit rewrites it from the in-memory list")]
    public static partial void CatalogRollbackFailed(ILogger logger, Exception exception, string store);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Opened checkpoint store {Store}: {Count} committed checkpoints")]
    public static partial void Opened(ILogger logger, string store, int count);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Removing directory '{Directory}' of {Store}: it is not in the catalog (a commit that did not finish)")]
    public static partial void RemovingOrphan(ILogger logger, string directory, string store);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Could not remove '{Path}' of {Store}; it stays unreferenced and is retried later")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string path, string store);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Garbage collection of {Store} removed {Removed} checkpoints and deleted {Deleted} paths")]
    public static partial void Collected(ILogger logger, string store, int removed, int deleted);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "Checkpoint store {Store} refused: {Reason}")]
    public static partial void Refused(ILogger logger, Exception exception, string store, string reason);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Manifest of removed checkpoint {CheckpointId} in {Store} could not be read; using the copy validated when it was loaded")]
    public static partial void RemovedManifestUnreadable(ILogger logger, Exception exception, Guid checkpointId, string store);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Critical, Message = "Checkpointer with writer epoch {OwnEpoch} was fenced off {Store}: the catalog carries epoch {CurrentEpoch} of a checkpointer opened later; nothing more is committed or deleted by this one")]
    public static partial void Fenced(ILogger logger, long ownEpoch, long currentEpoch, string store);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Checkpoint {CheckpointId} of {Store} is damaged; it is skipped by RestoreLatestHealthyAsync and can be removed with `bulwark checkpoints drop`")]
    public static partial void DamagedCheckpoint(ILogger logger, Exception exception, Guid checkpointId, string store);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Dropped checkpoint {CheckpointId} from {Store}; {Deleted} paths deleted")]
    public static partial void Dropped(ILogger logger, Guid checkpointId, int deleted, string store);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Deleted {Count} hidden temporaries a killed process left at the root of {Store}")]
    public static partial void RemovedTemporaries(ILogger logger, int count, string store);
}

/// <summary>Names of the checkpointer's instruments, for <see cref="MeterListener"/> and OpenTelemetry configuration.</summary>
public static class CheckpointMetrics
{
    /// <summary>The meter every checkpointer publishes on.</summary>
    public const string MeterName = "Bulwark.Checkpoints";

    /// <summary>Counter of committed checkpoints.</summary>
    public const string Commits = "bulwark.checkpoints.commits";

    /// <summary>Counter of bytes of state, shared, manifest and catalog files written by commits.</summary>
    public const string BytesWritten = "bulwark.checkpoints.bytes_written";

    /// <summary>Counter of file and directory syncs the checkpointer issued.</summary>
    public const string Fsyncs = "bulwark.checkpoints.fsyncs";

    /// <summary>Counter of files and directories deleted by garbage collection and recovery.</summary>
    public const string GcDeletions = "bulwark.checkpoints.gc_deletions";

    /// <summary>Counter of failed operations, tagged <see cref="OperationTag"/> = <c>open</c>, <c>commit</c>, <c>restore</c> or <c>gc</c>.</summary>
    public const string Failures = "bulwark.checkpoints.failures";

    /// <summary>The tag of <see cref="Failures"/>.</summary>
    public const string OperationTag = "operation";
}

internal sealed class CheckpointInstruments
{
    private CheckpointInstruments(Meter meter)
    {
        Commits = meter.CreateCounter<long>(CheckpointMetrics.Commits, "{checkpoint}", "Checkpoints committed");
        BytesWritten = meter.CreateCounter<long>(CheckpointMetrics.BytesWritten, "By", "Bytes of state, shared, manifest and catalog files written");
        Fsyncs = meter.CreateCounter<long>(CheckpointMetrics.Fsyncs, "{fsync}", "File and directory syncs issued");
        GcDeletions = meter.CreateCounter<long>(CheckpointMetrics.GcDeletions, "{path}", "Files and directories deleted by garbage collection and recovery");
        Failures = meter.CreateCounter<long>(CheckpointMetrics.Failures, "{failure}", "Failed commits, collections, restores and openings");
    }

    public Counter<long> Commits { get; }

    public Counter<long> BytesWritten { get; }

    public Counter<long> Fsyncs { get; }

    public Counter<long> GcDeletions { get; }

    public Counter<long> Failures { get; }

    public static CheckpointInstruments Create(IMeterFactory? meterFactory) =>
        ComponentMeter.Instruments(meterFactory, CheckpointMetrics.MeterName, meter => new CheckpointInstruments(meter));

    public void Failed(string operation) => Failures.Add(1, new KeyValuePair<string, object?>(CheckpointMetrics.OperationTag, operation));
}
