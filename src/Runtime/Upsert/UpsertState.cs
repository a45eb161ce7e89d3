using Bulwark.Shards;

namespace Bulwark.Upsert;

/// <summary>A key's current row and the source offset of the input that set it (null when it was read from the shard).</summary>
internal readonly record struct UpsertValue<TRow>(TRow Row, long? Offset);

/// <summary>
/// The operator's per-key state: each live key's row, exactly the collection its output shard holds below the frontier
/// the operator has reached. It changes only by whole intervals — an append that is in the shard, or the updates a peer
/// wrote — each validated before anything is applied, so a failure leaves it as it was.
/// </summary>
/// <remarks>
/// The offsets only tell which input produced a row. The output never depends on them across times (only within one
/// time, among buffered inputs), because a state rehydrated from a snapshot cannot know them.
/// </remarks>
internal sealed class UpsertState<TKey, TRow>
    where TKey : notnull
    where TRow : class
{
    private readonly Dictionary<TKey, UpsertValue<TRow>> _rows = [];
    private readonly string _shardId;
    private readonly Func<TRow, TKey> _keyOf;

    public UpsertState(string shardId, Func<TRow, TKey> keyOf)
    {
        _shardId = shardId;
        _keyOf = keyOf;
    }

    public int Count => _rows.Count;

    public IEnumerable<KeyValuePair<TKey, UpsertValue<TRow>>> Entries => _rows;

    public bool TryGet(TKey key, out UpsertValue<TRow> value) => _rows.TryGetValue(key, out value);

    /// <summary>Adds a restored row; false if its key already holds one.</summary>
    public bool TryAdd(TRow row, long? offset) => _rows.TryAdd(_keyOf(row), new UpsertValue<TRow>(row, offset));

    /// <summary>The value <paramref name="key"/> has once <paramref name="changes"/> are applied (null: no row).</summary>
    public UpsertValue<TRow>? Current(TKey key, Dictionary<TKey, UpsertValue<TRow>?> changes) =>
        changes.TryGetValue(key, out var changed) ? changed : _rows.TryGetValue(key, out var value) ? value : null;

    /// <summary>Applies changes computed against this state (null deletes the key).</summary>
    public void Apply(Dictionary<TKey, UpsertValue<TRow>?> changes)
    {
        foreach (var (key, value) in changes)
        {
            if (value is { } set)
            {
                _rows[key] = set;
            }
            else
            {
                _rows.Remove(key);
            }
        }
    }

    /// <summary>
    /// Applies the consolidated updates of an interval of the shard (in time order, as a shard read returns them): at
    /// each time the retractions, which must each remove the row its key holds, then the insertions, each into a key
    /// that holds none. Anything else is not an upsert's output and is refused before the state changes.
    /// </summary>
    /// <exception cref="UpsertStateException">An update breaks the upsert invariant (one live row per key, diffs of ±1).</exception>
    public void ApplyShardUpdates(IReadOnlyList<Update<TRow>> updates)
    {
        var changes = new Dictionary<TKey, UpsertValue<TRow>?>(_rows.Comparer);
        for (var start = 0; start < updates.Count;)
        {
            var end = start;
            while (end < updates.Count && updates[end].Time == updates[start].Time)
            {
                end++;
            }

            for (var i = start; i < end; i++)
            {
                if (updates[i].Diff < 0)
                {
                    Retract(updates[i], changes);
                }
            }

            for (var i = start; i < end; i++)
            {
                if (updates[i].Diff > 0)
                {
                    Insert(updates[i], changes);
                }
            }

            start = end;
        }

        Apply(changes);
    }

    /// <summary>
    /// The state a snapshot describes: the snapshot's updates summed per row across their times must leave each row
    /// with a count of 0 or 1 and each key with at most one row.
    /// </summary>
    /// <exception cref="UpsertStateException">The snapshot is not the output of an upsert with this key function.</exception>
    public static UpsertState<TKey, TRow> FromSnapshot(string shardId, Func<TRow, TKey> keyOf, IReadOnlyList<Update<TRow>> snapshot, long asOf)
    {
        var counts = new Dictionary<TRow, long>();
        foreach (var update in snapshot)
        {
            counts[update.Row] = checked(counts.GetValueOrDefault(update.Row) + update.Diff);
        }

        var state = new UpsertState<TKey, TRow>(shardId, keyOf);
        foreach (var (row, count) in counts)
        {
            if (count == 0)
            {
                continue;
            }

            if (count != 1)
            {
                throw new UpsertStateException(shardId, asOf, Describe(keyOf(row)), $"row {row} has a count of {count}, not 0 or 1");
            }

            if (!state.TryAdd(row, null))
            {
                var key = keyOf(row);
                throw new UpsertStateException(shardId, asOf, Describe(key), $"two live rows, {state._rows[key].Row} and {row}");
            }
        }

        return state;
    }

    internal static string Describe(TKey key) => key.ToString() ?? typeof(TKey).Name;

    private void Retract(Update<TRow> update, Dictionary<TKey, UpsertValue<TRow>?> changes)
    {
        var key = _keyOf(update.Row);
        if (update.Diff != -1)
        {
            throw new UpsertStateException(_shardId, update.Time, Describe(key), $"row {update.Row} has a diff of {update.Diff}");
        }

        var current = Current(key, changes);
        if (current is not { } held || !EqualityComparer<TRow>.Default.Equals(held.Row, update.Row))
        {
            throw new UpsertStateException(_shardId, update.Time, Describe(key), $"the retraction of {update.Row} finds {(current is { } other ? other.Row.ToString() : "no row")}");
        }

        changes[key] = null;
    }

    private void Insert(Update<TRow> update, Dictionary<TKey, UpsertValue<TRow>?> changes)
    {
        var key = _keyOf(update.Row);
        if (update.Diff != 1)
        {
            throw new UpsertStateException(_shardId, update.Time, Describe(key), $"row {update.Row} has a diff of {update.Diff}");
        }

        if (Current(key, changes) is { } held)
        {
            throw new UpsertStateException(_shardId, update.Time, Describe(key), $"the insertion of {update.Row} finds {held.Row} still live");
        }

        changes[key] = new UpsertValue<TRow>(update.Row, null);
    }
}
