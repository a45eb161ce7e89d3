using Bulwark.Shards;
using Bulwark.Upsert;

namespace Bulwark.Testing;

/// <summary>
/// What one upsert writer alone writes for a source, computed without any of the operator's code, to check replicas,
/// restarts and races against: time by time, each key takes its input with the highest offset at that time; a delete
/// retracts the key's row, a new row retracts the old one and inserts itself, a row equal to the one held writes nothing.
/// </summary>
public static class UpsertReference
{
    /// <summary>The updates a single writer writes for the times below <paramref name="upper"/>, and the row of each key live afterwards.</summary>
    /// <param name="inputs">The source, in any order.</param>
    /// <param name="upper">The first time not included.</param>
    /// <param name="keyComparer">How keys are compared; the default comparer when null.</param>
    public static (List<Update<TRow>> History, Dictionary<TKey, TRow> Live) Run<TKey, TRow>(
        IEnumerable<UpsertInput<TKey, TRow>> inputs, long upper, IEqualityComparer<TKey>? keyComparer = null)
        where TKey : notnull
        where TRow : class
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var live = new Dictionary<TKey, TRow>(keyComparer);
        var history = new List<Update<TRow>>();
        foreach (var time in inputs.Where(i => i.Time < upper).GroupBy(i => i.Time).OrderBy(g => g.Key))
        {
            foreach (var latest in time.GroupBy(i => i.Key, keyComparer).Select(k => k.MaxBy(i => i.Offset)))
            {
                var held = live.GetValueOrDefault(latest.Key);
                if (Equals(held, latest.Row))
                {
                    continue;
                }

                if (held is not null)
                {
                    history.Add(new Update<TRow>(held, time.Key, -1));
                    live.Remove(latest.Key);
                }

                if (latest.Row is not null)
                {
                    history.Add(new Update<TRow>(latest.Row, time.Key, 1));
                    live[latest.Key] = latest.Row;
                }
            }
        }

        return (history, live);
    }
}
