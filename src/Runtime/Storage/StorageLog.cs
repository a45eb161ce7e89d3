using Microsoft.Extensions.Logging;

namespace Bulwark.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Committed '{Path}' ({Bytes} bytes) in {Backend}")]
    public static partial void Committed(ILogger logger, string path, long bytes, string backend);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Trace, Message = "Synced directory '{Directory}' in {Backend}")]
    public static partial void DirectorySynced(ILogger logger, string directory, string backend);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Created directory '{Directory}' in {Backend}")]
    public static partial void DirectoryCreated(ILogger logger, string directory, string backend);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Could not delete the temporary '{Temporary}' of an uncommitted '{Path}' in {Backend}; it stays hidden from listings")]
    public static partial void TemporaryNotDeleted(ILogger logger, Exception exception, string temporary, string path, string backend);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Skipped '{Name}' in directory '{Directory}' of {Backend}: no storage path can name it")]
    public static partial void UnaddressableEntrySkipped(ILogger logger, string name, string directory, string backend);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Could not remove the renamed-away directory '{Trash}' in {Backend}; it stays hidden from listings")]
    public static partial void TrashNotDeleted(ILogger logger, Exception exception, string trash, string backend);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Published '{Path}' in {Backend}, but its temporary name '{Temporary}' could not be removed; it stays hidden from listings until DeleteAbandonedTemporariesAsync collects it")]
    public static partial void PublishedTemporaryNotRemoved(ILogger logger, Exception exception, string temporary, string path, string backend);
}
