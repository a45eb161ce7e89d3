using System.Data.SqlTypes;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using AA = Apache.Arrow;
using AAC = Apache.Arrow.Compression;
using AAI = Apache.Arrow.Ipc;
using AAT = Apache.Arrow.Types;

namespace Bulwark.Interop.Tests;

/// <summary>
/// IPC files and streams written by Apache.Arrow (the C# reference implementation) with its own builders, uncompressed
/// and with LZ4_FRAME and ZSTD bodies (Apache.Arrow.Compression), read by Bulwark's readers and generated records.
/// Every expected value is spelled from the source values, never read back from Apache's arrays.
/// </summary>
public sealed class ApacheArrowIpcReadByBulwarkTests : IDisposable
{
    // An empty batch among them: its buffers are empty, compressed or not.
    private static readonly int[] BatchSizes = [6, 0, 1, 9];
    private static readonly string[] Colors = ["red", "green", string.Empty, "🟦 astral"];

    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    /// <summary>One column: its Apache field, the type Bulwark must report, rows [start, start+count) built with Apache's builders, and row r's expected JSON.</summary>
    private sealed record Column(AA.Field Field, string BulwarkType, Func<int, int, AA.IArrowArray> Build, Func<int, JsonNode?> Expected);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var format in new[] { "file", "stream" })
        {
            foreach (var compression in new[] { "none", "lz4", "zstd" })
            {
                data.Add(format, compression);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bulwark_reads_Apache_Arrow_IPC_exactly(string format, string compression)
    {
        var columns = Columns();
        var path = Write(columns, format, compression);
        var what = $"Apache.Arrow {format} ({compression}) read by Bulwark";

        var (schema, batches) = await ReadWithBulwarkAsync(path, format);

        var fields = schema.FieldsList;
        Assert.Equal(columns.Select(c => c.Field.Name), fields.Select(f => f.Name));
        Assert.Equal(columns.Select(c => c.BulwarkType), fields.Select(f => ArrowJson.TypeString(f.DataType)));
        Assert.Equal(columns.Select(c => c.Field.IsNullable), fields.Select(f => f.IsNullable));
        Assert.Equal("apache-arrow-csharp", schema.Metadata.Single(m => m.Key == "writer").Value);
        Assert.Equal("arrow.uuid", schema.FieldsList.Single(f => f.Name == "uuid").Metadata.Single(m => m.Key == ArrowTypes.ExtensionNameKey).Value);
        Assert.IsType<AAT.Int32Type>(Assert.IsType<AAT.DictionaryType>(schema.FieldsList.Single(f => f.Name == "color").DataType).IndexType);
        var point = (AAT.StructType)schema.FieldsList.Single(f => f.Name == "point").DataType;
        Assert.Equal([false, true], point.Fields.Select(f => f.IsNullable));

        Assert.Equal(BatchSizes, batches.Select(b => b!["numRows"]!.GetValue<int>()));
        ArrowJson.AssertEqual(ExpectedColumns(columns), TestTable.FlattenColumns(new JsonObject { ["batches"] = batches }), $"{what}: values");
        for (var b = 0; b < batches.Count; b++)
        {
            var start = BatchSizes.Take(b).Sum();
            foreach (var column in batches[b]!["columns"]!.AsArray().Select(c => c!))
            {
                var spec = columns.Single(c => c.Field.Name == column["name"]!.GetValue<string>());
                var nulls = Enumerable.Range(start, BatchSizes[b]).Count(r => spec.Expected(r) is null);
                Assert.True(nulls == column["nullCount"]!.GetValue<int>(), $"{what}: batch {b} column {spec.Field.Name} null count {column["nullCount"]}, expected {nulls}");
            }
        }

        var records = await ArrowFile.ReadAsync<ApacheArrowRow>(path);
        var recordColumns = ParquetJson.Columns(records.Select(r => r.ToJson()).ToArray());
        var expected = ExpectedColumns(columns);
        foreach (var (name, _) in recordColumns)
        {
            ArrowJson.AssertEqual(expected[name], recordColumns[name], $"{what}: ApacheArrowRow.{name} through ArrowFile.ReadAsync");
        }
    }

    private static async Task<(Schema Schema, JsonArray Batches)> ReadWithBulwarkAsync(string path, string format)
    {
        var batches = new JsonArray();
        if (format == "file")
        {
            await using var reader = await ArrowIpcFileReader.OpenAsync(File.OpenRead(path), path);
            for (var i = 0; i < reader.BatchCount; i++)
            {
                using var batch = await reader.ReadBatchAsync(i);
                batches.Add(ArrowJson.DescribeBatch(batch));
            }

            return (reader.Schema, batches);
        }

        await using var stream = await ArrowIpcStreamReader.OpenAsync(File.OpenRead(path), path);
        var schema = stream.Schema;
        while (await stream.ReadNextBatchAsync() is { } batch)
        {
            using (batch)
            {
                batches.Add(ArrowJson.DescribeBatch(batch));
            }
        }

        return (schema, batches);
    }

    private string Write(IReadOnlyList<Column> columns, string format, string compression)
    {
        var schema = new AA.Schema(columns.Select(c => c.Field), [new("writer", "apache-arrow-csharp")]);
        var options = new AAI.IpcOptions
        {
            CompressionCodec = compression switch
            {
                "lz4" => AAI.CompressionCodecType.Lz4Frame,
                "zstd" => AAI.CompressionCodecType.Zstd,
                _ => null,
            },
            CompressionCodecFactory = new AAC.CompressionCodecFactory(),
        };
        var path = _directory.File($"apache-{format}-{compression}.arrow");
        using var stream = File.Create(path);
        using var writer = format == "file"
            ? new AAI.ArrowFileWriter(stream, schema, leaveOpen: true, options)
            : new AAI.ArrowStreamWriter(stream, schema, leaveOpen: true, options);
        var start = 0;
        foreach (var size in BatchSizes)
        {
            writer.WriteRecordBatch(new AA.RecordBatch(schema, columns.Select(c => c.Build(start, size)).ToArray(), size));
            start += size;
        }

        writer.WriteEnd();
        return path;
    }

    private static JsonObject ExpectedColumns(IReadOnlyList<Column> columns)
    {
        var rows = BatchSizes.Sum();
        var result = new JsonObject();
        foreach (var column in columns)
        {
            result[column.Field.Name] = new JsonArray(Enumerable.Range(0, rows).Select(column.Expected).ToArray());
        }

        return result;
    }

    private static IReadOnlyList<Column> Columns()
    {
        // One dictionary object serves every batch: the file format allows no replacement.
        var dictionary = new AA.StringArray.Builder().AppendRange(Colors).Build();
        var dictionaryType = new AAT.DictionaryType(AAT.Int32Type.Default, AAT.StringType.Default, false);
        var pointType = new AAT.StructType([new AA.Field("x", AAT.Int32Type.Default, false), new AA.Field("label", AAT.StringType.Default, true)]);
        (int X, string? Label)?[] points = [(1, "a"), null, (-1, null), (int.MaxValue, "😀")];
        Guid?[] guids = [Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), null, Guid.Empty, Guid.Parse("12345678-9abc-4def-8123-456789abcdef")];
        byte[]?[] fixedBytes = [Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(), null, Enumerable.Repeat((byte)0xff, 16).ToArray()];
        SqlDecimal?[] decimals = [SqlDecimal.Parse("0"), SqlDecimal.Parse("1.5"), null, SqlDecimal.Parse("-0.000000001"), SqlDecimal.Parse("99999999999999999999999999999.999999999"), SqlDecimal.Parse("-99999999999999999999999999999.999999999")];
        string[] decimalUnscaled = ["0", "1500000000", string.Empty, "-1", "99999999999999999999999999999999999999", "-99999999999999999999999999999999999999"];

        return
        [
            Primitive<sbyte, AA.Int8Array, AA.Int8Array.Builder>("i8", AAT.Int8Type.Default, "int8", () => new(), [sbyte.MinValue, sbyte.MaxValue, null, 0, -1], v => v),
            Primitive<short, AA.Int16Array, AA.Int16Array.Builder>("i16", AAT.Int16Type.Default, "int16", () => new(), [short.MinValue, null, short.MaxValue, 7], v => v),
            Primitive<int, AA.Int32Array, AA.Int32Array.Builder>("i32", AAT.Int32Type.Default, "int32", () => new(), [int.MinValue, int.MaxValue, 0, null, -123456], v => v),
            Primitive<long, AA.Int64Array, AA.Int64Array.Builder>("i64", AAT.Int64Type.Default, "int64", () => new(), [long.MinValue, null, long.MaxValue, 9007199254740993], v => ArrowJson.Invariant(v)),
            Primitive<byte, AA.UInt8Array, AA.UInt8Array.Builder>("u8", AAT.UInt8Type.Default, "uint8", () => new(), [byte.MaxValue, 0, null], v => v),
            Primitive<ushort, AA.UInt16Array, AA.UInt16Array.Builder>("u16", AAT.UInt16Type.Default, "uint16", () => new(), [ushort.MaxValue, null, 1, 32768], v => v),
            Primitive<uint, AA.UInt32Array, AA.UInt32Array.Builder>("u32", AAT.UInt32Type.Default, "uint32", () => new(), [uint.MaxValue, 2147483648, null, 0], v => v),
            Primitive<ulong, AA.UInt64Array, AA.UInt64Array.Builder>("u64", AAT.UInt64Type.Default, "uint64", () => new(), [ulong.MaxValue, null, 9223372036854775808, 1], v => ArrowJson.Invariant(v)),
            Primitive<float, AA.FloatArray, AA.FloatArray.Builder>("f32", AAT.FloatType.Default, "float32", () => new(), [-0f, float.NaN, float.NegativeInfinity, null, float.Epsilon, 1.1f, float.MaxValue], v => ArrowJson.Float(v)),
            Primitive<double, AA.DoubleArray, AA.DoubleArray.Builder>("f64", AAT.DoubleType.Default, "float64", () => new(), [0.1, double.PositiveInfinity, null, -0d, double.NaN, double.MinValue, double.Epsilon], v => ArrowJson.Float(v)),
            Cycle<bool?>("flag", AAT.BooleanType.Default, "bool", [true, null, false, false, true], values =>
            {
                var builder = new AA.BooleanArray.Builder();
                foreach (var v in values)
                {
                    _ = v is { } flag ? builder.Append(flag) : builder.AppendNull();
                }

                return builder.Build();
            }, v => v!.Value),
            Cycle<string?>("name", AAT.StringType.Default, "utf8", [string.Empty, "ascii", null, "é ü ß", "😀 astral 𝄞", "nul\0inside"], values =>
            {
                var builder = new AA.StringArray.Builder();
                foreach (var v in values)
                {
                    _ = v is null ? builder.AppendNull() : builder.Append(v);
                }

                return builder.Build();
            }, v => v),
            Cycle<byte[]?>("bytes", AAT.BinaryType.Default, "binary", [[], null, [0, 1, 255], [0xde, 0xad, 0xbe, 0xef]], values =>
            {
                var builder = new AA.BinaryArray.Builder();
                foreach (var v in values)
                {
                    _ = v is null ? builder.AppendNull() : builder.Append(v.AsSpan());
                }

                return builder.Build();
            }, v => ArrowJson.Hex(v!)),
            // Apache.Arrow's own fixed-size builders are abstract or typed (Guid): the plain column is laid out by hand.
            Cycle("fsb", new AAT.FixedSizeBinaryType(16), "fixed_size_binary(16)", fixedBytes, values =>
            {
                var validity = new AA.ArrowBuffer.BitmapBuilder();
                var bytes = new AA.ArrowBuffer.Builder<byte>();
                foreach (var v in values)
                {
                    validity.Append(v is not null);
                    bytes.Append(v ?? new byte[16]);
                }

                var data = new AA.ArrayData(new AAT.FixedSizeBinaryType(16), values.Count, validity.UnsetBitCount, 0, [validity.Build(), bytes.Build()]);
                return new AA.Arrays.FixedSizeBinaryArray(data);
            }, v => ArrowJson.Hex(v!)),
            new Column(
                new AA.Field("uuid", new AA.GuidType(), true),
                "fixed_size_binary(16)",
                (start, count) =>
                {
                    var builder = new AA.GuidArray.Builder();
                    foreach (var v in Slice(guids, start, count))
                    {
                        _ = v is { } g ? builder.Append(g) : builder.AppendNull();
                    }

                    return builder.Build();
                },
                row => Slice(guids, row, 1)[0]?.ToString("N")),
            Cycle<DateOnly?>("day", AAT.Date32Type.Default, "date32[day]", [new DateOnly(1970, 1, 1), new DateOnly(1969, 12, 31), null, new DateOnly(2024, 2, 29), DateOnly.MinValue, DateOnly.MaxValue], values =>
            {
                var builder = new AA.Date32Array.Builder();
                foreach (var v in values)
                {
                    _ = v is { } d ? builder.Append(d) : builder.AppendNull();
                }

                return builder.Build();
            }, v => ParquetJson.Days(v!.Value)),
            Cycle<long?>("tod", new AAT.Time64Type(AAT.TimeUnit.Microsecond), "time64[us]", [0, 86_399_999_999, null, 43_200_000_001], values =>
            {
                var builder = new AA.Time64Array.Builder(AAT.TimeUnit.Microsecond);
                foreach (var v in values)
                {
                    _ = v is { } t ? builder.Append(t) : builder.AppendNull();
                }

                return builder.Build();
            }, v => ArrowJson.Invariant(v!.Value)),
            Timestamps("ts", new AAT.TimestampType(AAT.TimeUnit.Microsecond, "UTC"), "timestamp[us, UTC]", [0, -1, null, 1_700_000_000_123_456, -62_135_596_800_000_000, 253_402_300_799_999_999]),
            Timestamps("ts_ns", new AAT.TimestampType(AAT.TimeUnit.Nanosecond, (string?)null), "timestamp[ns]", [1_700_000_000_123_456_789, null, long.MinValue, long.MaxValue, -1]),
            Primitive<long, AA.DurationArray, AA.DurationArray.Builder>("dur", AAT.DurationType.Microsecond, "duration[us]", () => new(AAT.DurationType.Microsecond), [0, -1, null, 86_400_000_000, -302_400_000_000], v => ArrowJson.Invariant(v)),
            new Column(
                new AA.Field("dec", new AAT.Decimal128Type(38, 9), true),
                "decimal128(38, 9)",
                (start, count) =>
                {
                    var builder = new AA.Decimal128Array.Builder(new AAT.Decimal128Type(38, 9));
                    foreach (var v in Slice(decimals, start, count))
                    {
                        _ = v is { } d ? builder.Append(d) : builder.AppendNull();
                    }

                    return builder.Build();
                },
                row => decimalUnscaled[row % decimals.Length] is { Length: > 0 } unscaled ? unscaled : null),
            Cycle<int?[]?>("ints", new AAT.ListType(new AA.Field("item", AAT.Int32Type.Default, true)), "list", [[], [1, 2, 3], null, [null, -1], [int.MaxValue, int.MinValue]], values =>
            {
                var builder = new AA.ListArray.Builder(new AA.Field("item", AAT.Int32Type.Default, true));
                var items = (AA.Int32Array.Builder)builder.ValueBuilder;
                foreach (var v in values)
                {
                    if (v is null)
                    {
                        builder.AppendNull();
                        continue;
                    }

                    builder.Append();
                    foreach (var item in v)
                    {
                        items.Append(item);
                    }
                }

                return builder.Build();
            }, v => new JsonArray(v!.Select(i => i is null ? null : (JsonNode)i.Value).ToArray())),
            Cycle<string?[]?>("words", new AAT.ListType(new AA.Field("item", AAT.StringType.Default, true)), "list", [["a", string.Empty, null], null, [], ["😀"]], values =>
            {
                var builder = new AA.ListArray.Builder(new AA.Field("item", AAT.StringType.Default, true));
                var items = (AA.StringArray.Builder)builder.ValueBuilder;
                foreach (var v in values)
                {
                    if (v is null)
                    {
                        builder.AppendNull();
                        continue;
                    }

                    builder.Append();
                    foreach (var item in v)
                    {
                        _ = item is null ? items.AppendNull() : items.Append(item);
                    }
                }

                return builder.Build();
            }, v => new JsonArray(v!.Select(s => (JsonNode?)s).ToArray())),
            Cycle("point", pointType, "struct", points, values =>
            {
                // A null struct slot keeps a zero x and a null label beneath it, as the format allows.
                var x = new AA.Int32Array.Builder();
                var label = new AA.StringArray.Builder();
                var validity = new AA.ArrowBuffer.BitmapBuilder();
                foreach (var v in values)
                {
                    validity.Append(v is not null);
                    x.Append(v?.X ?? 0);
                    _ = v?.Label is { } l ? label.Append(l) : label.AppendNull();
                }

                return new AA.StructArray(pointType, values.Count, [x.Build(), label.Build()], validity.Build(), validity.UnsetBitCount, 0);
            }, v => new JsonObject { ["x"] = v!.Value.X, ["label"] = v.Value.Label }),
            Cycle<int?>("color", dictionaryType, "utf8", [0, 1, null, 2, 3, 0], values =>
            {
                var indices = new AA.Int32Array.Builder();
                foreach (var v in values)
                {
                    indices.Append(v);
                }

                return new AA.DictionaryArray(dictionaryType, indices.Build(), dictionary);
            }, v => Colors[v!.Value]),
        ];
    }

    private static T[] Slice<T>(T[] cycle, int start, int count) => Enumerable.Range(start, count).Select(r => cycle[r % cycle.Length]).ToArray();

    private static Column Cycle<TValue>(string name, AAT.IArrowType type, string bulwarkType, TValue[] cycle, Func<IReadOnlyList<TValue>, AA.IArrowArray> build, Func<TValue, JsonNode?> encode) =>
        new(
            new AA.Field(name, type, true),
            bulwarkType,
            (start, count) => build(Slice(cycle, start, count)),
            row => cycle[row % cycle.Length] is { } value ? encode(value) : null);

    private static Column Primitive<T, TArray, TBuilder>(string name, AAT.IArrowType type, string bulwarkType, Func<TBuilder> create, T?[] cycle, Func<T, JsonNode> encode)
        where T : struct
        where TArray : AA.IArrowArray
        where TBuilder : AA.PrimitiveArrayBuilder<T, TArray, TBuilder> =>
        Cycle(name, type, bulwarkType, cycle, values =>
        {
            var builder = create();
            foreach (var v in values)
            {
                builder.Append(v);
            }

            return builder.Build();
        }, v => encode(v!.Value));

    // Apache's timestamp builder takes DateTimeOffset (no nanoseconds, no values outside its range): raw values are laid out by hand.
    private static Column Timestamps(string name, AAT.TimestampType type, string bulwarkType, long?[] cycle) =>
        Cycle(name, type, bulwarkType, cycle, values =>
        {
            var validity = new AA.ArrowBuffer.BitmapBuilder();
            var raw = new AA.ArrowBuffer.Builder<long>();
            foreach (var v in values)
            {
                validity.Append(v is not null);
                raw.Append(v ?? 0);
            }

            return new AA.TimestampArray(new AA.ArrayData(type, values.Count, validity.UnsetBitCount, 0, [validity.Build(), raw.Build()]));
        }, v => ArrowJson.Invariant(v!.Value));
}
