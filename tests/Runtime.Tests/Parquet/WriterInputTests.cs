using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>
/// What callers hand the writer: slices of Apache batches (arrays with an offset and an unknown null count) are written
/// as exactly the slice, and batches whose columns disagree with their schema are refused before a byte is written.
/// </summary>
public sealed class WriterInputTests
{
    private const int Rows = 64;
    private static readonly string[] Colors = ["Red", "Green", "Blue"];
    private static readonly string[] Words = ["", "a", "héllo", "日本語", "emoji 😀", new string('x', 40)];

    /// <summary>The source rows as plain values; the expected rendering of a row comes from these, not from Apache's accessors.</summary>
    private sealed class Source
    {
        public readonly bool?[] Bools = new bool?[Rows];
        public readonly int?[] Ints = new int?[Rows];
        public readonly long[] Longs = new long[Rows];
        public readonly string?[] Strings = new string?[Rows];
        public readonly Int128?[] Decimals = new Int128?[Rows];
        public readonly int?[]?[] Lists = new int?[]?[Rows];
        public readonly bool[] StructValid = new bool[Rows];
        public readonly long[] StructA = new long[Rows];
        public readonly string?[] StructB = new string?[Rows];
        public readonly int?[] Enums = new int?[Rows];

        public Source(int seed)
        {
            var rng = new Random(seed);
            for (var i = 0; i < Rows; i++)
            {
                Bools[i] = rng.Next(4) == 0 ? null : rng.Next(2) == 0;
                Ints[i] = rng.Next(4) == 0 ? null : rng.Next(int.MinValue, int.MaxValue);
                Longs[i] = rng.NextInt64(long.MinValue, long.MaxValue);
                Strings[i] = rng.Next(4) == 0 ? null : Words[rng.Next(Words.Length)];
                Decimals[i] = rng.Next(4) == 0 ? null : (Int128)rng.NextInt64() * rng.NextInt64(-1_000_000_000_000, 1_000_000_000_000);
                Lists[i] = rng.Next(5) == 0 ? null : Enumerable.Range(0, rng.Next(0, 4)).Select(_ => rng.Next(3) == 0 ? (int?)null : rng.Next(-99, 100)).ToArray();
                StructValid[i] = rng.Next(4) != 0;
                StructA[i] = rng.NextInt64();
                StructB[i] = StructValid[i] && rng.Next(3) != 0 ? Words[rng.Next(Words.Length)] : null;
                Enums[i] = rng.Next(4) == 0 ? null : rng.Next(Colors.Length);
            }
        }

        public static readonly Field ListItem = new("item", Int32Type.Default, true);

        public static readonly Field[] StructFields = [new("a", Int64Type.Default, false), new("b", StringType.Default, true)];

        public static readonly Schema Schema = new(
        [
            new Field("bool", BooleanType.Default, true),
            new Field("int", Int32Type.Default, true),
            new Field("long", Int64Type.Default, false),
            new Field("str", StringType.Default, true),
            new Field("dec", new Decimal128Type(38, 10), true),
            new Field("ints", new ListType(ListItem), true),
            new Field("rec", new StructType(StructFields), true),
            new Field("enum", Pq.EnumType, true),
        ], null);

        public RecordBatch Batch()
        {
            var listOffsets = new int[Rows + 1];
            var items = new List<int?>();
            for (var i = 0; i < Rows; i++)
            {
                items.AddRange(Lists[i] ?? []);
                listOffsets[i + 1] = items.Count;
            }

            var itemArray = Pq.Fixed(Int32Type.Default, items.Select(v => v ?? 0).ToArray(), items.Select(v => v.HasValue).ToArray());

            // The non-nullable child 'a' holds a null under every null struct slot, as Apache's and Bulwark's builders do.
            var a = Pq.Fixed(Int64Type.Default, StructA, StructValid);
            return new RecordBatch(
                Schema,
                [
                    Pq.Bools(Bools.Select(v => v ?? false).ToArray(), Bools.Select(v => v.HasValue).ToArray()),
                    Pq.Fixed(Int32Type.Default, Ints.Select(v => v ?? 0).ToArray(), Ints.Select(v => v.HasValue).ToArray()),
                    Pq.Fixed(Int64Type.Default, Longs),
                    Pq.Strings(Strings),
                    Pq.Decimals(new Decimal128Type(38, 10), Decimals),
                    Pq.List(ListItem, itemArray, listOffsets, Lists.Select(v => v is not null).ToArray()),
                    Pq.Struct(StructFields, [a, Pq.Strings(StructB)], StructValid),
                    Pq.Enum(Colors, Enums),
                ],
                Rows);
        }

