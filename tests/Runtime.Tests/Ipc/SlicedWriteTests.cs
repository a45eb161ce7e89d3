using Apache.Arrow;
using Apache.Arrow.Types;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Batches a user slices (<see cref="RecordBatch.Slice"/>) have arrays with a non-zero offset that is usually not a
/// multiple of 8, sharing their parent's buffers and children: the writers must write exactly the slice's values.
/// </summary>
public sealed class SlicedWriteTests
{
    public static TheoryData<Format> Formats => new() { Format.File, Format.Stream };

    private static readonly Schema Shapes = new(
    [
        new Field("flag", BooleanType.Default, true),
        new Field("i8", Int8Type.Default, true),
        new Field("i32", Int32Type.Default, true),
        new Field("i64", Int64Type.Default, false),
        new Field("url", StringType.Default, true),
        new Field("bytes", BinaryType.Default, true),
        new Field("tags", new ListType(new Field("item", Int32Type.Default, true)), true),
        new Field("words", new ListType(new Field("item", StringType.Default, true)), true),
        new Field("point", new StructType([new Field("x", DoubleType.Default, true), new Field("label", StringType.Default, true), new Field("flag", BooleanType.Default, true)]), true),
        new Field("visits", new ListType(new Field("item", new StructType([new Field("t", Int64Type.Default, true)]), true)), true),
        new Field("kind", new DictionaryType(Int16Type.Default, StringType.Default, false), true),
        new Field("code", new DictionaryType(UInt8Type.Default, Int64Type.Default, false), true),
    ],
    null);

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task SlicesAtOffsetsThatAreNotByteAlignedReadBackAsTheSlicesValues(Format format)
    {
        var nullsSeen = new int[Shapes.FieldsList.Count];
        for (var seed = 0; seed < 12; seed++)
        {
            var data = new TestData(seed);
            var whole = data.RandomBatch(Shapes, 53);
            foreach (var (offset, length) in new[] { (1, 17), (3, 29), (13, 40), (7, 0), (45, 8), (5, 1) })
            {
                var slice = whole.Slice(offset, length);
                Assert.Equal(length, slice.Length);
                Assert.All(slice.Arrays, column => Assert.Equal(offset, column.Offset));

                // Two slices of one batch share its dictionaries, as the file format requires.
                var tail = whole.Slice(offset + 2, Math.Min(length, 53 - offset - 2));
                var (_, read) = await Ipc.RoundTripAsync(format, Shapes, [slice, tail]);
                for (var c = 0; c < Shapes.FieldsList.Count; c++)
                {
                    // Judged against the unsliced parent at offset + i, so the check does not depend on slice handling.
                    var name = Shapes.FieldsList[c].Name;
                    for (var i = 0; i < length; i++)
                    {
                        ArrayAssert.SlotsEqual(whole.Column(c), offset + i, read[0].Column(c), i, $"seed {seed} slice {offset}+{length} {name}[{i}]");
                        if (whole.Column(c).IsNull(offset + i))
                        {
                            nullsSeen[c]++;
                        }
                    }

                    Assert.Equal(0, read[0].Column(c).Offset);
                }

                foreach (var batch in read)
                {
                    batch.Dispose();
                }
            }
        }

        // Every nullable column had nulls inside some slice, so the bitmap copy at a bit offset was exercised.
        for (var c = 0; c < nullsSeen.Length; c++)
        {
            Assert.True(!Shapes.FieldsList[c].IsNullable || nullsSeen[c] > 0, $"column {Shapes.FieldsList[c].Name} never had a null in a slice");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task ASliceOfHandBuiltArraysKeepsNullsValuesAndListRanges(Format format)
    {
        var flags = new BooleanArray.Builder();
        var ints = new Int32Array.Builder();
        var urls = new StringArray.Builder();
        for (var i = 0; i < 20; i++)
        {
            if (i % 3 == 1)
            {
                flags.AppendNull();
                ints.AppendNull();
                urls.AppendNull();
            }
            else
            {
                flags.Append(i % 2 == 0);
                ints.Append(i * 1000);
                urls.Append(new string((char)('a' + i), i));
            }
        }

        var schema = new Schema(
        [
            new Field("flag", BooleanType.Default, true),
            new Field("n", Int32Type.Default, true),
            new Field("url", StringType.Default, true),
        ],
        null);
        var whole = new RecordBatch(schema, [flags.Build(), ints.Build(), urls.Build()], 20);
        var (_, read) = await Ipc.RoundTripAsync(format, schema, [whole.Slice(5, 11)]);
        var n = Assert.IsType<Int32Array>(read[0].Column(1));
        var url = Assert.IsType<StringArray>(read[0].Column(2));
        for (var i = 0; i < 11; i++)
        {
            var row = i + 5;
            Assert.Equal(row % 3 == 1, n.IsNull(i));
            Assert.Equal(row % 3 == 1 ? null : row * 1000, n.GetValue(i));
            Assert.Equal(row % 3 == 1 ? null : new string((char)('a' + row), row), url.GetString(i));
        }
    }

    /// <summary>The readers take types the writers do not write; a schema with one is refused before a byte is written.</summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public async Task TypesTheWritersDoNotWriteAreRefusedNamingTheColumn(Format format)
    {
        IArrowType[] types =
        [
            LargeStringType.Default,
            new FixedSizeListType(new Field("item", Int32Type.Default, true), 2),
            new UnionType([new Field("a", Int32Type.Default, true)], [0], UnionMode.Sparse),
        ];
        foreach (var type in types)
        {
            var schema = new Schema([new Field("id", Int64Type.Default, false), new Field("odd", type, true)], null);
            var error = await Assert.ThrowsAsync<ArgumentException>(() => Ipc.WriteAsync(format, schema, []));
            Assert.Contains("Column 'odd'", error.Message);
            Assert.Contains("is not supported", error.Message);
        }
    }
}
