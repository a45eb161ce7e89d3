using System.Text.Json.Nodes;
using Bulwark.Parquet;
using Xunit.Sdk;

namespace Bulwark.Interop.Tests;

/// <summary>
/// Parquet files written by Bulwark (ParquetFileWriter over the all-types RecordBatches) read by DuckDB, by arrow-rs
/// (parquet-wasm) and, for the codecs it has, by hyparquet: every value, null, type and column name, the Parquet
/// schema elements DESIGN.md section 2 prescribes, the chunk metadata (codec, encodings, offsets, value counts) and the
/// statistics of every column chunk against its row group's data. Every codec x page version x dictionary setting.
/// </summary>
public sealed class BulwarkParquetReadByReferenceReadersTests : IDisposable
{
    /// <summary>Batches of uneven sizes, the last cut into several row groups by <see cref="RowGroupSize"/>.</summary>
    private static readonly int[] Sizes = [7, 1, 13, 8, 171];

    private const int RowGroupSize = 64;

    // Small pages put several pages into most chunks (the 1000-character string alone fills two).
    private const int PageSize = 512;

    private static readonly HashSet<string> FloatColumns = ["f32", "f64"];

    private readonly TestDirectory _directory = new();

    public static TheoryData<ParquetCompression, ParquetDataPageVersion, bool> Settings()
    {
        var data = new TheoryData<ParquetCompression, ParquetDataPageVersion, bool>();
        foreach (var compression in Enum.GetValues<ParquetCompression>())
        {
            foreach (var version in new[] { ParquetDataPageVersion.V1, ParquetDataPageVersion.V2 })
            {
                data.Add(compression, version, true);
                data.Add(compression, version, false);
            }
        }

        return data;
    }

    [NodeTheory]
    [MemberData(nameof(Settings))]
    public async Task All_types_file_reads_back_exactly_in_duckdb(ParquetCompression compression, ParquetDataPageVersion version, bool dictionary)
    {
        var (path, table, what) = await WriteAllTypesAsync(compression, version, dictionary, ParquetReaders.AllTypesForDuckDb());
        var rows = Sizes.Sum();

        var duck = await ParquetReaders.DuckDbAsync(path);

        ParquetReaders.AssertDuckDbValues(duck, table, rows, what, ParquetReaders.AllTypesDuckDbColumns);
        AssertSchemaElements(duck, what);
        AssertChunkMetadata(duck, what, compression, dictionary);
        ParquetReaders.AssertStatisticsMatchData(duck, what, FloatColumns);
    }

    [NodeTheory]
    [MemberData(nameof(Settings))]
    public async Task All_types_file_reads_back_exactly_in_arrow_rs(ParquetCompression compression, ParquetDataPageVersion version, bool dictionary)
    {
        var (path, table, what) = await WriteAllTypesAsync(compression, version, dictionary);
        var rows = Sizes.Sum();

        var wasm = await ParquetReaders.ParquetWasmAsync(path);

        ArrowJson.AssertEqual(ParquetReaders.WithParquetListElementNames(AllTypesTable.ExpectedSchema()), wasm.Json["schema"], $"{what}: schema read by arrow-rs", wasm.Diagnostics);
        Assert.True(rows == wasm.Json["numRows"]!.GetValue<int>(), $"{what}: arrow-rs read {wasm.Json["numRows"]} rows, {rows} were written.\n{wasm.Diagnostics}");
        ArrowJson.AssertEqual(table.ExpectedColumns(rows), TestTable.FlattenColumns(wasm.Json), $"{what}: values read by arrow-rs", wasm.Diagnostics);
    }

    /// <summary>hyparquet has no Gzip, Brotli, ZSTD or LZ4_RAW codec without an extra package, so it reads the uncompressed and Snappy files.</summary>
    [NodeTheory]
    [InlineData(ParquetCompression.None, ParquetDataPageVersion.V1, true)]
    [InlineData(ParquetCompression.None, ParquetDataPageVersion.V2, false)]
    [InlineData(ParquetCompression.Snappy, ParquetDataPageVersion.V1, false)]
    [InlineData(ParquetCompression.Snappy, ParquetDataPageVersion.V2, true)]
    public async Task All_types_file_reads_back_in_hyparquet(ParquetCompression compression, ParquetDataPageVersion version, bool dictionary)
    {
        var (path, table, what) = await WriteAllTypesAsync(compression, version, dictionary);
        var rows = Sizes.Sum();

        var hyparquet = await ParquetReaders.HyparquetAsync(path);

        Assert.True(rows == hyparquet.Json["numRows"]!.GetValue<int>(), $"{what}: hyparquet read {hyparquet.Json["numRows"]} rows, {rows} were written.\n{hyparquet.Diagnostics}");
        ParquetReaders.AssertHyparquetValues(hyparquet, table.ExpectedColumns(rows), new Dictionary<string, int> { ["dec"] = 9, ["price"] = 2 }, what);
    }

