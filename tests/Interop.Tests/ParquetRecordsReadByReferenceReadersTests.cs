using System.Text.Json.Nodes;
using Bulwark.Parquet;
using Xunit.Sdk;

namespace Bulwark.Interop.Tests;

/// <summary>
/// Generated records written with <see cref="ParquetFile.WriteAsync{T}"/> (the user-facing entry point): DuckDB and
/// arrow-rs read every member kind of DESIGN.md section 2 back exactly (enums as ENUM names, Guid as UUID, TimeSpan as
/// INT64 microseconds with the Arrow duration restored from the embedded schema), and Bulwark's own ReadAsync and
/// StreamAsync return the same records.
/// </summary>
public sealed class ParquetRecordsReadByReferenceReadersTests : IDisposable
{
    private const int RowCount = 300;

    private static readonly (string Name, string Type)[] DuckDbColumns =
    [
        ("id", "BIGINT"), ("flag", "BOOLEAN"), ("i8", "TINYINT"), ("i16", "SMALLINT"), ("i32", "INTEGER"),
        ("u8", "UTINYINT"), ("u16", "USMALLINT"), ("u32", "UINTEGER"), ("u64", "UBIGINT"), ("f32", "FLOAT"), ("f64", "DOUBLE"),
        ("price", "DECIMAL(9,2)"), ("amount", "DECIMAL(18,4)"), ("big", "DECIMAL(28,10)"),
        ("name", "VARCHAR"), ("note", "VARCHAR"), ("bytes", "BLOB"), ("uid", "UUID"), ("day", "DATE"), ("tod", "TIME"),
        ("at", "TIMESTAMP WITH TIME ZONE"), ("local", "TIMESTAMP WITH TIME ZONE"), ("span", "BIGINT"),
        ("status", "VARCHAR"), ("maybe_status", "VARCHAR"), ("ints", "INTEGER[]"), ("words", "VARCHAR[]"),
        ("point", "STRUCT(\"x\" INTEGER, \"label\" VARCHAR)"),
    ];

    private readonly TestDirectory _directory = new();

    /// <summary>The default options (Snappy, page v1, dictionaries, one row group) and a Gzip / page v2 / small row group variant.</summary>
    [NodeTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Generated_records_written_by_ParquetFile_read_back_exactly(bool gzipV2SmallRowGroups)
    {
        var rows = Enumerable.Range(0, RowCount).Select(ParquetAllMembersRow.Create).ToArray();
        var expected = ParquetJson.Columns(rows.Select(r => r.ToJson()).ToArray());
        var path = _directory.File("records.parquet");
        var options = gzipV2SmallRowGroups
            ? new ParquetWriteOptions { Compression = ParquetCompression.Gzip, DataPageVersion = ParquetDataPageVersion.V2, RowGroupSize = 128, PageSize = 1024 }
            : null;
        var what = $"ParquetFile.WriteAsync<ParquetAllMembersRow> ({(gzipV2SmallRowGroups ? "Gzip, page v2, row groups of 128" : "default options")})";

        await ParquetFile.WriteAsync(path, rows, options);

        var duck = await ParquetReaders.DuckDbAsync(path);
        var expectedColumns = new JsonArray(DuckDbColumns.Select(c => (JsonNode?)new JsonObject { ["name"] = c.Name, ["type"] = c.Type }).ToArray());
        ArrowJson.AssertEqual(expectedColumns, duck.Json["columns"], $"{what}: DuckDB column names and types", duck.Diagnostics);
        ArrowJson.AssertEqual(expected, duck.Json["values"], $"{what}: values read by DuckDB", duck.Diagnostics);
        ParquetReaders.AssertStatisticsMatchData(duck, what, new HashSet<string> { "f32", "f64" });
        AssertEnumColumns(duck, what);

        var wasm = await ParquetReaders.ParquetWasmAsync(path);
        ArrowJson.AssertEqual(ParquetReaders.WithParquetListElementNames(ArrowJson.DescribeSchema(ParquetAllMembersRow.ArrowSchema)), wasm.Json["schema"], $"{what}: schema read by arrow-rs", wasm.Diagnostics);
        ArrowJson.AssertEqual(expected, TestTable.FlattenColumns(wasm.Json), $"{what}: values read by arrow-rs", wasm.Diagnostics);

        var read = await ParquetFile.ReadAsync<ParquetAllMembersRow>(path);
        ArrowJson.AssertEqual(expected, ParquetJson.Columns(read.Select(r => r.ToJson()).ToArray()), $"{what}: ParquetFile.ReadAsync");
        var streamed = new List<JsonObject>();
        await foreach (var row in ParquetFile.StreamAsync<ParquetAllMembersRow>(path))
        {
            streamed.Add(row.ToJson());
        }

        ArrowJson.AssertEqual(expected, ParquetJson.Columns(streamed), $"{what}: ParquetFile.StreamAsync");
    }

    /// <summary>DESIGN.md section 2: an enum is a BYTE_ARRAY with the ENUM type, dictionary-encoded.</summary>
    private static void AssertEnumColumns(ReaderOutput duck, string what)
    {
        var differences = new List<string>();
        foreach (var name in new[] { "status", "maybe_status" })
        {
            var element = ParquetReaders.SchemaElement(duck, name);
            if (element["type"]?.GetValue<string>() != "BYTE_ARRAY" || element["converted_type"]?.GetValue<string>() != "ENUM" || element["logical_type"]?.GetValue<string>() != "EnumType()")
            {
                differences.Add($"{name}: type {element["type"]}, converted_type {element["converted_type"]}, logical_type {element["logical_type"]}; expected BYTE_ARRAY, ENUM, EnumType()");
            }

            var plain = ParquetReaders.Encodings(duck.Json["rowGroups"]!, name).Where(e => !e.Contains("RLE_DICTIONARY", StringComparison.Ordinal)).ToArray();
            if (plain.Length > 0)
            {
                differences.Add($"{name}: chunks not dictionary-encoded ({string.Join("; ", plain)})");
            }
        }

        if (differences.Count > 0)
        {
            throw new XunitException($"{what}: enum columns:\n  {string.Join("\n  ", differences)}\n{duck.Diagnostics}");
        }
    }

    public void Dispose() => _directory.Dispose();
}
