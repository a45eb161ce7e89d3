using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Bulwark.Records;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>Delta dictionary batches (which other writers, e.g. apache-arrow JS, emit) extend the dictionary.</summary>
public sealed class DictionaryDeltaTests
{
    private static readonly Field Status = new("status", new DictionaryType(Int16Type.Default, StringType.Default, false), true);
    private static readonly Field Tags = new("tags", new DictionaryType(UInt8Type.Default, new ListType(new Field("item", Int32Type.Default, true)), false), true);

    // The schema writer numbers dictionaries depth-first from 0: status is 0, tags is 1.
    private const long StatusId = 0;
    private const long TagsId = 1;

    private static async Task<byte[]> CraftAsync(Action<MessageSequence> messages)
    {
        var schema = new Schema([Status, Tags], null);
        var memory = new MemoryStream();
        var sequence = new MessageSequence(new MessageWriter(memory, 0), schema);
        await sequence.WriteSchemaAsync();
        messages(sequence);
        await sequence.FlushAsync();
        memory.Write([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
        return memory.ToArray();
    }

    [Fact]
    public async Task DeltasAppendToStringAndListDictionaries()
    {
        var data = new TestData(1);
        var tagsA = data.RandomArray(new Field("tags", ValueType(Tags), true), 3);
        var tagsB = data.RandomArray(new Field("tags", ValueType(Tags), true), 2);
        var bytes = await CraftAsync(m =>
        {
            m.Dictionary(StatusId, Strings("a", null, "b"), isDelta: false, Status);
            m.Dictionary(TagsId, tagsA, isDelta: false, Tags);
            m.Dictionary(StatusId, Strings("c", string.Empty), isDelta: true, Status);
            m.Dictionary(TagsId, tagsB, isDelta: true, Tags);
            m.Batch(Indices16(0, 3, 4, 2), Indices8(4, 0, 3, 1));
        });

        var (_, batches) = await Ipc.ReadAsync(Format.Stream, bytes);
        var status = Assert.IsType<DictionaryArray>(Assert.Single(batches).Column(0));
        var values = Assert.IsType<StringArray>(status.Dictionary);
        Assert.Equal(5, values.Length);
        Assert.Equal(["a", "c", string.Empty, "b"], new[] { 0, 1, 2, 3 }.Select(i => values.GetString(status.GetIndex(i))));
        Assert.True(values.IsNull(1));

        var tags = Assert.IsType<DictionaryArray>(batches[0].Column(1));
        var expected = ArrowArrayFactory.BuildArray(tagsB);
        ArrayAssert.ArraysEqual(expected, Slice(tags, 3, 2), "tags delta");
    }

    [Fact]
    public async Task ADeltaBeforeAnyDictionaryIsAFormatError()
    {
        var bytes = await CraftAsync(m => m.Dictionary(StatusId, Strings("a"), isDelta: true, Status));
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(Format.Stream, bytes));
        Assert.Contains("before any dictionary", error.Message);
    }

    /// <summary>The decoded dictionary values at <paramref name="start"/>.. as an array, for comparison.</summary>
    private static IArrowArray Slice(DictionaryArray array, int start, int count)
    {
        var dictionary = (ListArray)array.Dictionary;
        using var items = new PrimitiveColumnBuilder<int>(Int32Type.Default);
        using var lists = new ListColumnBuilder<PrimitiveColumnBuilder<int>>(items, true);
        var values = (Int32Array)dictionary.Values;
        for (var i = start; i < start + count; i++)
        {
            if (dictionary.IsNull(i))
            {
                lists.AppendNull();
                continue;
            }

            var (s, e) = dictionary.GetRange(i);
            for (var k = s; k < e; k++)
            {
                items.Append(values.GetValue(k));
            }

            lists.EndList();
        }

        return lists.Build();
    }

    private static ArrayData Strings(params string?[] values)
    {
        var builder = new Utf8ColumnBuilder();
        foreach (var value in values)
        {
            builder.Append(value);
        }

        return builder.BuildData();
    }

    private static ArrayData Indices16(params short[] values) =>
        new(Status.DataType, values.Length, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(values.SelectMany(BitConverter.GetBytes).ToArray())], []);

    private static ArrayData Indices8(params byte[] values) =>
        new(Tags.DataType, values.Length, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(values)], []);

    private static IArrowType ValueType(Field field) => ((DictionaryType)field.DataType).ValueType;

    /// <summary>Queues hand-made messages (the writers never emit deltas) and writes them in order.</summary>
    internal sealed class MessageSequence(MessageWriter writer, Schema schema)
    {
        private readonly List<Func<Task>> _pending = new();

        public async Task WriteSchemaAsync()
        {
            var b = new FlatBufferBuilder();
            b.Finish(IpcMetadata.WriteMessage(b, MessageHeaderType.Schema, IpcMetadata.WriteSchema(b, schema), 0));
            await writer.WriteMessageAsync(b, null, CancellationToken.None);
        }

        public void Dictionary(long id, ArrayData values, bool isDelta, Field field) => _pending.Add(async () =>
        {
            var layout = new BodyLayout();
            layout.Reset(values.Length);
            layout.AddColumn(new Field(field.Name, ValueType(field), true), values, field.Name);
            var b = new FlatBufferBuilder();
            var batch = IpcMetadata.WriteRecordBatch(b, layout);
            var header = IpcMetadata.WriteDictionaryBatch(b, id, batch, isDelta);
            b.Finish(IpcMetadata.WriteMessage(b, MessageHeaderType.DictionaryBatch, header, layout.BodyLength));
            await writer.WriteMessageAsync(b, layout, CancellationToken.None);
        });

        public void Batch(params ArrayData[] columns) => _pending.Add(async () =>
        {
            var layout = new BodyLayout();
            layout.Reset(columns[0].Length);
            for (var i = 0; i < columns.Length; i++)
            {
                layout.AddColumn(schema.FieldsList[i], columns[i], schema.FieldsList[i].Name);
            }

            var b = new FlatBufferBuilder();
            var batch = IpcMetadata.WriteRecordBatch(b, layout);
            b.Finish(IpcMetadata.WriteMessage(b, MessageHeaderType.RecordBatch, batch, layout.BodyLength));
            await writer.WriteMessageAsync(b, layout, CancellationToken.None);
        });

        public async Task FlushAsync()
        {
            foreach (var write in _pending)
            {
                await write();
            }
        }
    }
}
