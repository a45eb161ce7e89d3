using System.Diagnostics;
using System.Numerics;
using Bulwark.Parquet;
using Parquet;
using Parquet.Schema;
using ParquetSharp;
using ParquetSharp.Arrow;
using ApacheArrays = Apache.Arrow;

namespace Bulwark.Benchmarks;

/// <summary>
/// The .NET peers of the Parquet comparison: ParquetSharp's Arrow FileWriter/FileReader (Arrow C++ underneath, fed
/// Apache.Arrow record batches) and Parquet.Net (fully managed, column arrays). Each writer starts from the same
/// BenchRow records as Bulwark, so building its input is part of its time, as Bulwark's BatchBuilder is of Bulwark's.
/// </summary>
internal static partial class ParquetComparison
{
    /// <summary>Timed writes of the peers; the files are left behind for the row checks and the reads.</summary>
    private static async Task<(List<double> ParquetSharp, List<double> ParquetNet)> MeasurePeerWritesAsync(int rows, int iterations, string parquetSharpPath, string parquetNetPath, ParquetWriteOptions options)
    {
        var table = BenchRow.CreateTable(rows);
        WriteParquetSharp(table, parquetSharpPath, options);
        await WriteParquetNetAsync(table, parquetNetPath, options);
        var sharpSamples = new List<double>();
        var netSamples = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            WriteParquetSharp(table, parquetSharpPath, options);
            sharpSamples.Add(watch.Elapsed.TotalMilliseconds);

            watch.Restart();
            await WriteParquetNetAsync(table, parquetNetPath, options);
            netSamples.Add(watch.Elapsed.TotalMilliseconds);
        }

