using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Bulwark.Records;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

public sealed class RoundTripTests
{
    public static TheoryData<Format> Formats => new() { Format.File, Format.Stream };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task EveryLeafTypeRoundTripsWithNulls(Format format)
    {
        var data = new TestData(1);
        var fields = TestData.LeafTypes.Select((t, i) => new Field($"col{i}", t, nullable: true)).ToList();
        var schema = new Schema(fields, null);
        var batches = Enumerable.Range(0, 3).Select(i => data.RandomBatch(schema, 17 + i)).ToList();
        var (readSchema, read) = await Ipc.RoundTripAsync(format, schema, batches);

        // Types whose IPC encoding relies on per-field defaults come back as themselves, not as the default.
        var leafTypes = TestData.LeafTypes.ToList();
        ArrayAssert.TypesEqual(Date32Type.Default, readSchema.FieldsList[leafTypes.FindIndex(t => t is Date32Type)].DataType);
        ArrayAssert.TypesEqual(new Time32Type(TimeUnit.Second), readSchema.FieldsList[leafTypes.FindIndex(t => t is Time32Type { Unit: TimeUnit.Second })].DataType);
        Assert.Contains(read[0].Arrays, c => c.NullCount > 0);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task EmptyBatchesAndEmptySchemaRoundTrip(Format format)
    {
        var data = new TestData(2);
        var fields = TestData.LeafTypes.Select((t, i) => new Field($"col{i}", t, nullable: true)).ToList();
        fields.Add(new Field("list", new ListType(new Field("item", new StructType([new Field("a", Int32Type.Default, true)]), true)), true));
        fields.Add(new Field("dict", new DictionaryType(Int16Type.Default, StringType.Default, false), true));
        var schema = new Schema(fields, null);
        await Ipc.RoundTripAsync(format, schema, [data.RandomBatch(schema, 0), data.RandomBatch(schema, 3), data.RandomBatch(schema, 0)]);

        await Ipc.RoundTripAsync(format, new Schema([], null), [new RecordBatch(new Schema([], null), [], 0), new RecordBatch(new Schema([], null), [], 5)]);
        await Ipc.RoundTripAsync(format, schema, []);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task BuiltColumnsRoundTripIncludingZeroLengthStringsAndNestedListOfStruct(Format format)
    {
        var itemType = new StructType([new Field("id", Int64Type.Default, false), new Field("url", StringType.Default, true)]);
        using var ids = new PrimitiveColumnBuilder<long>(Int64Type.Default, "id");
        using var urls = new Utf8ColumnBuilder("url");
        using var items = new StructColumnBuilder(itemType, [ids, urls], "item");
        using var list = new ListColumnBuilder<StructColumnBuilder>(items, valuesNullable: true, "visits");
        using var names = new Utf8ColumnBuilder("name");
        using var scores = new PrimitiveColumnBuilder<double>(DoubleType.Default, "score");

        string?[] nameValues = [string.Empty, null, "ü", string.Empty, "long " + new string('z', 100)];
        double[] scoreValues = [double.NaN, double.NegativeInfinity, -0.0, double.MaxValue, double.Epsilon];
        for (var row = 0; row < nameValues.Length; row++)
        {
            names.Append(nameValues[row]);
            scores.Append(scoreValues[row]);
            if (row == 1)
            {
                list.AppendNull();
                continue;
            }

            for (var k = 0; k < row; k++)
            {
                ids.Append(long.MinValue + k);
                urls.Append(k == 0 ? string.Empty : (k == 1 ? null : $"https://example.com/{k}"));
                items.Append();
            }

            if (row == 3)
            {
                items.AppendNull();
            }

            list.EndList();
        }

        var schema = new Schema(
        [
            new Field("name", StringType.Default, true),
            new Field("score", DoubleType.Default, false),
            new Field("visits", list.Type, true),
        ], null);
        var batch = new RecordBatch(schema, [names.Build(), scores.Build(), list.Build()], nameValues.Length);
        var (_, read) = await Ipc.RoundTripAsync(format, schema, [batch]);
        var readNames = Assert.IsType<StringArray>(read[0].Column("name"));
        Assert.Equal(string.Empty, readNames.GetString(0));
        Assert.Null(readNames.GetString(1));
        Assert.True(double.IsNaN(Assert.IsType<DoubleArray>(read[0].Column(1)).Values[0]));
        var visits = Assert.IsType<ListArray>(read[0].Column("visits"));
        Assert.True(visits.IsNull(1));
        Assert.Equal((0, 0), visits.GetRange(0));
        var structs = Assert.IsType<StructArray>(visits.Values);
        Assert.Equal(long.MinValue, Assert.IsType<Int64Array>(structs.Fields[0]).Values[0]);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task DictionaryColumnsWithEveryIndexTypeRoundTrip(Format format)
    {
        var dictionary = DictionaryColumnBuilder.CreateUtf8Dictionary(["Get", "Post", "Put", "Delete"]);
        using var status = new DictionaryColumnBuilder(dictionary, "method");
        var data = new TestData(3);
        var fields = new List<Field> { new("method", new DictionaryType(Int32Type.Default, StringType.Default, false), true) };
        fields.AddRange(TestData.IndexTypes.Select((t, i) => new Field($"d{i}", new DictionaryType(t, i % 2 == 0 ? StringType.Default : Int64Type.Default, false), true)));
        fields.Add(new Field("nested", new StructType([new Field("inner", new DictionaryType(UInt8Type.Default, BinaryType.Default, false), true)]), true));
        var schema = new Schema(fields, null);
        var batches = new List<RecordBatch>();
        for (var b = 0; b < 3; b++)
        {
            for (var i = 0; i < 9; i++)
            {
                if (i % 4 == 3)
                {
                    status.AppendNull();
                }
                else
                {
                    status.AppendIndex((i + b) % 4);
                }
            }

            var columns = new List<IArrowArray> { status.Build() };
            columns.AddRange(fields.Skip(1).Select(f => ArrowArrayFactory.BuildArray(data.RandomArray(f, 9))));
            batches.Add(new RecordBatch(schema, columns, 9));
        }

        var (_, read) = await Ipc.RoundTripAsync(format, schema, batches);
        var method = Assert.IsType<DictionaryArray>(read[2].Column("method"));
        Assert.Equal("Put", ((StringArray)method.Dictionary).GetString(method.GetIndex(0)));
        Assert.True(method.IsNull(3));
    }

    [Fact]
    public async Task FileFormatRefusesAChangedDictionaryNamingTheColumn()
    {
        var field = new Field("status", new DictionaryType(Int32Type.Default, StringType.Default, false), true);
        var schema = new Schema([field], null);
        using var memory = new MemoryStream();
        await using var writer = new ArrowIpcFileWriter(memory, schema, leaveOpen: true);
        await writer.WriteBatchAsync(DictionaryBatch(schema, ["a", "b"], [0, 1]));

        // An equal dictionary in a different object is fine.
        await writer.WriteBatchAsync(DictionaryBatch(schema, ["a", "b"], [1, 1]));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteBatchAsync(DictionaryBatch(schema, ["a", "c"], [1])).AsTask());
        Assert.Contains("'status'", error.Message);

        // The refused batch wrote nothing, so the file is still complete and readable.
        await writer.CompleteAsync();
        var (_, read) = await Ipc.ReadAsync(Format.File, memory.ToArray());
        Assert.Equal(2, read.Count);
    }

    [Fact]
    public async Task StreamFormatReplacesAChangedDictionary()
    {
        var schema = new Schema([new Field("status", new DictionaryType(Int32Type.Default, StringType.Default, false), true)], null);
        var batches = new[]
        {
            DictionaryBatch(schema, ["a", "b"], [0, 1]),
            DictionaryBatch(schema, ["a", "b"], [1, 0]),
            DictionaryBatch(schema, ["x", "y", "z"], [2, 0]),
            DictionaryBatch(schema, ["q"], [0]),
        };
        var bytes = await Ipc.WriteAsync(Format.Stream, schema, batches);
        var (_, read) = await Ipc.ReadAsync(Format.Stream, bytes);
        Assert.Equal(4, read.Count);
        for (var i = 0; i < batches.Length; i++)
        {
            ArrayAssert.BatchesEqual(batches[i], read[i]);
        }

        var third = (DictionaryArray)read[2].Column(0);
        Assert.Equal("z", ((StringArray)third.Dictionary).GetString(third.GetIndex(0)));

        // Three dictionary batches (initial, and two replacements) plus four record batches: the equal one is not resent.
        Assert.Equal(3, CountMessages(bytes, 2));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task ManyBatchesRoundTripInOrder(Format format)
    {
        var data = new TestData(4);
        var schema = data.RandomSchema();
        var batches = Enumerable.Range(0, 60).Select(i => data.RandomBatch(schema, i % 7)).ToList();
        await Ipc.RoundTripAsync(format, schema, batches);
    }

    [Fact]
    public async Task SchemaAndFieldMetadataRoundTrip()
    {
        var uuid = new Field("id", new FixedSizeBinaryType(16), false, [KeyValuePair.Create(ArrowTypes.ExtensionNameKey, "arrow.uuid"), KeyValuePair.Create(ArrowTypes.ExtensionMetadataKey, string.Empty)]);
        var schema = new Schema([uuid], [KeyValuePair.Create("table", "http_requests"), KeyValuePair.Create("ключ", "значение")]);
        using var builder = new FixedSizeBinaryColumnBuilder(new FixedSizeBinaryType(16));
        var guid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        builder.Append(guid);
        var batch = new RecordBatch(schema, [builder.Build()], 1);
        foreach (var format in new[] { Format.File, Format.Stream })
        {
            var (readSchema, read) = await Ipc.RoundTripAsync(format, schema, [batch]);
            Assert.Equal("arrow.uuid", ArrowTypes.ExtensionName(readSchema.FieldsList[0]));
            Assert.Equal(schema.Metadata, readSchema.Metadata);
            Assert.Equal(guid, new Guid(((FixedSizeBinaryArray)read[0].Column(0)).GetBytes(0), bigEndian: true));
        }
    }

    [Fact]
    public async Task StreamReaderWorksOnUnseekableStreams()
    {
        var data = new TestData(5);
        var schema = data.RandomSchema();
        var batches = Enumerable.Range(0, 5).Select(i => data.RandomBatch(schema, 10)).ToList();
        var bytes = await Ipc.WriteAsync(Format.Stream, schema, batches);
        var (_, read) = await Ipc.ReadAsync(Format.Stream, bytes, seekable: false);
        Assert.Equal(5, read.Count);
        for (var i = 0; i < 5; i++)
        {
            ArrayAssert.BatchesEqual(batches[i], read[i]);
        }
    }

    [Fact]
    public async Task FileIsAlsoAValidStreamAfterItsMagic()
    {
        var data = new TestData(6);
        var schema = data.RandomSchema();
        var batches = Enumerable.Range(0, 3).Select(i => data.RandomBatch(schema, 4)).ToList();
        var file = await Ipc.WriteAsync(Format.File, schema, batches);
        var (_, read) = await Ipc.ReadAsync(Format.Stream, file[8..]);
        Assert.Equal(3, read.Count);
        ArrayAssert.BatchesEqual(batches[2], read[2]);
    }

    [Fact]
    public async Task WriterRejectsABatchOfAnotherSchemaAndKeepsWorking()
    {
        var schema = new Schema([new Field("a", Int32Type.Default, true)], null);
        var other = new Schema([new Field("b", Int32Type.Default, true)], null);
        var data = new TestData(7);
        using var memory = new MemoryStream();
        await using (var writer = new ArrowIpcStreamWriter(memory, schema, leaveOpen: true))
        {
            await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteBatchAsync(data.RandomBatch(other, 2)).AsTask());
            await writer.WriteBatchAsync(data.RandomBatch(schema, 2));
        }

        // DisposeAsync finished the stream: the EOS marker is there and the batch reads back.
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 }, memory.ToArray()[^8..]);
        var (_, read) = await Ipc.ReadAsync(Format.Stream, memory.ToArray());
        Assert.Single(read);
    }

