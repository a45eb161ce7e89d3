using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Records;
using Xunit;

namespace Bulwark.Runtime.Tests.IngestBuffers;

/// <summary>
/// Cutting column builders back to a row count: what lets many visits share one builder, since a rejected record
/// leaves it half-appended and must go without taking anyone else's rows along.
/// </summary>
public sealed class ColumnTruncateTests
{
    [Theory]
    [InlineData(Flaw.Text, 0)]
    [InlineData(Flaw.Text, 13)]
    [InlineData(Flaw.ListItem, 1)]
    [InlineData(Flaw.ListItem, 21)]
    [InlineData(Flaw.MapValue, 8)]
    [InlineData(Flaw.MapValue, 30)]
    [InlineData(Flaw.NestedText, 5)]
    [InlineData(Flaw.NestedText, 16)]
    [InlineData(Flaw.DeepNote, 3)]
    [InlineData(Flaw.DeepNote, 27)]
    public void ARejectedRecordIsCutBackWhereverItFailed(Flaw flaw, int good)
    {
        var random = new Random(good * 31 + (int)flaw);
        var rows = Enumerable.Range(0, good).Select(i => LayoutRows.Create(random, 1, i)).ToArray();
        using var builder = LayoutRow.CreateBatchBuilder();
        var columns = ((IArrowStructWriter<LayoutRow>)builder).Children;
        foreach (var row in rows)
        {
            builder.Append(in row);
        }

        var before = ColumnBuilder.SumEncodedBytes(columns);
        var broken = LayoutRows.Broken(random, 1, good, flaw);
        Assert.Throws<ArgumentException>(() => builder.Append(in broken));
        Assert.Contains(columns, c => c.Length != good);

        foreach (var column in columns)
        {
            column.Truncate(good);
        }

        Assert.All(columns, c => Assert.Equal(good, c.Length));
        Assert.Equal(before, ColumnBuilder.SumEncodedBytes(columns));

        using var batch = ColumnBuilder.BuildBatch(LayoutRow.ArrowSchema, columns, good);
        Assert.Equal(rows.Select(r => r.Describe()), LayoutRow.ReadBatch(batch).Select(r => r.Describe()));
    }

    [Fact]
    public void AppendsAfterATruncationLandWhereTheCutLeftOff()
    {
        // Cut inside a byte of the bitmaps, where the rows cut away had set bits the next rows must not inherit.
        using var strings = new Utf8ColumnBuilder();
        using var flags = new BooleanColumnBuilder();
        using var numbers = new PrimitiveColumnBuilder<int>(Int32Type.Default);
        using var lists = new ListColumnBuilder<Utf8ColumnBuilder>(new Utf8ColumnBuilder(), valuesNullable: true);
        string?[] before = ["a", null, "c", "d", "e", null, "g", "h", "i", "j", "k"];
        foreach (var (value, i) in before.Select((v, i) => (v, i)))
        {
            strings.Append(value);
            flags.Append(true);
            if (value is null)
            {
                numbers.AppendNull();
                lists.AppendNull();
            }
            else
            {
                numbers.Append(i);
                lists.Values.Append(value);
                lists.Values.Append(value + value);
                lists.EndList();
            }
        }

        foreach (var column in new ColumnBuilder[] { strings, flags, numbers, lists })
        {
            column.Truncate(3);
        }

        string?[] after = [null, "y", null, "w", "v", "u", "t", null, "s"];
        foreach (var (value, i) in after.Select((v, i) => (v, i)))
        {
            strings.Append(value);
            flags.Append(false);
            if (value is null)
            {
                numbers.AppendNull();
                lists.AppendNull();
            }
            else
            {
                numbers.Append(100 + i);
                lists.Values.Append(value);
                lists.EndList();
            }
        }

        var schema = new Schema(
        [
            new Field("s", StringType.Default, true),
            new Field("f", BooleanType.Default, true),
            new Field("n", Int32Type.Default, true),
            new Field("l", lists.Type, true),
        ],
        null);
        using var batch = ColumnBuilder.BuildBatch(schema, [strings, flags, numbers, lists], 12);
        var expected = before.Take(3).Concat(after).ToArray();
        var s = (StringArray)batch.Column(0);
        var f = (BooleanArray)batch.Column(1);
        var n = (Int32Array)batch.Column(2);
        var l = (ListArray)batch.Column(3);
        Assert.Equal(expected, Enumerable.Range(0, 12).Select(i => s.GetString(i)));
        Assert.Equal(expected.Count(v => v is null), s.NullCount);
        Assert.Equal([true, true, true, .. Enumerable.Repeat(false, 9)], Enumerable.Range(0, 12).Select(i => f.GetValue(i)!.Value));
        Assert.Equal([0, null, 2, null, 101, null, 103, 104, 105, 106, null, 108], Enumerable.Range(0, 12).Select(i => n.GetValue(i)));
        Assert.Equal(expected.Count(v => v is null), n.NullCount);
        var items = (StringArray)l.Values;
        Assert.Equal(
            ["a|aa", null, "c|cc", null, "y", null, "w", "v", "u", "t", null, "s"],
            Enumerable.Range(0, 12).Select(i => l.IsNull(i) ? null : string.Join('|', Enumerable.Range(l.ValueOffsets[i], l.GetValueLength(i)).Select(j => items.GetString(j)))));
    }
}
