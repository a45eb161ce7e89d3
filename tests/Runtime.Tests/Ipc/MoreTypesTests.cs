using System.Numerics;
using Apache.Arrow;
using Apache.Arrow.Scalars;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Xunit;
using ApacheFileWriter = Apache.Arrow.Ipc.ArrowFileWriter;
using ApacheStreamWriter = Apache.Arrow.Ipc.ArrowStreamWriter;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>Writes batches with Apache.Arrow's own IPC writers and reads them back with Bulwark's validating readers.</summary>
internal static class MoreTypesIpc
{
    public static async Task<byte[]> WriteWithApacheAsync(RecordBatch batch, bool file)
    {
        using var stream = new MemoryStream();
        if (file)
        {
            using var writer = new ApacheFileWriter(stream, batch.Schema, leaveOpen: true);
            await writer.WriteRecordBatchAsync(batch);
            await writer.WriteEndAsync();
        }
        else
        {
            using var writer = new ApacheStreamWriter(stream, batch.Schema, leaveOpen: true);
            await writer.WriteRecordBatchAsync(batch);
            await writer.WriteEndAsync();
        }

        return stream.ToArray();
    }

    public static async Task<(Schema Schema, List<RecordBatch> Batches)> ReadWithBulwarkAsync(byte[] bytes, bool file)
    {
        var batches = new List<RecordBatch>();
        if (file)
        {
            await using var reader = await ArrowIpcFileReader.OpenAsync(new MemoryStream(bytes), "test.arrow");
            await foreach (var batch in reader.ReadAllAsync())
            {
                batches.Add(batch);
            }

            return (reader.Schema, batches);
        }

        await using (var reader = await ArrowIpcStreamReader.OpenAsync(new MemoryStream(bytes), "test.arrows"))
        {
            while (await reader.ReadNextBatchAsync() is { } batch)
            {
                batches.Add(batch);
            }

            return (reader.Schema, batches);
        }
    }

    /// <summary>Round-trips one column through Apache's writer and Bulwark's reader; checks the schema and returns the column.</summary>
    public static async Task<IArrowArray> RoundTripAsync(string name, IArrowArray column, bool file, bool nullable = true)
    {
        var schema = new Schema([new Field(name, column.Data.DataType, nullable)], null);
        var batch = new RecordBatch(schema, [column], column.Length);
        var (readSchema, batches) = await ReadWithBulwarkAsync(await WriteWithApacheAsync(batch, file), file);
        Assert.True(ArrowTypes.Equal(schema.FieldsList[0].DataType, readSchema.FieldsList[0].DataType), ArrowTypes.Describe(schema) + " vs " + ArrowTypes.Describe(readSchema));
        var read = Assert.Single(batches);
        Assert.Equal(column.Length, read.Length);
        return read.Column(0);
    }

    public static void AssertValidity(IArrowArray expected, IArrowArray actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(expected.IsValid(i) == actual.IsValid(i), $"slot {i}: expected valid={expected.IsValid(i)}");
        }
    }
}

