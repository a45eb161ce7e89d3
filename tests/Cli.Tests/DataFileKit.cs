using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Bulwark.Parquet;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Cli.Tests;

/// <summary>
/// Arrow and Parquet files for `bulwark cat` and `bulwark schema`: one three-row batch holding a column of each kind of
/// value the readers produce, written by Apache.Arrow's own IPC writers and by the runtime's Parquet writer.
/// </summary>
internal static class DataFileKit
{
    /// <summary>2024-02-29T23:59:58.123456Z in microseconds since the epoch.</summary>
    public const long Micros = 1_709_251_198_123_456;

    public static RecordBatch Sample()
    {
        var metadata = new Dictionary<string, string> { ["unit"] = "count" };
        var fields = new List<Field>
        {
            new("id", Int64Type.Default, nullable: false),
            new("count", Int32Type.Default, nullable: true, metadata),
            new("name", StringType.Default, nullable: true),
            new("flag", BooleanType.Default, nullable: true),
            new("ratio", DoubleType.Default, nullable: true),
            new("price", new Decimal128Type(38, 10), nullable: true),
            new("at_utc", new TimestampType(TimeUnit.Microsecond, "UTC"), nullable: true),
            new("at_offset", new TimestampType(TimeUnit.Nanosecond, "+02:00"), nullable: true),
            new("at_wall", new TimestampType(TimeUnit.Millisecond, (string?)null), nullable: true),
            new("day", Date32Type.Default, nullable: true),
            new("blob", BinaryType.Default, nullable: true),
            new("tags", new ListType(new Field("item", StringType.Default, true)), nullable: true),
            new("point", new StructType([new Field("x", Int32Type.Default, true), new Field("label", StringType.Default, true)]), nullable: true),
            new("attrs", new MapType(new Field("key", StringType.Default, false), new Field("value", Int32Type.Default, true)), nullable: true),
        };
        var schema = new Schema(fields, new Dictionary<string, string> { ["origin"] = "cli-tests" });

        var tags = new ListArray.Builder(StringType.Default);
        var tagValues = (StringArray.Builder)tags.ValueBuilder;
        tags.Append();
        tagValues.Append("a");
        tagValues.Append("b,c");
        tags.AppendNull();
        tags.Append();
        tagValues.AppendNull();

        var attrs = new MapArray.Builder((MapType)fields[13].DataType);
        var keys = (StringArray.Builder)attrs.KeyBuilder;
        var values = (Int32Array.Builder)attrs.ValueBuilder;
        attrs.Append();
        keys.Append("k1");
        values.Append(1);
        keys.Append("k\"2");
        values.AppendNull();
        attrs.Append();
        attrs.AppendNull();

        var pointType = (StructType)fields[12].DataType;
        var point = new StructArray(
            pointType,
            3,
            [new Int32Array.Builder().Append(7).Append(0).AppendNull().Build(), new StringArray.Builder().Append("p").Append("").AppendNull().Build()],
            Validity(true, true, false),
            nullCount: 1);

        IArrowArray[] columns =
        [
            new Int64Array.Builder().Append(1).Append(2).Append(-3).Build(),
            new Int32Array.Builder().Append(10).AppendNull().Append(-7).Build(),
            new StringArray.Builder().Append("plain").Append("comma, \"quote\"\nline").AppendNull().Build(),
            new BooleanArray.Builder().Append(true).Append(false).AppendNull().Build(),
            new DoubleArray.Builder().Append(0.1).Append(double.NaN).Append(-1e300).Build(),
            Fixed(fields[5].DataType, 16, [Int128.Parse("12345678901234567890123456789012345678"), -5, 0], nulls: [false, false, true]),
            Fixed(fields[6].DataType, 8, [Micros, 0, 0], nulls: [false, false, true]),
            Fixed(fields[7].DataType, 8, [Micros * 1000 + 789, -1, 0], nulls: [false, false, true]),
            Fixed(fields[8].DataType, 8, [Micros / 1000, 86_400_000, 0], nulls: [false, false, true]),
            Fixed(fields[9].DataType, 4, [19_782, -1, 0], nulls: [false, false, true]),
            new BinaryArray.Builder().Append([0xde, 0xad, 0xbe, 0xef]).Append(System.Array.Empty<byte>()).AppendNull().Build(),
            tags.Build(),
            point,
            attrs.Build(),
        ];
        return new RecordBatch(schema, columns, 3);
    }

