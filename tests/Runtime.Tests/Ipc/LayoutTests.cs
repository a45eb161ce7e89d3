using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>Byte-level facts of the format that readers of other implementations depend on.</summary>
public sealed class LayoutTests
{
    private static readonly byte[] Eos = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

    private static async Task<(Schema Schema, byte[] Bytes)> SampleAsync(Format format)
    {
        var data = new TestData(11);
        var schema = new Schema(
        [
            new Field("id", Int64Type.Default, false),
            new Field("url", StringType.Default, true),
            new Field("flag", BooleanType.Default, true),
            new Field("day", Date32Type.Default, true),
            new Field("tags", new ListType(new Field("item", StringType.Default, true)), true),
            new Field("kind", new DictionaryType(Int8Type.Default, StringType.Default, false), true),
        ], null);
        var batches = new[] { data.RandomBatch(schema, 5), data.RandomBatch(schema, 0), data.RandomBatch(schema, 33) };
        return (schema, await Ipc.WriteAsync(format, schema, batches));
    }

    [Fact]
    public async Task FileHasMagicPaddingEosFooterLengthAndTrailingMagic()
    {
        var (_, file) = await SampleAsync(Format.File);
        Assert.Equal("ARROW1\0\0"u8.ToArray(), file[..8]);
        Assert.Equal("ARROW1"u8.ToArray(), file[^6..]);
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 10));
        var footerStart = file.Length - 10 - footerLength;
        Assert.Equal(0, footerStart % 8);
        Assert.Equal(Eos, file[(footerStart - 8)..footerStart]);
    }

    [Fact]
    public async Task FooterBlocksCoverContiguousAlignedMessagesWithPrefixIncludedInMetadataLength()
    {
        var (_, file) = await SampleAsync(Format.File);
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 10));
        var footerStart = file.Length - 10 - footerLength;
        var footer = new FlatBufferReader(file.AsMemory(footerStart, footerLength), new IpcContext("file", null), footerStart);
        var (_, dictionaries, batches, _) = IpcMetadata.ReadFooter(footer, ArrowReadOptions.Default);
        Assert.Equal(1, dictionaries.Count);
        Assert.Equal(3, batches.Count);

        // Vectors of 24-byte Block structs must start 8-byte aligned (arrow-rs verifies this).
        Assert.Equal(0, dictionaries.Start % 8);
        Assert.Equal(0, batches.Start % 8);
        Assert.Equal(V5, footer.Root("footer").GetInt16(0, "version", -1));
        Assert.True(footer.Root("footer").Has(0));

        var blocks = new List<FileBlock> { IpcMetadata.ReadBlock(dictionaries, 0) };
        blocks.AddRange(Enumerable.Range(0, 3).Select(i => IpcMetadata.ReadBlock(batches, i)));

        // After the magic comes the schema message, then the blocks back to back, then EOS: no gaps anywhere.
        var schemaLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(12));
        var expectedOffset = 8L + 8 + schemaLength;
        foreach (var block in blocks)
        {
            Assert.Equal(expectedOffset, block.Offset);
            Assert.Equal(0, block.Offset % 8);
            Assert.Equal(0xFFFFFFFFu, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)block.Offset)));
            var metadataSize = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan((int)block.Offset + 4));
            Assert.Equal(8 + metadataSize, block.MetadataLength);
            Assert.Equal(0, block.MetadataLength % 8);
            Assert.Equal(0, block.BodyLength % 8);
            var message = ReadMessage(file, (int)block.Offset);
            Assert.Equal(block.BodyLength, message.BodyLength);
            expectedOffset = block.Offset + block.MetadataLength + block.BodyLength;
        }

        Assert.Equal(footerStart - 8, expectedOffset);
    }

    private const short V5 = 4;

    [Fact]
    public async Task StreamMessagesCarryV5AlignedMetadataAligned64ByteBuffersAndEndWithEos()
    {
        var (_, stream) = await SampleAsync(Format.Stream);
        Assert.Equal(Eos, stream[^8..]);
        var position = 0;
        var types = new List<MessageHeaderType>();
        while (true)
        {
            Assert.Equal(0xFFFFFFFFu, BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(position)));
            var length = BinaryPrimitives.ReadInt32LittleEndian(stream.AsSpan(position + 4));
            if (length == 0)
            {
                break;
            }

            Assert.Equal(0, (8 + length) % 8);
            var reader = new FlatBufferReader(stream.AsMemory(position + 8, length), new IpcContext("stream", null), position + 8);
            var root = reader.Root("message");
            Assert.True(root.Has(0), "MetadataVersion must be written explicitly: its flatbuffer default is V1");
            Assert.Equal(V5, root.GetInt16(0, "version"));
            var message = IpcMetadata.ReadMessage(reader);
            types.Add(message.Type);
            Assert.Equal(0, message.BodyLength % 8);
            if (message.Type == MessageHeaderType.RecordBatch)
            {
                var header = IpcMetadata.ReadRecordBatchHeader(message.Header, "batch");
                Assert.Equal(0, header.Nodes.Start % 8);
                Assert.Equal(0, header.Buffers.Start % 8);
                for (var i = 0; i < header.Buffers.Count; i++)
                {
                    var offset = header.Buffers.GetStructInt64(i, 0);
                    var size = header.Buffers.GetStructInt64(i, 8);
                    Assert.True(size == 0 || offset % 64 == 0, $"buffer {i} at body offset {offset}");
                    Assert.True(offset + size <= message.BodyLength);
                }
            }

            position += 8 + length + (int)message.BodyLength;
        }

        Assert.Equal(stream.Length - 8, position);
        Assert.Equal([MessageHeaderType.Schema, MessageHeaderType.DictionaryBatch, MessageHeaderType.RecordBatch, MessageHeaderType.RecordBatch, MessageHeaderType.RecordBatch], types);
    }

    [Fact]
    public async Task EveryFieldHasAChildrenVectorAndTypeScalarsAreExplicit()
    {
        var (_, stream) = await SampleAsync(Format.Stream);
        var length = BinaryPrimitives.ReadInt32LittleEndian(stream.AsSpan(4));
        var reader = new FlatBufferReader(stream.AsMemory(8, length), new IpcContext("stream", null), 8);
        var schema = IpcMetadata.ReadMessage(reader).Header;
        var fields = schema.GetVector(1, "fields", 4);
        Assert.Equal(6, fields.Count);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields.GetTable(i);
            Assert.True(field.Has(5), $"field {i} lacks its children vector");
        }

        var id = fields.GetTable(0).GetTable(3, "type");
        Assert.True(id.Has(1), "Int.is_signed must be written: it defaults to false");
        Assert.True(id.GetBool(1, "is_signed"));
        var day = fields.GetTable(3).GetTable(3, "type");
        Assert.True(day.Has(0), "Date.unit must be written: it defaults to MILLISECOND");
        Assert.Equal(0, day.GetInt16(0, "unit", -1));
        var tags = fields.GetTable(4).GetVector(5, "children", 4);
        Assert.Equal(1, tags.Count);
        Assert.True(tags.GetTable(0).Has(5));
        var dictionary = fields.GetTable(5).GetTable(4, "dictionary");

        // Fields carry no dictionary id any more: the writer numbers dictionaries depth-first from 0.
        Assert.Equal(0, dictionary.GetInt64(0, "id"));
        Assert.Equal(8, dictionary.GetTable(1, "indexType").GetInt32(0, "bitWidth"));
    }

    [Fact]
    public void ReaderAppliesEachFieldsOwnDefaultsWhenScalarsAreOmitted()
    {
        ArrayAssert.TypesEqual(Date64Type.Default, DecodeSingleFieldType(8, _ => { }));
        ArrayAssert.TypesEqual(new Time32Type(TimeUnit.Millisecond), DecodeSingleFieldType(9, _ => { }));
        ArrayAssert.TypesEqual(DurationType.Millisecond, DecodeSingleFieldType(18, _ => { }));
        ArrayAssert.TypesEqual(new TimestampType(TimeUnit.Second, (string?)null), DecodeSingleFieldType(10, _ => { }));
        ArrayAssert.TypesEqual(UInt16Type.Default, DecodeSingleFieldType(2, b => b.AddFieldInt(0, 16)));
        ArrayAssert.TypesEqual(HalfFloatType.Default, DecodeSingleFieldType(3, _ => { }));
        ArrayAssert.TypesEqual(new Decimal128Type(9, 0), DecodeSingleFieldType(7, b => b.AddFieldInt(0, 9)));
        ArrayAssert.TypesEqual(new Time64Type(TimeUnit.Nanosecond), DecodeSingleFieldType(9, b =>
        {
            b.AddFieldInt(1, 64);
            b.AddFieldShort(0, 3);
        }));
    }

    [Fact]
    public void ReaderRejectsUnsupportedAndInconsistentTypesWithFormatErrors()
    {
        Assert.Contains("RunEndEncoded", Assert.Throws<ArrowFormatException>(() => DecodeSingleFieldType(22, _ => { })).Message);
        Assert.Contains("ListView", Assert.Throws<ArrowFormatException>(() => DecodeSingleFieldType(25, _ => { })).Message);
        Assert.Contains("bits wide", Assert.Throws<ArrowFormatException>(() => DecodeSingleFieldType(9, b => b.AddFieldInt(1, 64))).Message);
        Assert.Contains("decimal512 is not supported", Assert.Throws<ArrowFormatException>(() => DecodeSingleFieldType(7, b =>
        {
            b.AddFieldInt(0, 9);
            b.AddFieldInt(2, 512);
        })).Message);
        Assert.Contains("decimal32(10, 0) is not supported", Assert.Throws<ArrowFormatException>(() => DecodeSingleFieldType(7, b =>
        {
            b.AddFieldInt(0, 10);
            b.AddFieldInt(2, 32);
        })).Message);
        Assert.Contains("bit width", Assert.Throws<ArrowFormatException>(() => DecodeSingleFieldType(2, b => b.AddFieldInt(0, 12))).Message);

        // Arrow allows struct<>; Apache.Arrow cannot hold it, so it is refused as a format error, not an ArgumentNullException.
        Assert.Contains("Struct with no child fields", Assert.Throws<ArrowFormatException>(() => DecodeSingleFieldType(13, _ => { })).Message);
    }

    /// <summary>Encodes a one-field schema whose type table is filled by <paramref name="fill"/>, then decodes the type.</summary>
    private static IArrowType DecodeSingleFieldType(byte tag, Action<FlatBufferBuilder> fill)
    {
        var b = new FlatBufferBuilder();
        b.StartTable(3);
        fill(b);
        var type = b.EndTable();
        var name = b.CreateString("f");
        var children = b.CreateOffsetVector([]);
        b.StartTable(7);
        b.AddFieldOffset(0, name);
        b.AddFieldOffset(3, type);
        b.AddFieldOffset(5, children);
        b.AddFieldBool(1, true);
        b.AddFieldByte(2, tag);
        var field = b.EndTable();
        var fields = b.CreateOffsetVector([field]);
        b.StartTable(4);
        b.AddFieldOffset(1, fields);
        var schema = b.EndTable();
        b.Finish(schema);
        var reader = new FlatBufferReader(b.WrittenMemory.ToArray(), new IpcContext("stream", "crafted"), 0);
        return IpcMetadata.ReadSchema(reader.Root("schema"), ArrowReadOptions.Default).Schema.FieldsList[0].DataType;
    }

    private static IpcMessage ReadMessage(byte[] bytes, int offset)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
        return IpcMetadata.ReadMessage(new FlatBufferReader(bytes.AsMemory(offset + 8, length), new IpcContext("file", null), offset + 8));
    }
}
