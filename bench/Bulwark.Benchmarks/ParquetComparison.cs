using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Parquet;

namespace Bulwark.Benchmarks;

/// <summary>
/// Bulwark, DuckDB, ParquetSharp and Parquet.Net writing and reading the same BenchRow table as Parquet with one codec
/// (Snappy by default), in one run: DuckDB single-threaded (the issue's yardstick) and with its default threads.
/// Checks that the work is equal: Bulwark reads every peer's file back to exactly BenchRow.Create(i) for every row, and
/// every reader's aggregates equal DuckDB's over its own file.
/// </summary>
internal static partial class ParquetComparison
{
    /// <summary>The aggregates both sides compute in a read: a full scan that touches every column.</summary>
    private sealed record Aggregates(long Count, long SumId, double SumScore, long SumUrlLength, long Referrers, long SumReferrerLength, BigInteger SumTimeMicros, long SumStatus)
    {
        public static Aggregates FromJson(JsonElement json) => new(
            long.Parse(json.GetProperty("count").GetString()!, CultureInfo.InvariantCulture),
            long.Parse(json.GetProperty("sumId").GetString()!, CultureInfo.InvariantCulture),
            json.GetProperty("sumScore").GetDouble(),
            long.Parse(json.GetProperty("sumUrlLength").GetString()!, CultureInfo.InvariantCulture),
            long.Parse(json.GetProperty("referrers").GetString()!, CultureInfo.InvariantCulture),
            long.Parse(json.GetProperty("sumReferrerLength").GetString()!, CultureInfo.InvariantCulture),
            BigInteger.Parse(json.GetProperty("sumTimeMicros").GetString()!, CultureInfo.InvariantCulture),
            long.Parse(json.GetProperty("sumStatus").GetString()!, CultureInfo.InvariantCulture));
    }

    public static async Task<int> RunAsync(int rows, int iterations, string script, string codec)
    {
        var directory = Path.Combine(Path.GetTempPath(), "bulwark-bench-parquet");
        Directory.CreateDirectory(directory);
        var ours = Path.Combine(directory, "bulwark.parquet");
        var oursPlain = Path.Combine(directory, "bulwark-nofsync.parquet");
        var duckOne = Path.Combine(directory, "duckdb-1thread.parquet");
        var duckDefault = Path.Combine(directory, "duckdb-default.parquet");
        var sharpPath = Path.Combine(directory, "parquetsharp.parquet");
        var netPath = Path.Combine(directory, "parquet-net.parquet");
        var options = codec switch
        {
            "snappy" => new ParquetWriteOptions { Compression = ParquetCompression.Snappy },
            "zstd" => new ParquetWriteOptions { Compression = ParquetCompression.Zstd, ZstdLevel = 1 },
            "lz4raw" => new ParquetWriteOptions { Compression = ParquetCompression.Lz4Raw },
            _ => throw new ArgumentException($"unknown codec {codec}; expected snappy, zstd or lz4raw", nameof(codec)),
        };
        var codecName = codec switch { "zstd" => "ZSTD-1", "lz4raw" => "LZ4_RAW", _ => "Snappy" };

        var (writeSamples, plainSamples, buildSamples) = await MeasureWritesAsync(rows, iterations, ours, oursPlain, options);
        var ourBytes = new FileInfo(ours).Length;
        var ourPlainBytes = new FileInfo(oursPlain).Length;

        await ReadRecordsAsync(ours);
        await ReadBatchesAsync(ours);
        var recordSamples = new List<double>();
        var batchSamples = new List<double>();
        Aggregates? ourAggregates = null;
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            ourAggregates = await ReadRecordsAsync(ours);
            recordSamples.Add(watch.Elapsed.TotalMilliseconds);

            watch.Restart();
            var batchAggregates = await ReadBatchesAsync(ours);
            batchSamples.Add(watch.Elapsed.TotalMilliseconds);
            if (batchAggregates != ourAggregates)
            {
                throw new InvalidOperationException($"record and batch reads of {ours} disagree: {ourAggregates} vs {batchAggregates}");
            }
        }

        var (sharpWrites, netWrites) = await MeasurePeerWritesAsync(rows, iterations, sharpPath, netPath, options);
        var (sharpRead, sharpAggregates) = await MeasureReadAsync(iterations, () => ReadParquetSharpAsync(ours));
        var (netRead, netAggregates) = await MeasureReadAsync(iterations, () => ReadParquetNetAsync(ours));

