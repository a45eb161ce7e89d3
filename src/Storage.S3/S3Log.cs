using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3;

internal static partial class S3Log
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Committed '{Path}' ({Bytes} bytes, {Parts} parts) in {Backend}")]
    public static partial void Committed(ILogger logger, string path, long bytes, int parts, string backend);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "Created directory marker '{Directory}' in {Backend}")]
    public static partial void DirectoryCreated(ILogger logger, string directory, string backend);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Could not abort the multipart upload {UploadId} of '{Path}' in {Backend}; its parts stay stored (and billed) until AbortAbandonedUploadsAsync or a bucket lifecycle rule removes them")]
    public static partial void AbortFailed(ILogger logger, Exception exception, string uploadId, string path, string backend);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "The S3 endpoint of {Backend} ignores 'If-None-Match: *' ({Evidence}); create-new commits and locks fall back to check-then-put, which is atomic only between writers in this process")]
    public static partial void ConditionalWritesIgnored(ILogger logger, string backend, string evidence);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "The S3 endpoint of {Backend} honours 'If-None-Match: *': create-new commits and locks are atomic")]
    public static partial void ConditionalWritesHonoured(ILogger logger, string backend);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Warning, Message = "Skipped the key '{Key}' listing directory '{Directory}' of {Backend}: no storage path can name it")]
    public static partial void UnaddressableKeySkipped(ILogger logger, string key, string directory, string backend);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Warning, Message = "Could not delete the probe object '{Key}' of {Backend}; it is hidden from listings")]
    public static partial void ProbeNotDeleted(ILogger logger, Exception exception, string key, string backend);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Warning, Message = "Could not release the lock '{Path}' of {Backend}: {Reason}. Remove the object by hand once its holder is gone")]
    public static partial void LockNotReleased(ILogger logger, Exception? exception, string path, string backend, string reason);

    [LoggerMessage(EventId = 2109, Level = LogLevel.Information, Message = "Aborted the abandoned multipart upload {UploadId} of key '{Key}' (started {Initiated:u}) in {Backend}")]
    public static partial void AbandonedUploadAborted(ILogger logger, string uploadId, string key, DateTimeOffset initiated, string backend);
}
