using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit.Sdk;

namespace Bulwark.Interop.Tests.Conformance;

/// <summary>
/// The apache/parquet-testing part: every file Bulwark reads is read to the row count its row groups declare and
/// compared value by value, column by column, with what DuckDB reads from the same file (js/duckdb-parquet-values.mjs),
/// Bulwark's batches converted to DuckDB's conventions by <see cref="DuckDbJson"/>. Files DuckDB cannot serve as the
/// reference are listed with the reason and compared with arrow-rs (parquet-wasm) instead, or not compared by value;
/// files where Bulwark and DuckDB differ and DuckDB is right are listed with the exact difference, which must persist
/// until Bulwark is fixed.
/// </summary>
public sealed partial class ConformanceCorpusTests
{
    /// <summary>Parquet files Bulwark refuses, with a phrase the error must contain.</summary>
    private static readonly Dictionary<string, string> ParquetRefusals = new(StringComparer.Ordinal)
    {
        ["datapage_v1-corrupt-checksum.parquet"] = "the page checksum does not match",
        ["rle-dict-uncompressed-corrupt-checksum.parquet"] = "the page checksum does not match",
        ["nation.dict-malformed.parquet"] = "run past the column chunk",
        ["hadoop_lz4_compressed.parquet"] = "Hadoop-framed LZ4, id 5) is not supported",
        ["hadoop_lz4_compressed_larger.parquet"] = "Hadoop-framed LZ4, id 5) is not supported",
        ["non_hadoop_lz4_compressed.parquet"] = "Hadoop-framed LZ4, id 5) is not supported",
        // A stress file whose one string page declares 1 GiB, four times the default page limit a reader may allocate.
        ["large_string_map.brotli.parquet"] = "above the 268435456-byte limit (ParquetReadOptions.MaxPageBytes)",
        ["map_no_value.parquet"] = "has keys but no values; a map without values is not supported",

        // Read in microseconds (see ParquetOptions), the years 9999 and 2024 fit; the year-290000 row does not hold a
        // valid INT96 at all: its nanosecond-of-day is negative (the writer's own arithmetic overflowed), so it is
        // refused rather than turned into some instant.
        ["int96_from_spark.parquet"] = "nanoseconds of the day; a day has 0 to 86399999999999",
    };

    /// <summary>
    /// Files read with options other than the defaults. Spark's INT96 values reach past what timestamp[ns] holds and
    /// the file has no Arrow schema naming a coarser unit: by default they are refused by value (never wrapped into a
    /// wrong instant, see Int96Tests); microseconds hold them.
    /// </summary>
    private static readonly Dictionary<string, ParquetReadOptions> ParquetOptions = new(StringComparer.Ordinal)
    {
        ["int96_from_spark.parquet"] = new ParquetReadOptions { Int96TimestampUnit = Apache.Arrow.Types.TimeUnit.Microsecond },
    };

    /// <summary>
    /// Files with INT96 timestamps, which Bulwark reads as timestamp[ns] and DuckDB as microsecond TIMESTAMPs: their
    /// nanosecond values are compared in microseconds and must be whole microseconds (a sub-microsecond part shows).
    /// </summary>
    private static readonly Dictionary<string, string> DuckDbInt96Files = new(StringComparer.Ordinal)
    {
        ["alltypes_dictionary.parquet"] = "timestamp_col is INT96",
        ["alltypes_plain.parquet"] = "timestamp_col is INT96",
        ["alltypes_plain.snappy.parquet"] = "timestamp_col is INT96",
        ["alltypes_tiny_pages.parquet"] = "timestamp_col is INT96",
        ["alltypes_tiny_pages_plain.parquet"] = "timestamp_col is INT96",
    };

    /// <summary>
    /// Files DuckDB is not the reference for, with the reason; <c>ArrowRs</c> says whether arrow-rs (parquet-wasm)
    /// is compared instead, else the values are not compared (the reason is printed).
    /// </summary>
    private static readonly Dictionary<string, (string Reason, bool ArrowRs)> DuckDbExceptions = new(StringComparer.Ordinal)
    {
        ["byte_stream_split_extended.gzip.parquet"] = ("DuckDB refuses the file: its BYTE_STREAM_SPLIT decoder takes FLOAT and DOUBLE only, and the file also splits FLOAT16, INT32, INT64, FIXED_LEN_BYTE_ARRAY and DECIMAL columns", true),
    };

    /// <summary>Files Bulwark reads differently from DuckDB where DuckDB is right: the exact difference, which must persist.</summary>
    private static readonly Dictionary<string, string> KnownDifferences = new(StringComparer.Ordinal)
    {
    };

