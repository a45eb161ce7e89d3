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
}

/// <summary>The checkpointer's counters, under the meter "Bulwark.Checkpoints".</summary>
internal static class CheckpointMetrics
{
    public const string MeterName = "Bulwark.Checkpoints";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Commits = Meter.CreateCounter<long>("bulwark.checkpoints.commits", "{checkpoint}", "Checkpoints committed");

    public static readonly Counter<long> BytesWritten = Meter.CreateCounter<long>("bulwark.checkpoints.bytes_written", "By", "Bytes of state, shared, manifest and catalog files written");

    public static readonly Counter<long> Fsyncs = Meter.CreateCounter<long>("bulwark.checkpoints.fsyncs", "{fsync}", "File and directory syncs issued");

    public static readonly Counter<long> GcDeletions = Meter.CreateCounter<long>("bulwark.checkpoints.gc_deletions", "{path}", "Files and directories deleted by garbage collection and recovery");

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>("bulwark.checkpoints.failures", "{failure}", "Failed commits, collections, restores and openings");
}
