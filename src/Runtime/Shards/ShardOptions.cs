using System.Diagnostics.Metrics;
using Bulwark.Parquet;
using Microsoft.Extensions.Logging;

namespace Bulwark.Shards;

/// <summary>Clocks, leases, retries and limits of a <see cref="Shard{T}"/> and its writers and readers.</summary>
public sealed class ShardOptions
{
    /// <summary>The clock of leases, heartbeats, retry backoff and listen polling (a FakeTimeProvider in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the shard logs; nothing is logged without one.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the <see cref="ShardMetrics.MeterName"/> meter; without one a process-wide meter is used.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>How long a lease lives without a heartbeat. Another process may remove it after that.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often writers and readers renew their leases; less than <see cref="LeaseDuration"/>.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a listener reads the consensus head to look for a new upper (appends through this process wake it at once).</summary>
    public TimeSpan ListenPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Consensus calls of one operation that may fail (or end with an unknown outcome) before it gives up with
    /// <see cref="ShardUnavailableException"/>.
    /// </summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>The wait after the first failed consensus call; it doubles after each further one, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Compare-and-sets of one operation that may lose to changes that do not decide it (heartbeats, other leases)
    /// before it gives up with <see cref="ShardUnavailableException"/>: a bound on starvation, not an expected path.
    /// </summary>
    public int MaxContendedRounds { get; init; } = 1000;

    /// <summary>A state entry larger than this is refused on read and never written.</summary>
    public int MaxStateBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>The most leases a state holds (expired ones are removed first).</summary>
    public int MaxLeases { get; init; } = 1024;

    /// <summary>The most writer registrations a state holds; the registrations of writers without a lease are dropped first, oldest first.</summary>
    public int MaxWriterRegistrations { get; init; } = 1024;

    /// <summary>A part file larger than this is refused on read before it is loaded.</summary>
    public long MaxPartBytes { get; init; } = 1L << 30;

    /// <summary>How parts are written (compression, row groups).</summary>
    public ParquetWriteOptions PartWriteOptions { get; init; } = ParquetWriteOptions.Default;

    /// <summary>
    /// The limits parts are read with (largest page, rows and bytes per column). A part is checked against its recorded
    /// length and CRC32C before it is decoded, so only a writer that can write to the storage could hand a reader a
    /// hostile one; where that is possible, set limits near the largest parts the writers make.
    /// </summary>
    public ParquetReadOptions PartReadOptions { get; init; } = ParquetReadOptions.Default;

    /// <summary>Regression-test seam: each flag switches on one bug the shard protocol exists to prevent. Never set outside tests.</summary>
    internal ShardDeviation Deviations { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(PartWriteOptions);
        ArgumentNullException.ThrowIfNull(PartReadOptions);
        PartReadOptions.Validate();
        Positive(LeaseDuration, nameof(LeaseDuration));
        Positive(HeartbeatInterval, nameof(HeartbeatInterval));
        Positive(ListenPollInterval, nameof(ListenPollInterval));
        if (HeartbeatInterval >= LeaseDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), HeartbeatInterval, "The heartbeat interval must be shorter than the lease duration, or leases expire between heartbeats.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxContendedRounds, 1, nameof(MaxContendedRounds));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialBackoff, TimeSpan.Zero, nameof(InitialBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, nameof(MaxBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStateBytes, 1024, nameof(MaxStateBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxStateBytes, ConsensusLimits.MaxDataBytes, nameof(MaxStateBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLeases, 1, nameof(MaxLeases));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWriterRegistrations, 1, nameof(MaxWriterRegistrations));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPartBytes, 1, nameof(MaxPartBytes));
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
        }
    }
}

/// <summary>The bugs a test can switch back on (see <see cref="ShardOptions.Deviations"/>) to show that it catches them.</summary>
[Flags]
internal enum ShardDeviation
{
    None = 0,

    /// <summary>Garbage collection keeps only what the head references, ignoring the older states that leases may still read.</summary>
    GcIgnoresLeases = 1 << 0,

    /// <summary>Compaction deletes the parts it replaces before its compare-and-set has committed.</summary>
    CompactionDeletesBeforeCas = 1 << 1,

    /// <summary>An append classifies a lost answer by the upper alone, without looking for its idempotency token.</summary>
    AppendIgnoresToken = 1 << 2,
}