    /// <summary>
    /// A dictionary limit of a few bytes: every chunk of distinct strings outgrows its dictionary and must fall back to
    /// PLAIN (mid-chunk or from the start); the readers must still see every value.
    /// </summary>
    [NodeFact]
    public async Task Dictionary_fallback_to_plain_reads_back_exactly()
    {
        var table = ParquetReaders.AllTypesForDuckDb();
        var path = _directory.File("fallback.parquet");
        var options = new ParquetWriteOptions { DictionaryEnabled = true, DictionaryPageSizeLimit = 64, RowGroupSize = RowGroupSize, PageSize = PageSize, Compression = ParquetCompression.Snappy };
        await BulwarkParquet.WriteTableAsync(path, table, Sizes, options);
        var rows = Sizes.Sum();
        const string what = "Bulwark Parquet with a 64-byte dictionary limit";

        var duck = await ParquetReaders.DuckDbAsync(path);
        ParquetReaders.AssertDuckDbValues(duck, table, rows, what, ParquetReaders.AllTypesDuckDbColumns);
        ParquetReaders.AssertStatisticsMatchData(duck, what, FloatColumns);
        Assert.Contains(ParquetReaders.Encodings(duck.Json["rowGroups"]!, "name"), e => e.Contains("PLAIN", StringComparison.Ordinal));

        var wasm = await ParquetReaders.ParquetWasmAsync(path);
        ArrowJson.AssertEqual(table.ExpectedColumns(rows), TestTable.FlattenColumns(wasm.Json), $"{what}: values read by arrow-rs", wasm.Diagnostics);
    }

    private async Task<(string Path, TestTable Table, string What)> WriteAllTypesAsync(ParquetCompression compression, ParquetDataPageVersion version, bool dictionary, TestTable? table = null)
    {
        table ??= AllTypesTable.Create();
        var path = _directory.File($"all-types-{compression}-{version}-{(dictionary ? "dict" : "plain")}.parquet".ToLowerInvariant());
        var options = new ParquetWriteOptions
        {
            Compression = compression,
            DataPageVersion = version,
            DictionaryEnabled = dictionary,
            RowGroupSize = RowGroupSize,
            PageSize = PageSize,
        };
        await BulwarkParquet.WriteTableAsync(path, table, Sizes, options);
        return (path, table, $"Bulwark Parquet ({compression}, page {version}, dictionary {(dictionary ? "on" : "off")})");
    }

