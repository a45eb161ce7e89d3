using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bulwark.Arrow;
using ApacheIpc = Apache.Arrow.Ipc;

namespace Bulwark.Benchmarks;

/// <summary>
/// Measures Bulwark, Apache.Arrow (its builders, and arrays built by hand from pooled buffers) and apache-arrow (JS) on
/// the same table in the same run, and checks that every file holds the same rows (Bulwark reads the Apache and JS
/// files back; Apache reads Bulwark's), so the ratios compare equal work.
/// </summary>
internal static class ArrowWriteComparison
{
    public static async Task<int> RunAsync(int rows, int iterations, string script)
    {
        var directory = Path.Combine(Path.GetTempPath(), "bulwark-bench");
        Directory.CreateDirectory(directory);
        var ours = Path.Combine(directory, "bulwark.arrow");
        var apacheBuilders = Path.Combine(directory, "apache-builders.arrow");
        var apacheByHand = Path.Combine(directory, "apache-by-hand.arrow");
        var theirs = Path.Combine(directory, "arrow-js.arrow");

        var table = BenchRow.CreateTable(rows);
        var warmUp = table[..Math.Min(table.Length, 2 * ArrowWriteRunner.BatchSize + 1)];
        var measured = await MeasureAsync(
            iterations,
            [
                (rows => WriteFileAsync(rows, ours)),
                (rows => WriteApacheAsync(rows, apacheBuilders, byHand: false)),
                (rows => WriteApacheAsync(rows, apacheByHand, byHand: true)),
            ],
            table,
            warmUp);
        var (ourMedian, bytes) = measured[0];
        var (buildersMedian, buildersBytes) = measured[1];
        var (byHandMedian, byHandBytes) = measured[2];

        var js = RunNode(script, rows, iterations, theirs);
        var jsMedian = js.GetProperty("medianMs").GetDouble();
        var jsBytes = js.GetProperty("bytes").GetInt64();

        // Same work: each peer's file, read by Bulwark, equals the table; Bulwark's file, read by Apache, does too.
        var same = new List<(string Check, bool Same)>();
        foreach (var (name, path) in new[] { ("Apache builders", apacheBuilders), ("Apache by hand", apacheByHand), ("JS", theirs) })
        {
            var back = await ArrowFile.ReadAsync<BenchRow>(path);
            same.Add(($"Bulwark read the {name} file", back.Count == table.Length && back.SequenceEqual(table)));
        }

        same.Add(("Apache read Bulwark's file", await ApacheReadsBackAsync(ours, table)));

        Console.WriteLine($"Arrow IPC file write, {rows:N0} rows x 6 columns (long, double, string, nullable string, timestamp[us, UTC], int), median of {iterations} runs taking turns after a warm-up; {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"writer",-52} {"median ms",10} {"rows/s",14} {"MB/s",8} {"file bytes",14}");
        Print("Bulwark (generated builder + ArrowIpcFileWriter)", ourMedian, rows, bytes);
        Print($"Apache.Arrow {ApacheVersion} builders + ArrowFileWriter", buildersMedian, rows, buildersBytes);
        Print($"Apache.Arrow {ApacheVersion} arrays by hand + ArrowFileWriter", byHandMedian, rows, byHandBytes);
        Print($"apache-arrow {js.GetProperty("version").GetString()} (JS)", jsMedian, rows, jsBytes);
        Console.WriteLine("ratios (Bulwark rows/s / peer rows/s; above 1 = Bulwark faster):");
        Console.WriteLine(Invariant($"  vs Apache.Arrow builders:       {buildersMedian / ourMedian:0.00}x"));
        Console.WriteLine(Invariant($"  vs Apache.Arrow arrays by hand: {byHandMedian / ourMedian:0.00}x"));
        Console.WriteLine(Invariant($"  vs apache-arrow (JS):           {jsMedian / ourMedian:0.00}x"));
        Console.WriteLine("same rows: " + string.Join("; ", same.Select(s => $"{s.Check}: {s.Same}")));
        return same.All(s => s.Same) ? 0 : 1;
    }

