using System.Diagnostics;
using System.Globalization;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using ApacheArrays = Apache.Arrow;
using ApacheIpc = Apache.Arrow.Ipc;

namespace Bulwark.Benchmarks;

/// <summary>
/// Bulwark's ArrowIpcFileReader (which validates buffer sizes, offsets and null counts of every array it returns) against
/// Apache.Arrow's ArrowFileReader over the same IPC file, written once by Bulwark: open, read every batch and scan it
/// (sum of Id, total UTF-8 bytes of Url and Referrer, nulls in Referrer). Both scans must agree before the ratio prints.
/// </summary>
internal static class ArrowReadComparison
{
    /// <summary>What a full scan computes; equal results show both readers returned the same data.</summary>
    private readonly record struct Scan(long Rows, long SumId, long StringBytes, long Nulls);

    public static async Task<int> RunAsync(int rows, int iterations)
    {
        var directory = Path.Combine(Path.GetTempPath(), "bulwark-bench");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "bulwark-read.arrow");
        long bytes;
        {
            // Scoped so the source records are garbage before the reads are timed.
            var table = BenchRow.CreateTable(rows);
            await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            bytes = await ArrowWriteRunner.WriteAsync(table, file);
        }

        var (ourMedian, ours) = await MeasureAsync(iterations, () => ScanBulwarkAsync(path));
        var (apacheMedian, theirs) = await MeasureAsync(iterations, () => ScanApacheAsync(path));
        var expected = Expected(rows);
        var same = ours == expected && theirs == expected;

        Console.WriteLine($"Arrow IPC file read + full scan, {rows:N0} rows x 6 columns ({bytes:N0} bytes, written by Bulwark), median of {iterations}; {Environment.ProcessorCount} cores");
        Console.WriteLine("scan: sum of Id, total UTF-8 bytes of Url and Referrer, count of null Referrer");
        Console.WriteLine($"{"reader",-52} {"median ms",10} {"rows/s",14} {"MB/s",8}");
        Print("Bulwark ArrowIpcFileReader (validated)", ourMedian, rows, bytes);
        Print($"Apache.Arrow {ArrowWriteComparison.ApacheVersion} ArrowFileReader", apacheMedian, rows, bytes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio (Bulwark rows/s / Apache.Arrow rows/s): {apacheMedian / ourMedian:0.00}x; goal (issue 8) at least 0.8x: {(apacheMedian / ourMedian >= 0.8 ? "met" : "NOT met")}"));
        Console.WriteLine($"same scan results (Bulwark {ours}, Apache {theirs}, expected {expected}): {same}");
        return same ? 0 : 1;
    }

    // One warm-up (JIT tiers, pooled buffers, the file cache), then the median of the timed runs.
    private static async Task<(double MedianMs, Scan Result)> MeasureAsync(int iterations, Func<Task<Scan>> scan)
    {
        var result = await scan();
        var samples = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            result = await scan();
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        return (samples[samples.Count / 2], result);
    }

    private static async Task<Scan> ScanBulwarkAsync(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var reader = await ArrowIpcFileReader.OpenAsync(file, path);
        long count = 0, sumId = 0, stringBytes = 0, nulls = 0;
        await foreach (var batch in reader.ReadAllAsync())
        {
            using (batch)
            {
                count += batch.Length;
                var ids = ((ApacheArrays.Int64Array)batch.Column("Id")).Values;
                var urls = (ApacheArrays.StringArray)batch.Column("Url");
                var referrers = (ApacheArrays.StringArray)batch.Column("Referrer");
                for (var i = 0; i < batch.Length; i++)
                {
                    sumId += ids[i];
                    stringBytes += urls.GetBytes(i).Length;
                    if (referrers.IsValid(i))
                    {
                        stringBytes += referrers.GetBytes(i).Length;
                    }
                    else
                    {
                        nulls++;
                    }
                }
            }
        }

        return new Scan(count, sumId, stringBytes, nulls);
    }

    private static async Task<Scan> ScanApacheAsync(string path)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var reader = new ApacheIpc.ArrowFileReader(file);
        long count = 0, sumId = 0, stringBytes = 0, nulls = 0;
        while (await reader.ReadNextRecordBatchAsync() is { } batch)
        {
            using (batch)
            {
                count += batch.Length;
                var ids = ((ApacheArrays.Int64Array)batch.Column("Id")).Values;
                var urls = (ApacheArrays.StringArray)batch.Column("Url");
                var referrers = (ApacheArrays.StringArray)batch.Column("Referrer");
                for (var i = 0; i < batch.Length; i++)
                {
                    sumId += ids[i];
                    stringBytes += urls.GetBytes(i).Length;
                    if (referrers.IsValid(i))
                    {
                        stringBytes += referrers.GetBytes(i).Length;
                    }
                    else
                    {
                        nulls++;
                    }
                }
            }
        }

        return new Scan(count, sumId, stringBytes, nulls);
    }

    // The scan computed from BenchRow.Create(i) itself, so agreement of the two readers is not agreement on a wrong answer.
    private static Scan Expected(int rows)
    {
        long sumId = 0, stringBytes = 0, nulls = 0;
        for (var i = 0; i < rows; i++)
        {
            var row = BenchRow.Create(i);
            sumId += row.Id;
            stringBytes += row.Url.Length + (row.Referrer?.Length ?? 0);
            nulls += row.Referrer is null ? 1 : 0;
        }

        return new Scan(rows, sumId, stringBytes, nulls);
    }

    private static void Print(string name, double medianMs, int rows, long bytes) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-52} {medianMs,10:0.0} {rows / (medianMs / 1000),14:N0} {bytes / 1e6 / (medianMs / 1000),8:0.0}"));
}
