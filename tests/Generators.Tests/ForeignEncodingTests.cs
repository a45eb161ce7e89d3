using System.Buffers.Binary;


using Bulwark.Arrow;
using Bulwark.Generators.Tests.Foreign;
using Bulwark.Records;

namespace Bulwark.Generators.Tests;

/// <summary>
/// Columns encoded the way other Arrow writers encode them (apache-arrow's dictionary strings, pyarrow's ns timestamps
/// and date64, time32, other decimal precisions), read into generated records; refusals; value failures.
/// </summary>
public sealed class ForeignEncodingTests
{
    // ------------------------------------------------------------------ accepted encodings

    [Theory]
    [InlineData(8, true)]
    [InlineData(8, false)]
    [InlineData(16, true)]
    [InlineData(16, false)]
    [InlineData(32, true)]
    [InlineData(32, false)]
    [InlineData(64, true)]
    [InlineData(64, false)]
    public void StringsFromDictionaryOfAnyIndexType(int width, bool signed)
    {
        using var batch = Batch(
            DictionaryField(StringType.Default, IndexType(width, signed)),
            Dictionary(IndexType(width, signed), Utf8(["zeta", "alpha", "\U0001F600"]), 2, 0, 0, 1));
        var rows = TextRow.ReadBatch(batch);
        Assert.Equal(["\U0001F600", "zeta", "zeta", "alpha"], rows.Select(r => r.Value));
        Assert.Same(rows[1].Value, rows[2].Value);
    }

    [Theory]
    [InlineData(32, true)]
    [InlineData(8, false)]
    public void NullableStringsFromDictionaryWithNullIndicesAndNullEntries(int width, bool signed)
    {
        var indexType = IndexType(width, signed);
        using var batch = Batch(
            DictionaryField(StringType.Default, indexType),
            Dictionary(indexType, Utf8(["a", null]), 0, null, 1));
        Assert.Equal(["a", null, null], MaybeTextRow.ReadBatch(batch).Select(r => r.Value));
    }