    public static async Task WriteArrowFileAsync(string path, params RecordBatch[] batches)
    {
        await using var stream = File.Create(path);
        using var writer = new ArrowFileWriter(stream, batches[0].Schema);
        foreach (var batch in batches)
        {
            await writer.WriteRecordBatchAsync(batch);
        }

        await writer.WriteEndAsync();
    }

    public static async Task WriteArrowStreamAsync(string path, params RecordBatch[] batches)
    {
        await using var stream = File.Create(path);
        using var writer = new ArrowStreamWriter(stream, batches[0].Schema);
        foreach (var batch in batches)
        {
            await writer.WriteRecordBatchAsync(batch);
        }

        await writer.WriteEndAsync();
    }

    /// <summary>Each batch becomes one row group.</summary>
    public static async Task WriteParquetAsync(string path, ParquetWriteOptions? options, params RecordBatch[] batches)
    {
        await using var stream = File.Create(path);
        await using var writer = new ParquetFileWriter(stream, batches[0].Schema, options);
        foreach (var batch in batches)
        {
            await writer.WriteBatchAsync(batch);
        }

        await writer.CompleteAsync();
    }

    /// <summary>A batch of one int64 column "n" holding <paramref name="from"/>, <paramref name="from"/>+1, …</summary>
    public static RecordBatch Numbers(long from, int count)
    {
        var builder = new Int64Array.Builder();
        for (var i = 0; i < count; i++)
        {
            builder.Append(from + i);
        }

        return new RecordBatch(new Schema([new Field("n", Int64Type.Default, false)], null), [builder.Build()], count);
    }

    public static IArrowArray Fixed(IArrowType type, int width, Int128[] values, bool[] nulls)
    {
        var bytes = new byte[values.Length * width];
        for (var i = 0; i < values.Length; i++)
        {
            var slot = bytes.AsSpan(i * width, width);
            switch (width)
            {
                case 4:
                    BinaryPrimitives.WriteInt32LittleEndian(slot, (int)values[i]);
                    break;
                case 8:
                    BinaryPrimitives.WriteInt64LittleEndian(slot, (long)values[i]);
                    break;
                case 32:
                    BinaryPrimitives.WriteInt128LittleEndian(slot, values[i]);
                    BinaryPrimitives.WriteInt128LittleEndian(slot[16..], values[i] < 0 ? -1 : 0);
                    break;
                case 16:
                    BinaryPrimitives.WriteInt128LittleEndian(slot, values[i]);
                    break;
                default:
                    // Fixed-size binary: the value's low bytes, little-endian.
                    var all = new byte[16];
                    BinaryPrimitives.WriteInt128LittleEndian(all, values[i]);
                    all.AsSpan(0, width).CopyTo(slot);
                    break;
            }
        }

        var data = new ArrayData(type, values.Length, nulls.Count(n => n), 0, [Validity(nulls.Select(n => !n).ToArray()), new ArrowBuffer(bytes)]);
        return ArrowArrayFactory.BuildArray(data);
    }

    public static ArrowBuffer Validity(params bool[] valid)
    {
        var bits = new byte[(valid.Length + 7) / 8];
        for (var i = 0; i < valid.Length; i++)
        {
            if (valid[i])
            {
                bits[i / 8] |= (byte)(1 << (i % 8));
            }
        }

        return new ArrowBuffer(bits);
    }
}
