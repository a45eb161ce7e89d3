using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bulwark.Arrow;

namespace Bulwark.Benchmarks;

/// <summary>
/// Measures Bulwark and apache-arrow (JS) on the same table in the same run, and checks that the two files hold the
/// same rows (Bulwark reads the JS file back), so the ratio compares equal work.
/// </summary>
internal static class ArrowWriteComparison
{
    public static async Task<int> RunAsync(int rows, int iterations, string script)
    {
        var directory = Path.Combine(Path.GetTempPath(), "bulwark-bench");
        Directory.CreateDirectory(directory);
        var ours = Path.Combine(directory, "bulwark.arrow");
        var theirs = Path.Combine(directory, "arrow-js.arrow");

        var table = BenchRow.CreateTable(rows);
        await WriteFileAsync(table, ours); // warm-up: JIT tiers and pooled buffers
        var samples = new List<double>();
        long bytes = 0;
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            bytes = await WriteFileAsync(table, ours);
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        var ourMedian = samples[samples.Count / 2];

        var js = RunNode(script, rows, iterations, theirs);
        var jsMedian = js.GetProperty("medianMs").GetDouble();
        var jsBytes = js.GetProperty("bytes").GetInt64();

        // Same work: the JS file, read by Bulwark, must equal the table Bulwark wrote.
        var back = await ArrowFile.ReadAsync<BenchRow>(theirs);
        var same = back.Count == table.Length && back.SequenceEqual(table);

        Console.WriteLine($"Arrow IPC file write, {rows:N0} rows x 6 columns (long, double, string, nullable string, timestamp[us, UTC], int), median of {iterations}");
        Console.WriteLine($"{"writer",-34} {"median ms",10} {"rows/s",14} {"MB/s",8} {"file bytes",14}");
        Print("Bulwark (generated builder)", ourMedian, rows, bytes);
        Print($"apache-arrow {js.GetProperty("version").GetString()} (JS)", jsMedian, rows, jsBytes);
        Console.WriteLine($"ratio (Bulwark rows/s / apache-arrow rows/s): {(jsMedian / ourMedian).ToString("0.00", CultureInfo.InvariantCulture)}x");
        Console.WriteLine($"same rows in both files (Bulwark read the JS file back): {same}");
        return same ? 0 : 1;
    }

    private static async Task<long> WriteFileAsync(BenchRow[] table, string path)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        var bytes = await ArrowWriteRunner.WriteAsync(table, file);
        await file.FlushAsync();
        return bytes;
    }

    private static void Print(string name, double medianMs, int rows, long bytes) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34} {medianMs,10:0.0} {rows / (medianMs / 1000),14:N0} {bytes / 1e6 / (medianMs / 1000),8:0.0} {bytes,14:N0}"));

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
