using Microsoft.Extensions.Logging;

namespace Bulwark.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Opened {Kind} '{Name}' on {Store}")]
    public static partial void Started(ILogger logger, string kind, string name, string store);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Stopped {Kind} '{Name}'")]
    public static partial void Stopped(ILogger logger, string kind, string name);
}
