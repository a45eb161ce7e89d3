using Bulwark.Upsert;

namespace Bulwark.Tests.UpsertWorker;

/// <summary>The upserted row: a key's current value. A record, so equal rows are one row in the shard.</summary>
[ArrowRecord("keyed_values")]
public sealed partial record KeyedValue(long Key, string Value);

/// <summary>
/// The input every replica reads, the same in each process and in the test that checks the output: a seeded sequence
/// of upserts and deletes at times <c>0..times-1</c>. Public so the test computes its reference from the same input.
/// </summary>
public static class UpsertSource
{
    public static long KeyOf(KeyedValue row) => row.Key;

    /// <summary>
    /// Up to <paramref name="maxPerTime"/> inputs per time (some times have none) over <paramref name="keys"/> keys, a
    /// fifth of them deletes; values come from a small set, so an upsert often repeats the row already there; offsets
    /// are a shuffled permutation, so the winner of a key at a time is not simply its last input. Ordered by time.
    /// </summary>
    public static IReadOnlyList<UpsertInput<long, KeyedValue>> Generate(int seed, int keys, long times, int maxPerTime = 4)
    {
        // A seeded System.Random yields the same sequence in every process of one runtime, which is all this needs.
        var random = new Random(seed);
        var inputs = new List<UpsertInput<long, KeyedValue>>();
        for (var time = 0L; time < times; time++)
        {
            for (var n = random.Next(maxPerTime + 1); n > 0; n--)
            {
                var key = random.Next(keys);
                var row = random.Next(5) == 0 ? null : new KeyedValue(key, "v" + random.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture));
                inputs.Add(new UpsertInput<long, KeyedValue>(key, row, time, 0));
            }
        }

        var offsets = Enumerable.Range(0, inputs.Count).OrderBy(_ => random.Next()).ToArray();
        return inputs.Select((input, i) => input with { Offset = offsets[i] }).ToList();
    }
}
