using System.Buffers;
using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Writers with <see cref="ArrowCompression"/> produce bodies in the BUFFER form: frames the codec libraries decode
/// on their own, -1 for buffers that do not shrink, and batches that read back with the values written.
/// </summary>
public sealed class CompressedWriteTests
{
    public static TheoryData<Format, ArrowCompression> Cases => new()
    {
        { Format.File, ArrowCompression.Lz4Frame },
        { Format.File, ArrowCompression.Zstd },
        { Format.Stream, ArrowCompression.Lz4Frame },
        { Format.Stream, ArrowCompression.Zstd },
    };

    private static async Task<byte[]> WriteAsync(Format format, ArrowCompression compression, Schema schema, IEnumerable<RecordBatch> batches)
    {
        using var memory = new MemoryStream();
        if (format == Format.File)
        {
            await using var writer = new ArrowIpcFileWriter(memory, schema, leaveOpen: true, compression);
            foreach (var batch in batches)
            {
                await writer.WriteBatchAsync(batch);
            }

            await writer.CompleteAsync();
        }
        else
        {
            await using var writer = new ArrowIpcStreamWriter(memory, schema, leaveOpen: true, compression);
            foreach (var batch in batches)
            {
                await writer.WriteBatchAsync(batch);
            }

            await writer.CompleteAsync();
        }

        return memory.ToArray();
    }

    /// <summary>The record batch messages of a stream or file, in order, with their bodies.</summary>
    private static List<(IpcMessage Message, byte[] Body)> Messages(Format format, byte[] bytes)
    {
        var result = new List<(IpcMessage, byte[])>();
        var position = format == Format.File ? 8 : 0;
        while (true)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position + 4));
            if (length == 0)
            {
                return result;
            }

            var reader = new FlatBufferReader(bytes.AsMemory(position + 8, length), new IpcContext("test", null), position + 8);
            var message = IpcMetadata.ReadMessage(reader);
            var body = bytes.AsSpan(position + 8 + length, (int)message.BodyLength).ToArray();
            result.Add((message, body));
            position += 8 + length + body.Length;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task CompressedOutputReadsBackWithTheWrittenValues(Format format, ArrowCompression compression)
    {
        var data = new TestData(31);
        var schema = new Schema(
        [
            new Field("url", StringType.Default, true),
            new Field("visits", new ListType(new Field("item", new StructType([new Field("t", new TimestampType(TimeUnit.Microsecond, "UTC"), true)]), true)), true),
            new Field("kind", new DictionaryType(Int16Type.Default, StringType.Default, false), true),
            new Field("amount", new Decimal128Type(12, 2), true),
        ], null);
        RecordBatch[] batches = [data.RandomBatch(schema, 50), data.RandomBatch(schema, 0), data.RandomBatch(schema, 7)];
        var bytes = await WriteAsync(format, compression, schema, batches);

        var codec = compression == ArrowCompression.Lz4Frame ? IpcCompression.Lz4Frame : IpcCompression.Zstd;
        var bodies = Messages(format, bytes).Where(m => m.Message.Type != MessageHeaderType.Schema).ToList();
        Assert.Equal(batches.Length + 1, bodies.Count);
        foreach (var (message, _) in bodies)
        {
            var table = message.Type == MessageHeaderType.DictionaryBatch ? IpcMetadata.ReadDictionaryBatch(message.Header).Data : message.Header;
            Assert.Equal(codec, IpcMetadata.ReadRecordBatchHeader(table, "batch").Compression);
        }

        var (readSchema, read) = await Ipc.ReadAsync(format, bytes);
        ArrayAssert.SchemasEqual(schema, readSchema);
        Assert.Equal(batches.Length, read.Count);
        for (var i = 0; i < batches.Length; i++)
        {
            ArrayAssert.BatchesEqual(batches[i], read[i]);
        }
    }

    /// <summary>The frames are checked with the codec libraries alone, so the reader cannot hide a writer mistake.</summary>
    [Theory]
    [InlineData(ArrowCompression.Lz4Frame)]
    [InlineData(ArrowCompression.Zstd)]
    public async Task CompressibleBuffersAreFramesAndIncompressibleOnesAreStoredAsMinusOne(ArrowCompression compression)
    {
        const int rows = 4096;
        var repetitive = new byte[rows * 8];
        var noise = new byte[rows * 8];
        for (var i = 0; i < rows; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(repetitive.AsSpan(i * 8), i % 10);
        }

        new Random(9).NextBytes(noise);
        var schema = new Schema([new Field("r", Int64Type.Default, false), new Field("n", Int64Type.Default, false)], null);
        var columns = new[] { repetitive, noise }.Select(v => ArrowArrayFactory.BuildArray(new ArrayData(Int64Type.Default, rows, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(v)], []))).ToArray();
        var bytes = await WriteAsync(Format.Stream, compression, schema, [new RecordBatch(schema, columns, rows)]);

        var (message, body) = Messages(Format.Stream, bytes).Single(m => m.Message.Type == MessageHeaderType.RecordBatch);
        var header = IpcMetadata.ReadRecordBatchHeader(message.Header, "batch");
        Assert.Equal(4, header.Buffers.Count);
        byte[] Stored(int index) => body.AsSpan((int)header.Buffers.GetStructInt64(index, 0), (int)header.Buffers.GetStructInt64(index, 8)).ToArray();

        // Empty validity buffers carry no prefix at all.
        Assert.Empty(Stored(0));
        Assert.Empty(Stored(2));

        var framed = Stored(1);
        Assert.Equal(repetitive.Length, BinaryPrimitives.ReadInt64LittleEndian(framed));
        Assert.True(framed.Length < repetitive.Length / 4, $"{framed.Length} bytes for {repetitive.Length}");
        var decoded = compression == ArrowCompression.Lz4Frame
            ? LZ4Frame.Decode(framed.AsSpan(8), new ArrayBufferWriter<byte>()).WrittenSpan.ToArray()
            : ZstdUnwrap(framed.AsSpan(8));
        Assert.Equal(repetitive, decoded);

        var raw = Stored(3);
        Assert.Equal(-1, BinaryPrimitives.ReadInt64LittleEndian(raw));
        Assert.Equal(noise, raw[8..]);
    }

    private static byte[] ZstdUnwrap(ReadOnlySpan<byte> frame)
    {
        using var decompressor = new Decompressor();
        return decompressor.Unwrap(frame).ToArray();
    }

    [Fact]
    public void AnUnknownCompressionIsRefusedWhenTheWriterIsCreated()
    {
        var schema = new Schema([new Field("a", Int32Type.Default, true)], null);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ArrowIpcStreamWriter(new MemoryStream(), schema, compression: (ArrowCompression)7));
        Assert.Equal("compression", error.ParamName);
    }
}
