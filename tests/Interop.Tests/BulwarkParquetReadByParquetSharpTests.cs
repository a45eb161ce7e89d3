using System.Text;
using System.Text.Json.Nodes;
using Bulwark.Parquet;
using PS = ParquetSharp;

namespace Bulwark.Interop.Tests;

/// <summary>
/// Bulwark's Parquet (generated <see cref="ParquetAllMembersRow"/> records through <see cref="ParquetFile.WriteAsync{T}"/>)
/// read in process by arrow-cpp through ParquetSharp's LogicalReader, for every codec Bulwark writes, data page v1 and
/// v2, dictionaries on and off, with page checksums written and ParquetSharp verifying them. Values are compared with
/// the records' own JSON (<see cref="ParquetAllMembersRow.ToJson"/>), built from the source values.
/// </summary>
public sealed class BulwarkParquetReadByParquetSharpTests : IDisposable
{
    private const int RowCount = 200;

    /// <summary>
    /// The logical type ParquetSharp must report for each leaf column, per DESIGN.md section 2's mapping. Signed 32- and
    /// 64-bit integers carry no annotation: an unannotated INT32/INT64 already means exactly that.
    /// </summary>
    private static readonly (string Path, string Logical)[] ExpectedLeaves =
    [
        ("id", "None"), ("flag", "None"), ("i8", "Int(8, signed)"), ("i16", "Int(16, signed)"), ("i32", "None"),
        ("u8", "Int(8, unsigned)"), ("u16", "Int(16, unsigned)"), ("u32", "Int(32, unsigned)"), ("u64", "Int(64, unsigned)"),
        ("f32", "None"), ("f64", "None"), ("price", "Decimal(9, 2)"), ("amount", "Decimal(18, 4)"), ("big", "Decimal(28, 10)"),
        ("name", "String"), ("note", "String"), ("bytes", "None"), ("uid", "Uuid"), ("day", "Date"), ("tod", "Time(Micros, utc=False)"),
        ("at", "Timestamp(Micros, utc=True)"), ("local", "Timestamp(Micros, utc=True)"), ("span", "None"), ("status", "Enum"), ("maybe_status", "Enum"),
        ("ints.list.element", "None"), ("words.list.element", "String"), ("point.x", "None"), ("point.label", "String"),
    ];

    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<ParquetCompression, ParquetDataPageVersion, bool> Cases()
    {
        var data = new TheoryData<ParquetCompression, ParquetDataPageVersion, bool>();
        foreach (var compression in Enum.GetValues<ParquetCompression>())
        {
            foreach (var version in Enum.GetValues<ParquetDataPageVersion>())
            {
                data.Add(compression, version, true);
                data.Add(compression, version, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public Task ParquetSharp_reads_Bulwark_records_exactly_and_verifies_page_checksums(ParquetCompression compression, ParquetDataPageVersion version, bool dictionary) =>
        // Small pages and row groups: many pages per chunk, each with its own checksum, and two row groups.
        AssertParquetSharpReadsAsync(
            new ParquetWriteOptions
            {
                Compression = compression,
                DataPageVersion = version,
                DictionaryEnabled = dictionary,
                WritePageChecksums = true,
                RowGroupSize = 128,
                PageSize = 1024,
            },
            $"Bulwark Parquet ({compression}, page {version}, dictionary {(dictionary ? "on" : "off")}) read by ParquetSharp");

    /// <summary>A dictionary page limit of a few entries: chunks start dictionary-encoded and fall back to PLAIN pages midway.</summary>
    [Theory]
    [InlineData(ParquetDataPageVersion.V1)]
    [InlineData(ParquetDataPageVersion.V2)]
    public async Task ParquetSharp_reads_Bulwark_chunks_that_fall_back_from_dictionary_to_plain(ParquetDataPageVersion version)
    {
        var path = await AssertParquetSharpReadsAsync(
            new ParquetWriteOptions { Compression = ParquetCompression.Zstd, DataPageVersion = version, DictionaryPageSizeLimit = 64, RowGroupSize = 128, PageSize = 256 },
            $"Bulwark Parquet (dictionary limit 64 bytes, page {version}) read by ParquetSharp");

        // Guards the case itself: some chunk must hold both dictionary-encoded and PLAIN data pages.
        using var file = new PS.ParquetFileReader(path);
        var mixed = new List<string>();
        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var rowGroup = file.RowGroup(g);
            for (var c = 0; c < rowGroup.MetaData.NumColumns; c++)
            {
                using var chunk = rowGroup.MetaData.GetColumnChunkMetaData(c);
                if (chunk.Encodings.Contains(PS.Encoding.RleDictionary) && chunk.Encodings.Contains(PS.Encoding.Plain))
                {
                    mixed.Add($"{g}/{c}");
                }
            }
        }

        Assert.NotEmpty(mixed);
    }

    private async Task<string> AssertParquetSharpReadsAsync(ParquetWriteOptions options, string what)
    {
        var rows = Enumerable.Range(0, RowCount).Select(ParquetAllMembersRow.Create).ToArray();
        var expected = ParquetJson.Columns(rows.Select(r => r.ToJson()).ToArray());
        var path = _directory.File("bulwark.parquet");
        await ParquetFile.WriteAsync(path, rows, options);
        var compression = options.Compression;

        using var file = OpenVerifying(path);
        Assert.Equal(RowCount, file.FileMetaData.NumRows);
        Assert.Equal(2, file.FileMetaData.NumRowGroups);
        var leaves = Leaves(file);
        Assert.Equal(ExpectedLeaves.Select(l => l.Path), leaves.Keys);
        ArrowJson.AssertEqual(
            new JsonArray(ExpectedLeaves.Select(l => (JsonNode?)$"{l.Path}: {l.Logical}").ToArray()),
            new JsonArray(leaves.Select(l => (JsonNode?)$"{l.Key}: {Describe(l.Value.Logical)}").ToArray()),
            $"{what}: leaf columns and their logical types");
        AssertCompression(file, compression, what);

        var actual = new JsonObject
        {
            ["id"] = Json(Read<long>(file, leaves["id"].Index), ParquetJson.Int64),
            ["flag"] = Json(Read<bool>(file, leaves["flag"].Index), v => v),
            ["i8"] = Json(Read<sbyte?>(file, leaves["i8"].Index), v => v),
            ["i16"] = Json(Read<short>(file, leaves["i16"].Index), v => v),
            ["i32"] = Json(Read<int?>(file, leaves["i32"].Index), v => v),
            ["u8"] = Json(Read<byte>(file, leaves["u8"].Index), v => v),
            ["u16"] = Json(Read<ushort?>(file, leaves["u16"].Index), v => v),
            ["u32"] = Json(Read<uint>(file, leaves["u32"].Index), v => v),
            ["u64"] = Json(Read<ulong?>(file, leaves["u64"].Index), v => v is { } u ? ParquetJson.Int64(u) : null),
            ["f32"] = Json(Read<float>(file, leaves["f32"].Index), v => ArrowJson.Float(v)),
            ["f64"] = Json(Read<double?>(file, leaves["f64"].Index), v => v is { } d ? ArrowJson.Float(d) : null),
            ["price"] = Json(Read<decimal>(file, leaves["price"].Index), v => ParquetJson.Unscaled(v, 2)),
            ["amount"] = Json(Read<decimal?>(file, leaves["amount"].Index), v => v is { } d ? ParquetJson.Unscaled(d, 4) : null),
            ["big"] = Json(Read<decimal?>(file, leaves["big"].Index), v => v is { } d ? ParquetJson.Unscaled(d, 10) : null),
            ["name"] = Json(Read<string>(file, leaves["name"].Index), v => v),
            ["note"] = Json(Read<string?>(file, leaves["note"].Index), v => v),
            ["bytes"] = Json(Read<byte[]?>(file, leaves["bytes"].Index), v => v is null ? null : ArrowJson.Hex(v)),
            ["uid"] = Json(Read<Guid>(file, leaves["uid"].Index), v => v.ToString("N")),
            ["day"] = Json(Read<PS.Date?>(file, leaves["day"].Index), v => v is { } d ? ParquetJson.Days(DateOnly.FromDateTime(d.DateTime)) : null),
            ["tod"] = Json(Read<TimeSpan?>(file, leaves["tod"].Index), v => v is { } t ? ArrowJson.Invariant(t.Ticks / 10) : null),
            ["at"] = Json(Read<DateTime>(file, leaves["at"].Index), v => UnixMicros(v)),
            ["local"] = Json(Read<DateTime?>(file, leaves["local"].Index), v => v is { } d ? UnixMicros(d) : null),
            ["span"] = Json(Read<long?>(file, leaves["span"].Index), v => v is { } s ? ParquetJson.Int64(s) : null),
            ["status"] = Json(ReadEnum(file, leaves["status"].Index), v => v),
            ["maybe_status"] = Json(ReadEnum(file, leaves["maybe_status"].Index), v => v),
            ["ints"] = Json(Read<int?[]?>(file, leaves["ints.list.element"].Index), v => v is null ? null : new JsonArray(v.Select(n => n is null ? null : (JsonNode)n.Value).ToArray())),
            ["words"] = Json(Read<string[]?>(file, leaves["words.list.element"].Index), v => v is null ? null : new JsonArray(v.Select(w => (JsonNode?)w).ToArray())),
            ["point"] = Points(file, leaves["point.x"].Index, leaves["point.label"].Index),
        };
        ArrowJson.AssertEqual(expected, actual, what);
        return path;
    }

    /// <summary>
    /// Shows the checksums are real and ParquetSharp really checks them: one byte of a string value inside an
    /// uncompressed data page is changed; with verification ParquetSharp refuses the page, without it reads the change.
    /// </summary>
    [Fact]
    public async Task ParquetSharp_rejects_a_corrupted_Bulwark_page_only_when_verifying_checksums()
    {
        var rows = Enumerable.Range(0, RowCount).Select(ParquetAllMembersRow.Create).ToArray();
        var path = _directory.File("corrupt.parquet");
        await ParquetFile.WriteAsync(path, rows, new ParquetWriteOptions { Compression = ParquetCompression.None, DictionaryEnabled = false, WritePageChecksums = true });
        var bytes = await File.ReadAllBytesAsync(path);
        var target = Encoding.UTF8.GetBytes(rows[3].Note!);
        var at = bytes.AsSpan().IndexOf(target);
        Assert.True(at > 4, "the note of row 3 is not stored verbatim in the file");
        bytes[at] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        using (var unverified = new PS.ParquetFileReader(path))
        {
            var notes = Read<string?>(unverified, Leaves(unverified)["note"].Index);
            Assert.NotEqual(rows[3].Note, notes[3]);
        }

        using var verified = OpenVerifying(path);
        var error = Assert.ThrowsAny<Exception>(() => Read<string?>(verified, Leaves(verified)["note"].Index));
        Assert.Contains("CRC", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static PS.ParquetFileReader OpenVerifying(string path)
    {
        using var properties = PS.ReaderProperties.GetDefaultReaderProperties();
        properties.EnablePageChecksumVerification();
        return new PS.ParquetFileReader(path, properties);
    }

    private static Dictionary<string, (int Index, PS.LogicalType Logical)> Leaves(PS.ParquetFileReader file)
    {
        var schema = file.FileMetaData.Schema;
        var leaves = new Dictionary<string, (int, PS.LogicalType)>();
        for (var i = 0; i < schema.NumColumns; i++)
        {
            var column = schema.Column(i);
            using var columnPath = column.Path;
            leaves.Add(columnPath.ToDotString(), (i, column.LogicalType));
        }

        return leaves;
    }

    private static string Describe(PS.LogicalType type) => type switch
    {
        PS.IntLogicalType i => $"Int({i.BitWidth}, {(i.IsSigned ? "signed" : "unsigned")})",
        PS.DecimalLogicalType d => $"Decimal({d.Precision}, {d.Scale})",
        PS.TimeLogicalType t => $"Time({t.TimeUnit}, utc={t.IsAdjustedToUtc})",
        PS.TimestampLogicalType t => $"Timestamp({t.TimeUnit}, utc={t.IsAdjustedToUtc})",
        _ => type.Type.ToString(),
    };

    private static void AssertCompression(PS.ParquetFileReader file, ParquetCompression compression, string what)
    {
        var expected = compression switch
        {
            ParquetCompression.None => PS.Compression.Uncompressed,
            ParquetCompression.Snappy => PS.Compression.Snappy,
            ParquetCompression.Gzip => PS.Compression.Gzip,
            ParquetCompression.Brotli => PS.Compression.Brotli,
            ParquetCompression.Zstd => PS.Compression.Zstd,
            _ => PS.Compression.Lz4,
        };
        using var rowGroup = file.RowGroup(0);
        for (var c = 0; c < rowGroup.MetaData.NumColumns; c++)
        {
            using var chunk = rowGroup.MetaData.GetColumnChunkMetaData(c);
            Assert.True(expected == chunk.Compression, $"{what}: column {c} compressed with {chunk.Compression}, expected {expected}");
        }
    }

    /// <summary>Every row group's values of one leaf column, in order.</summary>
    private static T[] Read<T>(PS.ParquetFileReader file, int column)
    {
        var result = new List<T>();
        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var rowGroup = file.RowGroup(g);
            using var reader = rowGroup.Column(column).LogicalReader<T>();
            result.AddRange(reader.ReadAll(checked((int)rowGroup.MetaData.NumRows)));
        }

        return result.ToArray();
    }

    /// <summary>
    /// An ENUM column's member names through ParquetSharp's physical reader: its LogicalReader maps no .NET type to ENUM
    /// ("unsupported logical type Enum with physical type ByteArray"), a ParquetSharp limitation, not a file problem.
    /// </summary>
    private static string?[] ReadEnum(PS.ParquetFileReader file, int column)
    {
        var result = new List<string?>();
        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var rowGroup = file.RowGroup(g);
            var rows = checked((int)rowGroup.MetaData.NumRows);
            using var reader = (PS.ColumnReader<PS.ByteArray>)rowGroup.Column(column);
            var maxDefinition = reader.ColumnDescriptor.MaxDefinitionLevel;
            var definitions = new short[rows];
            var repetitions = new short[rows];
            var values = new PS.ByteArray[rows];
            var names = new List<string>();
            var levels = 0;
            while (reader.HasNext)
            {
                levels += checked((int)reader.ReadBatch(rows - levels, definitions.AsSpan(levels), repetitions.AsSpan(levels), values, out var read));

                // A ByteArray points into the reader's page buffer, which the next ReadBatch reuses: copy at once.
                for (var v = 0; v < read; v++)
                {
                    var bytes = new byte[values[v].Length];
                    System.Runtime.InteropServices.Marshal.Copy(values[v].Pointer, bytes, 0, bytes.Length);
                    names.Add(Encoding.UTF8.GetString(bytes));
                }
            }

            Assert.Equal(rows, levels);
            var next = 0;
            for (var r = 0; r < rows; r++)
            {
                result.Add(maxDefinition > 0 && definitions[r] < maxDefinition ? null : names[next++]);
            }

            Assert.Equal(names.Count, next);
        }

        return result.ToArray();
    }

    /// <summary>The struct column from its two leaves; a null struct is a null <see cref="PS.Nested{T}"/> in both.</summary>
    private static JsonArray Points(PS.ParquetFileReader file, int x, int label)
    {
        var xs = Read<PS.Nested<int>?>(file, x);
        var labels = Read<PS.Nested<string?>?>(file, label);
        Assert.Equal(xs.Select(v => v is null), labels.Select(v => v is null));
        return new JsonArray(xs.Zip(labels, (px, pl) => px is { } p ? (JsonNode)new JsonObject { ["x"] = p.Value, ["label"] = pl!.Value.Value } : null).ToArray());
    }

    private static JsonArray Json<T>(T[] values, Func<T, JsonNode?> encode) => new(values.Select(encode).ToArray());

    private static JsonNode UnixMicros(DateTime value) => ArrowJson.Invariant((value.Ticks - DateTime.UnixEpoch.Ticks) / 10);
}
