using System.Text;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Parquet;
using PS = ParquetSharp;

namespace Bulwark.Interop.Tests;

/// <summary>The columns of ParquetSharp's file whose values fit .NET types, as a Bulwark user would declare them.</summary>
[ArrowRecord("parquetsharp_rows")]
public partial record ParquetSharpRow(
    [property: Column("i32")] int? I32,
    [property: Column("u64")] ulong U64,
    [property: Column("text")] string? Text,
    [property: Column("bytes")] byte[]? Bytes,
    [property: Column("ts_us")] DateTimeOffset TsUs,
    [property: Column("ts_us_local")] DateTime? TsUsLocal,
    [property: Column("day")] DateOnly? Day,
    [property: Column("tod")] TimeOnly? Tod,
    [property: Column("amount"), Decimal(18, 4)] decimal? Amount,
    [property: Column("uid")] Guid? Uid,
    [property: Column("ints")] int?[]? Ints,
    [property: Column("words")] string?[]? Words)
{
    /// <summary>The record in <see cref="ArrowJson"/>'s conventions: raw stored integers for temporal values.</summary>
    public JsonObject ToJson() => new()
    {
        ["i32"] = I32,
        ["u64"] = ArrowJson.Invariant(U64),
        ["text"] = Text,
        ["bytes"] = Bytes is null ? null : ArrowJson.Hex(Bytes),
        ["ts_us"] = ParquetJson.Micros(TsUs),
        ["ts_us_local"] = TsUsLocal is { } local ? ArrowJson.Invariant((local.Ticks - DateTime.UnixEpoch.Ticks) / 10) : null,
        ["day"] = Day is { } day ? ParquetJson.Days(day) : null,
        ["tod"] = Tod is { } tod ? ParquetJson.Micros(tod) : null,
        ["amount"] = Amount is { } amount ? ParquetJson.Unscaled(amount, 4) : null,
        ["uid"] = Uid?.ToString("N"),
        ["ints"] = Ints is null ? null : new JsonArray(Ints.Select(n => n is null ? null : (JsonNode)n.Value).ToArray()),
        ["words"] = Words is null ? null : new JsonArray(Words.Select(w => (JsonNode?)w).ToArray()),
    };
}

/// <summary>
/// Parquet files arrow-cpp writes through ParquetSharp's LogicalWriter, with every .NET type ParquetSharp maps (nullable
/// variants, lists with null elements, empty and null lists), for every codec Bulwark reads (uncompressed, Snappy, Zstd, LZ4_RAW, Gzip, Brotli), dictionaries on and
/// off, data page v1 and v2 and page checksums on, read by Bulwark's ParquetFileReader (which verifies the checksums).
/// Expected values are spelled from the source arrays in <see cref="ArrowJson"/>'s conventions.
/// </summary>
public sealed class ParquetSharpParquetReadByBulwarkTests : IDisposable
{
    /// <summary>Two row groups of uneven size, pages of about 1 KiB: many pages, each with its own checksum.</summary>
    private static readonly int[] RowGroupSizes = [150, 83];

    private static readonly DateTime Epoch = DateTime.UnixEpoch;

    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    /// <summary>One column: ParquetSharp's column, the Arrow type Bulwark must report, how rows [start, start+count) are written, row r's expected JSON.</summary>
    private sealed record Spec(PS.Column Column, string BulwarkType, Action<PS.ColumnWriter, int, int> Write, Func<int, JsonNode?> Expected);

