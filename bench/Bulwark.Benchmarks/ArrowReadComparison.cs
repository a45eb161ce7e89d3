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

        var (ourMedian, ours, apacheMedian, theirs) = await MeasureAsync(iterations, () => ScanBulwarkAsync(path), () => ScanApacheAsync(path));
        var expected = Expected(rows);
        var same = ours == expected && theirs == expected;

        Console.WriteLine($"Arrow IPC file read + full scan, {rows:N0} rows x 6 columns ({bytes:N0} bytes, written by Bulwark), median of {iterations} interleaved runs each; {Environment.ProcessorCount} cores");
        Console.WriteLine("scan: sum of Id, total UTF-8 bytes of Url and Referrer, count of null Referrer");
        Console.WriteLine($"{"reader",-52} {"median ms",10} {"rows/s",14} {"MB/s",8}");
        Print("Bulwark ArrowIpcFileReader (validated)", ourMedian, rows, bytes);
        Print($"Apache.Arrow {ArrowWriteComparison.ApacheVersion} ArrowFileReader", apacheMedian, rows, bytes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio (Bulwark rows/s / Apache.Arrow rows/s): {apacheMedian / ourMedian:0.00}x; goal (issue 8) at least 0.8x: {(apacheMedian / ourMedian >= 0.8 ? "met" : "NOT met")}"));
        Console.WriteLine($"same scan results (Bulwark {ours}, Apache {theirs}, expected {expected}): {same}");
        return same ? 0 : 1;
    }

    /// <summary>
    /// Both readers in the same run, interleaved (alternating which goes first) so a burst of load from elsewhere on the
    /// machine or a GC hits both alike. Warm-up lasts at least a second: tiered JIT promotes hot methods in the
    /// background after a delay, and a short warm-up left whichever reader ran first on slower code.
    /// </summary>
    private static async Task<(double Ours, Scan OurResult, double Apache, Scan ApacheResult)> MeasureAsync(int iterations, Func<Task<Scan>> ours, Func<Task<Scan>> apache)
    {
        // The source rows are garbage by now; collected here, not on whichever reader's clock a full GC next runs.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var warmUp = Stopwatch.StartNew();
        for (var round = 0; round < 3 || warmUp.Elapsed < TimeSpan.FromSeconds(1); round++)
        {
            await ours();
            await apache();
        }

        var ourSamples = new List<double>();
        var apacheSamples = new List<double>();
        Scan ourResult = default, apacheResult = default;
        for (var i = 0; i < iterations; i++)
        {
            if (i % 2 == 0)
            {
                ourResult = await TimeAsync(ours, ourSamples);
                apacheResult = await TimeAsync(apache, apacheSamples);
            }
            else
            {
                apacheResult = await TimeAsync(apache, apacheSamples);
                ourResult = await TimeAsync(ours, ourSamples);
            }
        }

        return (Median(ourSamples), ourResult, Median(apacheSamples), apacheResult);
    }

    private static async Task<Scan> TimeAsync(Func<Task<Scan>> scan, List<double> samples)
    {
        var watch = Stopwatch.StartNew();
        var result = await scan();
        samples.Add(watch.Elapsed.TotalMilliseconds);
        return result;
    }

    private static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static async Task<Scan> ScanBulwarkAsync(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var reader = await ArrowIpcFileReader.OpenAsync(file, path);
        var scan = default(Scan);
        for (var i = 0; i < reader.BatchCount; i++)
        {
            using var batch = await reader.ReadBatchAsync(i);
            scan = Add(scan, batch);
        }

        return scan;
    }

    private static async Task<Scan> ScanApacheAsync(string path)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var reader = new ApacheIpc.ArrowFileReader(file);
        var scan = default(Scan);
        while (await reader.ReadNextRecordBatchAsync() is { } batch)
        {
            using (batch)
            {
                scan = Add(scan, batch);
            }
        }

        return scan;
    }

    // One scan for both readers: the same JIT-compiled loop over Apache arrays, so only the readers differ.
    private static Scan Add(Scan scan, ApacheArrays.RecordBatch batch)
    {
        long sumId = 0, stringBytes = 0, nulls = 0;
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

        return new Scan(scan.Rows + batch.Length, scan.SumId + sumId, scan.StringBytes + stringBytes, scan.Nulls + nulls);
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
