using Bulwark.Tests.UpsertWorker;
using Bulwark.Upsert;

namespace Bulwark.Shards.PostgreSql.Tests.Upsert;

/// <summary>
/// What one writer alone writes for a source, computed without any of the operator's code: time by time, each key
/// takes its input with the highest offset at that time; a delete retracts the key's row, a new row retracts the old
/// one and inserts itself, a row equal to the one held changes nothing.
/// </summary>
internal static class UpsertReference
{
    /// <summary>The updates written for times below <paramref name="upper"/>, and the row of each live key at the end.</summary>
    public static (List<Update<KeyedValue>> History, SortedDictionary<long, KeyedValue> Live) Run(IEnumerable<UpsertInput<long, KeyedValue>> inputs, long upper)
    {
        var live = new SortedDictionary<long, KeyedValue>();
        var history = new List<Update<KeyedValue>>();
        foreach (var time in inputs.Where(i => i.Time < upper).GroupBy(i => i.Time).OrderBy(g => g.Key))
        {
            foreach (var latest in time.GroupBy(i => i.Key).Select(k => k.MaxBy(i => i.Offset)))
            {
                var held = live.GetValueOrDefault(latest.Key);
                if (Equals(held, latest.Row))
                {
                    continue;
                }

                if (held is not null)
                {
                    history.Add(new Update<KeyedValue>(held, time.Key, -1));
                    live.Remove(latest.Key);
                }

                if (latest.Row is not null)
                {
                    history.Add(new Update<KeyedValue>(latest.Row, time.Key, 1));
                    live[latest.Key] = latest.Row;
                }
            }
        }

        return (history, live);
    }

    /// <summary>A canonical order for comparing update lists.</summary>
    public static (long Time, long Key, string Value, long Diff)[] Sorted(IEnumerable<Update<KeyedValue>> updates) =>
        updates.Select(u => (u.Time, u.Row.Key, u.Row.Value, u.Diff))
            .OrderBy(u => u.Time).ThenBy(u => u.Key).ThenBy(u => u.Value, StringComparer.Ordinal).ThenBy(u => u.Diff)
            .ToArray();
}
