using Microsoft.Extensions.Logging;

namespace Bulwark.Records;

internal static partial class RecordWriterLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "A record writer to {Output} was disposed without CompleteAsync: {Rows} appended rows were not published and the output was abandoned")]
    public static partial void DisposedWithoutCompletion(ILogger logger, string output, long rows);
}
