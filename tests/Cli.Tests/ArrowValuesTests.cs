using System.Buffers;
using System.Text;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Types;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Cli.Tests;

/// <summary>
/// How `bulwark cat` prints the Arrow types <see cref="CatTests"/> does not write to a file: each array is built as the
/// readers build it, and its cells and JSON values are compared exactly.
/// </summary>
public sealed class ArrowValuesTests
{
    public static TheoryData<string, IArrowArray, string?[], string[]> Cases() => new()
    {
        { "time32[ms]", DataFileKit.Fixed(new Time32Type(TimeUnit.Millisecond), 4, [45_296_789, 0], [false, false]), ["12:34:56.789", "00:00:00.000"], ["\"12:34:56.789\"", "\"00:00:00.000\""] },
        { "time64[ns]", DataFileKit.Fixed(new Time64Type(TimeUnit.Nanosecond), 8, [45_296_000_000_001, 86_400_000_000_000], [false, false]), ["12:34:56.000000001", "86400000000000 ns since midnight (out of range)"], ["\"12:34:56.000000001\"", "\"86400000000000 ns since midnight (out of range)\""] },
        { "duration", DataFileKit.Fixed(DurationType.Microsecond, 8, [-1, 90_500_000], [false, false]), ["-PT0.000001S", "PT90.500000S"], ["\"-PT0.000001S\"", "\"PT90.500000S\""] },
        { "duration[s]", DataFileKit.Fixed(DurationType.Second, 8, [90, 0], [false, true]), ["PT90S", null], ["\"PT90S\"", "null"] },
        { "month_interval", DataFileKit.Fixed(new IntervalType(IntervalUnit.YearMonth), 4, [14, 0], [false, false]), ["P14M", "PT0.000000000S"], ["\"P14M\"", "\"PT0.000000000S\""] },
        { "day_time_interval", DataFileKit.Fixed(new IntervalType(IntervalUnit.DayTime), 8, [3 + ((Int128)500 << 32)], [false]), ["P3DT0.500000000S"], ["\"P3DT0.500000000S\""] },
        { "month_day_nano_interval", DataFileKit.Fixed(new IntervalType(IntervalUnit.MonthDayNanosecond), 16, [1 + ((Int128)2 << 32) + ((Int128)3 << 64)], [false]), ["P1M2DT0.000000003S"], ["\"P1M2DT0.000000003S\""] },
        { "decimal32", DataFileKit.Fixed(new Decimal32Type(9, 2), 4, [-12_345, 5], [false, false]), ["-123.45", "0.05"], ["\"-123.45\"", "\"0.05\""] },
        { "decimal64 negative scale", DataFileKit.Fixed(new Decimal64Type(18, -2), 8, [5], [false]), ["500"], ["\"500\""] },
        { "decimal256", DataFileKit.Fixed(new Decimal256Type(76, 40), 32, [-Int128.MaxValue], [false]), ["-0.0170141183460469231731687303715884105727"], ["\"-0.0170141183460469231731687303715884105727\""] },
        { "fixed_size_binary", DataFileKit.Fixed(new FixedSizeBinaryType(3), 3, [0x0c0b0a], [false]), ["0a0b0c"], ["\"CgsM\""] },
        { "halffloat", new HalfFloatArray.Builder().Append((Half)0.1).Append(Half.PositiveInfinity).Build(), ["0.1", "Infinity"], ["0.1", "\"Infinity\""] },
        { "float", new FloatArray.Builder().Append(0.1f).Append(float.NegativeInfinity).Build(), ["0.1", "-Infinity"], ["0.1", "\"-Infinity\""] },
        { "uint64", new UInt64Array.Builder().Append(ulong.MaxValue).Build(), ["18446744073709551615"], ["18446744073709551615"] },
        { "date64", DataFileKit.Fixed(Date64Type.Default, 8, [1_500, 86_400_000], [false, false]), ["1970-01-01T00:00:01.500", "1970-01-02"], ["\"1970-01-01T00:00:01.500\"", "\"1970-01-02\""] },
        { "timestamp, unknown zone", DataFileKit.Fixed(new TimestampType(TimeUnit.Second, "Mars/Olympus_Mons"), 8, [0], [false]), ["1970-01-01T00:00:00Z[Mars/Olympus_Mons]"], ["\"1970-01-01T00:00:00Z[Mars/Olympus_Mons]\""] },
        { "timestamp, negative offset", DataFileKit.Fixed(new TimestampType(TimeUnit.Millisecond, "-05:30"), 8, [1], [false]), ["1969-12-31T18:30:00.001-05:30"], ["\"1969-12-31T18:30:00.001-05:30\""] },
        { "timestamp out of range", DataFileKit.Fixed(new TimestampType(TimeUnit.Second, "UTC"), 8, [long.MaxValue], [false]), [$"{long.MaxValue} s since 1970-01-01 (out of range)"], [$"\"{long.MaxValue} s since 1970-01-01 (out of range)\""] },
        { "large_utf8", new LargeStringArray.Builder().Append("é").AppendNull().Build(), ["é", null], ["\"é\"", "null"] },
        { "large_binary", new LargeBinaryArray.Builder().Append([1, 255]).Build(), ["01ff"], ["\"Af8=\""] },
        { "utf8_view", new StringViewArray.Builder().Append("a view longer than twelve bytes").Append("short").Build(), ["a view longer than twelve bytes", "short"], ["\"a view longer than twelve bytes\"", "\"short\""] },
        { "binary_view", new BinaryViewArray.Builder().Append([0xab]).Build(), ["ab"], ["\"qw==\""] },
        { "null", new NullArray(2), [null, null], ["null", "null"] },
        { "dictionary", new DictionaryArray(new DictionaryType(Int8Type.Default, StringType.Default, false), new Int8Array.Builder().Append(1).Append(0).AppendNull().Build(), new StringArray.Builder().Append("a").Append("b").Build()), ["b", "a", null], ["\"b\"", "\"a\"", "null"] },
        { "fixed_size_list", FixedSizeList(), ["[1,2]", "[3,null]"], ["[1,2]", "[3,null]"] },
        { "large_list", LargeList(), ["[\"x\",\"y\"]", "[]"], ["[\"x\",\"y\"]", "[]"] },
        { "map with int keys", IntKeyedMap(), ["[{\"key\":1,\"value\":\"a\"}]"], ["[{\"key\":1,\"value\":\"a\"}]"] },
        { "dense union", Union(UnionMode.Dense), ["5", "x", null], ["5", "\"x\"", "null"] },
        { "sparse union", Union(UnionMode.Sparse), ["5", "x", null], ["5", "\"x\"", "null"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_type_prints_exactly(string type, IArrowArray array, string?[] cells, string[] json)
    {
        Assert.Equal(cells, Enumerable.Range(0, array.Length).Select(i => ArrowValues.Text(array, i)));
        Assert.Equal(json, Enumerable.Range(0, array.Length).Select(i => Json(array, i)));
        Assert.NotEmpty(type);
    }

    private static string Json(IArrowArray array, int index)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, ArrowValues.WriterOptions))
        {
            ArrowValues.WriteJson(writer, array, index, hexBinary: false);
        }

        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        using var _ = JsonDocument.Parse(text);
        return text;
    }

