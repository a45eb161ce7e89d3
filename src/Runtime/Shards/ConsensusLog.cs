using Microsoft.Extensions.Logging;

namespace Bulwark.Shards;

internal static partial class ConsensusLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Committed entry {SeqNo} of key '{Key}' ({Bytes} bytes) in {Store}")]
    public static partial void Committed(ILogger logger, string key, long seqNo, int bytes, string store);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Compare-and-set of key '{Key}' expecting {Expected} found head {Head} in {Store}")]
    public static partial void Mismatch(ILogger logger, string key, long? expected, long? head, string store);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Truncated {Count} entries of key '{Key}' below {Below} in {Store}")]
    public static partial void Truncated(ILogger logger, string key, long count, long below, string store);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Removed the temporary '{Temporary}' a crashed writer left in {Store}")]
    public static partial void TemporaryRemoved(ILogger logger, string temporary, string store);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Could not delete the temporary '{Temporary}' in {Store}; it is never read as an entry and the next open removes it")]
    public static partial void TemporaryNotDeleted(ILogger logger, Exception exception, string temporary, string store);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Removed {Count} entries below the gap at {Gap} in '{Directory}' of {Store}: a truncation was cut short by a crash")]
    public static partial void InterruptedTruncationFinished(ILogger logger, int count, long gap, string directory, string store);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Compare-and-set of key '{Key}' at {SeqNo} in {Store} has an unknown outcome")]
    public static partial void Indeterminate(ILogger logger, Exception exception, string key, long seqNo, string store);
}
