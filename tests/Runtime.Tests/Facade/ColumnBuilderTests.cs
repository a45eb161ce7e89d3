using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Records;
using Xunit;

namespace Bulwark.Runtime.Tests.Facade;

/// <summary>The column builders' fast paths: UTF-8 straight into the pooled buffer, buffers sized from the last batch.</summary>
public sealed class ColumnBuilderTests
{
    private static readonly Schema TextSchema = new Schema.Builder()
        .Field(f => f.Name("Text").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("Id").DataType(Int64Type.Default).Nullable(false))
        .Build();

    [Fact]
    public void StringsOfEveryUtf8WidthAreStoredAsTheirUtf8()
    {
        string?[] values = ["", "a", "\u00e9t\u00e9", "\u20ac\u4e2d", "\U0001F600 x", null, new string('z', 1000), "mixed \u00e9\u20ac\U0001F600"];
        using var builder = new Utf8ColumnBuilder("Text");
        foreach (var value in values)
        {
            builder.Append(value);
        }

        using var batch = ColumnBuilder.BuildBatch(new Schema.Builder().Field(f => f.Name("Text").DataType(StringType.Default)).Build(), [builder], values.Length);
        var column = (StringArray)batch.Column(0);
        Assert.Equal(values, Enumerable.Range(0, values.Length).Select(i => column.GetString(i)));
        Assert.Equal(values.Sum(v => v is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(v)), column.ValueOffsets[values.Length]);
    }

    // Not theory data: xunit's serialization of theory arguments would turn the lone surrogates into U+FFFD.
    [Fact]
    public void AnUnpairedSurrogateIsRefusedAndLeavesTheColumnAsItWas()
    {
        foreach (var bad in new[] { "\uD800", "ab\uDC00", "\uD83D x", new string('a', 100) + "\uDFFF" })
        {
            using var builder = new Utf8ColumnBuilder("Text");
            builder.Append("before");
            var error = Assert.Throws<ArgumentException>(() => builder.Append(bad));
            Assert.Contains("unpaired surrogate", error.Message, StringComparison.Ordinal);
            Assert.Contains("'Text'", error.Message, StringComparison.Ordinal);
            Assert.Equal(1, builder.Length);

            builder.Append("after");
            using var batch = ColumnBuilder.BuildBatch(new Schema.Builder().Field(f => f.Name("Text").DataType(StringType.Default)).Build(), [builder], 2);
            var column = (StringArray)batch.Column(0);
            Assert.Equal("before", column.GetString(0));
            Assert.Equal("after", column.GetString(1));
            Assert.Equal(11, column.ValueOffsets[2]);
        }
    }

    // Each batch's buffers start at the size of the previous batch's: batches that grow, shrink and grow again, some
    // with nulls and some without, must each hold exactly their own rows.
    [Fact]
    public void BatchesOfChangingSizesEachHoldTheirOwnRows()
    {
        using var text = new Utf8ColumnBuilder("Text");
        using var ids = new PrimitiveColumnBuilder<long>(Int64Type.Default, "Id");
        var random = new Random(7);
        var next = 0L;
        foreach (var size in new[] { 1, 5000, 70_000, 3, 0, 70_000, 200_000, 17, 100_000 })
        {
            var expected = new List<(string? Text, long Id)>();
            for (var i = 0; i < size; i++)
            {
                var id = next++;
                var value = random.Next(10) == 0 ? null : new string((char)('a' + (id % 26)), random.Next(0, 40)) + id;
                text.Append(value);
                ids.Append(id);
                expected.Add((value, id));
            }

            using var batch = ColumnBuilder.BuildBatch(TextSchema, [text, ids], size);
            var column = (StringArray)batch.Column(0);
            var idColumn = (Int64Array)batch.Column(1);
            Assert.Equal(size, batch.Length);
            Assert.Equal(expected.Count(e => e.Text is null), column.NullCount);
            for (var i = 0; i < size; i++)
            {
                Assert.Equal(expected[i].Text, column.GetString(i));
                Assert.Equal(expected[i].Id, idColumn.GetValue(i));
            }
        }
    }

    public static TheoryData<DateTimeOffset> Instants => new()
    {
        DateTimeOffset.UnixEpoch,
        DateTimeOffset.UnixEpoch.AddTicks(1),
        DateTimeOffset.UnixEpoch.AddTicks(-1),
        DateTimeOffset.UnixEpoch.AddTicks(-10),
        DateTimeOffset.UnixEpoch.AddTicks(-11),
        new DateTimeOffset(1969, 12, 31, 23, 59, 59, 999, TimeSpan.Zero).AddTicks(-15),
        new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.FromHours(5.5)).AddTicks(1234567),
        new DateTimeOffset(1900, 6, 1, 0, 0, 0, TimeSpan.FromHours(-8)).AddTicks(-3),
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
    };

    // The DateTimeOffset overload reads UtcTicks directly; it must round like the DateTime one (toward negative infinity).
    [Theory]
    [MemberData(nameof(Instants))]
    public void DateTimeOffsetMicrosecondsMatchThoseOfItsUtcDateTime(DateTimeOffset value)
    {
        var micros = ArrowConvert.ToUnixMicroseconds(value);
        Assert.Equal(ArrowConvert.ToUnixMicroseconds(value.UtcDateTime), micros);
        var ticks = value.UtcTicks - DateTime.UnixEpoch.Ticks;
        Assert.True(micros * 10 <= ticks && ticks < (micros + 1) * 10, $"{micros} us is not the floor of {ticks} ticks");
    }
}
