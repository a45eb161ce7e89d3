using System.Diagnostics.Metrics;

namespace Bulwark.Checkpoints;

/// <summary>Limits and behaviour of a <see cref="Checkpointer"/>.</summary>
public sealed class CheckpointerOptions
{
    /// <summary>The catalog is refused, before it is parsed, if it is longer than this.</summary>
    public int MaxCatalogBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>A manifest is refused, before it is parsed, if it is longer than this.</summary>
    public int MaxManifestBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>A manifest listing more files than this is refused.</summary>
    public int MaxFilesPerCheckpoint { get; init; } = 100_000;

    /// <summary>Creates the <see cref="CheckpointMetrics.MeterName"/> meter; without one a process-wide meter is used.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Regression-test seam: each flag re-introduces one bug of the checkpointer this design replaces, so a test can show
    /// that it catches the bug. Never set outside tests.
    /// </summary>
    internal ProtocolDeviation Deviations { get; init; }
}

/// <summary>The historical bugs a test can switch back on (see <see cref="CheckpointerOptions.Deviations"/>).</summary>
[Flags]
internal enum ProtocolDeviation
{
    None = 0,

    /// <summary>Issue point 1: the new checkpoint joins the in-memory list before the catalog is durable, and stays on failure.</summary>
    PublishBeforeCatalogDurable = 1 << 0,

    /// <summary>Issue point 2: manifests are used without validation, so a malformed one escapes as a raw exception.</summary>
    UncheckedManifest = 1 << 1,

    /// <summary>Issue point 3: GC skips retained checkpoints whose manifest cannot be read.</summary>
    SkipUnreadableRetainedManifests = 1 << 2,

    /// <summary>Issue point 4: a missing catalog is a clean slate, and every checkpoint directory is removed as an orphan.</summary>
    MissingCatalogIsCleanSlate = 1 << 3,

    /// <summary>Issue point 6: restore does not verify the manifest; a missing state file reads as a new operator.</summary>
    MissingStateIsNewOperator = 1 << 4,

    /// <summary>Issue point 8: no root sync between the shared files and the catalog rename.</summary>
    SkipRootSyncBeforeCatalog = 1 << 5,

    /// <summary>Issue point 8: the checkpoint directory is never synced, so its renames are not durable.</summary>
    SkipCheckpointDirectorySync = 1 << 6,

    /// <summary>GC deletes before the shrunken catalog is durable.</summary>
    DeleteBeforeCatalogDurable = 1 << 8,

    /// <summary>No store lock and no writer epoch: two checkpointers on one store delete each other's commits as orphans.</summary>
    NoStoreOwnership = 1 << 9,

    /// <summary>A damaged catalogued manifest fails the open, so one damaged checkpoint blocks every start.</summary>
    DamagedManifestBlocksOpen = 1 << 10,
}
