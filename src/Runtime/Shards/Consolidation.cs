namespace Bulwark.Shards;

/// <summary>
/// Consolidation: updates to the same row at the same time are one update whose diff is the sum; a zero sum is no
/// update at all. Rows are compared with <see cref="EqualityComparer{T}.Default"/>, which is why shard records need
/// value equality (records have it).
/// </summary>
internal static class Consolidation
{
    /// <summary>
    /// Advances every time below <paramref name="since"/> to it (what compaction may have done to them, so the result
    /// does not depend on whether it has), sums the diffs of equal (row, time) pairs and drops the zeros. The result is
    /// ordered by time, and within a time by first appearance, so the same input always gives the same list.
    /// </summary>
    /// <exception cref="OverflowException">The diffs of one (row, time) sum past the range of <see cref="long"/>.</exception>
    public static List<Update<T>> Consolidate<T>(IEnumerable<Update<T>> updates, long since = long.MinValue)
    {
        var index = new Dictionary<(T Row, long Time), int>();
        var sums = new List<Update<T>>();
        foreach (var update in updates)
        {
            var time = Math.Max(update.Time, since);
            var key = (update.Row, time);
            if (index.TryGetValue(key, out var at))
            {
                sums[at] = sums[at] with { Diff = checked(sums[at].Diff + update.Diff) };
            }
            else
            {
                index.Add(key, sums.Count);
                sums.Add(update with { Time = time });
            }
        }

        // List.Sort is unstable; ordering by (time, first appearance) keeps equal times in input order.
        var kept = new List<(Update<T> Update, int Order)>(sums.Count);
        for (var i = 0; i < sums.Count; i++)
        {
            if (sums[i].Diff != 0)
            {
                kept.Add((sums[i], i));
            }
        }

        kept.Sort(static (a, b) => a.Update.Time != b.Update.Time ? a.Update.Time.CompareTo(b.Update.Time) : a.Order.CompareTo(b.Order));
        return kept.ConvertAll(static k => k.Update);
    }
}
