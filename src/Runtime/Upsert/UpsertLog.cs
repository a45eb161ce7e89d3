using Microsoft.Extensions.Logging;

namespace Bulwark.Upsert;

internal static partial class UpsertLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Upsert '{WriterId}' on shard '{ShardId}' started from {Start} at frontier {Frontier} with {Keys} keys")]
    public static partial void Started(ILogger logger, string writerId, string shardId, UpsertStart start, long frontier, int keys);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Upsert '{WriterId}' lost the append of [{Expected}, {NewUpper}) on shard '{ShardId}': a peer moved the upper to {Current}")]
    public static partial void LostRace(ILogger logger, string writerId, long expected, long newUpper, string shardId, long current);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Upsert '{WriterId}' caught up on shard '{ShardId}' from {From} to {To}: {Updates} updates written by peers, {Dropped} buffered inputs dropped")]
    public static partial void CaughtUp(ILogger logger, string writerId, string shardId, long from, long to, int updates, int dropped);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Upsert '{WriterId}': the append of [{Expected}, {NewUpper}) to shard '{ShardId}' failed; the next call retries it with the same token")]
    public static partial void AppendFailed(ILogger logger, Exception exception, string writerId, long expected, long newUpper, string shardId);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Upsert '{WriterId}': shard '{ShardId}' cannot be read from frontier {Frontier} any more (its since passed it); rehydrating from a snapshot")]
    public static partial void SincePassedFrontier(ILogger logger, string writerId, string shardId, long frontier);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Debug, Message = "Upsert '{WriterId}' appended [{Expected}, {NewUpper}) to shard '{ShardId}': {Updates} updates from {Inputs} inputs ({Outcome})")]
    public static partial void Appended(ILogger logger, string writerId, long expected, long newUpper, string shardId, int updates, int inputs, string outcome);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Warning, Message = "The reader lease of '{ReaderId}' on shard '{ShardId}' expired and was removed; taking a new one")]
    public static partial void FeedbackLeaseLost(ILogger logger, string readerId, string shardId);
}