    internal static string ApacheVersion => typeof(ApacheIpc.ArrowFileWriter).Assembly.GetName().Version?.ToString(3) ?? "?";

    /// <summary>
    /// The median time of each writer, measured fairly: first every writer warms up until its code is fully optimized
    /// (the JIT promotes a method to optimized code only after 30 calls, some of these run once per batch, and a writer
    /// timed before that is measured half-compiled: measuring the writers one after another with a single warm-up each
    /// made the first one, Bulwark, look up to 3x slower), then the timed runs take turns, rotating which writer goes
    /// first, so a background process on the machine slows every writer alike.
    /// </summary>
    private static async Task<(double MedianMs, long Bytes)[]> MeasureAsync(int iterations, Func<BenchRow[], Task<long>>[] writers, BenchRow[] table, BenchRow[] warmUp)
    {
        for (var round = 0; round < 40; round++)
        {
            foreach (var write in writers)
            {
                await write(warmUp);
            }
        }

        var bytes = new long[writers.Length];
        for (var w = 0; w < writers.Length; w++)
        {
            // Full size once: pooled buffers and the file cache at their steady-state sizes.
            bytes[w] = await writers[w](table);
        }

        // Lets the background compiler finish the methods the warm-up promoted.
        await Task.Delay(500);
        var samples = writers.Select(_ => new List<double>()).ToArray();
        for (var i = 0; i < iterations; i++)
        {
            for (var k = 0; k < writers.Length; k++)
            {
                var w = (i + k) % writers.Length;
                var watch = Stopwatch.StartNew();
                bytes[w] = await writers[w](table);
                samples[w].Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        return samples.Select((s, w) => (s.Order().ElementAt(s.Count / 2), bytes[w])).ToArray();
    }

    // The same batch size as ArrowWriteRunner, so every writer emits the same number of record batches.
    private static async Task<long> WriteApacheAsync(BenchRow[] table, string path, bool byHand)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        var rented = new List<byte[]>();
        using (var writer = new ApacheIpc.ArrowFileWriter(file, ApacheBatches.Schema, leaveOpen: true))
        {
            for (var start = 0; start < table.Length; start += ArrowWriteRunner.BatchSize)
            {
                var count = Math.Min(ArrowWriteRunner.BatchSize, table.Length - start);
                using var batch = byHand ? ApacheBatches.ByHand(table, start, count, rented) : ApacheBatches.WithBuilders(table, start, count);
                await writer.WriteRecordBatchAsync(batch);
                ApacheBatches.Return(rented);
            }

            await writer.WriteEndAsync();
        }

        await file.FlushAsync();
        return file.Length;
    }

    private static async Task<bool> ApacheReadsBackAsync(string path, BenchRow[] table)
    {
        await using var file = File.OpenRead(path);
        using var reader = new ApacheIpc.ArrowFileReader(file);
        var start = 0;
        while (await reader.ReadNextRecordBatchAsync() is { } batch)
        {
            using (batch)
            {
                if (!ApacheBatches.Matches(batch, table, start))
                {
                    return false;
                }

                start += batch.Length;
            }
        }

        return start == table.Length;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static async Task<long> WriteFileAsync(BenchRow[] table, string path)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await ArrowWriteRunner.WriteUncountedAsync(table, file);
        await file.FlushAsync();
        return file.Length;
    }

    private static void Print(string name, double medianMs, int rows, long bytes) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-52} {medianMs,10:0.0} {rows / (medianMs / 1000),14:N0} {bytes / 1e6 / (medianMs / 1000),8:0.0} {bytes,14:N0}"));

    private static JsonElement RunNode(string script, int rows, int iterations, string output)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { script, "--rows", rows.ToString(CultureInfo.InvariantCulture), "--iterations", iterations.ToString(CultureInfo.InvariantCulture), "--out", output })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} failed with {process.ExitCode}: {stderr}");
        }

        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
