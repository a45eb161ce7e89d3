using Bulwark.Shards;

namespace Bulwark.Benchmarks;

/// <summary>The row of the shard benchmarks: a key and its current value.</summary>
[ArrowRecord("shard_bench_rows")]
public sealed partial record ShardBenchRow(long Key, long Value);

/// <summary>
/// A writer's small batches: each changes <see cref="KeysPerBatch"/> of its keys, retracting the old row and inserting
/// the new one (4 updates), as an upsert's output does. Keys cycle through a fixed set, so the consolidated content and
/// every compacted part stay bounded however long the writer runs. A batch counts only once <see cref="Commit"/> says it
/// is in the shard, so a writer that lost a race retracts only rows it really wrote.
/// </summary>
internal sealed class ShardBatches
{
    public const int KeysPerBatch = 2;
    private const int Keys = 256;

    private readonly long[] values = new long[Keys];
    private readonly bool[] present = new bool[Keys];
    private readonly long keyBase;
    private readonly Random random;
    private (int Key, long Value)[] pending = [];

    public ShardBatches(int writer)
    {
        keyBase = (long)writer * Keys;
        random = new Random(writer + 1);
    }

    public List<Update<ShardBenchRow>> Next(long time)
    {
        var updates = new List<Update<ShardBenchRow>>(2 * KeysPerBatch);
        var first = random.Next(Keys);
        pending = [(first, random.NextInt64()), ((first + 1 + random.Next(Keys - 1)) % Keys, random.NextInt64())];
        foreach (var (key, value) in pending)
        {
            if (present[key])
            {
                updates.Add(new Update<ShardBenchRow>(new ShardBenchRow(keyBase + key, values[key]), time, -1));
            }

            updates.Add(new Update<ShardBenchRow>(new ShardBenchRow(keyBase + key, value), time, 1));
        }

        return updates;
    }

    public void Commit()
    {
        foreach (var (key, value) in pending)
        {
            values[key] = value;
            present[key] = true;
        }
    }
}
