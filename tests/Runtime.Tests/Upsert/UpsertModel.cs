using Bulwark.Runtime.Tests.Shards;
using Bulwark.Shards;
using Bulwark.Upsert;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>Random upsert sources for the property tests; what a single writer makes of them is <see cref="Bulwark.Testing.UpsertReference"/>.</summary>
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
}
