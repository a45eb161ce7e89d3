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
        var (ourMedian, bytes) = await MeasureAsync(iterations, () => WriteFileAsync(table, ours));
        var (buildersMedian, buildersBytes) = await MeasureAsync(iterations, () => WriteApacheAsync(table, apacheBuilders, byHand: false));
        var (byHandMedian, byHandBytes) = await MeasureAsync(iterations, () => WriteApacheAsync(table, apacheByHand, byHand: true));

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

        Console.WriteLine($"Arrow IPC file write, {rows:N0} rows x 6 columns (long, double, string, nullable string, timestamp[us, UTC], int), median of {iterations}; {Environment.ProcessorCount} cores");
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

    // One warm-up (JIT tiers, pooled buffers, the file cache), then the median of the timed runs.
    private static async Task<(double MedianMs, long Bytes)> MeasureAsync(int iterations, Func<Task<long>> write)
    {
        var bytes = await write();
        var samples = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            bytes = await write();
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        return (samples[samples.Count / 2], bytes);
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
        var bytes = await ArrowWriteRunner.WriteAsync(table, file);
        await file.FlushAsync();
        return bytes;
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
