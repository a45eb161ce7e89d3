using System.Diagnostics;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Upsert;

namespace Bulwark.Benchmarks;

/// <summary>
/// bench/compare-shards.sh part (b): an UpsertOperator folding a keyed source into a shard (in-memory consensus; parts
/// in an InMemoryBackend, and for comparison on local disk) against a plain Dictionary fold of the same updates, in one
/// run; both must end with the same rows.
/// </summary>
internal static class UpsertFoldComparison
{
    private const int Seed = 7;

    public static async Task<bool> RunAsync(int updates, int keys, int times, int rounds, string directory)
    {
        var source = Source(updates, keys, times, Seed);
        var warmSource = Source(updates / 10, keys / 10, Math.Max(1, times / 10), Seed + 1);
        var localDirectory = Path.Combine(directory, "upsert");

        // Warm-up: JIT tiers of the operator, the Parquet encoder and the dictionary; then timed runs taking turns.
        for (var i = 0; i < 3; i++)
        {
            await UpsertAsync(warmSource, localDirectory, memoryBlob: true);
            Fold(warmSource);
        }

        await UpsertAsync(source, localDirectory, memoryBlob: false);
        var memory = new List<double>();
        var local = new List<double>();
        var fold = new List<double>();
        var same = true;
        for (var round = 0; round < rounds; round++)
        {
            var turns = new Func<Task>[]
            {
                async () =>
                {
                    var (ms, ok) = await UpsertAsync(source, localDirectory, memoryBlob: true);
                    memory.Add(ms);
                    same &= ok;
                },
                async () =>
                {
                    var (ms, ok) = await UpsertAsync(source, localDirectory, memoryBlob: false);
                    local.Add(ms);
                    same &= ok;
                },
                () =>
                {
                    var watch = Stopwatch.StartNew();
                    GC.KeepAlive(Fold(source));
                    fold.Add(watch.Elapsed.TotalMilliseconds);
                    return Task.CompletedTask;
                },
            };
            for (var k = 0; k < turns.Length; k++)
            {
                await turns[(round + k) % turns.Length]();
            }
        }

        var deletes = source.Count(u => u.Row is null);
        var live = Fold(source).Count;
        Console.WriteLine($"(b) UpsertOperator against a Dictionary fold: {updates:N0} updates ({deletes:N0} deletes) to {keys:N0} keys over {times} times ({updates / times:N0} a time), {live:N0} keys live at the end");
        Console.WriteLine("upsert: PushAsync of each time's updates then AdvanceInputAsync past it (one compare-and-append per time) on a fresh shard over InMemoryConsensus; timed from the first push to the last advance");
        Console.WriteLine($"fold: foreach update, dictionary[key] = row or Remove(key), on a new Dictionary<long, ShardBenchRow>; median of {rounds} runs taking turns after a warm-up; load average {ShardAppendComparison.LoadAverage()}");
        Console.WriteLine($"{"",-52} {"median ms",10} {"updates/s",14} {"ratio",8}");
        var foldMs = ShardAppendComparison.Median(fold);
        Print("UpsertOperator, parts in an InMemoryBackend", ShardAppendComparison.Median(memory), updates, foldMs);
        Print("UpsertOperator, parts on local disk", ShardAppendComparison.Median(local), updates, foldMs);
        Print("Dictionary<long, ShardBenchRow> fold", foldMs, updates, foldMs);
        Console.WriteLine($"  ratio: fold time over upsert time (upsert throughput as a fraction of the fold's); every upsert run ended with exactly the fold's rows: {same}");
        if (Directory.Exists(localDirectory))
        {
            Directory.Delete(localDirectory, recursive: true);
        }

        return same;
    }

    /// <summary>Updates in time order, offsets ascending; about one in ten deletes its key.</summary>
    private static UpsertInput<long, ShardBenchRow>[] Source(int updates, int keys, int times, int seed)
    {
        var random = new Random(seed);
        var source = new UpsertInput<long, ShardBenchRow>[updates];
        for (var i = 0; i < updates; i++)
        {
            long key = random.Next(keys);
            var time = (long)i * times / updates;
            source[i] = new UpsertInput<long, ShardBenchRow>(key, random.Next(10) == 0 ? null : new ShardBenchRow(key, random.NextInt64()), time, i);
        }

        return source;
    }

    private static Dictionary<long, ShardBenchRow> Fold(UpsertInput<long, ShardBenchRow>[] source)
    {
        var rows = new Dictionary<long, ShardBenchRow>();
        foreach (var update in source)
        {
            if (update.Row is null)
            {
                rows.Remove(update.Key);
            }
            else
            {
                rows[update.Key] = update.Row;
            }
        }

        return rows;
    }

    private static async Task<(double Ms, bool Same)> UpsertAsync(UpsertInput<long, ShardBenchRow>[] source, string directory, bool memoryBlob)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        IStorageBackend blob = memoryBlob ? new InMemoryBackend() : new LocalFileSystemBackend(Directory.CreateDirectory(directory).FullName);
        var shard = await Shard<ShardBenchRow>.OpenAsync("upsert-bench", new InMemoryConsensus(), blob);
        await using var upsert = await UpsertOperator<long, ShardBenchRow>.OpenAsync(shard, "bench", r => r.Key);
        var watch = Stopwatch.StartNew();
        for (var start = 0; start < source.Length;)
        {
            var time = source[start].Time;
            var end = start;
            while (end < source.Length && source[end].Time == time)
            {
                end++;
            }

            await upsert.PushAsync(new ArraySegment<UpsertInput<long, ShardBenchRow>>(source, start, end - start));
            await upsert.AdvanceInputAsync(time + 1);
            start = end;
        }

        watch.Stop();
        var expected = Fold(source);
        var same = upsert.KeyCount == expected.Count && expected.All(e => upsert.TryGetRow(e.Key, out var row) && row == e.Value);
        return (watch.Elapsed.TotalMilliseconds, same);
    }

    private static void Print(string name, double ms, int updates, double foldMs) =>
        Console.WriteLine(ShardAppendComparison.Invariant($"{name,-52} {ms,10:0.0} {updates / (ms / 1000),14:N0} {foldMs / ms,7:0.000}x"));
}
