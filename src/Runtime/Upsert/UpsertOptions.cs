using System.Diagnostics.Metrics;
using Bulwark.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Bulwark.Upsert;

/// <summary>Checkpointing, logging and metrics of an <see cref="UpsertOperator{TKey, TRow}"/>.</summary>
public sealed class UpsertOptions
{
    /// <summary>The operator's state id in checkpoints (1-200 ASCII letters, digits, '-', '_' or '.', not starting with '.').</summary>
    public string OperatorId { get; init; } = "upsert";

    /// <summary>
    /// A checkpointer the operator restores from when it opens (its newest intact checkpoint, unless
    /// <see cref="RestoreFrom"/> is given) and that <see cref="UpsertOperator{TKey, TRow}.CheckpointAsync"/> commits to.
    /// The operator does not dispose it.
    /// </summary>
    public Checkpointer? Checkpointer { get; init; }

    /// <summary>
    /// A checkpoint to restore from, for a pipeline that restores once and hands the checkpoint to each operator. Without
    /// one (and without <see cref="Checkpointer"/>), or when it holds no state for <see cref="OperatorId"/>, the operator
    /// rehydrates from a snapshot of the output shard.
    /// </summary>
    public RestoredCheckpoint? RestoreFrom { get; init; }

    /// <summary>Where the operator logs (category <c>Bulwark.Upsert.UpsertOperator</c>); nothing is logged without one.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the <see cref="UpsertMetrics.MeterName"/> meter; without one a process-wide meter is used.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Regression-test seam: each flag switches one historical bug back on. Never set outside tests.</summary>
    internal UpsertDeviation Deviations { get; init; }

    internal void Validate()
    {
        if (!CheckpointFiles.IsValidOperatorId(OperatorId))
        {
            throw new ArgumentException($"OperatorId '{OperatorId}' is not 1-{CheckpointFiles.MaxOperatorIdLength} ASCII letters, digits, '-', '_' or '.' (not starting with '.').", nameof(OperatorId));
        }
    }
}

/// <summary>The bugs a test can switch back on (see <see cref="UpsertOptions.Deviations"/>) to show that it catches them.</summary>
[Flags]
internal enum UpsertDeviation
{
    None = 0,

    /// <summary>
    /// Buffered input is classified two ways — at the upper: apply; otherwise: keep — so input below the upper, already
    /// written by a peer that won the race, is kept forever and pins the operator's output frontier below the upper.
    /// </summary>
    TwoWayClassification = 1 << 0,
}
