using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Bulwark.Checkpoints;
using Bulwark.Serialization;
using Bulwark.Storage;

namespace Bulwark.Benchmarks;

/// <summary>
/// Issue 3's measurements in one run: the generated checkpoint serializer against System.Text.Json (source-generated)
/// on the same state, and fsync count + latency of a checkpoint commit on the local file system.
/// </summary>
internal static class CheckpointComparison
{
    public static async Task<int> RunAsync(int iterations, string directory)
    {
        var state = CrawlFrontier.Create(100_000);

        var ourBytes = CheckpointSerializer.Serialize(state);
        var jsonBytes = JsonSerializer.SerializeToUtf8Bytes(state, FrontierJsonContext.Default.CrawlFrontier);
        var ok = CheckpointSerializer.Deserialize<CrawlFrontier>(ourBytes, "bench").SameAs(state)
            && JsonSerializer.Deserialize(jsonBytes, FrontierJsonContext.Default.CrawlFrontier)!.SameAs(state);

        var ourWrite = Median(iterations, () => CheckpointSerializer.Serialize(state).Length);
        var ourRead = Median(iterations, () => CheckpointSerializer.Deserialize<CrawlFrontier>(ourBytes, "bench").Version);
        var jsonWrite = Median(iterations, () => JsonSerializer.SerializeToUtf8Bytes(state, FrontierJsonContext.Default.CrawlFrontier).Length);
        var jsonRead = Median(iterations, () => JsonSerializer.Deserialize(jsonBytes, FrontierJsonContext.Default.CrawlFrontier)!.Version);

        Console.WriteLine($"Checkpoint state: 100,000-entry dictionary + 1,000 nested host stats with lists + 10,000-entry queue; median of {iterations}");
        Console.WriteLine($"{"serializer",-40} {"bytes",12} {"write ms",9} {"write MB/s",11} {"read ms",9} {"read MB/s",10}");
        Print("Bulwark generated (validated, CRC32C)", ourBytes.Length, ourWrite, ourRead);
        Print("System.Text.Json source-generated", jsonBytes.Length, jsonWrite, jsonRead);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio Bulwark/STJ: write {jsonWrite / ourWrite:0.00}x faster, read {jsonRead / ourRead:0.00}x faster (time ratios on the same object); size {ourBytes.Length / (double)jsonBytes.Length:0.00}x"));
        Console.WriteLine($"both round trips reproduce the state: {ok}");
        Console.WriteLine();

        await MeasureCommitsAsync(state, iterations, directory);
        return ok ? 0 : 1;
    }

    private static async Task MeasureCommitsAsync(CrawlFrontier state, int iterations, string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        long fileSyncs = 0;
        long directorySyncs = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Bulwark.Storage" && instrument.Name == "bulwark.storage.fsyncs")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "kind" && (string?)tag.Value == "directory")
                {
                    Interlocked.Add(ref directorySyncs, value);
                    return;
                }
            }

            Interlocked.Add(ref fileSyncs, value);
        });
        listener.Start();

        var stateBytes = CheckpointSerializer.Serialize(state);
        var batch = new byte[1 << 20];
        Random.Shared.NextBytes(batch);
        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(directory));
        var latencies = new List<double>();
        long files = 0;
        long dirs = 0;
        for (var i = 0; i < iterations + 1; i++)
        {
            var draft = checkpointer.CreateDraft().SetState("frontier", stateBytes).SetState("counter", stateBytes.AsMemory(0, 1024)).AddSharedFile($"batch-{i:D4}.arrow", batch);
            var filesBefore = Interlocked.Read(ref fileSyncs);
            var dirsBefore = Interlocked.Read(ref directorySyncs);
            var watch = Stopwatch.StartNew();
            await checkpointer.CommitAsync(draft);
            watch.Stop();
            if (i > 0)
            {
                latencies.Add(watch.Elapsed.TotalMilliseconds);
                files = Interlocked.Read(ref fileSyncs) - filesBefore;
                dirs = Interlocked.Read(ref directorySyncs) - dirsBefore;
            }
        }

        latencies.Sort();
        Console.WriteLine($"Checkpoint commit on the local file system ({directory}): 2 state files ({stateBytes.Length:N0} B + 1 KiB) + one new 1 MiB shared batch file");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fsyncs per commit: {files} file + {dirs} directory; latency median {latencies[latencies.Count / 2]:0.0} ms, max {latencies[^1]:0.0} ms over {latencies.Count} commits"));
    }

    private static double Median(int iterations, Func<long> action)
    {
        action(); // warm-up: JIT tiers, pools
        var samples = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            GC.KeepAlive(action());
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static void Print(string name, long bytes, double writeMs, double readMs) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-40} {bytes,12:N0} {writeMs,9:0.0} {bytes / 1e6 / (writeMs / 1000),11:0.0} {readMs,9:0.0} {bytes / 1e6 / (readMs / 1000),10:0.0}"));
}
