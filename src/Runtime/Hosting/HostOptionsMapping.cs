using System.Diagnostics.Metrics;
using Bulwark.Checkpoints;
using Bulwark.Ingest;
using Bulwark.Shards;
using Microsoft.Extensions.Logging;

namespace Bulwark.Hosting;

/// <summary>Builds the components' own options from the bound host options, so that validation and start use one conversion.</summary>
internal static class HostOptionsMapping
{
    public static CheckpointerOptions ToCheckpointerOptions(CheckpointerHostOptions o, IMeterFactory? meters) => new()
    {
        MaxCatalogBytes = o.MaxCatalogBytes,
        MaxManifestBytes = o.MaxManifestBytes,
        MaxFilesPerCheckpoint = o.MaxFilesPerCheckpoint,
        MeterFactory = meters,
    };

    public static IngestOptions ToIngestOptions(IngestHostOptions o, string name, string contentRoot, IMeterFactory? meters) => new()
    {
        Format = o.Format,
        MaxCachedBytes = o.MaxCachedBytes,
        MaxRowsPerFile = o.MaxRowsPerFile,
        FlushInterval = o.FlushInterval,
        MaxAge = o.MaxAge,
        VisitTimeout = o.VisitTimeout,
        ShutdownTimeout = o.ShutdownTimeout,
        RetryDelay = o.RetryDelay,
        MaxRetryDelay = o.MaxRetryDelay,
        SpillDirectory = string.IsNullOrEmpty(o.SpillDirectory) ? null : Path.GetFullPath(o.SpillDirectory, contentRoot),
        WriterId = string.IsNullOrEmpty(o.WriterId) ? name : o.WriterId,
        MeterFactory = meters,
    };

    public static ShardOptions ToShardOptions(ShardHostOptions o, TimeProvider time, ILoggerFactory? loggers, IMeterFactory? meters) => new()
    {
        TimeProvider = time,
        LoggerFactory = loggers,
        MeterFactory = meters,
        LeaseDuration = o.LeaseDuration,
        HeartbeatInterval = o.HeartbeatInterval,
        ListenPollInterval = o.ListenPollInterval,
        MaxAttempts = o.MaxAttempts,
        InitialBackoff = o.InitialBackoff,
        MaxBackoff = o.MaxBackoff,
    };

    public static string ShardId(ShardHostOptions o, string name) => string.IsNullOrEmpty(o.ShardId) ? name : o.ShardId;
}