    private static FixedSizeListArray FixedSizeList()
    {
        var type = new FixedSizeListType(new Field("item", Int32Type.Default, true), 2);
        var values = new Int32Array.Builder().Append(1).Append(2).Append(3).AppendNull().Build();
        return new FixedSizeListArray(new ArrayData(type, 2, 0, 0, [ArrowBuffer.Empty], [values.Data]));
    }

    private static LargeListArray LargeList()
    {
        var type = new LargeListType(new Field("item", StringType.Default, true));
        var values = new StringArray.Builder().Append("x").Append("y").Build();
        var offsets = new ArrowBuffer.Builder<long>().Append(0).Append(2).Append(2).Build();
        return new LargeListArray(new ArrayData(type, 2, 0, 0, [ArrowBuffer.Empty, offsets], [values.Data]));
    }

    private static MapArray IntKeyedMap()
    {
        var builder = new MapArray.Builder(new MapType(new Field("key", Int32Type.Default, false), new Field("value", StringType.Default, true)));
        builder.Append();
        ((Int32Array.Builder)builder.KeyBuilder).Append(1);
        ((StringArray.Builder)builder.ValueBuilder).Append("a");
        return builder.Build();
    }

    /// <summary>Rows: the int 5, the string "x", a null int; type ids 3 and 7 so that ids are not child positions.</summary>
    private static UnionArray Union(UnionMode mode)
    {
        var type = new UnionType([new Field("i", Int32Type.Default, true), new Field("s", StringType.Default, true)], [3, 7], mode);
        var typeIds = new ArrowBuffer(new byte[] { 3, 7, 3 });
        if (mode == UnionMode.Dense)
        {
            var ints = new Int32Array.Builder().Append(5).AppendNull().Build();
            var strings = new StringArray.Builder().Append("x").Build();
            var offsets = new ArrowBuffer.Builder<int>().Append(0).Append(0).Append(1).Build();
            return new DenseUnionArray(type, 3, [ints, strings], typeIds, offsets);
        }

        var sparseInts = new Int32Array.Builder().Append(5).AppendNull().AppendNull().Build();
        var sparseStrings = new StringArray.Builder().AppendNull().Append("x").AppendNull().Build();
        return new SparseUnionArray(type, 3, [sparseInts, sparseStrings], typeIds);
    }
}