        return (sharpSamples, netSamples);
    }

    // Same codec, level and row group size as Bulwark's options; one row group per record batch.
    private static void WriteParquetSharp(BenchRow[] table, string path, ParquetWriteOptions options)
    {
        using var builder = new WriterPropertiesBuilder();
        builder.Compression(options.Compression switch
        {
            ParquetCompression.Snappy => Compression.Snappy,
            ParquetCompression.Zstd => Compression.Zstd,
            // Arrow C++ writes its LZ4 as the LZ4_RAW codec (Bulwark's read-back of this file checks it).
            ParquetCompression.Lz4Raw => Compression.Lz4,
            var other => throw new ArgumentOutOfRangeException(nameof(options), other, "no ParquetSharp equivalent chosen"),
        });
        if (options.Compression == ParquetCompression.Zstd)
        {
            builder.CompressionLevel(options.ZstdLevel);
        }

        using var properties = builder.MaxRowGroupLength(options.RowGroupSize).Build();
        using var arrowProperties = new ArrowWriterPropertiesBuilder().Build();
        using var writer = new FileWriter(path, ApacheBatches.Schema, properties, arrowProperties);
        var rented = new List<byte[]>();
        for (var start = 0; start < table.Length; start += options.RowGroupSize)
        {
            var count = Math.Min(options.RowGroupSize, table.Length - start);
            using var batch = ApacheBatches.ByHand(table, start, count, rented);
            writer.WriteRecordBatch(batch, options.RowGroupSize);
            ApacheBatches.Return(rented);
        }

        writer.Close();
    }

    private static readonly DataField<long> NetId = new("Id", false);
    private static readonly DataField<double> NetScore = new("Score", false);
    private static readonly DataField<string> NetUrl = new("Url", false);
    private static readonly DataField<string> NetReferrer = new("Referrer", true);
    private static readonly DateTimeDataField NetTime = new("Time", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);
    private static readonly DataField<int> NetStatus = new("Status", false);
    private static readonly ParquetSchema NetSchema = new(NetId, NetScore, NetUrl, NetReferrer, NetTime, NetStatus);

    private static async Task WriteParquetNetAsync(BenchRow[] table, string path, ParquetWriteOptions options)
    {
        var netOptions = new ParquetOptions
        {
            CompressionMethod = options.Compression switch
            {
                ParquetCompression.Snappy => CompressionMethod.Snappy,
                ParquetCompression.Zstd => CompressionMethod.Zstd,
                ParquetCompression.Lz4Raw => CompressionMethod.Lz4Raw,
                var other => throw new ArgumentOutOfRangeException(nameof(options), other, "no Parquet.Net equivalent chosen"),
            },

            // Parquet.Net takes a System.IO.Compression level, not a zstd number; Fastest is the nearest to ZSTD-1.
            CompressionLevel = System.IO.Compression.CompressionLevel.Fastest,
        };
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await using (var writer = await ParquetWriter.CreateAsync(NetSchema, file, netOptions))
        {
            for (var start = 0; start < table.Length; start += options.RowGroupSize)
            {
                var count = Math.Min(options.RowGroupSize, table.Length - start);
                var ids = new long[count];
                var scores = new double[count];
                var urls = new string[count];
                var referrers = new string?[count];
                var times = new DateTime[count];
                var statuses = new int[count];
                for (var k = 0; k < count; k++)
                {
                    var row = table[start + k];
                    ids[k] = row.Id;
                    scores[k] = row.Score;
                    urls[k] = row.Url;
                    referrers[k] = row.Referrer;
                    times[k] = row.Time.UtcDateTime;
                    statuses[k] = row.Status;
                }

                using var group = writer.CreateRowGroup();
                await group.WriteAsync<long>(NetId, ids);
                await group.WriteAsync<double>(NetScore, scores);
                await group.WriteAsync(NetUrl, urls);
                await group.WriteAsync(NetReferrer, referrers!);
                await group.WriteAsync<DateTime>(NetTime, times);
                await group.WriteAsync<int>(NetStatus, statuses);
                group.CompleteValidate();
            }
        }

        await file.FlushAsync();
    }

    // Strings are ASCII here, so UTF-8 byte lengths equal the character counts the other readers sum.
    private static Task<Aggregates> ReadParquetSharpAsync(string path)
    {
        long count = 0, sumId = 0, sumUrl = 0, referrers = 0, sumReferrer = 0, sumStatus = 0;
        double sumScore = 0;
        BigInteger sumTime = 0;
        using var reader = new FileReader(path);
        using var batches = reader.GetRecordBatchReader();
        while (batches.ReadNextRecordBatchAsync().AsTask().GetAwaiter().GetResult() is { } batch)
        {
            using (batch)
            {
                count += batch.Length;
                var ids = (ApacheArrays.Int64Array)batch.Column("Id");
                var scores = (ApacheArrays.DoubleArray)batch.Column("Score");
                var urls = (ApacheArrays.StringArray)batch.Column("Url");
                var refs = (ApacheArrays.StringArray)batch.Column("Referrer");
                var times = (ApacheArrays.TimestampArray)batch.Column("Time");
                var statuses = (ApacheArrays.Int32Array)batch.Column("Status");
                long timeChunk = 0;
                for (var i = 0; i < batch.Length; i++)
                {
                    sumId += ids.Values[i];
                    sumScore += scores.Values[i];
                    sumUrl += urls.GetBytes(i).Length;
                    if (refs.IsValid(i))
                    {
                        referrers++;
                        sumReferrer += refs.GetBytes(i).Length;
                    }

                    // Microseconds (the column's unit) since 1970; see ReadBatchesAsync for why sums go through chunks.
                    timeChunk += times.Values[i];
                    if ((i & 1023) == 1023)
                    {
                        sumTime += timeChunk;
                        timeChunk = 0;
                    }

                    sumStatus += statuses.Values[i];
                }

                sumTime += timeChunk;
            }
        }

        return Task.FromResult(new Aggregates(count, sumId, sumScore, sumUrl, referrers, sumReferrer, sumTime, sumStatus));
    }

    private static async Task<Aggregates> ReadParquetNetAsync(string path)
    {
        long count = 0, sumId = 0, sumUrl = 0, referrers = 0, sumReferrer = 0, sumStatus = 0;
        double sumScore = 0;
        BigInteger sumTime = 0;
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = checked((int)group.RowCount);
            var ids = new long[n];
            var scores = new double[n];
            var urls = new string[n];
            var refs = new string[n];
            var times = new DateTime[n];
            var statuses = new int[n];
            await group.ReadAsync<long>(fields["Id"], ids);
            await group.ReadAsync<double>(fields["Score"], scores);
            await group.ReadAsync(fields["Url"], urls);
            await group.ReadAsync(fields["Referrer"], refs);
            await group.ReadAsync<DateTime>(fields["Time"], times);
            await group.ReadAsync<int>(fields["Status"], statuses);
            count += n;
            long timeChunk = 0;
            for (var i = 0; i < n; i++)
            {
                sumId += ids[i];
                sumScore += scores[i];
                sumUrl += urls[i].Length;
                if (refs[i] is { } referrer)
                {
                    referrers++;
                    sumReferrer += referrer.Length;
                }

                timeChunk += (times[i].Ticks - DateTime.UnixEpoch.Ticks) / 10;
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

    private static async Task<(double MedianMs, Aggregates Result)> MeasureReadAsync(int iterations, Func<Task<Aggregates>> read)
    {
        var result = await read();
        var samples = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            result = await read();
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        return (Median(samples), result);
    }
}
