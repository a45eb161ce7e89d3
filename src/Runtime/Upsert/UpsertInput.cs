namespace Bulwark.Upsert;

/// <summary>
/// One input of an <see cref="UpsertOperator{TKey, TRow}"/>: at <paramref name="Time"/>, the value of
/// <paramref name="Key"/> becomes <paramref name="Row"/>, or is deleted when <paramref name="Row"/> is null.
/// </summary>
/// <param name="Key">The key; when <paramref name="Row"/> is set, the operator's key function must map it to this key.</param>
/// <param name="Row">The new value, or null to delete the key.</param>
/// <param name="Time">The logical time of the change (non-negative).</param>
/// <param name="Offset">The position in the source: of several inputs for one key at one time, the highest offset wins.</param>
public readonly record struct UpsertInput<TKey, TRow>(TKey Key, TRow? Row, long Time, long Offset)
    where TKey : notnull
    where TRow : class;

/// <summary>Where an <see cref="UpsertOperator{TKey, TRow}"/> took its per-key state from when it opened.</summary>
public enum UpsertStart
{
    /// <summary>The output shard was empty (its upper 0): nothing to restore.</summary>
    Empty = 1,

    /// <summary>A checkpoint, then the shard's updates from the checkpoint's frontier to its upper.</summary>
    Checkpoint = 2,

    /// <summary>A consolidated snapshot of the output shard just below its upper.</summary>
    Snapshot = 3,
}