/// <summary>
/// Every Arrow type the reader supports beyond the basic ones, written by Apache.Arrow's own file and stream writers and
/// read by Bulwark with every value compared.
/// </summary>
public sealed class MoreTypesTests
{
    private static readonly string LongText = "a value longer than twelve bytes: ü€";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LargeUtf8_reads_every_value(bool file)
    {
        var expected = new LargeStringArray.Builder().Append("one").AppendNull().Append(string.Empty).Append(LongText).Build();
        var actual = Assert.IsType<LargeStringArray>(await MoreTypesIpc.RoundTripAsync("s", expected, file));
        MoreTypesIpc.AssertValidity(expected, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected.GetString(i), actual.GetString(i));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LargeBinary_reads_every_value(bool file)
    {
        var expected = new LargeBinaryArray.Builder().Append([1, 2, 3]).AppendNull().Append(ReadOnlySpan<byte>.Empty).Append([255]).Build();
        var actual = Assert.IsType<LargeBinaryArray>(await MoreTypesIpc.RoundTripAsync("b", expected, file));
        MoreTypesIpc.AssertValidity(expected, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected.GetBytes(i).ToArray(), actual.GetBytes(i).ToArray());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LargeList_reads_every_element(bool file)
    {
        var builder = new LargeListArray.Builder(Int32Type.Default);
        var values = (Int32Array.Builder)builder.ValueBuilder;
        builder.Append();
        values.Append(1).AppendNull().Append(3);
        builder.AppendNull();
        builder.Append();
        builder.Append();
        values.Append(-4);
        var expected = builder.Build();

        var actual = Assert.IsType<LargeListArray>(await MoreTypesIpc.RoundTripAsync("l", expected, file));
        MoreTypesIpc.AssertValidity(expected, actual);
        Assert.Equal(expected.ValueOffsets.ToArray(), actual.ValueOffsets.ToArray());
        var expectedValues = (Int32Array)expected.Values;
        var actualValues = Assert.IsType<Int32Array>(actual.Values);
        Assert.Equal(expectedValues.ToArray(), actualValues.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Utf8View_reads_inline_and_buffered_values(bool file)
    {
        var expected = new StringViewArray.Builder().Append("short").AppendNull().Append(string.Empty).Append(LongText).Append("exactly12byt").Append(LongText + "!").Build();
        var actual = Assert.IsType<StringViewArray>(await MoreTypesIpc.RoundTripAsync("sv", expected, file));
        MoreTypesIpc.AssertValidity(expected, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected.GetString(i), actual.GetString(i));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BinaryView_reads_inline_and_buffered_values(bool file)
    {
        var expected = new BinaryViewArray.Builder().Append([1, 2]).AppendNull().Append(Enumerable.Range(0, 40).Select(i => (byte)i).ToArray()).Build();
        var actual = Assert.IsType<BinaryViewArray>(await MoreTypesIpc.RoundTripAsync("bv", expected, file));
        MoreTypesIpc.AssertValidity(expected, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected.GetBytes(i).ToArray(), actual.GetBytes(i).ToArray());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FixedSizeList_reads_every_element(bool file)
    {
        var builder = new FixedSizeListArray.Builder(Int32Type.Default, 3);
        var values = (Int32Array.Builder)builder.ValueBuilder;
        builder.Append();
        values.Append(1).Append(2).Append(3);
        builder.AppendNull();
        builder.Append();
        values.Append(7).AppendNull().Append(9);
        var expected = builder.Build();

        var actual = Assert.IsType<FixedSizeListArray>(await MoreTypesIpc.RoundTripAsync("f", expected, file));
        Assert.Equal(3, ((FixedSizeListType)actual.Data.DataType).ListSize);
        MoreTypesIpc.AssertValidity(expected, actual);
        var expectedValues = (Int32Array)expected.Values;
        var actualValues = Assert.IsType<Int32Array>(actual.Values);
        Assert.Equal(expectedValues.Length, actualValues.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected.IsValid(i))
            {
                for (var k = 0; k < 3; k++)
                {
                    Assert.Equal(expectedValues.GetValue((i * 3) + k), actualValues.GetValue((i * 3) + k));
                }
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Decimal32_and_Decimal64_read_every_value(bool file)
    {
        var expected32 = new Decimal32Array.Builder(new Decimal32Type(9, 2)).Append(1234567.89m).AppendNull().Append(-0.01m).Build();
        var actual32 = Assert.IsType<Decimal32Array>(await MoreTypesIpc.RoundTripAsync("d32", expected32, file));
        MoreTypesIpc.AssertValidity(expected32, actual32);
        Assert.Equal(expected32.ToList(includeNulls: true), actual32.ToList(includeNulls: true));

        var expected64 = new Decimal64Array.Builder(new Decimal64Type(18, 4)).Append(12345678901234.5678m).AppendNull().Append(-1m).Build();
        var actual64 = Assert.IsType<Decimal64Array>(await MoreTypesIpc.RoundTripAsync("d64", expected64, file));
        MoreTypesIpc.AssertValidity(expected64, actual64);
        Assert.Equal(expected64.ToList(includeNulls: true), actual64.ToList(includeNulls: true));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Decimal256_reads_every_value_including_ones_wider_than_decimal(bool file)
    {
        var type = new Decimal256Type(76, 10);
        var wide = BigInteger.Pow(10, 75) - 1;
        var bytes = new byte[3 * 32];
        WriteInt256(bytes.AsSpan(0, 32), wide);
        WriteInt256(bytes.AsSpan(64, 32), -wide);
        var validity = new byte[] { 0b101 };
        var expected = new Decimal256Array(new ArrayData(type, 3, 1, 0, [new ArrowBuffer(validity), new ArrowBuffer(bytes)], []));

        var actual = Assert.IsType<Decimal256Array>(await MoreTypesIpc.RoundTripAsync("d256", expected, file));
        MoreTypesIpc.AssertValidity(expected, actual);
        Assert.Equal(wide, new BigInteger(actual.GetBytes(0), isUnsigned: false, isBigEndian: false));
        Assert.Equal(-wide, new BigInteger(actual.GetBytes(2), isUnsigned: false, isBigEndian: false));
        Assert.Equal(expected.GetString(0), actual.GetString(0));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Intervals_read_every_value(bool file)
    {
        var yearMonth = new YearMonthIntervalArray.Builder().Append(new YearMonthInterval(-14)).AppendNull().Append(new YearMonthInterval(2, 3)).Build();
        var actualYearMonth = Assert.IsType<YearMonthIntervalArray>(await MoreTypesIpc.RoundTripAsync("ym", yearMonth, file));
        MoreTypesIpc.AssertValidity(yearMonth, actualYearMonth);
        // Compared by component: Apache 23's YearMonthInterval.Equals(object) only accepts a DayTimeInterval.
        Assert.Equal(yearMonth.ToList(includeNulls: true).Select(v => v?.Months), actualYearMonth.ToList(includeNulls: true).Select(v => v?.Months));

        var dayTime = new DayTimeIntervalArray.Builder().Append(new DayTimeInterval(3, -5000)).AppendNull().Build();
        var actualDayTime = Assert.IsType<DayTimeIntervalArray>(await MoreTypesIpc.RoundTripAsync("dt", dayTime, file));
        MoreTypesIpc.AssertValidity(dayTime, actualDayTime);
        Assert.Equal(dayTime.ToList(includeNulls: true).Select(v => (v?.Days, v?.Milliseconds)), actualDayTime.ToList(includeNulls: true).Select(v => (v?.Days, v?.Milliseconds)));

        var monthDayNano = new MonthDayNanosecondIntervalArray.Builder().AppendNull().Append(new MonthDayNanosecondInterval(1, -2, long.MaxValue)).Build();
        var actualMonthDayNano = Assert.IsType<MonthDayNanosecondIntervalArray>(await MoreTypesIpc.RoundTripAsync("mdn", monthDayNano, file));
        MoreTypesIpc.AssertValidity(monthDayNano, actualMonthDayNano);
        Assert.Equal(monthDayNano.ToList(includeNulls: true).Select(v => (v?.Months, v?.Days, v?.Nanoseconds)), actualMonthDayNano.ToList(includeNulls: true).Select(v => (v?.Months, v?.Days, v?.Nanoseconds)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sparse_union_with_declared_type_ids_reads_every_value(bool file)
    {
        var expected = MoreTypesData.SparseUnion();
        var actual = Assert.IsType<SparseUnionArray>(await MoreTypesIpc.RoundTripAsync("u", expected, file));
        Assert.Equal([5, 7], actual.Type.TypeIds);
        Assert.Equal(expected.TypeIds.ToArray(), actual.TypeIds.ToArray());
        AssertUnionValues(expected, actual, i => i);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Dense_union_reads_every_value(bool file)
    {
        var expected = MoreTypesData.DenseUnion();
        var actual = Assert.IsType<DenseUnionArray>(await MoreTypesIpc.RoundTripAsync("u", expected, file));
        Assert.Equal(UnionMode.Dense, actual.Mode);
        Assert.Equal(expected.TypeIds.ToArray(), actual.TypeIds.ToArray());
        Assert.Equal(expected.ValueOffsets.ToArray(), actual.ValueOffsets.ToArray());
        AssertUnionValues(expected, actual, i => actual.ValueOffsets[i]);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task Map_reads_every_entry_and_keeps_keys_sorted(bool file, bool keysSorted)
    {
        var expected = MoreTypesData.Map(keysSorted);
        var actual = Assert.IsType<MapArray>(await MoreTypesIpc.RoundTripAsync("m", expected, file));
        Assert.Equal(keysSorted, ((MapType)actual.Data.DataType).KeySorted);
        MoreTypesIpc.AssertValidity(expected, actual);
        Assert.Equal(expected.ValueOffsets.ToArray(), actual.ValueOffsets.ToArray());
        var expectedKeys = (StringArray)expected.Keys;
        var actualKeys = Assert.IsType<StringArray>(actual.Keys);
        var expectedValues = (Int32Array)expected.Values;
        var actualValues = Assert.IsType<Int32Array>(actual.Values);
        Assert.Equal(expectedKeys.Length, actualKeys.Length);
        for (var i = 0; i < expectedKeys.Length; i++)
        {
            Assert.Equal(expectedKeys.GetString(i), actualKeys.GetString(i));
            Assert.Equal(expectedValues.GetValue(i), actualValues.GetValue(i));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Dictionary_encoded_large_utf8_and_utf8_view_read_every_value(bool file)
    {
        var indices = new Int8Array.Builder().Append(1).AppendNull().Append(0).Append(1).Build();
        var largeValues = new LargeStringArray.Builder().Append("zero").Append(LongText).Build();
        var large = new DictionaryArray(new DictionaryType(Int8Type.Default, LargeStringType.Default, false), indices, largeValues);
        var actualLarge = Assert.IsType<DictionaryArray>(await MoreTypesIpc.RoundTripAsync("dl", large, file));
        AssertDictionaryValues(large, actualLarge, (d, i) => ((LargeStringArray)d).GetString(i));

        var viewValues = new StringViewArray.Builder().Append("zero").Append(LongText).Build();
        var view = new DictionaryArray(new DictionaryType(Int8Type.Default, StringViewType.Default, false), indices, viewValues);
        var actualView = Assert.IsType<DictionaryArray>(await MoreTypesIpc.RoundTripAsync("dv", view, file));
        AssertDictionaryValues(view, actualView, (d, i) => ((StringViewArray)d).GetString(i));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Dictionary_encoded_decimal64_and_interval_read_every_value(bool file)
    {
        var indices = new Int16Array.Builder().Append(0).Append(1).AppendNull().Append(0).Build();
        var decimals = new Decimal64Array.Builder(new Decimal64Type(10, 3)).Append(1.5m).Append(-2.25m).Build();
        var decimalDictionary = new DictionaryArray(new DictionaryType(Int16Type.Default, decimals.Data.DataType, false), indices, decimals);
        var actualDecimals = Assert.IsType<DictionaryArray>(await MoreTypesIpc.RoundTripAsync("dd", decimalDictionary, file));
        AssertDictionaryValues(decimalDictionary, actualDecimals, (d, i) => ((Decimal64Array)d).GetValue(i));

        var intervals = new MonthDayNanosecondIntervalArray.Builder().Append(new MonthDayNanosecondInterval(1, 2, 3)).Append(new MonthDayNanosecondInterval(-1, 0, 9)).Build();
        var intervalDictionary = new DictionaryArray(new DictionaryType(Int16Type.Default, IntervalType.MonthDayNanosecond, false), indices, intervals);
        var actualIntervals = Assert.IsType<DictionaryArray>(await MoreTypesIpc.RoundTripAsync("di", intervalDictionary, file));
        AssertDictionaryValues(intervalDictionary, actualIntervals, (d, i) => ((MonthDayNanosecondIntervalArray)d).GetValue(i) is { } v ? (v.Months, v.Days, v.Nanoseconds) : default);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Dictionary_encoded_values_inside_a_fixed_size_list_read_every_value(bool file)
    {
        // Dictionary-encoded children inside the new nested types: the reader finds their dictionary ids there too.
        var dictionaryType = new DictionaryType(Int8Type.Default, StringType.Default, false);
        var words = new StringArray.Builder().Append("alpha").Append("beta").Build();
        var indices = new Int8Array.Builder().Append(1).Append(0).Append(0).Append(1).Build();
        var encoded = new DictionaryArray(dictionaryType, indices, words);
        var listType = new FixedSizeListType(new Field("item", dictionaryType, true), 2);
        var list = new FixedSizeListArray(listType, 2, encoded, ArrowBuffer.Empty, 0, 0);

        var actual = Assert.IsType<FixedSizeListArray>(await MoreTypesIpc.RoundTripAsync("fl", list, file));
        var values = Assert.IsType<DictionaryArray>(actual.Values);
        var dictionary = Assert.IsType<StringArray>(values.Dictionary);
        var read = Enumerable.Range(0, 4).Select(i => dictionary.GetString(((Int8Array)values.Indices).GetValue(i)!.Value)).ToArray();
        Assert.Equal(["beta", "alpha", "alpha", "beta"], read);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Map_with_dictionary_encoded_values_and_non_canonical_names_reads_every_value(bool file)
    {
        var dictionaryType = new DictionaryType(Int8Type.Default, StringType.Default, false);
        var type = new MapType(new Field("key", StringType.Default, false), new Field("value", dictionaryType, true));
        var keys = new StringArray.Builder().Append("k1").Append("k2").Append("k3").Build();
        var words = new StringArray.Builder().Append("alpha").Append("beta").Build();
        var values = new DictionaryArray(dictionaryType, new Int8Array.Builder().Append(1).Append(0).AppendNull().Build(), words);
        var entries = new StructArray(type.KeyValueType, 3, [keys, values], ArrowBuffer.Empty, 0);
        var offsets = new ArrowBuffer(new[] { 0, 2, 3 }.SelectMany(BitConverter.GetBytes).ToArray());
        var map = new MapArray(type, 2, offsets, entries, ArrowBuffer.Empty, 0, 0);
        var schema = new Schema([new Field("m", type, true)], null);
        var bytes = await MoreTypesIpc.WriteWithApacheAsync(new RecordBatch(schema, [map], 2), file);

        // Other writers may name the entries, key and value fields freely; Apache's MapType renames them on read, and
        // the dictionary of the renamed value field must still be found.
        ReplaceAll(bytes, "entries"u8, "ENTRIES"u8);
        ReplaceAll(bytes, "value"u8, "VALUE"u8);
        var (_, batches) = await MoreTypesIpc.ReadWithBulwarkAsync(bytes, file);
        var actual = Assert.IsType<MapArray>(Assert.Single(batches).Column(0));
        Assert.Equal([0, 2, 3], actual.ValueOffsets.ToArray());
        var actualKeys = Assert.IsType<StringArray>(actual.Keys);
        Assert.Equal(["k1", "k2", "k3"], Enumerable.Range(0, 3).Select(i => actualKeys.GetString(i)).ToArray());
        var actualValues = Assert.IsType<DictionaryArray>(actual.Values);
        var dictionary = Assert.IsType<StringArray>(actualValues.Dictionary);
        var indices = Assert.IsType<Int8Array>(actualValues.Indices);
        Assert.Equal("beta", dictionary.GetString(indices.GetValue(0)!.Value));
        Assert.Equal("alpha", dictionary.GetString(indices.GetValue(1)!.Value));
        Assert.False(actualValues.IsValid(2));
    }

    [Fact]
    public void Describe_and_Equal_cover_the_new_types()
    {
        Assert.Equal("large_list<item: int32>", ArrowTypes.Describe(new LargeListType(Int32Type.Default)));
        Assert.Equal("fixed_size_list<item: int32>[3]", ArrowTypes.Describe(new FixedSizeListType(Int32Type.Default, 3)));
        Assert.Equal("map<utf8, int32, keys_sorted>", ArrowTypes.Describe(new MapType(StringType.Default, Int32Type.Default, keySorted: true)));
        Assert.Equal("sparse_union<a: int32=5, b: utf8=7>", ArrowTypes.Describe(MoreTypesData.UnionType(UnionMode.Sparse)));
        Assert.Equal("dense_union<a: int32=5, b: utf8=7>", ArrowTypes.Describe(MoreTypesData.UnionType(UnionMode.Dense)));
        Assert.Equal("month_day_nano_interval", ArrowTypes.Describe(IntervalType.MonthDayNanosecond));
        Assert.Equal("day_time_interval", ArrowTypes.Describe(IntervalType.DayTime));
        Assert.Equal("month_interval", ArrowTypes.Describe(IntervalType.YearMonth));
        Assert.Equal("decimal32(9, 2)", ArrowTypes.Describe(new Decimal32Type(9, 2)));
        Assert.Equal("decimal64(18, 2)", ArrowTypes.Describe(new Decimal64Type(18, 2)));
        Assert.Equal("utf8_view", ArrowTypes.Describe(StringViewType.Default));
        Assert.Equal("binary_view", ArrowTypes.Describe(BinaryViewType.Default));

        Assert.True(ArrowTypes.Equal(new LargeListType(Int32Type.Default), new LargeListType(Int32Type.Default)));
        Assert.False(ArrowTypes.Equal(new LargeListType(Int32Type.Default), new LargeListType(Int64Type.Default)));
        Assert.True(ArrowTypes.Equal(new FixedSizeListType(Int32Type.Default, 3), new FixedSizeListType(Int32Type.Default, 3)));
        Assert.False(ArrowTypes.Equal(new FixedSizeListType(Int32Type.Default, 3), new FixedSizeListType(Int32Type.Default, 4)));
        Assert.True(ArrowTypes.Equal(new MapType(StringType.Default, Int32Type.Default), new MapType(StringType.Default, Int32Type.Default)));
        Assert.False(ArrowTypes.Equal(new MapType(StringType.Default, Int32Type.Default), new MapType(StringType.Default, Int32Type.Default, keySorted: true)));
        Assert.False(ArrowTypes.Equal(new MapType(StringType.Default, Int32Type.Default), new MapType(StringType.Default, Int64Type.Default)));
        Assert.True(ArrowTypes.Equal(MoreTypesData.UnionType(UnionMode.Sparse), MoreTypesData.UnionType(UnionMode.Sparse)));
        Assert.False(ArrowTypes.Equal(MoreTypesData.UnionType(UnionMode.Sparse), MoreTypesData.UnionType(UnionMode.Dense)));
        Assert.False(ArrowTypes.Equal(MoreTypesData.UnionType(UnionMode.Sparse), new UnionType(MoreTypesData.UnionType(UnionMode.Sparse).Fields, [5, 6], UnionMode.Sparse)));
        Assert.False(ArrowTypes.Equal(IntervalType.DayTime, IntervalType.YearMonth));
        Assert.False(ArrowTypes.Equal(new Decimal32Type(9, 2), new Decimal32Type(9, 3)));
        Assert.False(ArrowTypes.Equal(new Decimal64Type(9, 2), new Decimal32Type(9, 2)));
    }

    private static void AssertUnionValues(UnionArray expected, UnionArray actual, Func<int, int> slot)
    {
        Assert.Equal(expected.Length, actual.Length);
        var ints = Assert.IsType<Int32Array>(actual.Fields[0]);
        var strings = Assert.IsType<StringArray>(actual.Fields[1]);
        var expectedInts = (Int32Array)expected.Fields[0];
        var expectedStrings = (StringArray)expected.Fields[1];
        var expectedSlot = expected is DenseUnionArray dense ? (Func<int, int>)(i => dense.ValueOffsets[i]) : i => i;
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected.TypeIds[i] == 5)
            {
                Assert.Equal(expectedInts.GetValue(expectedSlot(i)), ints.GetValue(slot(i)));
            }
            else
            {
                Assert.Equal(expectedStrings.GetString(expectedSlot(i)), strings.GetString(slot(i)));
            }
        }
    }

    private static void AssertDictionaryValues<T>(DictionaryArray expected, DictionaryArray actual, Func<IArrowArray, int, T> value)
    {
        MoreTypesIpc.AssertValidity(expected, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected.IsValid(i))
            {
                Assert.Equal(value(expected.Dictionary, Index(expected, i)), value(actual.Dictionary, Index(actual, i)));
            }
        }
    }

    private static int Index(DictionaryArray array, int i) => array.Indices switch
    {
        Int8Array a => a.GetValue(i)!.Value,
        Int16Array a => a.GetValue(i)!.Value,
        var other => throw new InvalidOperationException(other.GetType().Name),
    };

    private static void ReplaceAll(byte[] bytes, ReadOnlySpan<byte> find, ReadOnlySpan<byte> replacement)
    {
        var found = 0;
        for (var at = bytes.AsSpan().IndexOf(find); at >= 0; at = bytes.AsSpan().IndexOf(find))
        {
            replacement.CopyTo(bytes.AsSpan(at));
            found++;
        }

        Assert.True(found > 0, "pattern not found");
    }

    private static void WriteInt256(Span<byte> target, BigInteger value)
    {
        var fill = value.Sign < 0 ? (byte)0xFF : (byte)0;
        target.Fill(fill);
        value.TryWriteBytes(target, out _, isUnsigned: false, isBigEndian: false);
    }
}

/// <summary>Hand-built arrays of the nested types, with distinctive values the hostile tests look for in the written bytes.</summary>
internal static class MoreTypesData
{
    public static UnionType UnionType(UnionMode mode) =>
        new([new Field("a", Int32Type.Default, true), new Field("b", StringType.Default, true)], [5, 7], mode);

    /// <summary>Type ids 5 7 7 5 5: ints 10, (null), 30 in child a; strings in child b.</summary>
    public static SparseUnionArray SparseUnion()
    {
        var ints = new Int32Array.Builder().Append(10).Append(0).Append(0).AppendNull().Append(50).Build();
        var strings = new StringArray.Builder().Append(string.Empty).Append("seven").Append("also seven").Append(string.Empty).Append(string.Empty).Build();
        var typeIds = new ArrowBuffer(new byte[] { 5, 7, 7, 5, 5 });
        return new SparseUnionArray(UnionType(UnionMode.Sparse), 5, [ints, strings], typeIds, 0, 0);
    }

    /// <summary>Type ids 5 7 5 7 5 with offsets 0 0 1 1 2 into children of 3 ints and 2 strings.</summary>
    public static DenseUnionArray DenseUnion()
    {
        var ints = new Int32Array.Builder().Append(111).AppendNull().Append(333).Build();
        var strings = new StringArray.Builder().Append("first").Append("second").Build();
        var typeIds = new ArrowBuffer(new byte[] { 5, 7, 5, 7, 5 });
        var offsets = new ArrowBuffer(new int[] { 0, 0, 1, 1, 2 }.SelectMany(BitConverter.GetBytes).ToArray());
        return new DenseUnionArray(UnionType(UnionMode.Dense), 5, [ints, strings], typeIds, offsets, 0, 0);
    }

    /// <summary>Three maps: {k1: 1, k2: null}, null, {k3: 3}.</summary>
    public static MapArray Map(bool keysSorted)
    {
        var builder = new MapArray.Builder(new MapType(StringType.Default, Int32Type.Default, nullable: true, keySorted: keysSorted));
        var keys = (StringArray.Builder)builder.KeyBuilder;
        var values = (Int32Array.Builder)builder.ValueBuilder;
        builder.Append();
        keys.Append("k1");
        values.Append(1);
        keys.Append("k2");
        values.AppendNull();
        builder.AppendNull();
        builder.Append();
        keys.Append("k3");
        values.Append(3);
        return builder.Build();
    }
}