    [Fact]
    public async Task NullArrayReportsEverySlotNull()
    {
        var schema = new Schema([new Field("n", NullType.Default, true)], null);
        var batch = new RecordBatch(schema, [ArrowArrayFactory.BuildArray(new ArrayData(NullType.Default, 3, 3, 0, [], []))], 3);
        var (_, read) = await Ipc.RoundTripAsync(Format.File, schema, [batch]);
        Assert.True(read[0].Column(0).IsNull(2));
        Assert.Equal(3, read[0].Column(0).NullCount);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task AnIndexOutsideTheDictionaryIsAFormatError(Format format)
    {
        var schema = new Schema([new Field("status", new DictionaryType(Int32Type.Default, StringType.Default, false), true)], null);
        var bytes = await Ipc.WriteAsync(format, schema, [DictionaryBatch(schema, ["a", "b"], [1, 0, 1])]);

        // The indices are the last 12 bytes of the record batch body's only non-empty buffer: find "01 00 00 00 00 00 00 00 01".
        var pattern = new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
        var at = bytes.AsSpan().LastIndexOf(pattern);
        Assert.True(at > 0);
        bytes[at + 4] = 2;
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(format, bytes));
        Assert.Contains("outside the dictionary", error.Message);
        Assert.Contains("'status'", error.Message);
    }

    internal static RecordBatch DictionaryBatch(Schema schema, string[] values, int?[] indices)
    {
        var dictionary = DictionaryColumnBuilder.CreateUtf8Dictionary(values);
        var builder = new DictionaryColumnBuilder(dictionary, schema.FieldsList[0].Name);
        foreach (var index in indices)
        {
            if (index is { } i)
            {
                builder.AppendIndex(i);
            }
            else
            {
                builder.AppendNull();
            }
        }

        return new RecordBatch(schema, [builder.Build()], indices.Length);
    }

    /// <summary>Counts stream messages whose header type is <paramref name="headerType"/> by walking the framing.</summary>
    internal static int CountMessages(byte[] stream, byte headerType)
    {
        var count = 0;
        var position = 0;
        while (position + 8 <= stream.Length)
        {
            var length = BitConverter.ToInt32(stream, position + 4);
            if (length == 0)
            {
                break;
            }

            var reader = new FlatBufferReader(stream.AsMemory(position + 8, length), new IpcContext("stream", null), position + 8);
            var message = IpcMetadata.ReadMessage(reader);
            if ((byte)message.Type == headerType)
            {
                count++;
            }

            position += 8 + length + (int)message.BodyLength;
        }

        return count;
    }
}
