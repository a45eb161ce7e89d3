using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>
/// Legacy INT96 timestamps (nanoseconds of the day, then a Julian day) whose instants do not fit int64 nanoseconds:
/// read exactly in the unit the Arrow schema asks for, or refused, but never wrapped around.
/// </summary>
public sealed class Int96Tests
{
    // Microseconds since the epoch of 2024-01-01T12:34:56.123456, 9999-12-31T03:00:00, 290000-12-30T23:00:00 and
    // 1000-01-01T00:00:00.0015 (proleptic Gregorian).
    private const long Y2024 = 1_704_141_296_123_456L;
    private const long Y9999 = 253_402_225_200_000_000L;
    private const long Y290000 = 9_089_380_393_200_000_000L;
    private const long Y1000 = -30_610_224_000_000_000L + 1_500L;

    private static byte[] Int96(long julianDay, long nanosOfDay)
    {
        var value = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(value, nanosOfDay);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(8), checked((int)julianDay));
        return value;
    }

    private static long FloorDiv(long value, long divisor) => (value / divisor) - (value % divisor < 0 ? 1 : 0);

    private static byte[] FromMicros(long micros)
    {
        var days = FloorDiv(micros, 86_400_000_000L);
        return Int96(days + 2_440_588L, (micros - (days * 86_400_000_000L)) * 1000);
    }

    /// <summary>A file with one optional INT96 column 't', optionally with an ARROW:schema that declares it.</summary>
    private static async Task<byte[]> FileAsync(byte[]?[] values, IArrowType? hinted = null)
    {
        using var batch = new RecordBatch(new Schema([new Field("t", new FixedSizeBinaryType(12), true)], null), [Pq.FixedBinary(12, values)], values.Length);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DictionaryEnabled = false });
        var footer = ParquetInspect.Footer(bytes);
        footer.KeyValueMetadata.Clear();
        if (hinted is not null)
        {
            footer.KeyValueMetadata.Add(new(ParquetSchema.ArrowSchemaKey, ParquetFileWriter.EncodeArrowSchema(new Schema([new Field("t", hinted, true)], null))));
        }

        footer.Schema[1].Type = PhysicalType.Int96;
        footer.Schema[1].TypeLength = null;
        footer.RowGroups[0].Columns[0].MetaData!.Type = PhysicalType.Int96;
        footer.RowGroups[0].Columns[0].MetaData!.Statistics = null;
        return ParquetInspect.WithFooter(bytes, footer);
    }

    [Theory]
    [InlineData(Y9999)]
    [InlineData(Y290000)]
    [InlineData(Y1000)]
    public async Task InstantsOutsideTheNanosecondRangeAreRefusedWithTheirPosition(long micros)
    {
        var bytes = await FileAsync([FromMicros(Y2024), null, FromMicros(micros)]);
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(bytes));
        Assert.Equal("t", error.Column);
        Assert.Equal(0, error.RowGroup);
        Assert.Contains("INT96 value 1 (slot 2)", error.Reason);
        Assert.Contains("outside the range of timestamp[ns]", error.Reason);
    }

    [Fact]
    public async Task InstantsInsideTheNanosecondRangeReadExactly()
    {
        var bytes = await FileAsync([FromMicros(Y2024), null, FromMicros(-Y2024)]);
        var (schema, read) = await Pq.ReadAsync(bytes);
        Pq.AssertEqual(new TimestampType(TimeUnit.Nanosecond, (string?)null), schema.FieldsList[0].DataType);
        var column = (PrimitiveArray<long>)read.Single().Column(0);
        Assert.Equal(Y2024 * 1000, column.GetValue(0));
        Assert.True(column.IsNull(1));
        Assert.Equal(-Y2024 * 1000, column.GetValue(2));
    }

    [Theory]
    [InlineData(TimeUnit.Microsecond, 1L)]
    [InlineData(TimeUnit.Millisecond, 1_000L)]
    [InlineData(TimeUnit.Second, 1_000_000L)]
    public async Task TheArrowSchemaUnitReadsEveryInstantExactly(TimeUnit unit, long microsPerUnit)
    {
        var bytes = await FileAsync([FromMicros(Y2024), FromMicros(Y9999), null, FromMicros(Y290000), FromMicros(Y1000)], new TimestampType(unit, "UTC"));
        var (schema, read) = await Pq.ReadAsync(bytes);
        Pq.AssertEqual(new TimestampType(unit, "UTC"), schema.FieldsList[0].DataType);
        var column = (PrimitiveArray<long>)read.Single().Column(0);
        Assert.Equal(Y2024 / microsPerUnit, column.GetValue(0));
        Assert.Equal(Y9999 / microsPerUnit, column.GetValue(1));
        Assert.True(column.IsNull(2));
        Assert.Equal(Y290000 / microsPerUnit, column.GetValue(3));

        // A coarser unit keeps the instant at or before the value, as the unit's own floor.
        Assert.Equal(FloorDiv(Y1000, microsPerUnit), column.GetValue(4));
    }

    [Fact]
    public async Task AnInstantBeyondTheHintedUnitIsRefused()
    {
        // Julian day int.MaxValue is about 5.9 million years out: it fits int64 milliseconds but not microseconds.
        var bytes = await FileAsync([FromMicros(Y2024), Int96(int.MaxValue, 0)], new TimestampType(TimeUnit.Microsecond, (string?)null));
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(bytes));
        Assert.Equal("t", error.Column);
        Assert.Contains("INT96 value 1 (slot 1)", error.Reason);
        Assert.Contains("outside the range of timestamp[us]", error.Reason);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(86_400_000_000_000L)]
    [InlineData(long.MaxValue)]
    public async Task NanosecondsOfTheDayOutsideOneDayAreRefused(long nanos)
    {
        var bytes = await FileAsync([Int96(2_440_588L, nanos)], new TimestampType(TimeUnit.Microsecond, (string?)null));
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(bytes));
        Assert.Equal("t", error.Column);
        Assert.Contains($"INT96 value 0 (slot 0) of 't' has {nanos} nanoseconds of the day", error.Reason);
    }

    /// <summary>The shape of Spark's int96_from_spark.parquet: no ARROW:schema, instants beyond 2262 and before 1677.</summary>
    private static Task<byte[]> SparkShapedFileAsync() =>
        FileAsync([FromMicros(Y2024), FromMicros(Y9999), null, FromMicros(Y290000), FromMicros(Y1000)]);

    [Theory]
    [InlineData(TimeUnit.Microsecond, 1L)]
    [InlineData(TimeUnit.Millisecond, 1_000L)]
    [InlineData(TimeUnit.Second, 1_000_000L)]
    public async Task TheOptionUnitReadsEveryInstantOfAFileWithoutAnArrowSchema(TimeUnit unit, long microsPerUnit)
    {
        var bytes = await SparkShapedFileAsync();
        var (schema, read) = await Pq.ReadAsync(bytes, new ParquetReadOptions { Int96TimestampUnit = unit });
        Pq.AssertEqual(new TimestampType(unit, (string?)null), schema.FieldsList[0].DataType);
        var column = (PrimitiveArray<long>)read.Single().Column(0);
        Assert.Equal(Y2024 / microsPerUnit, column.GetValue(0));
        Assert.Equal(Y9999 / microsPerUnit, column.GetValue(1));
        Assert.True(column.IsNull(2));
        Assert.Equal(Y290000 / microsPerUnit, column.GetValue(3));
        Assert.Equal(FloorDiv(Y1000, microsPerUnit), column.GetValue(4));
    }

    [Fact]
    public async Task TheMicrosecondOptionReadsTheSparkValuesExactly()
    {
        var bytes = await SparkShapedFileAsync();
        var (_, read) = await Pq.ReadAsync(bytes, new ParquetReadOptions { Int96TimestampUnit = TimeUnit.Microsecond });
        var column = (PrimitiveArray<long>)read.Single().Column(0);
        Assert.Equal([1_704_141_296_123_456L, 253_402_225_200_000_000L, 0L, 9_089_380_393_200_000_000L, -30_610_223_999_998_500L], Enumerable.Range(0, 5).Select(i => column.IsNull(i) ? 0L : column.GetValue(i)));
        Assert.True(column.IsNull(2));
    }

    [Theory]
    [InlineData(TimeUnit.Nanosecond)]
    [InlineData(null)]
    public async Task NanosecondsByOptionOrDefaultRefuseTheFileNamingTheOption(TimeUnit? unit)
    {
        var bytes = await SparkShapedFileAsync();
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(bytes, new ParquetReadOptions { Int96TimestampUnit = unit }));
        Assert.Equal("t", error.Column);
        Assert.Contains("INT96 value 1 (slot 1)", error.Reason);
        Assert.EndsWith("is outside the range of timestamp[ns]; set ParquetReadOptions.Int96TimestampUnit to a coarser unit to read it", error.Reason);
    }

    [Theory]
    [InlineData(TimeUnit.Second)]
    [InlineData(TimeUnit.Millisecond)]
    [InlineData(TimeUnit.Nanosecond)]
    public async Task TheOptionDoesNotChangeAColumnTheArrowSchemaTypes(TimeUnit unit)
    {
        var bytes = await FileAsync([FromMicros(Y2024), FromMicros(Y9999), null, FromMicros(Y290000), FromMicros(Y1000)], new TimestampType(TimeUnit.Microsecond, "UTC"));
        var (schema, read) = await Pq.ReadAsync(bytes, new ParquetReadOptions { Int96TimestampUnit = unit });
        Pq.AssertEqual(new TimestampType(TimeUnit.Microsecond, "UTC"), schema.FieldsList[0].DataType);
        var column = (PrimitiveArray<long>)read.Single().Column(0);
        Assert.Equal(Y2024, column.GetValue(0));
        Assert.Equal(Y9999, column.GetValue(1));
        Assert.True(column.IsNull(2));
        Assert.Equal(Y290000, column.GetValue(3));
        Assert.Equal(Y1000, column.GetValue(4));
    }

    [Fact]
    public async Task AnInstantBeyondTheArrowSchemaUnitIsRefusedWhateverTheOption()
    {
        var bytes = await FileAsync([FromMicros(Y2024), FromMicros(Y9999)], new TimestampType(TimeUnit.Nanosecond, (string?)null));
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(bytes, new ParquetReadOptions { Int96TimestampUnit = TimeUnit.Microsecond }));
        Assert.Contains("INT96 value 1 (slot 1)", error.Reason);
        Assert.EndsWith("is outside the range of timestamp[ns], the unit the file's ARROW:schema declares for it (ParquetReadOptions.Int96TimestampUnit does not override that)", error.Reason);
    }

    [Theory]
    [InlineData((TimeUnit)4)]
    [InlineData((TimeUnit)(-1))]
    public async Task AnUnknownUnitIsRefusedBeforeReading(TimeUnit unit)
    {
        var bytes = await SparkShapedFileAsync();
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Pq.ReadAsync(bytes, new ParquetReadOptions { Int96TimestampUnit = unit }));
        Assert.Equal(nameof(ParquetReadOptions.Int96TimestampUnit), error.ParamName);
    }
}
