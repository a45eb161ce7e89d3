using Bulwark.Checkpoints;
using Bulwark.Ingest;
using Bulwark.Shards;

namespace Bulwark.Hosting;

/// <summary>
/// A checkpointer's settings, bound from <c>Bulwark:Checkpoints:{name}</c>. Mutable so that configuration binding and
/// <c>configure</c> callbacks can set them; <see cref="CheckpointerOptions"/> is built from them when the host starts.
/// </summary>
public sealed class CheckpointerHostOptions
{
    /// <summary>The store's local directory (relative paths are under the host's content root); not needed when a storage factory is given.</summary>
    public string? Path { get; set; }

    /// <summary>See <see cref="CheckpointerOptions.MaxCatalogBytes"/>.</summary>
    public int MaxCatalogBytes { get; set; } = new CheckpointerOptions().MaxCatalogBytes;

    /// <summary>See <see cref="CheckpointerOptions.MaxManifestBytes"/>.</summary>
    public int MaxManifestBytes { get; set; } = new CheckpointerOptions().MaxManifestBytes;

    /// <summary>See <see cref="CheckpointerOptions.MaxFilesPerCheckpoint"/>.</summary>
    public int MaxFilesPerCheckpoint { get; set; } = new CheckpointerOptions().MaxFilesPerCheckpoint;

    /// <summary>The health check reports Degraded when the newest checkpoint (or the start, before the first) is older; null checks nothing.</summary>
    public TimeSpan? MaxCheckpointAge { get; set; }
}

/// <summary>An ingest controller's settings, bound from <c>Bulwark:Ingest:{name}</c>; every field but <see cref="Path"/> is <see cref="IngestOptions"/>'.</summary>
public sealed class IngestHostOptions
{
    private static readonly IngestOptions Defaults = new();

    /// <summary>The dataset's local directory (relative paths are under the host's content root); not needed when a storage factory is given.</summary>
    public string? Path { get; set; }

    public IngestFormat Format { get; set; } = Defaults.Format;

    public long MaxCachedBytes { get; set; } = Defaults.MaxCachedBytes;

    public int MaxRowsPerFile { get; set; } = Defaults.MaxRowsPerFile;

    public TimeSpan FlushInterval { get; set; } = Defaults.FlushInterval;

    public TimeSpan MaxAge { get; set; } = Defaults.MaxAge;

    public TimeSpan VisitTimeout { get; set; } = Defaults.VisitTimeout;

    public TimeSpan ShutdownTimeout { get; set; } = Defaults.ShutdownTimeout;

    public TimeSpan RetryDelay { get; set; } = Defaults.RetryDelay;

    public TimeSpan MaxRetryDelay { get; set; } = Defaults.MaxRetryDelay;

    /// <summary>A local directory for spills at shutdown (relative paths are under the host's content root).</summary>
    public string? SpillDirectory { get; set; }

    /// <summary>Defaults to the controller's name.</summary>
    public string? WriterId { get; set; }
}

/// <summary>Where a hosted shard keeps its state machine.</summary>
public enum ShardConsensusKind
{
    /// <summary>The <see cref="IConsensus"/> registered in the container (keyed by the shard's name, else unkeyed), e.g. a PostgresConsensus.</summary>
    Services,

    /// <summary>An <see cref="InMemoryConsensus"/> of this shard's own: gone when the process ends.</summary>
    InMemory,

    /// <summary>A <see cref="FileConsensus"/> in <see cref="ShardHostOptions.ConsensusPath"/>.</summary>
    File,
}

/// <summary>A shard's settings, bound from <c>Bulwark:Shards:{name}</c>; the timing fields are <see cref="ShardOptions"/>'.</summary>
public sealed class ShardHostOptions
{
    private static readonly ShardOptions Defaults = new();

    /// <summary>Defaults to the registration's name.</summary>
    public string? ShardId { get; set; }

    /// <summary>The local directory of the shard's parts (relative paths are under the host's content root); not needed when a storage factory is given.</summary>
    public string? Path { get; set; }

    public ShardConsensusKind Consensus { get; set; } = ShardConsensusKind.Services;

    /// <summary>The directory of a <see cref="ShardConsensusKind.File"/> consensus.</summary>
    public string? ConsensusPath { get; set; }

    /// <summary>When set, the host opens a writer with this id on start; its lease heartbeat runs until the host stops.</summary>
    public string? WriterId { get; set; }

    /// <summary>When set, the host opens a reader with this id on start, holding the since until the host stops.</summary>
    public string? ReaderId { get; set; }

    public TimeSpan LeaseDuration { get; set; } = Defaults.LeaseDuration;

    public TimeSpan HeartbeatInterval { get; set; } = Defaults.HeartbeatInterval;

    public TimeSpan ListenPollInterval { get; set; } = Defaults.ListenPollInterval;

    public int MaxAttempts { get; set; } = Defaults.MaxAttempts;

    public TimeSpan InitialBackoff { get; set; } = Defaults.InitialBackoff;

    public TimeSpan MaxBackoff { get; set; } = Defaults.MaxBackoff;
}