    [Fact]
    public void NullDictionaryEntryInNonNullableStringIsANullValue()
    {
        using var batch = Batch(DictionaryField(StringType.Default, Int32Type.Default), Dictionary(Int32Type.Default, Utf8(["a", null]), 0, 1));
        var error = Assert.Throws<ArrowSchemaMismatchException>(() => TextRow.ReadBatch(batch));
        Assert.Contains("'Value'", error.Message, StringComparison.Ordinal);
        Assert.Contains("row 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BytesFromDictionaryOfBinary()
    {
        using var batch = Batch(DictionaryField(BinaryType.Default, UInt16Type.Default), Dictionary(UInt16Type.Default, Binary([1, 2], []), 1, 0, 0));
        var rows = BlobRow.ReadBatch(batch);
        Assert.Equal([[], [1, 2], [1, 2]], rows.Select(r => r.Value));
        Assert.NotSame(rows[1].Value, rows[2].Value);
    }

    [Fact]
    public void EnumsFromPlainUtf8()
    {
        using var batch = Batch(new Field("Value", StringType.Default, true), Utf8(["Cherry", "Apple", null]));
        Assert.Equal([Fruit.Cherry, Fruit.Apple, null], MaybeFruitRow.ReadBatch(batch).Select(r => r.Value));
    }

    [Fact]
    public void EnumsFromDictionaryWithInt8IndicesInAnotherOrder()
    {
        using var batch = Batch(DictionaryField(StringType.Default, Int8Type.Default), Dictionary(Int8Type.Default, Utf8(["Banana", "Apple", "Unused"]), 0, 1, 0));
        Assert.Equal([Fruit.Banana, Fruit.Apple, Fruit.Banana], FruitRow.ReadBatch(batch).Select(r => r.Value));
    }

    [Theory]
    [InlineData(TimeUnit.Second, null)]
    [InlineData(TimeUnit.Millisecond, "UTC")]
    [InlineData(TimeUnit.Microsecond, "Europe/Paris")]
    [InlineData(TimeUnit.Nanosecond, "+01:00")]
    public void TimestampsInEveryUnitAndZone(TimeUnit unit, string? zone)
    {
        var perSecond = unit switch { TimeUnit.Second => 1L, TimeUnit.Millisecond => 1_000L, TimeUnit.Microsecond => 1_000_000L, _ => 1_000_000_000L };
        var type = new TimestampType(unit, (string?)zone);

        // 2024-02-29T12:34:56Z and 1969-07-20T20:17:40Z (before the epoch), whole seconds in every unit.
        using var batch = Batch(new Field("Value", type, false), Fixed<long>(type, 1_709_210_096 * perSecond, -14_182_940 * perSecond));
        var expected = new[] { new DateTime(2024, 2, 29, 12, 34, 56, DateTimeKind.Utc), new DateTime(1969, 7, 20, 20, 17, 40, DateTimeKind.Utc) };
        var rows = InstantRow.ReadBatch(batch);
        Assert.Equal(expected, rows.Select(r => r.Value));
        Assert.All(rows, r => Assert.Equal(DateTimeKind.Utc, r.Value.Kind));
        Assert.Equal(expected.Select(d => new DateTimeOffset(d)), InstantOffsetRow.ReadBatch(batch).Select(r => r.Value));
    }

    [Fact]
    public void NanosecondTimestampsAreTruncatedTowardNegativeInfinity()
    {
        var type = new TimestampType(TimeUnit.Nanosecond, (string?)null);
        using var batch = Batch(new Field("Value", type, false), Fixed<long>(type, 1_999, -1, -100, -101, long.MinValue, long.MaxValue));
        var epoch = DateTime.UnixEpoch.Ticks;
        Assert.Equal(
            [epoch + 19, epoch - 1, epoch - 1, epoch - 2, epoch + Math.DivRem(long.MinValue, 100).Quotient - 1, epoch + (long.MaxValue / 100)],
            InstantRow.ReadBatch(batch).Select(r => r.Value.Ticks));
    }

    [Fact]
    public void DatesFromDate32AndWholeDayDate64()
    {
        using var days = Batch(new Field("Value", Date32Type.Default, false), Fixed<int>(Date32Type.Default, 19_782, -1));
        using var milliseconds = Batch(new Field("Value", Date64Type.Default, false), Fixed<long>(Date64Type.Default, 19_782L * 86_400_000, -86_400_000));
        var expected = new[] { new DateOnly(2024, 2, 29), new DateOnly(1969, 12, 31) };
        Assert.Equal(expected, DayRow.ReadBatch(days).Select(r => r.Value));
        Assert.Equal(expected, DayRow.ReadBatch(milliseconds).Select(r => r.Value));
    }

    [Fact]
    public void TimesOfDayFromTime32AndTime64()
    {
        var expected = new[] { new TimeOnly(0, 0), new TimeOnly(13, 45, 30, 250), new TimeOnly(23, 59, 59, 999) };
        using var seconds = Batch(new Field("Value", new Time32Type(TimeUnit.Second), false), Fixed<int>(new Time32Type(TimeUnit.Second), 0, 49_530, 86_399));
        Assert.Equal([new TimeOnly(0, 0), new TimeOnly(13, 45, 30), new TimeOnly(23, 59, 59)], ClockRow.ReadBatch(seconds).Select(r => r.Value));
        using var millis = Batch(new Field("Value", new Time32Type(TimeUnit.Millisecond), false), Fixed<int>(new Time32Type(TimeUnit.Millisecond), 0, 49_530_250, 86_399_999));
        Assert.Equal(expected, ClockRow.ReadBatch(millis).Select(r => r.Value));
        var nanoType = new Time64Type(TimeUnit.Nanosecond);
        using var nanos = Batch(new Field("Value", nanoType, false), Fixed<long>(nanoType, 0, 49_530_250_000_099, 86_399_999_999_999));
        Assert.Equal([0L, expected[1].Ticks, new TimeOnly(23, 59, 59, 999, 999).Ticks + 9], ClockRow.ReadBatch(nanos).Select(r => r.Value.Ticks));
    }

    [Theory]
    [InlineData(TimeUnit.Second, 90L, -90L)]
    [InlineData(TimeUnit.Millisecond, 90_000L, -90_000L)]
    [InlineData(TimeUnit.Microsecond, 90_000_000L, -90_000_000L)]
    [InlineData(TimeUnit.Nanosecond, 90_000_000_000L, -90_000_000_000L)]
    public void DurationsInEveryUnit(TimeUnit unit, long positive, long negative)
    {
        var type = DurationType.FromTimeUnit(unit);
        using var batch = Batch(new Field("Value", type, false), Fixed<long>(type, positive, negative));
        Assert.Equal([TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(-90)], SpanRow.ReadBatch(batch).Select(r => r.Value));
    }

    [Fact]
    public void NanosecondDurationsAreTruncatedTowardNegativeInfinity()
    {
        var type = DurationType.Nanosecond;
        using var batch = Batch(new Field("Value", type, false), Fixed<long>(type, 150, -150));
        Assert.Equal([1L, -2L], SpanRow.ReadBatch(batch).Select(r => r.Value.Ticks));
    }

    [Theory]
    [InlineData(38, 10)]
    [InlineData(5, 0)]
    [InlineData(38, 38)]
    public void DecimalsOfAnyPrecisionAndScale(int precision, int scale)
    {
        // 1.5 and -0.25 at scale 10; 123 and -7 at scale 0; tiny values at scale 38 that still fit System.Decimal exactly.
        var (values, expected) = scale switch
        {
            10 => (new Int128[] { 15_000_000_000, -2_500_000_000 }, new[] { 1.5m, -0.25m }),
            0 => (new Int128[] { 123, -7 }, new[] { 123m, -7m }),
            _ => (new Int128[] { Int128.Parse("10000000000", System.Globalization.CultureInfo.InvariantCulture), 0 }, new[] { 0.0000000000000000000000000001m, 0m }),
        };
        var type = new Decimal128Type(precision, scale);
        using var batch = Batch(new Field("Value", type, false), Decimals(type, values));
        Assert.Equal(expected, PriceRow.ReadBatch(batch).Select(r => r.Value));
    }

    [Fact]
    public void GuidsFromFixedSizeBinaryWithoutTheExtension()
    {
        var id = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var bytes = new byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        var data = new ArrayData(new FixedSizeBinaryType(16), 1, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(bytes)], []);
        using var batch = Batch(new Field("Value", new FixedSizeBinaryType(16), false), data);
        Assert.Equal(id, UuidRow.ReadBatch(batch).Single().Value);
    }

    [Fact]
    public void ListsOfDictionaryStrings()
    {
        var items = Dictionary(Int32Type.Default, Utf8(["x", "y"]), 1, 0, 1);
        var type = new ListType(new Field("item", new DictionaryType(Int32Type.Default, StringType.Default, false), true));
        using var batch = Batch(new Field("Value", type, false), List(type, items, 0, 2, 2, 3));
        Assert.Equal([["y", "x"], [], ["y"]], TagsRow.ReadBatch(batch).Select(r => r.Value));
    }

    // ------------------------------------------------------------------ refusals

    public static TheoryData<string, IArrowType, string, string> Refusals => new()
    {
        { nameof(CountRow), Int32Type.Default, "int64", "int32" },
        { nameof(CountRow), UInt64Type.Default, "int64", "uint64" },
        { nameof(RatioRow), FloatType.Default, "double", "float" },
        { nameof(TextRow), BinaryType.Default, "utf8", "binary" },
        { nameof(BlobRow), StringType.Default, "binary", "utf8" },
        { nameof(InstantRow), Date64Type.Default, "timestamp", "date64" },
        { nameof(DayRow), new TimestampType(TimeUnit.Millisecond, (string?)null), "date32", "timestamp[ms]" },
        { nameof(ClockRow), DurationType.Microsecond, "time64[us]", "duration[us]" },
        { nameof(SpanRow), Int64Type.Default, "duration[us]", "int64" },
        { nameof(PriceRow), DoubleType.Default, "decimal128(10, 2)", "double" },
        { nameof(UuidRow), new FixedSizeBinaryType(8), "fixed_size_binary(16)", "fixed_size_binary(8)" },
        { nameof(FruitRow), Int32Type.Default, "dictionary<int32, utf8>", "int32" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void OtherTypesAreRefusedNamingTypeColumnExpectedAndActual(string record, IArrowType actual, string expected, string actualName)
    {
        var field = new Field("Value", actual, true);
        using var batch = new RecordBatch(new Schema([field], null), [ArrowArrayFactory.BuildArray(Empty(actual))], 0);
        Func<object> read = record switch
        {
            nameof(CountRow) => () => CountRow.ReadBatch(batch),
            nameof(RatioRow) => () => RatioRow.ReadBatch(batch),
            nameof(TextRow) => () => TextRow.ReadBatch(batch),
            nameof(BlobRow) => () => BlobRow.ReadBatch(batch),
            nameof(InstantRow) => () => InstantRow.ReadBatch(batch),
            nameof(DayRow) => () => DayRow.ReadBatch(batch),
            nameof(ClockRow) => () => ClockRow.ReadBatch(batch),
            nameof(SpanRow) => () => SpanRow.ReadBatch(batch),
            nameof(PriceRow) => () => PriceRow.ReadBatch(batch),
            nameof(UuidRow) => () => UuidRow.ReadBatch(batch),
            _ => () => FruitRow.ReadBatch(batch),
        };
        var error = Assert.Throws<ArrowSchemaMismatchException>(read);
        Assert.Contains("Foreign." + record, error.Message, StringComparison.Ordinal);
        Assert.Contains("'Value'", error.Message, StringComparison.Ordinal);
        Assert.Contains("expects " + expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("type " + actualName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DictionaryOfIntegersIsRefusedForAStringMember()
    {
        using var batch = Batch(DictionaryField(Int32Type.Default, Int32Type.Default), Dictionary(Int32Type.Default, Fixed(Int32Type.Default, 5), 0));
        var error = Assert.Throws<ArrowSchemaMismatchException>(() => TextRow.ReadBatch(batch));
        Assert.Contains("dictionary<int32, int32>", error.Message, StringComparison.Ordinal);
        Assert.Contains("expects utf8", error.Message, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ value failures

    [Fact]
    public void TimestampOutsideDateTimeRange()
    {
        var type = new TimestampType(TimeUnit.Second, (string?)null);
        using var batch = Batch(new Field("Value", type, false), Fixed<long>(type, 0, 253_402_300_800));
        var error = Assert.Throws<ArrowValueException>(() => InstantRow.ReadBatch(batch));
        AssertNames(error, nameof(InstantRow), "Value", 1);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);
        Assert.Contains("253402300800", error.Message, StringComparison.Ordinal);

        // The last second DateTime holds is still read.
        using var last = Batch(new Field("Value", type, false), Fixed<long>(type, 253_402_300_799, -62_135_596_800));
        Assert.Equal([new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc), DateTime.MinValue], InstantRow.ReadBatch(last).Select(r => r.Value));
    }

    [Fact]
    public void DecimalTooLargeForSystemDecimal()
    {
        var type = new Decimal128Type(38, 0);
        using var batch = Batch(new Field("Value", type, false), Decimals(type, 1, Int128.Parse("99999999999999999999999999999999999999", System.Globalization.CultureInfo.InvariantCulture)));
        var error = Assert.Throws<ArrowValueException>(() => PriceRow.ReadBatch(batch));
        AssertNames(error, nameof(PriceRow), "Value", 1);
        Assert.IsType<OverflowException>(error.InnerException);
    }

    [Fact]
    public void InvalidUtf8InPlainAndDictionaryStrings()
    {
        using var plain = Batch(new Field("Value", StringType.Default, false), InvalidUtf8());
        var error = Assert.Throws<ArrowValueException>(() => TextRow.ReadBatch(plain));
        AssertNames(error, nameof(TextRow), "Value", 1);
        Assert.IsType<System.Text.DecoderFallbackException>(error.InnerException);

        using var dictionary = Batch(DictionaryField(StringType.Default, Int32Type.Default), Dictionary(Int32Type.Default, InvalidUtf8(), 0, 0, 1));
        error = Assert.Throws<ArrowValueException>(() => TextRow.ReadBatch(dictionary));
        AssertNames(error, nameof(TextRow), "Value", 2);
        Assert.IsType<System.Text.DecoderFallbackException>(error.InnerException);
    }

    [Fact]
    public void UnknownEnumNameInPlainUtf8()
    {
        using var batch = Batch(new Field("Value", StringType.Default, false), Utf8(["Apple", "apple"]));
        var error = Assert.Throws<ArrowValueException>(() => FruitRow.ReadBatch(batch));
        AssertNames(error, nameof(FruitRow), "Value", 1);
        Assert.Contains("'apple' is not a member", error.Message, StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void Date64ThatIsNotAWholeDay()
    {
        using var batch = Batch(new Field("Value", Date64Type.Default, false), Fixed<long>(Date64Type.Default, 0, 86_400_001));
        var error = Assert.Throws<ArrowValueException>(() => DayRow.ReadBatch(batch));
        AssertNames(error, nameof(DayRow), "Value", 1);
        Assert.Contains("not a whole day", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TimeOfDayOutOfRangeAndDurationOutOfRange()
    {
        var time = new Time32Type(TimeUnit.Second);
        using var clock = Batch(new Field("Value", time, false), Fixed<int>(time, 86_400));
        var error = Assert.Throws<ArrowValueException>(() => ClockRow.ReadBatch(clock));
        AssertNames(error, nameof(ClockRow), "Value", 0);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);

        var duration = DurationType.Second;
        using var span = Batch(new Field("Value", duration, false), Fixed<long>(duration, 1, long.MaxValue / 1000));
        error = Assert.Throws<ArrowValueException>(() => SpanRow.ReadBatch(span));
        AssertNames(error, nameof(SpanRow), "Value", 1);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);
    }

    [Fact]
    public void FailureInsideAListNamesTheRowAndTheItem()
    {
        var itemType = new TimestampType(TimeUnit.Second, "UTC");
        var type = new ListType(new Field("item", itemType, false));
        using var batch = Batch(new Field("Value", type, false), List(type, Fixed<long>(itemType, 0, 1, 2, -99_999_999_999), 0, 1, 1, 4));
        var error = Assert.Throws<ArrowValueException>(() => TimesRow.ReadBatch(batch));
        Assert.Equal("Value.item", error.Column);
        Assert.Equal(2, error.Row);
        Assert.Equal(2, error.Item);
        Assert.Contains("at row 2 (item 2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FailureInsideANestedRecordNamesThePath()
    {
        var innerType = new StructType([new Field("Value", StringType.Default, false)]);
        var inner = new ArrayData(innerType, 2, 0, 0, [ArrowBuffer.Empty], [InvalidUtf8()]);
        using var batch = new RecordBatch(
            new Schema([new Field("Id", Int32Type.Default, false), new Field("Inner", innerType, false)], null),
            [ArrowArrayFactory.BuildArray(Fixed(Int32Type.Default, 1, 2)), ArrowArrayFactory.BuildArray(inner)],
            2);
        var error = Assert.Throws<ArrowValueException>(() => Holder.ReadBatch(batch));

        // The nested record's own reader reports it, under the full path.
        AssertNames(error, nameof(TextRow), "Inner.Value", 1);
    }

    // ------------------------------------------------------------------ helpers

    private static void AssertNames(ArrowValueException error, string record, string column, int row)
    {
        Assert.Contains("Foreign." + record, error.Message, StringComparison.Ordinal);
        Assert.Contains($"column '{column}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"row {row}", error.Message, StringComparison.Ordinal);
        Assert.Equal(column, error.Column);
        Assert.Equal(row, error.Row);
    }

    private static RecordBatch Batch(Field field, ArrayData data) =>
        new(new Schema([field], null), [ArrowArrayFactory.BuildArray(data)], data.Length);

    private static Field DictionaryField(IArrowType valueType, IArrowType indexType) =>
        new("Value", new DictionaryType(indexType, valueType, false), true);

    private static IntegerType IndexType(int width, bool signed) => (width, signed) switch
    {
        (8, true) => Int8Type.Default,
        (8, false) => UInt8Type.Default,
        (16, true) => Int16Type.Default,
        (16, false) => UInt16Type.Default,
        (32, true) => Int32Type.Default,
        (32, false) => UInt32Type.Default,
        (64, true) => Int64Type.Default,
        _ => UInt64Type.Default,
    };

    private static ArrayData Utf8(string?[] values)
    {
        var builder = new StringArray.Builder();
        foreach (var value in values)
        {
            if (value is null)
            {
                builder.AppendNull();
            }
            else
            {
                builder.Append(value);
            }
        }

        return builder.Build().Data;
    }

    private static ArrayData Binary(params byte[][] values)
    {
        var builder = new BinaryArray.Builder();
        foreach (var value in values)
        {
            builder.Append(value.AsSpan());
        }

        return builder.Build().Data;
    }

    /// <summary>"ok" then the lone continuation byte 0x80, which no UTF-8 decoder accepts.</summary>
    private static ArrayData InvalidUtf8()
    {
        var data = Binary("ok"u8.ToArray(), [0x80]);
        return new ArrayData(StringType.Default, data.Length, data.NullCount, 0, data.Buffers, []);
    }

    private static ArrayData Fixed<T>(IArrowType type, params T[] values)
        where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        return new ArrayData(type, values.Length, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(bytes)], []);
    }

    private static ArrayData Decimals(Decimal128Type type, params Int128[] values)
    {
        var bytes = new byte[values.Length * 16];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt128LittleEndian(bytes.AsSpan(i * 16, 16), values[i]);
        }

        return new ArrayData(type, values.Length, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(bytes)], []);
    }

    /// <summary>Indices into <paramref name="dictionary"/>; a null index is a null slot.</summary>
    private static ArrayData Dictionary(IntegerType indexType, ArrayData dictionary, params long?[] indices)
    {
        var width = indexType.BitWidth / 8;
        var values = new byte[indices.Length * width];
        var validity = new byte[(indices.Length + 7) / 8];
        var nulls = 0;
        for (var i = 0; i < indices.Length; i++)
        {
            if (indices[i] is not { } index)
            {
                nulls++;
                continue;
            }

            validity[i / 8] |= (byte)(1 << (i % 8));
            var slot = values.AsSpan(i * width, width);
            switch (width)
            {
                case 1:
                    slot[0] = (byte)index;
                    break;
                case 2:
                    BinaryPrimitives.WriteInt16LittleEndian(slot, (short)index);
                    break;
                case 4:
                    BinaryPrimitives.WriteInt32LittleEndian(slot, (int)index);
                    break;
                default:
                    BinaryPrimitives.WriteInt64LittleEndian(slot, index);
                    break;
            }
        }

        var type = new DictionaryType(indexType, dictionary.DataType, false);
        return new ArrayData(type, indices.Length, nulls, 0, [nulls == 0 ? ArrowBuffer.Empty : new ArrowBuffer(validity), new ArrowBuffer(values)], [], dictionary);
    }

    private static ArrayData List(ListType type, ArrayData items, params int[] offsets)
    {
        var bytes = new byte[offsets.Length * 4];
        for (var i = 0; i < offsets.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4, 4), offsets[i]);
        }

        return new ArrayData(type, offsets.Length - 1, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(bytes)], [items]);
    }

    private static ArrayData Empty(IArrowType type) => type switch
    {
        StringType or BinaryType => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(new byte[4]), ArrowBuffer.Empty], []),
        DictionaryType dictionary => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty, ArrowBuffer.Empty], [], Empty(dictionary.ValueType)),
        _ => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty, ArrowBuffer.Empty], []),
    };
}
