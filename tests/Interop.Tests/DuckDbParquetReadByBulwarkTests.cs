using System.Text.Json.Nodes;
using Bulwark.Parquet;

namespace Bulwark.Interop.Tests;

/// <summary>
/// Parquet files DuckDB writes (its defaults, and uncompressed / Snappy / Gzip / ZSTD / LZ4_RAW / large-dictionary settings with several
/// row groups, and data page v2 with its delta encodings) read by Bulwark, both as RecordBatches
/// (<see cref="ParquetFileReader"/>) and as generated records (<see cref="ParquetFile.ReadAsync{T}"/> and
/// <see cref="ParquetFile.StreamAsync{T}"/>). Every value must equal what DuckDB held in memory before writing.
/// </summary>
public sealed class DuckDbParquetReadByBulwarkTests : IDisposable
{
    private const int RowCount = 5000;

    /// <summary>The Arrow type Bulwark must report for each DuckDB column (a dictionary column reports its value type).</summary>
    private static readonly (string Name, string Type)[] ArrowTypes =
    [
        ("id", "int64"), ("u8", "uint8"), ("u16", "uint16"), ("u32", "uint32"), ("u64", "uint64"),
        ("i8", "int8"), ("i16", "int16"), ("i32", "int32"), ("f64", "float64"), ("f32", "float32"),
        ("host", "utf8"), ("note", "utf8"), ("flag", "bool"), ("ts", "timestamp[us, UTC]"), ("day", "date32[day]"), ("tod", "time64[us]"),
        ("price", "decimal128(9, 2)"), ("amount", "decimal128(18, 4)"), ("big", "decimal128(38, 10)"),
        ("uid", "fixed_size_binary(16)"), ("mood", "utf8"), ("tags", "list"), ("nums", "list"), ("point", "struct"), ("payload", "binary"),
    ];

    private readonly TestDirectory _directory = new();

    [NodeTheory]
    [InlineData("default")]
    [InlineData("uncompressed")]
    [InlineData("snappy")]
    [InlineData("gzip")]
    [InlineData("zstd")]
    [InlineData("lz4_raw")]
    [InlineData("dictionary")]
    [InlineData("v2")]
    public async Task DuckDb_file_reads_exactly_as_batches_and_records(string setting)
    {
        var (path, printed, diagnostics) = await WriteWithDuckDbAsync(setting);
        var expected = ExpectedFileValues(printed, diagnostics);
        var what = $"DuckDB Parquet ({printed["copyOptions"]})";

        var (schema, batches) = await BulwarkParquet.ReadAsync(path);
        var types = new JsonArray(schema.FieldsList.Select(f => (JsonNode?)new JsonObject { ["name"] = f.Name, ["type"] = ArrowJson.TypeString(f.DataType) }).ToArray());
        var expectedTypes = new JsonArray(ArrowTypes.Select(t => (JsonNode?)new JsonObject { ["name"] = t.Name, ["type"] = t.Type }).ToArray());
        ArrowJson.AssertEqual(expectedTypes, types, $"{what}: Arrow schema read by ParquetFileReader", diagnostics);
        Assert.Equal(printed["rowGroups"]!.AsArray().Count, batches.Count);
        ArrowJson.AssertEqual(expected, TestTable.FlattenColumns(new JsonObject { ["batches"] = batches }), $"{what}: values read by ParquetFileReader", diagnostics);

        var records = await ParquetFile.ReadAsync<DuckDbRow>(path);
        ArrowJson.AssertEqual(expected, ParquetJson.Columns(records.Select(r => r.ToJson()).ToArray()), $"{what}: values read by ParquetFile.ReadAsync<DuckDbRow>", diagnostics);

        var streamed = new List<JsonObject>();
        await foreach (var row in ParquetFile.StreamAsync<DuckDbRow>(path))
        {
            streamed.Add(row.ToJson());
        }

        ArrowJson.AssertEqual(expected, ParquetJson.Columns(streamed), $"{what}: values read by ParquetFile.StreamAsync<DuckDbRow>", diagnostics);
    }

    /// <summary>
    /// The values DuckDB held, except where DuckDB's own reading of its file differs: its writer folds -0.0 into the 0.0
    /// entry of a float dictionary (DuckDB, hyparquet and arrow-rs all read 0 there), so the file holds 0 and so must
    /// Bulwark read. Any other difference between DuckDB's table and its file fails the premise.
    /// </summary>
    private static JsonObject ExpectedFileValues(JsonNode printed, string diagnostics)
    {
        var expected = (JsonObject)printed["values"]!.DeepClone();
        foreach (var difference in printed["fileDifferences"]!.AsArray())
        {
            var column = difference!["column"]!.GetValue<string>();
            var row = difference["row"]!.GetValue<int>();
            var isSignedZero = column is "f64" or "f32" && difference["written"]?.ToJsonString() == "\"-0\"" && difference["read"]?.ToJsonString() == "0";
            Assert.True(isSignedZero, $"DuckDB reads its own file differently from what it wrote: {difference.ToJsonString()}\n{diagnostics}");
            expected[column]![row] = 0;
        }

        return expected;
    }

    private async Task<(string Path, JsonNode Printed, string Diagnostics)> WriteWithDuckDbAsync(string setting)
    {
        var path = _directory.File($"duckdb-{setting}.parquet");
        var result = await NodeEnvironment.RunScriptAsync("duckdb-write-parquet.mjs", [path, setting, RowCount.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var printed = ArrowJson.Parse(result.StandardOutput, "duckdb-write-parquet.mjs");
        var diagnostics = $"duckdb-write-parquet.mjs {path} {setting}\nstderr:\n{result.StandardError}";

        // Guards the premise: the setting took effect in the file DuckDB wrote.
        Assert.Equal(RowCount, printed["numRows"]!.GetValue<int>());
        var groups = printed["rowGroups"]!.AsArray();
        var chunks = groups.SelectMany(g => g!["columns"]!.AsArray()).ToArray();
        var codecs = chunks.Select(c => c!["compression"]!.GetValue<string>()).Distinct().ToArray();
        var encodings = chunks.SelectMany(c => c!["encodings"]!.GetValue<string>().Split(", ")).Distinct().ToArray();
        Assert.True(setting == "default" ? groups.Count >= 1 : groups.Count >= 2, $"DuckDB wrote {groups.Count} row group(s) with setting {setting}.\n{diagnostics}");
        Assert.Equal(
            setting switch { "uncompressed" => ["UNCOMPRESSED"], "gzip" => ["GZIP"], "zstd" => ["ZSTD"], "lz4_raw" => ["LZ4_RAW"], _ => ["SNAPPY"] },
            codecs);
        Assert.Contains("RLE_DICTIONARY", encodings);
        if (setting == "v2")
        {
            Assert.Contains("DELTA_BINARY_PACKED", encodings);
        }

        return (path, printed, diagnostics);
    }

    public void Dispose() => _directory.Dispose();
}