        var duck1 = RunNode(script, rows, iterations, duckOne, threads: 1, check: ours, codec);
        var duckN = RunNode(script, rows, iterations, duckDefault, threads: null, check: null, codec);
        var duckAggregates = Aggregates.FromJson(duck1.GetProperty("aggregates"));
        var duckOnOurs = Aggregates.FromJson(duck1.GetProperty("checkAggregates"));

        await ReadBatchesAsync(duckOne);
        var foreignSamples = new List<double>();
        Aggregates? foreignAggregates = null;
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            foreignAggregates = await ReadBatchesAsync(duckOne);
            foreignSamples.Add(watch.Elapsed.TotalMilliseconds);
        }

        // Same work: every row Bulwark reads from DuckDB's file is BenchRow.Create(i), and each side's aggregates agree.
        var sameRows = await MatchesBenchRowsAsync(duckOne, rows) && await MatchesBenchRowsAsync(sharpPath, rows) && await MatchesBenchRowsAsync(netPath, rows);
        var sameAggregates = ourAggregates == duckAggregates && duckOnOurs == duckAggregates && foreignAggregates == duckAggregates
            && sharpAggregates == duckAggregates && netAggregates == duckAggregates;

        var version = duck1.GetProperty("version").GetString();
        var duck1Write = duck1.GetProperty("writeMedianMs").GetDouble();
        var duckNWrite = duckN.GetProperty("writeMedianMs").GetDouble();
        var duck1Bytes = duck1.GetProperty("bytes").GetInt64();
        var duckNBytes = duckN.GetProperty("bytes").GetInt64();
        var ourWrite = Median(writeSamples);
        var ourPlainWrite = Median(plainSamples);

        Console.WriteLine($"Parquet ({codecName}), {rows:N0} rows x 6 columns (long, double, string, nullable string, timestamp[us, UTC], int), median of {iterations}; {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"write",-64} {"median ms",10} {"rows/s",14} {"file bytes",14}");
        Print("Bulwark ParquetFile.WriteAsync (temp, fsync, rename)", ourWrite, rows, ourBytes);
        Print("Bulwark ParquetFileWriter on a FileStream (no fsync)", ourPlainWrite, rows, ourPlainBytes);
        Print("  of which records -> Arrow batches (BatchBuilder)", Median(buildSamples), rows, null);
        Print($"DuckDB {version} COPY, threads=1", duck1Write, rows, duck1Bytes);
        Print($"DuckDB {version} COPY, threads={duckN.GetProperty("threads").GetInt32()} (default)", duckNWrite, rows, duckNBytes);
        Print($"ParquetSharp {PeerVersion(typeof(ParquetSharp.Arrow.FileWriter))} Arrow FileWriter (Apache batches)", Median(sharpWrites), rows, new FileInfo(sharpPath).Length);
        Print($"Parquet.Net {PeerVersion(typeof(global::Parquet.ParquetWriter))} ParquetWriter (column arrays)", Median(netWrites), rows, new FileInfo(netPath).Length);
        Console.WriteLine($"{"read (full scan, every column)",-64} {"median ms",10} {"rows/s",14}");
        Print("Bulwark ParquetFile.StreamAsync<BenchRow>, own file", Median(recordSamples), rows, null);
        Print("Bulwark ParquetFileReader batches, own file", Median(batchSamples), rows, null);
        Print("Bulwark ParquetFileReader batches, DuckDB's file", Median(foreignSamples), rows, null);
        Print("DuckDB read_parquet aggregates, threads=1", duck1.GetProperty("readMedianMs").GetDouble(), rows, null);
        Print($"DuckDB read_parquet aggregates, threads={duckN.GetProperty("threads").GetInt32()} (default)", duckN.GetProperty("readMedianMs").GetDouble(), rows, null);
        Print("ParquetSharp Arrow FileReader -> Apache batches, Bulwark's file", sharpRead, rows, null);
        Print("Parquet.Net ParquetReader column arrays, Bulwark's file", netRead, rows, null);

        Console.WriteLine("ratios (rows/s of Bulwark / rows/s of the peer; above 1 = Bulwark faster):");
        Console.WriteLine(Invariant($"  write, WriteAsync vs DuckDB threads=1:           {duck1Write / ourWrite:0.00}x"));
        Console.WriteLine(Invariant($"  write, FileStream (no fsync) vs DuckDB threads=1: {duck1Write / ourPlainWrite:0.00}x"));
        Console.WriteLine(Invariant($"  write, WriteAsync vs DuckDB default threads:      {duckNWrite / ourWrite:0.00}x"));
        Console.WriteLine(Invariant($"  read, StreamAsync<BenchRow> vs DuckDB threads=1:  {duck1.GetProperty("readMedianMs").GetDouble() / Median(recordSamples):0.00}x"));
        Console.WriteLine(Invariant($"  read, batches vs DuckDB threads=1:                {duck1.GetProperty("readMedianMs").GetDouble() / Median(batchSamples):0.00}x"));
        Console.WriteLine(Invariant($"  write, FileStream (no fsync) vs ParquetSharp:     {Median(sharpWrites) / ourPlainWrite:0.00}x"));
        Console.WriteLine(Invariant($"  write, FileStream (no fsync) vs Parquet.Net:      {Median(netWrites) / ourPlainWrite:0.00}x"));
        Console.WriteLine(Invariant($"  read, batches vs ParquetSharp Arrow FileReader:   {sharpRead / Median(batchSamples):0.00}x"));
        Console.WriteLine(Invariant($"  read, batches vs Parquet.Net:                     {netRead / Median(batchSamples):0.00}x"));
        Console.WriteLine(Invariant($"  output size, Bulwark / DuckDB:                    {(double)ourBytes / duck1Bytes:0.000}x"));
        Console.WriteLine(Invariant($"  output size, Bulwark / ParquetSharp:              {(double)ourBytes / new FileInfo(sharpPath).Length:0.000}x"));
        var fastEnough = ourWrite <= duck1Write;
        var smallEnough = ourBytes <= 1.1 * duck1Bytes;
        Console.WriteLine($"goal (issue 5): write at least as fast as DuckDB threads=1: {(fastEnough ? "met" : "NOT met")}; output at most 1.1x DuckDB's: {(smallEnough ? "met" : "NOT met")}");
        Console.WriteLine($"same rows: Bulwark read DuckDB's, ParquetSharp's and Parquet.Net's files as BenchRow.Create(i) for every i: {sameRows}; aggregates equal (Bulwark on its file and DuckDB's, DuckDB on its file and on Bulwark's, ParquetSharp and Parquet.Net on Bulwark's): {sameAggregates}");
        if (!sameAggregates)
        {
            Console.WriteLine($"  Bulwark own file: {ourAggregates}\n  DuckDB own file:  {duckAggregates}\n  DuckDB on ours:   {duckOnOurs}\n  Bulwark on DuckDB's file: {foreignAggregates}\n  ParquetSharp on ours: {sharpAggregates}\n  Parquet.Net on ours: {netAggregates}");
        }

        return sameRows && sameAggregates ? 0 : 1;
    }

    // The table lives only here, so the reads that follow do not run with millions of records on the heap.
    private static async Task<(List<double> WriteAsync, List<double> FileStream, List<double> BuildOnly)> MeasureWritesAsync(int rows, int iterations, string ours, string oursPlain, ParquetWriteOptions options)
    {
        var table = BenchRow.CreateTable(rows);

        // Warm-up of each timed path: JIT tiers, pooled buffers, the file cache.
        await ParquetFile.WriteAsync(ours, table, options);
        await WriteWithoutSyncAsync(table, oursPlain, options);
        BuildOnly(table, options);
        var writeSamples = new List<double>();
        var plainSamples = new List<double>();
        var buildSamples = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            await ParquetFile.WriteAsync(ours, table, options);
            writeSamples.Add(watch.Elapsed.TotalMilliseconds);

            watch.Restart();
            await WriteWithoutSyncAsync(table, oursPlain, options);
            plainSamples.Add(watch.Elapsed.TotalMilliseconds);

            watch.Restart();
            BuildOnly(table, options);
            buildSamples.Add(watch.Elapsed.TotalMilliseconds);
        }

        return (writeSamples, plainSamples, buildSamples);
    }

    // The records-to-Arrow share of a write: the same batches as WriteWithoutSyncAsync, not encoded as Parquet.
    private static void BuildOnly(BenchRow[] table, ParquetWriteOptions options)
    {
        using var builder = BenchRow.CreateBatchBuilder();
        for (var i = 0; i < table.Length; i++)
        {
            builder.Append(table[i]);
            if (builder.Count == options.RowGroupSize || i == table.Length - 1)
            {
                builder.Build().Dispose();
            }
        }
    }

    private static async Task WriteWithoutSyncAsync(BenchRow[] table, string path, ParquetWriteOptions options)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await using var writer = new ParquetFileWriter(file, BenchRow.ArrowSchema, options);
        using var builder = BenchRow.CreateBatchBuilder();
        for (var i = 0; i < table.Length; i++)
        {
            builder.Append(table[i]);
            if (builder.Count == options.RowGroupSize || i == table.Length - 1)
            {
                using var batch = builder.Build();
                await writer.WriteBatchAsync(batch);
            }
        }

        await writer.CompleteAsync();
    }

    private static async Task<Aggregates> ReadRecordsAsync(string path)
    {
        long count = 0, sumId = 0, sumUrl = 0, referrers = 0, sumReferrer = 0, sumStatus = 0;
        double sumScore = 0;
        BigInteger sumTime = 0;
        long timeChunk = 0;
        await foreach (var row in ParquetFile.StreamAsync<BenchRow>(path))
        {
            count++;
            sumId += row.Id;
            sumScore += row.Score;
            sumUrl += row.Url.Length;
            if (row.Referrer is { } referrer)
            {
                referrers++;
                sumReferrer += referrer.Length;
            }

            timeChunk += (row.Time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
            if ((count & 1023) == 0)
            {
                sumTime += timeChunk;
                timeChunk = 0;
            }

            sumStatus += row.Status;
        }

        return new Aggregates(count, sumId, sumScore, sumUrl, referrers, sumReferrer, sumTime + timeChunk, sumStatus);
    }

    // Strings are ASCII here, so UTF-8 byte lengths equal DuckDB's character lengths.
    private static async Task<Aggregates> ReadBatchesAsync(string path)
    {
        long count = 0, sumId = 0, sumUrl = 0, referrers = 0, sumReferrer = 0, sumStatus = 0;
        double sumScore = 0;
        BigInteger sumTime = 0;
        await using var reader = await ParquetFileReader.OpenAsync(File.OpenRead(path), path);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var batch = await reader.ReadRowGroupAsync(g, CancellationToken.None);
            count += batch.Length;
            var ids = ((PrimitiveArray<long>)batch.Column("Id")).Values;
            var scores = ((PrimitiveArray<double>)batch.Column("Score")).Values;
            var urls = batch.Column("Url");
            var refs = batch.Column("Referrer");
            var times = ((PrimitiveArray<long>)batch.Column("Time")).Values;
            var statuses = ((PrimitiveArray<int>)batch.Column("Status")).Values;
            long timeChunk = 0;
            for (var i = 0; i < batch.Length; i++)
            {
                sumId += ids[i];
                sumScore += scores[i];
                sumUrl += Utf8Length(urls, i);
                if (refs.IsValid(i))
                {
                    referrers++;
                    sumReferrer += Utf8Length(refs, i);
                }

                // Microseconds since 1970 near 2026 are ~1.8e15: a long holds the sum of 1024 of them, not of a row group.
                timeChunk += times[i];
                if ((i & 1023) == 1023)
                {
                    sumTime += timeChunk;
                    timeChunk = 0;
                }

                sumStatus += statuses[i];
            }

            sumTime += timeChunk;
        }

        return new Aggregates(count, sumId, sumScore, sumUrl, referrers, sumReferrer, sumTime, sumStatus);
    }

    private static int Utf8Length(IArrowArray array, int index) => array switch
    {
        BinaryArray strings => strings.GetBytes(index).Length,
        DictionaryArray { Indices: Int32Array indices } dictionary => Utf8Length(dictionary.Dictionary, indices.Values[index]),
        _ => throw new InvalidOperationException($"unexpected string column array {array.GetType().Name}"),
    };

    private static async Task<bool> MatchesBenchRowsAsync(string path, int rows)
    {
        var i = 0;
        await foreach (var row in ParquetFile.StreamAsync<BenchRow>(path))
        {
            if (i >= rows || row != BenchRow.Create(i))
            {
                Console.WriteLine($"row {i} of {path}: {row}, expected {(i < rows ? BenchRow.Create(i) : "no more rows")}");
                return false;
            }

            i++;
        }

        return i == rows;
    }

    private static double Median(List<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Print(string name, double medianMs, int rows, long? bytes) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-64} {medianMs,10:0.0} {rows / (medianMs / 1000),14:N0} {(bytes is { } b ? b.ToString("N0", CultureInfo.InvariantCulture) : string.Empty),14}"));

    // The package version (assembly versions of some peers stay at the major release), without the source revision.
    private static string PeerVersion(Type type) =>
        (type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false).FirstOrDefault() as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion.Split('+')[0] ?? "?";

    private static JsonElement RunNode(string script, int rows, int iterations, string output, int? threads, string? check, string codec)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        var arguments = new List<string> { script, "--rows", rows.ToString(CultureInfo.InvariantCulture), "--iterations", iterations.ToString(CultureInfo.InvariantCulture), "--out", output, "--codec", codec };
        if (threads is { } t)
        {
            arguments.AddRange(["--threads", t.ToString(CultureInfo.InvariantCulture)]);
        }

        if (check is not null)
        {
            arguments.AddRange(["--check", check]);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} failed with {process.ExitCode}: {stderr.Result}");
        }

        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
