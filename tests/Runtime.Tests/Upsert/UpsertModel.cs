using Bulwark.Runtime.Tests.Shards;
using Bulwark.Shards;
using Bulwark.Upsert;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>
/// The single-writer reference, written without any of the operator's code: time by time, each key takes the input
/// with the highest offset at that time; a delete retracts the key's row, a new row retracts the old one and inserts
/// itself, an equal row changes nothing.
/// </summary>
internal static class UpsertModel
{
    /// <summary>
    /// A random source: inputs at times below <paramref name="times"/> (some times have none) over
    /// <paramref name="keys"/> keys, a fifth of them deletes, values from a small set so unchanged rows occur, and
    /// unique offsets in a shuffled order, so the highest offset of a time is not simply the last input.
    /// </summary>
    public static List<UpsertInput<long, Edge>> Source(Random random, long times, int keys, int maxPerTime = 4)
    {
        var inputs = new List<UpsertInput<long, Edge>>();
        for (var time = 0L; time < times; time++)
        {
            for (var n = random.Next(maxPerTime + 1); n > 0; n--)
            {
                var key = random.Next(keys);
                inputs.Add(random.Next(5) == 0 ? UpsertTestKit.Delete(key, time, 0) : UpsertTestKit.Put(key, "abc"[random.Next(3)].ToString(), time, 0));
            }
        }

        var offsets = Enumerable.Range(0, inputs.Count).OrderBy(_ => random.Next()).ToArray();
        return inputs.Select((input, i) => input with { Offset = offsets[i] }).ToList();
    }

    /// <summary>The updates a single writer writes for times below <paramref name="upper"/>, and the rows live at the end.</summary>
    public static (List<Update<Edge>> History, Dictionary<long, Edge> Live) Run(IEnumerable<UpsertInput<long, Edge>> inputs, long upper)
    {
        var live = new Dictionary<long, Edge>();
        var history = new List<Update<Edge>>();
        foreach (var time in inputs.Where(i => i.Time < upper).GroupBy(i => i.Time).OrderBy(g => g.Key))
        {
            foreach (var winner in time.GroupBy(i => i.Key).Select(k => k.MaxBy(i => i.Offset)))
            {
                var held = live.GetValueOrDefault(winner.Key);
                if (Equals(held, winner.Row))
                {
                    continue;
                }

                if (held is not null)
                {
                    history.Add(new Update<Edge>(held, time.Key, -1));
                    live.Remove(winner.Key);
                }

                if (winner.Row is not null)
                {
                    history.Add(new Update<Edge>(winner.Row, time.Key, 1));
                    live[winner.Key] = winner.Row;
                }
            }
        }

        return (history, live);
    }
}
