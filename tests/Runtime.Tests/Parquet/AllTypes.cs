using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>A batch with one column per type the record generator produces (and lists and structs of them).</summary>
internal static class AllTypes
{
    /// <summary>The type of the "ts" column.</summary>
    public static readonly TimestampType Ts = new(TimeUnit.Microsecond, "UTC");

    private static readonly string[] Words = ["", "a", "héllo", "日本語", "emoji 😀", "tab\tnew\nline", new string('x', 300), "zzz", "A", "é"];

    public static RecordBatch Batch(int rows, bool nullable, int seed, bool repetitive = true)
    {
        var rng = new Random(seed);
        bool[]? Valid() => nullable ? Enumerable.Range(0, rows).Select(_ => rng.Next(5) != 0).ToArray() : null;
        int Pick(int n) => repetitive ? rng.Next(Math.Min(n, 7)) : rng.Next(n);
        long PickLong() => repetitive ? rng.Next(-5, 5) * 1_000_000_007L : rng.NextInt64(long.MinValue, long.MaxValue);

        var fields = new List<Field>();
        var columns = new List<IArrowArray>();
        void Add(string name, IArrowType type, IArrowArray column, IReadOnlyList<KeyValuePair<string, string>>? metadata = null)
        {
            fields.Add(new Field(name, type, nullable, metadata));
            columns.Add(column);
        }

        Add("bool", BooleanType.Default, Pq.Bools(Enumerable.Range(0, rows).Select(_ => rng.Next(2) == 0).ToArray(), Valid()));
        Add("i8", Int8Type.Default, Pq.Fixed(Int8Type.Default, Enumerable.Range(0, rows).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray(), Valid()));
        Add("i16", Int16Type.Default, Pq.Fixed(Int16Type.Default, Enumerable.Range(0, rows).Select(_ => (short)rng.Next(-32768, 32768)).ToArray(), Valid()));
        Add("i32", Int32Type.Default, Pq.Fixed(Int32Type.Default, Enumerable.Range(0, rows).Select(_ => repetitive ? Pick(100) - 3 : rng.Next(int.MinValue, int.MaxValue)).ToArray(), Valid()));
        Add("i64", Int64Type.Default, Pq.Fixed(Int64Type.Default, Enumerable.Range(0, rows).Select(_ => PickLong()).ToArray(), Valid()));
        Add("u8", UInt8Type.Default, Pq.Fixed(UInt8Type.Default, Enumerable.Range(0, rows).Select(_ => (byte)rng.Next(256)).ToArray(), Valid()));
        Add("u16", UInt16Type.Default, Pq.Fixed(UInt16Type.Default, Enumerable.Range(0, rows).Select(_ => (ushort)rng.Next(65536)).ToArray(), Valid()));
        Add("u32", UInt32Type.Default, Pq.Fixed(UInt32Type.Default, Enumerable.Range(0, rows).Select(_ => (uint)rng.NextInt64(0, uint.MaxValue + 1L)).ToArray(), Valid()));
        Add("u64", UInt64Type.Default, Pq.Fixed(UInt64Type.Default, Enumerable.Range(0, rows).Select(_ => (ulong)rng.NextInt64() * 2).ToArray(), Valid()));
        Add("f32", FloatType.Default, Pq.Fixed(FloatType.Default, Enumerable.Range(0, rows).Select(_ => rng.Next(9) switch { 0 => float.NaN, 1 => -0.0f, _ => (float)rng.NextDouble() * 100 }).ToArray(), Valid()));
        Add("f64", DoubleType.Default, Pq.Fixed(DoubleType.Default, Enumerable.Range(0, rows).Select(_ => repetitive ? Pick(10) * 0.5 : rng.NextDouble()).ToArray(), Valid()));
        Add("d9", new Decimal128Type(9, 2), Pq.Decimals(new Decimal128Type(9, 2), Enumerable.Range(0, rows).Select(_ => nullable && rng.Next(5) == 0 ? (Int128?)null : rng.Next(-999_999_999, 999_999_999)).ToArray()));
        Add("d18", new Decimal128Type(18, 4), Pq.Decimals(new Decimal128Type(18, 4), Enumerable.Range(0, rows).Select(_ => nullable && rng.Next(5) == 0 ? (Int128?)null : rng.NextInt64(-999_999_999_999_999_999, 999_999_999_999_999_999)).ToArray()));
        Add("d38", new Decimal128Type(38, 10), Pq.Decimals(new Decimal128Type(38, 10), Enumerable.Range(0, rows).Select(_ => nullable && rng.Next(5) == 0 ? (Int128?)null : (Int128)rng.NextInt64() * rng.NextInt64(-1_000_000_000_000, 1_000_000_000_000)).ToArray()));
        Add("str", StringType.Default, Pq.Strings(Enumerable.Range(0, rows).Select(_ => nullable && rng.Next(5) == 0 ? null : repetitive ? Words[Pick(Words.Length)] : Guid.NewGuid().ToString()).ToArray()));
        Add("bin", BinaryType.Default, ArrowArrayFactory.BuildArray(Pq.BinaryData(BinaryType.Default, Enumerable.Range(0, rows).Select(_ => nullable && rng.Next(5) == 0 ? null : Enumerable.Range(0, rng.Next(0, 9)).Select(_ => (byte)rng.Next(256)).ToArray()).ToArray())));
        Add("ts", Ts, Pq.Fixed(Ts, Enumerable.Range(0, rows).Select(_ => 1_700_000_000_000_000L + rng.Next(1_000_000)).ToArray(), Valid()));
        Add("date", Date32Type.Default, Pq.Fixed(Date32Type.Default, Enumerable.Range(0, rows).Select(_ => rng.Next(-10000, 30000)).ToArray(), Valid()));
        Add("time", Time64Type.Microsecond, Pq.Fixed(Time64Type.Microsecond, Enumerable.Range(0, rows).Select(_ => rng.NextInt64(0, 86_400_000_000L)).ToArray(), Valid()));
        Add("dur", DurationType.Microsecond, Pq.Fixed(DurationType.Microsecond, Enumerable.Range(0, rows).Select(_ => rng.NextInt64(-1_000_000_000_000, 1_000_000_000_000)).ToArray(), Valid()));
        Add("uuid", new FixedSizeBinaryType(16), Pq.FixedBinary(16, Enumerable.Range(0, rows).Select(_ => nullable && rng.Next(5) == 0 ? null : Guid.NewGuid().ToByteArray(bigEndian: true)).ToArray()), [KeyValuePair.Create(ArrowTypes.ExtensionNameKey, "arrow.uuid")]);
        Add("enum", Pq.EnumType, Pq.Enum(["Red", "Green", "Blue"], Enumerable.Range(0, rows).Select(_ => nullable && rng.Next(5) == 0 ? (int?)null : rng.Next(3)).ToArray()));

        var itemField = new Field("item", Int32Type.Default, nullable, null);
        var listOffsets = new int[rows + 1];
        for (var i = 0; i < rows; i++)
        {
            listOffsets[i + 1] = listOffsets[i] + rng.Next(0, 4);
        }

        var items = Pq.Fixed(Int32Type.Default, Enumerable.Range(0, listOffsets[rows]).Select(_ => rng.Next(-50, 50)).ToArray(), nullable ? Enumerable.Range(0, listOffsets[rows]).Select(_ => rng.Next(4) != 0).ToArray() : null);
        Add("ints", new ListType(itemField), Pq.List(itemField, items, listOffsets, Valid()));

        var stringItem = new Field("item", StringType.Default, false, null);
        var stringOffsets = new int[rows + 1];
        for (var i = 0; i < rows; i++)
        {
            stringOffsets[i + 1] = stringOffsets[i] + rng.Next(0, 3);
        }

        var strings = Pq.Strings(Enumerable.Range(0, stringOffsets[rows]).Select(_ => Words[rng.Next(Words.Length)]).ToArray());
        Add("strs", new ListType(stringItem), Pq.List(stringItem, strings, stringOffsets, Valid()));

        var structFields = new[] { new Field("a", Int64Type.Default, false, null), new Field("b", StringType.Default, true, null) };
        var structValid = Valid();
        var a = Pq.Fixed(Int64Type.Default, Enumerable.Range(0, rows).Select(_ => rng.NextInt64()).ToArray(), structValid);
        var b = Pq.Strings(Enumerable.Range(0, rows).Select(i => (structValid is null || structValid[i]) && rng.Next(3) != 0 ? Words[rng.Next(Words.Length)] : null).ToArray());
        Add("rec", new StructType(structFields), Pq.Struct(structFields, [a, b], structValid));

        return new RecordBatch(new Schema(fields, null), columns, rows);
    }

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