        /// <summary>Row <paramref name="row"/> of every column, rendered.</summary>
        public string[] Expected(int row) =>
        [
            Bools[row] is { } b ? Render(b) : "null",
            Ints[row] is { } n ? Render(n) : "null",
            Render(Longs[row]),
            Render(Strings[row]),
            Decimals[row] is { } d ? d.ToString(CultureInfo.InvariantCulture) : "null",
            Lists[row] is { } list ? "[" + string.Join(", ", list.Select(v => v is { } x ? Render(x) : "null")) + "]" : "null",
            StructValid[row] ? $"{{a={Render(StructA[row])}, b={Render(StructB[row])}}}" : "null",
            Enums[row] is { } e ? Colors[e] : "null",
        ];
    }

    private static string Render(bool value) => value ? "true" : "false";

    private static string Render(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Render(string? value) => value is null ? "null" : "\"" + value + "\"";

    /// <summary>Row <paramref name="row"/> of every column of a batch read back, rendered through the typed arrays.</summary>
    private static string[] Actual(RecordBatch batch, int row)
    {
        var list = (ListArray)batch.Column("ints");
        var record = (StructArray)batch.Column("rec");
        var colors = (DictionaryArray)batch.Column("enum");
        return
        [
            ((BooleanArray)batch.Column("bool")).GetValue(row) is { } b ? Render(b) : "null",
            ((Int32Array)batch.Column("int")).GetValue(row) is { } n ? Render(n) : "null",
            Render(((Int64Array)batch.Column("long")).GetValue(row) ?? throw new Xunit.Sdk.XunitException($"long[{row}] is null")),
            Render(((StringArray)batch.Column("str")).GetString(row)),
            batch.Column("dec").IsNull(row) ? "null" : System.Buffers.Binary.BinaryPrimitives.ReadInt128LittleEndian(((Decimal128Array)batch.Column("dec")).GetBytes(row)).ToString(CultureInfo.InvariantCulture),
            list.IsNull(row) ? "null" : "[" + string.Join(", ", Items(list, row)) + "]",
            record.IsNull(row) ? "null" : $"{{a={Render(((Int64Array)record.Fields[0]).GetValue(row) ?? throw new Xunit.Sdk.XunitException($"rec.a[{row}] is null"))}, b={Render(((StringArray)record.Fields[1]).GetString(row))}}}",
            colors.IsNull(row) ? "null" : ((StringArray)colors.Dictionary).GetString(Pq.Index(colors, row)),
        ];

        static IEnumerable<string> Items(ListArray list, int row)
        {
            var (start, end) = Pq.Range(list, row);
            var values = (Int32Array)list.Values;
            for (var k = start; k < end; k++)
            {
                yield return values.GetValue(k) is { } v ? Render(v) : "null";
            }
        }
    }

    public static TheoryData<int, int, bool, ParquetDataPageVersion> Slices() => new()
    {
        { 13, 29, true, ParquetDataPageVersion.V1 },
        { 13, 29, false, ParquetDataPageVersion.V2 },
        { 1, 62, true, ParquetDataPageVersion.V2 },
        { 7, 1, false, ParquetDataPageVersion.V1 },
        { 35, 29, true, ParquetDataPageVersion.V1 },
    };

    [Theory]
    [MemberData(nameof(Slices))]
    public async Task ASlicedBatchIsWrittenAsExactlyItsRows(int offset, int length, bool dictionary, ParquetDataPageVersion version)
    {
        var source = new Source(seed: offset * 31 + length);
        using var whole = source.Batch();
        var slice = whole.Slice(offset, length);
        Assert.Equal(length, slice.Length);
        Assert.All(slice.Arrays, column => Assert.Equal(offset, column.Offset));

        // Apache leaves a slice's null count to be computed: the writer must count the slice's nulls itself.
        Assert.Contains(slice.Arrays, column => column.Data.NullCount == -1);

        // Row groups of 10 rows start in the middle of the slice's bitmaps, offsets and dictionary indices too.
        var bytes = await Pq.WriteAsync(slice.Schema, [slice], new ParquetWriteOptions { DictionaryEnabled = dictionary, DataPageVersion = version, RowGroupSize = 10, PageSize = 64 });
        var (schema, read) = await Pq.ReadAsync(bytes);
        Pq.AssertEqual(Source.Schema, schema);
        Assert.Equal((length + 9) / 10, read.Count);
        Assert.Equal(length, read.Sum(b => b.Length));
        var row = 0;
        foreach (var batch in read)
        {
            for (var r = 0; r < batch.Length; r++, row++)
            {
                var expected = source.Expected(offset + row);
                var actual = Actual(batch, r);
                for (var c = 0; c < expected.Length; c++)
                {
                    Assert.True(expected[c] == actual[c], $"row {row} of the slice, column '{Source.Schema.FieldsList[c].Name}': {actual[c]}, expected {expected[c]}");
                }
            }

            batch.Dispose();
        }

        // The slice's statistics count its own nulls, not the whole batch's.
        var footer = ParquetInspect.Footer(bytes);
        var intNulls = footer.RowGroups.Sum(g => g.Columns[1].MetaData!.Statistics!.NullCount);
        Assert.Equal(source.Ints.Skip(offset).Take(length).Count(v => v is null), intNulls);
    }

    public static TheoryData<string> Mismatches() => new() { "type", "length", "nullability", "dictionary", "struct", "count" };

    /// <summary>A batch whose schema is the writer's but whose columns do not fit it.</summary>
    private static RecordBatch Mismatched(string kind, Schema schema)
    {
        var ints = Pq.Fixed(Int32Type.Default, new[] { 1, 2, 3 });
        var strings = Pq.Strings(["a", "b", "c"]);
        var colors = Pq.Enum(Colors, [0, 1, 2]);
        var record = Pq.Struct(Source.StructFields, [Pq.Fixed(Int64Type.Default, new long[] { 1, 2, 3 }), Pq.Strings(["x", null, "z"])]);
        IArrowArray[] columns = kind switch
        {
            "type" => [Pq.Fixed(Int64Type.Default, new long[] { 1, 2, 3 }), strings, colors, record],
            "length" => [Pq.Fixed(Int32Type.Default, new[] { 1, 2 }), strings, colors, record],
            "nullability" => [ints, strings, colors, Pq.Struct(Source.StructFields, [Pq.Fixed(Int64Type.Default, new long[] { 1, 2, 3 }, [true, false, true]), Pq.Strings(["x", null, "z"])])],
            "dictionary" => [ints, strings, Pq.Strings(["Red", "Green", "Blue"]), record],
            "struct" => [ints, strings, colors, Pq.Struct([Source.StructFields[0]], [Pq.Fixed(Int64Type.Default, new long[] { 1, 2, 3 })])],
            _ => [ints, strings, colors],
        };
        return new RecordBatch(schema, columns, 3);
    }

    [Theory]
    [MemberData(nameof(Mismatches))]
    public async Task ABatchWhoseColumnsDisagreeWithItsSchemaIsRefusedBeforeAnythingIsWritten(string kind)
    {
        var schema = new Schema(
        [
            new Field("i", Int32Type.Default, false),
            new Field("s", StringType.Default, true),
            new Field("e", Pq.EnumType, false),
            new Field("rec", new StructType(Source.StructFields), false),
        ], null);
        var stream = new MemoryStream();
        var writer = new ParquetFileWriter(stream, schema, leaveOpen: true);
        await using (writer)
        {
            using var bad = Mismatched(kind, schema);
            var error = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteBatchAsync(bad).AsTask());
            Assert.Equal("batch", error.ParamName);
            Assert.Equal(0, stream.Length);
            Assert.Equal(0, writer.RowCount);

            // The refusal leaves the writer usable: a good batch after it is written, and a bad one after that adds nothing.
            using var good = new RecordBatch(
                schema,
                [
                    Pq.Fixed(Int32Type.Default, new[] { 4, 5 }),
                    Pq.Strings(["d", null]),
                    Pq.Enum(Colors, [2, 0]),
                    Pq.Struct(Source.StructFields, [Pq.Fixed(Int64Type.Default, new long[] { 6, 7 }), Pq.Strings([null, "w"])]),
                ],
                2);
            await writer.WriteBatchAsync(good);
            var written = stream.Length;
            await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteBatchAsync(bad).AsTask());
            Assert.Equal(written, stream.Length);
            await writer.CompleteAsync();
        }

        var (_, read) = await Pq.ReadAsync(stream.ToArray());
        var batch = Assert.Single(read);
        Assert.Equal(2, batch.Length);
        Assert.Equal([4, 5], Enumerable.Range(0, 2).Select(i => ((Int32Array)batch.Column("i")).GetValue(i)));
    }

    [Fact]
    public async Task MismatchMessagesNameTheColumnAndBothShapes()
    {
        var schema = new Schema([new Field("i", Int32Type.Default, false), new Field("s", StringType.Default, true)], null);
        using var wrongType = new RecordBatch(schema, [Pq.Fixed(Int64Type.Default, new long[] { 1 }), Pq.Strings(["a"])], 1);
        using var wrongLength = new RecordBatch(schema, [Pq.Fixed(Int32Type.Default, new[] { 1 }), Pq.Strings(["a", "b"])], 1);
        await using var writer = new ParquetFileWriter(new MemoryStream(), schema);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteBatchAsync(wrongType).AsTask());
        Assert.Contains("Column 'i' is declared int32 but holds int64", error.Message);
        error = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteBatchAsync(wrongLength).AsTask());
        Assert.Contains("Column 's' has 2 rows; the batch has 1", error.Message);
    }
}
