using Microsoft.Extensions.Logging;

namespace Bulwark.Ingest;

internal static partial class IngestLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Ingest writer '{Writer}' opened on {Backend}: resuming at flush {NextFlush}, {Orphans} uncommitted parts removed, {Dangling} unfinished visits of the previous run closed as incomplete")]
    public static partial void Opened(ILogger logger, string writer, string backend, long nextFlush, int orphans, int dangling);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Committed flush {Flush} of writer '{Writer}': {Parts} parts, {Rows} rows, {Bytes} bytes")]
    public static partial void Committed(ILogger logger, long flush, string writer, int parts, long rows, long bytes);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Flush {Flush} of writer '{Writer}' failed ({Failures} in a row); retrying in {Delay}")]
    public static partial void FlushFailed(ILogger logger, Exception exception, long flush, string writer, int failures, TimeSpan delay);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Visit {Visit} is incomplete: {Reason}")]
    public static partial void VisitIncomplete(ILogger logger, long visit, string reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Removed uncommitted part '{Path}' of writer '{Writer}' left by an earlier run")]
    public static partial void OrphanRemoved(ILogger logger, string path, string writer);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Error, Message = "Flush {Flush} of writer '{Writer}' could not be committed within the shutdown timeout {Timeout}; spilled to '{SpillPath}'")]
    public static partial void Spilled(ILogger logger, long flush, string writer, TimeSpan timeout, string spillPath);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Critical, Message = "Flush {Flush} of writer '{Writer}' could not be committed or spilled; its visits are incomplete and their uncommitted rows are lost: {Reason}")]
    public static partial void Lost(ILogger logger, Exception? exception, long flush, string writer, string reason);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "The ingest loop of writer '{Writer}' met an unexpected error; it goes on")]
    public static partial void LoopError(ILogger logger, Exception exception, string writer);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Replayed spill '{Spill}' into {Backend} as flush {Flush} of '{Writer}'")]
    public static partial void Replayed(ILogger logger, string spill, string backend, long flush, string writer);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Spill '{Spill}' was already committed to {Backend}; removed it without committing its rows again")]
    public static partial void ReplaySkipped(ILogger logger, string spill, string backend);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Spill directory '{Spill}' has no manifest (a spill cut short by a crash); left in place, not replayed")]
    public static partial void SpillWithoutManifest(ILogger logger, string spill);
}
