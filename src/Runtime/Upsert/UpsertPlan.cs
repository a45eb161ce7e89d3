using Bulwark.Shards;

namespace Bulwark.Upsert;

/// <summary>
/// One compare-and-append the operator is about to make: the updates of <c>[ExpectedUpper, NewUpper)</c>, the state
/// changes they stand for (applied only once the batch is in the shard) and the idempotency token, which a retry after
/// an unknown outcome reuses so that the batch is never in the shard twice.
/// </summary>
internal sealed record UpsertPlan<TKey, TRow>(
    long ExpectedUpper,
    long NewUpper,
    Guid Token,
    List<Update<TRow>> Updates,
    Dictionary<TKey, UpsertValue<TRow>?> Changes,
    int Inputs)
    where TKey : notnull
    where TRow : class;

/// <summary>Turns buffered inputs into the next append.</summary>
internal static class UpsertPlanner
{
    /// <summary>
    /// The append of <c>[upper, inputFrontier)</c>, or null when there is none to make: the input frontier has not
    /// passed the upper, or an input below the upper is still buffered (only the two-way deviation keeps one) — the
    /// operator may still write at that time, so it can seal nothing above it and its output frontier stays there.
    /// </summary>
    /// <remarks>
    /// One append covers every buffered time in the interval. It is the sequence of single-time appends the three-way
    /// classification describes — for each buffered time t in order, the upper has reached t, so t's inputs are at the
    /// upper and applied; the empty stretches between them still advance the upper — made in one compare-and-append.
    /// At each time, per key: a delete emits the retraction of the key's row (nothing if it has none), a new row emits
    /// the retraction of the old row and the new row, and a row equal to the old one emits nothing.
    /// </remarks>
    public static UpsertPlan<TKey, TRow>? Build<TKey, TRow>(UpsertState<TKey, TRow> state, UpsertInputBuffer<TKey, TRow> buffer, long upper, long inputFrontier)
        where TKey : notnull
        where TRow : class
    {
        if (inputFrontier <= upper || buffer.EarliestTime < upper)
        {
            return null;
        }

        var updates = new List<Update<TRow>>();
        var changes = new Dictionary<TKey, UpsertValue<TRow>?>();
        var inputs = 0;
        foreach (var (time, keys) in buffer.Times)
        {
            if (time >= inputFrontier)
            {
                break;
            }

            foreach (var (key, input) in keys)
            {
                inputs++;
                var old = state.Current(key, changes);
                if (input.Row is null)
                {
                    if (old is { } deleted)
                    {
                        updates.Add(new Update<TRow>(deleted.Row, time, -1));
                        changes[key] = null;
                    }

                    continue;
                }

                if (old is { } held && EqualityComparer<TRow>.Default.Equals(held.Row, input.Row))
                {
                    // No change to the collection, so nothing is written; the offset still records the newest input.
                    changes[key] = new UpsertValue<TRow>(input.Row, input.Offset);
                    continue;
                }

                if (old is { } replaced)
                {
                    updates.Add(new Update<TRow>(replaced.Row, time, -1));
                }

                updates.Add(new Update<TRow>(input.Row, time, 1));
                changes[key] = new UpsertValue<TRow>(input.Row, input.Offset);
            }
        }

        return new UpsertPlan<TKey, TRow>(upper, inputFrontier, Guid.NewGuid(), updates, changes, inputs);
    }
}