    public static TheoryData<PS.Compression, PS.ParquetDataPageVersion, bool> Cases()
    {
        var data = new TheoryData<PS.Compression, PS.ParquetDataPageVersion, bool>();
        foreach (var compression in new[] { PS.Compression.Uncompressed, PS.Compression.Snappy, PS.Compression.Zstd, PS.Compression.Lz4, PS.Compression.Gzip, PS.Compression.Brotli })
        {
            foreach (var version in new[] { PS.ParquetDataPageVersion.V1, PS.ParquetDataPageVersion.V2 })
            {
                data.Add(compression, version, true);
                data.Add(compression, version, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bulwark_reads_ParquetSharp_files_exactly(PS.Compression compression, PS.ParquetDataPageVersion version, bool dictionary)
    {
        var specs = Specs();
        var path = _directory.File("parquetsharp.parquet");
        Write(path, specs, compression, version, dictionary);
        var what = $"ParquetSharp file ({compression}, page {version}, dictionary {(dictionary ? "on" : "off")}) read by Bulwark";
        AssertWrittenAsAsked(path, compression, dictionary, what);

        await AssertReadsExactlyAsync(path, specs, what);
    }

    public static TheoryData<PS.Encoding, string[], PS.ParquetDataPageVersion> EncodingCases()
    {
        var data = new TheoryData<PS.Encoding, string[], PS.ParquetDataPageVersion>();
        foreach (var version in new[] { PS.ParquetDataPageVersion.V1, PS.ParquetDataPageVersion.V2 })
        {
            data.Add(PS.Encoding.DeltaBinaryPacked, ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "ts_us", "ts_us_local", "ts_ns", "ts_ns_local", "day", "tod"], version);
            data.Add(PS.Encoding.DeltaLengthByteArray, ["text", "bytes"], version);
            data.Add(PS.Encoding.DeltaByteArray, ["text", "bytes"], version);
            data.Add(PS.Encoding.ByteStreamSplit, ["f32", "f64", "i32", "i64", "dec", "uid"], version);
        }

        return data;
    }

    /// <summary>The encodings arrow-cpp writes besides PLAIN and dictionaries, each on the columns it applies to (dictionaries off).</summary>
    [Theory]
    [MemberData(nameof(EncodingCases))]
    public async Task Bulwark_reads_ParquetSharp_non_dictionary_encodings_exactly(PS.Encoding encoding, string[] columns, PS.ParquetDataPageVersion version)
    {
        var specs = Specs();
        var path = _directory.File("encodings.parquet");
        Write(path, specs, PS.Compression.Zstd, version, dictionary: false, columns.ToDictionary(c => c, _ => encoding));
        var what = $"ParquetSharp file ({encoding} on {string.Join(", ", columns)}, page {version}) read by Bulwark";

        using (var file = new PS.ParquetFileReader(path))
        {
            using var rowGroup = file.RowGroup(0);
            foreach (var column in columns)
            {
                using var chunk = rowGroup.MetaData.GetColumnChunkMetaData(file.FileMetaData.Schema.ColumnIndex(column));
                Assert.True(chunk.Encodings.Contains(encoding), $"{what}: {column} encodings {string.Join(", ", chunk.Encodings)}");
            }
        }

        await AssertReadsExactlyAsync(path, specs, what);
    }

    private static async Task AssertReadsExactlyAsync(string path, IReadOnlyList<Spec> specs, string what)
    {
        await using var reader = await ParquetFileReader.OpenAsync(File.OpenRead(path), path, new ParquetReadOptions { VerifyPageChecksums = true });
        Assert.Equal(RowGroupSizes.Sum(), reader.RowCount);
        Assert.Equal(RowGroupSizes.Length, reader.RowGroupCount);
        ArrowJson.AssertEqual(
            new JsonArray(specs.Select(s => (JsonNode?)$"{s.Column.Name}: {s.BulwarkType}").ToArray()),
            new JsonArray(reader.Schema.FieldsList.Select(f => (JsonNode?)$"{f.Name}: {ArrowJson.TypeString(f.DataType)}").ToArray()),
            $"{what}: column names and Arrow types");
        Assert.Equal("arrow.uuid", reader.Schema.FieldsList.Single(f => f.Name == "uid").Metadata.Single(m => m.Key == ArrowTypes.ExtensionNameKey).Value);

        var batches = new JsonArray();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var batch = await reader.ReadRowGroupAsync(g);
            Assert.Equal(RowGroupSizes[g], batch.Length);
            batches.Add(ArrowJson.DescribeBatch(batch));
        }

        var expected = new JsonObject();
        foreach (var spec in specs)
        {
            expected[spec.Column.Name] = new JsonArray(Enumerable.Range(0, RowGroupSizes.Sum()).Select(spec.Expected).ToArray());
        }

        ArrowJson.AssertEqual(expected, TestTable.FlattenColumns(new JsonObject { ["batches"] = batches }), what);

        var records = ParquetJson.Columns((await ParquetFile.ReadAsync<ParquetSharpRow>(path)).Select(r => r.ToJson()).ToArray());
        foreach (var (name, values) in records)
        {
            ArrowJson.AssertEqual(expected[name], values, $"{what}: ParquetSharpRow.{name} through ParquetFile.ReadAsync");
        }
    }

    /// <summary>
    /// Shows ParquetSharp wrote checksums and Bulwark checks them: one byte of a string inside an uncompressed page
    /// is changed; Bulwark refuses the page when verifying and reads the changed value when told not to verify.
    /// </summary>
    [Fact]
    public async Task Bulwark_rejects_a_corrupted_ParquetSharp_page_only_when_verifying_checksums()
    {
        var path = _directory.File("corrupt.parquet");
        string[] names = Enumerable.Range(0, 100).Select(i => $"unique name {i:D3}").ToArray();
        using (var properties = new PS.WriterPropertiesBuilder().Compression(PS.Compression.Uncompressed).DisableDictionary().EnablePageChecksum().Build())
        using (var file = new PS.ParquetFileWriter(path, [new PS.Column<string>("name")], properties))
        {
            using (var rowGroup = file.AppendRowGroup())
            {
                using var writer = rowGroup.NextColumn().LogicalWriter<string>();
                writer.WriteBatch(names);
            }

            file.Close();
        }

        var bytes = await File.ReadAllBytesAsync(path);
        var at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(names[42]));
        Assert.True(at > 4, "row 42 is not stored verbatim in the file");
        bytes[at + names[42].Length - 1] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        await using (var unverified = await ParquetFileReader.OpenAsync(File.OpenRead(path), path, new ParquetReadOptions { VerifyPageChecksums = false }))
        {
            using var batch = await unverified.ReadRowGroupAsync(0);
            Assert.Equal("unique name 043", ((StringArray)batch.Column(0)).GetString(42));
        }

        await using var verified = await ParquetFileReader.OpenAsync(File.OpenRead(path), path, new ParquetReadOptions { VerifyPageChecksums = true });
        var error = await Assert.ThrowsAsync<ParquetFormatException>(async () => await verified.ReadRowGroupAsync(0));
        Assert.Contains("checksum", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static void Write(string path, IReadOnlyList<Spec> specs, PS.Compression compression, PS.ParquetDataPageVersion version, bool dictionary, Dictionary<string, PS.Encoding>? encodings = null)
    {
        var builder = new PS.WriterPropertiesBuilder()
            .Compression(compression)
            .DataPageVersion(version)
            .DataPagesize(1024)
            .EnablePageChecksum();
        builder = dictionary ? builder.EnableDictionary() : builder.DisableDictionary();
        foreach (var (column, encoding) in encodings ?? [])
        {
            builder = builder.Encoding(column, encoding);
        }

        using var properties = builder.Build();
        using var file = new PS.ParquetFileWriter(path, specs.Select(s => s.Column).ToArray(), properties);
        var start = 0;
        foreach (var size in RowGroupSizes)
        {
            using var rowGroup = file.AppendRowGroup();
            foreach (var spec in specs)
            {
                using var column = rowGroup.NextColumn();
                spec.Write(column, start, size);
            }

            start += size;
        }

        file.Close();
    }

    /// <summary>Guards the matrix itself: every chunk has the codec asked for, and the text column is dictionary-encoded exactly when asked.</summary>
    private static void AssertWrittenAsAsked(string path, PS.Compression compression, bool dictionary, string what)
    {
        using var file = new PS.ParquetFileReader(path);
        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var rowGroup = file.RowGroup(g);
            for (var c = 0; c < rowGroup.MetaData.NumColumns; c++)
            {
                using var chunk = rowGroup.MetaData.GetColumnChunkMetaData(c);
                Assert.True(chunk.Compression == compression, $"{what}: row group {g} column {c} is {chunk.Compression}");
            }

            using var text = rowGroup.MetaData.GetColumnChunkMetaData(file.FileMetaData.Schema.ColumnIndex("text"));
            Assert.True(dictionary == text.Encodings.Contains(PS.Encoding.RleDictionary), $"{what}: text encodings {string.Join(", ", text.Encodings)}");
        }
    }

    private static IReadOnlyList<Spec> Specs()
    {
        var start = new DateTime(2024, 2, 29, 12, 34, 56, DateTimeKind.Utc);
        DateTime[] micros = [Epoch, Epoch.AddTicks(-10), start.AddTicks(1_234_560), new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990)];
        DateTime?[] localMicros = [new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Unspecified), null, start.AddTicks(-7_654_320), Epoch.AddTicks(10)];
        PS.DateTimeNanos[] nanos = [new(0), new(-1), new(1_709_210_096_123_456_789), new(long.MaxValue), new(long.MinValue)];
        PS.DateTimeNanos?[] localNanos = [new(1_709_210_096_000_000_001), null, new(-3), new(long.MaxValue - 1)];
        PS.Date?[] days = [new PS.Date(0), new PS.Date(-1), null, new PS.Date(19_782), new PS.Date(-719_162), new PS.Date(2_932_896)];
        TimeSpan?[] times = [TimeSpan.Zero, null, new TimeSpan(0, 23, 59, 59, 999, 999), TimeSpan.FromTicks(10), new TimeSpan(12, 0, 0)];

        return
        [
            Make<sbyte?>("i8", "int8", [sbyte.MinValue, sbyte.MaxValue, null, 0, -1], v => v!.Value),
            Make<short>("i16", "int16", [short.MinValue, short.MaxValue, 0, -7], v => v),
            Make<int?>("i32", "int32", [int.MinValue, null, int.MaxValue, 123_456], v => v!.Value),
            Make<long>("i64", "int64", [long.MinValue, long.MaxValue, 0, 9_007_199_254_740_993], v => ArrowJson.Invariant(v)),
            Make<byte?>("u8", "uint8", [byte.MaxValue, null, 0, 128], v => v!.Value),
            Make<ushort>("u16", "uint16", [ushort.MaxValue, 0, 32_768], v => v),
            Make<uint?>("u32", "uint32", [uint.MaxValue, 2_147_483_648, null, 1], v => v!.Value),
            Make<ulong>("u64", "uint64", [ulong.MaxValue, 9_223_372_036_854_775_808, 0, 1], v => ArrowJson.Invariant(v)),
            Make<float?>("f32", "float32", [-0f, float.NaN, null, float.NegativeInfinity, float.Epsilon, float.MaxValue, 1.1f], v => ArrowJson.Float(v!.Value)),
            Make<double>("f64", "float64", [0.1, double.PositiveInfinity, -0d, double.NaN, double.MinValue, double.Epsilon], v => ArrowJson.Float(v)),
            Make<bool?>("flag", "bool", [true, null, false, false, true], v => v!.Value),
            Make<string?>("text", "utf8", [string.Empty, "ascii", null, "é ü ß", "😀 astral 𝄞", "nul\0inside", new string('x', 300)], v => v),
            Make<byte[]?>("bytes", "binary", [[], null, [0, 1, 255], [0xde, 0xad, 0xbe, 0xef]], v => ArrowJson.Hex(v!)),
            Make<DateTime>("ts_us", "timestamp[us, UTC]", micros, v => Micros(v)),
            Make<DateTime?>("ts_us_local", "timestamp[us]", localMicros, v => Micros(v!.Value), PS.LogicalType.Timestamp(isAdjustedToUtc: false, PS.TimeUnit.Micros)),
            Make<PS.DateTimeNanos>("ts_ns", "timestamp[ns, UTC]", nanos, v => ArrowJson.Invariant(v.Ticks)),
            Make<PS.DateTimeNanos?>("ts_ns_local", "timestamp[ns]", localNanos, v => ArrowJson.Invariant(v!.Value.Ticks), PS.LogicalType.Timestamp(isAdjustedToUtc: false, PS.TimeUnit.Nanos)),
            Make<PS.Date?>("day", "date32[day]", days, v => v!.Value.Days),
            Make<TimeSpan?>("tod", "time64[us]", times, v => ArrowJson.Invariant(v!.Value.Ticks / 10)),
            Make<decimal>("dec", "decimal128(29, 3)", [0m, 1.5m, -0.001m, 79_228_162_514_264_337_593_543_950.335m, -12_345_678_901_234_567_890.123m], v => ParquetJson.Unscaled(v, 3), PS.LogicalType.Decimal(29, 3)),
            Make<decimal?>("amount", "decimal128(18, 4)", [12.5m, null, -99_999_999_999_999.9999m, 0.0001m], v => ParquetJson.Unscaled(v!.Value, 4), PS.LogicalType.Decimal(18, 4)),
            Make<Guid?>("uid", "fixed_size_binary(16)", [Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), null, Guid.Empty, Guid.Parse("12345678-9abc-4def-8123-456789abcdef")], v => v!.Value.ToString("N")),
            Make<int?[]?>("ints", "list", [[], [1, 2, 3], null, [null, -1], [int.MaxValue, int.MinValue, null]], v => new JsonArray(v!.Select(i => i is null ? null : (JsonNode)i.Value).ToArray())),
            Make<string?[]?>("words", "list", [["a", string.Empty, null], null, [], ["😀"], [null]], v => new JsonArray(v!.Select(s => (JsonNode?)s).ToArray())),
        ];
    }

    private static Spec Make<T>(string name, string bulwarkType, T[] cycle, Func<T, JsonNode?> encode, PS.LogicalType? logicalType = null) =>
        new(
            new PS.Column<T>(name, logicalType),
            bulwarkType,
            (column, start, count) =>
            {
                using var writer = column.LogicalWriter<T>();
                writer.WriteBatch(Enumerable.Range(start, count).Select(r => cycle[r % cycle.Length]).ToArray());
            },
            row => cycle[row % cycle.Length] is { } value ? encode(value) : null);

    private static JsonNode Micros(DateTime value) => ArrowJson.Invariant((value.Ticks - Epoch.Ticks) / 10);
}