    /// <summary>Each column's Parquet physical, converted and logical type and repetition, as DESIGN.md section 2 maps them.</summary>
    private static void AssertSchemaElements(ReaderOutput duck, string what)
    {
        const string any = "*";
        const string timeMicros = "TimeType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))";
        const string timestampMicrosUtc = "TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))";
        (string Name, string? Physical, string Repetition, string? Converted, string? Logical)[] leaves =
        [
            ("id", "INT64", "REQUIRED", any, any),
            ("name", "BYTE_ARRAY", "REQUIRED", "UTF8", "StringType()"),
            ("flag", "BOOLEAN", "OPTIONAL", null, null),
            ("i8", "INT32", "OPTIONAL", "INT_8", "IntType(bitWidth=\b, isSigned=1)"),
            ("i16", "INT32", "OPTIONAL", "INT_16", "IntType(bitWidth=\u0010, isSigned=1)"),
            ("i32", "INT32", "OPTIONAL", any, any),
            ("i64", "INT64", "OPTIONAL", any, any),
            ("u8", "INT32", "OPTIONAL", "UINT_8", "IntType(bitWidth=\b, isSigned=0)"),
            ("u16", "INT32", "OPTIONAL", "UINT_16", "IntType(bitWidth=\u0010, isSigned=0)"),
            ("u32", "INT32", "OPTIONAL", "UINT_32", "IntType(bitWidth= , isSigned=0)"),
            ("u64", "INT64", "OPTIONAL", "UINT_64", "IntType(bitWidth=@, isSigned=0)"),
            ("f32", "FLOAT", "OPTIONAL", null, null),
            ("f64", "DOUBLE", "OPTIONAL", null, null),
            ("dec", "FIXED_LEN_BYTE_ARRAY", "OPTIONAL", "DECIMAL", "DecimalType(scale=9, precision=38)"),
            ("price", "INT32", "OPTIONAL", "DECIMAL", "DecimalType(scale=2, precision=9)"),
            ("text", "BYTE_ARRAY", "OPTIONAL", "UTF8", "StringType()"),
            ("bytes", "BYTE_ARRAY", "OPTIONAL", null, null),
            ("uuid", "FIXED_LEN_BYTE_ARRAY", "OPTIONAL", null, "UUIDType()"),
            ("day", "INT32", "OPTIONAL", "DATE", "DateType()"),
            ("time", "INT64", "OPTIONAL", "TIME_MICROS", timeMicros),
            ("ts", "INT64", "OPTIONAL", "TIMESTAMP_MICROS", timestampMicrosUtc),
            ("dur", "INT64", "OPTIONAL", null, null),
            ("ints", null, "OPTIONAL", "LIST", "ListType()"),
            ("words", null, "OPTIONAL", "LIST", "ListType()"),
            ("point", null, "OPTIONAL", null, null),
            ("x", "INT32", "REQUIRED", any, any),
            ("label", "BYTE_ARRAY", "OPTIONAL", "UTF8", "StringType()"),
            ("pair", null, "REQUIRED", null, null),
            ("key", "INT64", "REQUIRED", any, any),
            ("value", "BYTE_ARRAY", "OPTIONAL", "UTF8", "StringType()"),
        ];

        var differences = new List<string>();
        void Check(JsonObject element, string field, string? expected)
        {
            if (expected == any)
            {
                return;
            }

            var actual = element[field]?.GetValue<string>();
            if (!string.Equals(expected, actual, StringComparison.Ordinal))
            {
                differences.Add($"{element["name"]}: {field} {(actual is null ? "absent" : $"'{actual}'")}, expected {(expected is null ? "absent" : $"'{expected}'")}");
            }
        }

        foreach (var (name, physical, repetition, converted, logical) in leaves)
        {
            var element = ParquetReaders.SchemaElement(duck, name);
            Check(element, "type", physical);
            Check(element, "repetition_type", repetition);
            Check(element, "converted_type", converted);
            Check(element, "logical_type", logical);
        }

        Check(ParquetReaders.SchemaElement(duck, "dec"), "scale", "9");
        Check(ParquetReaders.SchemaElement(duck, "dec"), "precision", "38");
        Check(ParquetReaders.SchemaElement(duck, "price"), "scale", "2");
        Check(ParquetReaders.SchemaElement(duck, "price"), "precision", "9");
        Check(ParquetReaders.SchemaElement(duck, "uuid"), "type_length", "16");

        // A dictionary<int32, utf8> Arrow column may be written as a STRING or as an ENUM; either way a UTF-8 BYTE_ARRAY.
        var color = ParquetReaders.SchemaElement(duck, "color");
        Check(color, "type", "BYTE_ARRAY");
        if (color["converted_type"]?.GetValue<string>() is not ("UTF8" or "ENUM"))
        {
            differences.Add($"color: converted_type {color["converted_type"]}, expected UTF8 or ENUM");
        }

        // The three-level LIST of LogicalTypes.md: <list> (LIST) { repeated group list { <element> } }.
        var schema = duck.Json["schema"]!.AsArray();
        foreach (var (list, elementType) in new[] { ("ints", "INT32"), ("words", "BYTE_ARRAY") })
        {
            var index = schema.Select(e => e!["name"]!.GetValue<string>()).ToList().IndexOf(list);
            var repeated = schema[index + 1]!.AsObject();
            var element = schema[index + 2]!.AsObject();
            Check(repeated, "name", "list");
            Check(repeated, "repetition_type", "REPEATED");
            Check(repeated, "num_children", "1");
            Check(element, "name", "element");
            Check(element, "repetition_type", "OPTIONAL");
            Check(element, "type", elementType);
        }

        if (differences.Count > 0)
        {
            throw new XunitException($"{what}: Parquet schema elements (DuckDB parquet_schema) differ from DESIGN.md section 2:\n  {string.Join("\n  ", differences)}\n{duck.Diagnostics}");
        }
    }