    [ConformanceFact(RequiresNode = true)]
    public async Task Every_parquet_testing_file_reads_as_DuckDB_reads_it_or_is_refused_by_name()
    {
        var files = Directory.EnumerateFiles(ConformanceCorpus.ParquetData, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);

        // Without node on CI this fails once with the missing-tools message, not once per file.
        await NodeEnvironment.EnsureInstalledAsync();
        var failures = new List<string>();
        int sameAsDuckDb = 0, sameAsArrowRs = 0, notCompared = 0, known = 0, refused = 0;
        foreach (var path in files)
        {
            var name = Path.GetRelativePath(ConformanceCorpus.ParquetData, path).Replace('\\', '/');
            ParquetRefusals.TryGetValue(name, out var refusal);
            var batches = new List<RecordBatch>();
            try
            {
                Schema schema;
                long declared;
                var reader = await ParquetFileReader.OpenAsync(File.OpenRead(path), name, ParquetOptions.GetValueOrDefault(name));
                await using (reader)
                {
                    await foreach (var batch in reader.ReadBatchesAsync())
                    {
                        batches.Add(batch);
                    }

                    schema = reader.Schema;

                    // Row groups, not FileMetaData.num_rows: some writers left the latter 0.
                    declared = Enumerable.Range(0, reader.RowGroupCount).Sum(reader.GetRowGroupRowCount);
                }

                var rows = batches.Sum(b => (long)b.Length);
                if (refusal is not null)
                {
                    failures.Add($"{name}: read {rows} rows, expected a refusal containing \"{refusal}\"");
                    continue;
                }

                if (rows != declared)
                {
                    failures.Add($"{name}: read {rows} rows, the row groups declare {declared}");
                    continue;
                }

                string? difference;
                if (DuckDbExceptions.TryGetValue(name, out var exception))
                {
                    if (!exception.ArrowRs)
                    {
                        output.WriteLine($"{name}: values not compared: {exception.Reason}");
                        notCompared++;
                        continue;
                    }

                    difference = await DifferenceFromArrowRsAsync(path, schema, batches);
                    if (difference is null)
                    {
                        output.WriteLine($"{name}: compared with arrow-rs instead of DuckDB: {exception.Reason}");
                        sameAsArrowRs++;
                        continue;
                    }

                    difference = "arrow-rs: " + difference;
                }
                else
                {
                    var int96 = DuckDbInt96Files.TryGetValue(name, out var int96Column);
                    if (int96)
                    {
                        output.WriteLine($"{name}: {int96Column}, compared with DuckDB in microseconds");
                    }

                    difference = await DifferenceFromDuckDbAsync(path, schema, batches, int96);
                }

                if (KnownDifferences.TryGetValue(name, out var expected))
                {
                    if (!string.Equals(difference, expected, StringComparison.Ordinal))
                    {
                        failures.Add($"{name}: the known difference from DuckDB changed: expected\n    {expected}\n  now\n    {difference ?? "none (remove the entry)"}");
                    }
                    else
                    {
                        output.WriteLine($"{name}: known difference from DuckDB: {expected}");
                        known++;
                    }
                }
                else if (difference is not null)
                {
                    failures.Add($"{name}: {difference}");
                }
                else
                {
                    sameAsDuckDb++;
                }
            }
            catch (ParquetFormatException e) when (refusal is not null && e.Message.Contains(refusal, StringComparison.Ordinal))
            {
                refused++;
            }
            catch (Exception e)
            {
                failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
            }
            finally
            {
                batches.ForEach(b => b.Dispose());
            }
        }

        output.WriteLine($"parquet-testing: {files.Length} files; {sameAsDuckDb} equal to DuckDB value by value, {sameAsArrowRs} equal to arrow-rs (DuckDB exceptions), "
            + $"{notCompared} read but not compared by value, {known} with a known difference from DuckDB, {refused} refused as expected");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>What differs between DuckDB's reading of the file and Bulwark's batches, or null when nothing does.</summary>
    private static async Task<string?> DifferenceFromDuckDbAsync(string path, Schema schema, List<RecordBatch> batches, bool int96)
    {
        var result = await NodeEnvironment.RunScriptAsync("duckdb-parquet-values.mjs", [path]);
        var duck = ArrowJson.Parse(result.StandardOutput, "duckdb-parquet-values.mjs");
        var columns = duck["columns"]!.AsArray().Select(c => (Name: c!["name"]!.GetValue<string>(), Type: c["type"]!.GetValue<string>())).ToArray();
        var names = schema.FieldsList.Select(f => f.Name).ToArray();
        if (!columns.Select(c => c.Name).SequenceEqual(names, StringComparer.Ordinal))
        {
            return $"DuckDB reads columns [{string.Join(", ", columns.Select(c => c.Name))}], Bulwark [{string.Join(", ", names)}]";
        }

        var rows = batches.Sum(b => (long)b.Length);
        if (duck["numRows"]!.GetValue<long>() != rows)
        {
            return $"DuckDB reads {duck["numRows"]} rows, Bulwark {rows}";
        }

        // A zone-less timestamp is wall-clock time, a zoned one an instant: both are raw integers, so the values alone
        // would not show a zone lost or invented.
        for (var k = 0; k < names.Length; k++)
        {
            if (schema.FieldsList[k].DataType is TimestampType timestamp && timestamp.Timezone is null == columns[k].Type.StartsWith("TIMESTAMP WITH TIME ZONE", StringComparison.Ordinal))
            {
                return $"column {names[k]}: DuckDB reads {columns[k].Type}, Bulwark {ArrowJson.TypeString(timestamp)}";
            }
        }

        var actual = new JsonObject();
        for (var k = 0; k < names.Length; k++)
        {
            actual[names[k]] = DuckDbJson.Column(batches.Select(b => b.Column(k)), int96);
        }

        return Difference(duck["values"], actual);
    }

    /// <summary>The same comparison with arrow-rs, in describe.mjs's Arrow conventions, for files DuckDB cannot serve.</summary>
    private static async Task<string?> DifferenceFromArrowRsAsync(string path, Schema schema, List<RecordBatch> batches)
    {
        var arrowRs = await ParquetReaders.ParquetWasmAsync(path);
        var expected = TestTable.FlattenColumns(arrowRs.Json);
        var actual = new JsonObject();
        for (var k = 0; k < schema.FieldsList.Count; k++)
        {
            var values = new JsonArray();
            foreach (var batch in batches)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    values.Add(ArrowJson.Value(batch.Column(k), i));
                }
            }

            actual[schema.FieldsList[k].Name] = values;
        }

        return Difference(expected, actual);
    }

    private static string? Difference(JsonNode? expected, JsonObject actual)
    {
        try
        {
            ArrowJson.AssertEqual(expected, actual, "values (expected: the reference reader, got: Bulwark)");
            return null;
        }
        catch (XunitException e)
        {
            return e.Message;
        }
    }
}