    /// <summary>
    /// created_by, row counts per row group (a batch never shares a row group), the codec of every chunk, dictionary pages
    /// exactly where dictionary encoding was used (RLE_DICTIONARY, never the deprecated PLAIN_DICTIONARY) and num_values.
    /// </summary>
    private static void AssertChunkMetadata(ReaderOutput duck, string what, ParquetCompression compression, bool dictionary)
    {
        var expectedGroups = Sizes.SelectMany(size => Enumerable.Range(0, (size + RowGroupSize - 1) / RowGroupSize).Select(k => Math.Min(RowGroupSize, size - (k * RowGroupSize)))).ToArray();
        var file = duck.Json["file"]!;
        var differences = new List<string>();
        var createdBy = file["createdBy"]?.GetValue<string>();
        if (createdBy is null || !createdBy.StartsWith("bulwark version ", StringComparison.Ordinal))
        {
            differences.Add($"created_by '{createdBy}' is not \"bulwark version x.y.z\"");
        }

        if (file["numRows"]!.GetValue<long>() != Sizes.Sum())
        {
            differences.Add($"FileMetaData.num_rows {file["numRows"]}, expected {Sizes.Sum()}");
        }

        var groups = duck.Json["rowGroups"]!.AsArray();
        var actualGroups = groups.Select(g => g!["numRows"]!.GetValue<int>()).ToArray();
        if (!actualGroups.SequenceEqual(expectedGroups))
        {
            differences.Add($"row groups of [{string.Join(", ", actualGroups)}] rows, expected [{string.Join(", ", expectedGroups)}]");
        }

        var codec = compression switch
        {
            ParquetCompression.None => "UNCOMPRESSED",
            ParquetCompression.Snappy => "SNAPPY",
            ParquetCompression.Gzip => "GZIP",
            ParquetCompression.Brotli => "BROTLI",
            ParquetCompression.Zstd => "ZSTD",
            _ => "LZ4_RAW",
        };
        var dictionaryChunks = 0;
        foreach (var group in groups)
        {
            var groupRows = group!["numRows"]!.GetValue<long>();
            foreach (var chunk in group["columns"]!.AsArray())
            {
                var where = $"row group {group["id"]}, column {chunk!["path"]}";
                if (chunk["compression"]!.GetValue<string>() != codec)
                {
                    differences.Add($"{where}: codec {chunk["compression"]}, expected {codec}");
                }

                var encodings = chunk["encodings"]!.GetValue<string>().Split(", ");
                var usesDictionary = encodings.Contains("RLE_DICTIONARY");
                var hasDictionaryPage = chunk["dictionaryPageOffset"] is not null;
                dictionaryChunks += usesDictionary ? 1 : 0;
                if (encodings.Contains("PLAIN_DICTIONARY"))
                {
                    differences.Add($"{where}: encodings list the deprecated PLAIN_DICTIONARY ({chunk["encodings"]})");
                }

                if (usesDictionary != hasDictionaryPage)
                {
                    differences.Add($"{where}: encodings {chunk["encodings"]} but dictionary_page_offset {chunk["dictionaryPageOffset"]?.ToJsonString() ?? "absent"}");
                }

                if (hasDictionaryPage && chunk["dictionaryPageOffset"]!.GetValue<long>() >= chunk["dataPageOffset"]!.GetValue<long>())
                {
                    differences.Add($"{where}: dictionary_page_offset {chunk["dictionaryPageOffset"]} is not before data_page_offset {chunk["dataPageOffset"]}");
                }

                // The one exception: DESIGN.md section 2 writes enum columns dictionary-encoded by definition.
                if (!dictionary && usesDictionary && chunk["path"]!.GetValue<string>() != "color")
                {
                    differences.Add($"{where}: dictionary encoding ({chunk["encodings"]}) although DictionaryEnabled is false");
                }

                // num_values counts nulls: a flat column has one value per row.
                if (chunk["data"] is not null && chunk["numValues"]!.GetValue<long>() != groupRows)
                {
                    differences.Add($"{where}: num_values {chunk["numValues"]}, expected {groupRows} (one per row, nulls included)");
                }
            }
        }

        if (dictionary && dictionaryChunks == 0)
        {
            differences.Add("no column chunk is dictionary-encoded although DictionaryEnabled is true and most columns repeat a few values");
        }

        if (differences.Count > 0)
        {
            throw new XunitException($"{what}: column chunk metadata (DuckDB parquet_metadata):\n  {string.Join("\n  ", differences)}\n{duck.Diagnostics}");
        }
    }

    public void Dispose() => _directory.Dispose();
}

