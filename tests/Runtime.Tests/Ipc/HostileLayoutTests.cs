using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Body layouts that a well-formed message can still describe but that no valid array has: the reader refuses them
/// with an <see cref="ArrowFormatException"/> naming the column, from its own validation, before Apache.Arrow builds
/// an array over them (Apache's accessors do not check offsets or indices, so a late failure would be an
/// IndexOutOfRangeException or silently wrong values).
/// </summary>
public sealed class HostileLayoutTests
{
    public static TheoryData<Format> Formats => new() { Format.File, Format.Stream };

    private static readonly Schema Sample = new(
    [
        new Field("id", Int64Type.Default, false),
        new Field("url", StringType.Default, true),
        new Field("tags", new ListType(new Field("item", Int32Type.Default, true)), true),
        new Field("kind", new DictionaryType(Int32Type.Default, StringType.Default, false), true),
    ],
    null);

    // Buffer order in the record batch: id validity, id values, url validity, url offsets, url data, tags validity,
    // tags offsets, item validity, item values, kind validity, kind indices.
    private const int IdValues = 1;
    private const int UrlOffsets = 3;
    private const int TagsOffsets = 6;
    private const int KindIndices = 10;

    private static RecordBatch SampleBatch()
    {
        var ids = new Int64Array.Builder().Append(1).Append(2).Append(3).Build();
        var urls = new StringArray.Builder().Append("ab").Append("cd").Append("ef").Build();
        var items = new Int32Array.Builder().Append(1).Append(2).Append(3).Append(4).Build();
        var offsets = new ArrowBuffer(new byte[] { 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0 });
        var tags = new ListArray(Sample.FieldsList[2].DataType, 3, offsets, items, ArrowBuffer.Empty, 0, 0);
        var dictionary = new StringArray.Builder().Append("a").Append("b").Build();
        var indices = new Int32Array.Builder().Append(1).Append(0).Append(1).Build();
        var kind = new DictionaryArray((DictionaryType)Sample.FieldsList[3].DataType, indices, dictionary);
        return new RecordBatch(Sample, [ids, urls, tags, kind], 3);
    }

    /// <summary>Writes the sample, then lets <paramref name="patch"/> change the record batch's buffers.</summary>
    private static async Task<byte[]> PatchedAsync(Format format, Action<byte[], RecordBatchLocation> patch)
    {
        var bytes = await Ipc.WriteAsync(format, Sample, [SampleBatch()]);
        var position = format == Format.File ? 8 : 0;
        while (true)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position + 4));
            Assert.NotEqual(0, length);
            var reader = new FlatBufferReader(bytes.AsMemory(position + 8, length), new IpcContext("test", null), position + 8);
            var message = IpcMetadata.ReadMessage(reader);
            if (message.Type == MessageHeaderType.RecordBatch)
            {
                var header = IpcMetadata.ReadRecordBatchHeader(message.Header, "batch");
                patch(bytes, new RecordBatchLocation(position + 8, header, position + 8 + length));
                return bytes;
            }

            position += 8 + length + (int)message.BodyLength;
        }
    }

    private static async Task<ArrowFormatException> RefusedAsync(Format format, byte[] bytes, string column)
    {
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => CorruptionTests.ReadFullyAsync(format, bytes));
        Assert.Contains($"'{column}'", error.Message);

        // Raised by Bulwark's checks, not translated from an exception Apache.Arrow threw while reading the layout.
        Assert.True(error.InnerException is null or ArrowFormatException, error.ToString());
        return error;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task DecreasingStringOffsetsAreRefusedNamingTheColumn(Format format)
    {
        var bytes = await PatchedAsync(format, (b, at) => BinaryPrimitives.WriteInt32LittleEndian(at.Body(b, UrlOffsets).Slice(8), 1));
        var error = await RefusedAsync(format, bytes, "url");
        Assert.Contains("decrease", error.Message);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task ListOffsetsPastTheItemsAreRefusedNamingTheColumn(Format format)
    {
        var bytes = await PatchedAsync(format, (b, at) => BinaryPrimitives.WriteInt32LittleEndian(at.Body(b, TagsOffsets).Slice(12), 5));
        var error = await RefusedAsync(format, bytes, "tags");
        Assert.Contains("past", error.Message);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task AValuesBufferShorterThanTheLengthNeedsIsRefusedNamingTheColumn(Format format)
    {
        var bytes = await PatchedAsync(format, (b, at) => at.SetLength(b, IdValues, 8));
        var error = await RefusedAsync(format, bytes, "id");
        Assert.Contains("8 bytes", error.Message);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task ADictionaryIndexOutOfRangeIsRefusedNamingTheColumn(Format format)
    {
        var bytes = await PatchedAsync(format, (b, at) => BinaryPrimitives.WriteInt32LittleEndian(at.Body(b, KindIndices).Slice(4), 2));
        var error = await RefusedAsync(format, bytes, "kind");
        Assert.Contains("outside the dictionary", error.Message);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task ANegativeDictionaryIndexIsRefusedNamingTheColumn(Format format)
    {
        var bytes = await PatchedAsync(format, (b, at) => BinaryPrimitives.WriteInt32LittleEndian(at.Body(b, KindIndices), -1));
        var error = await RefusedAsync(format, bytes, "kind");
        Assert.Contains("outside the dictionary", error.Message);
    }

    /// <summary>Where a record batch message sits: its flatbuffer, its header and its body.</summary>
    private sealed record RecordBatchLocation(int MetadataStart, RecordBatchHeader Header, int BodyStart)
    {
        public Span<byte> Body(byte[] bytes, int buffer) =>
            bytes.AsSpan(BodyStart + (int)Header.Buffers.GetStructInt64(buffer, 0), (int)Header.Buffers.GetStructInt64(buffer, 8));

        public void SetLength(byte[] bytes, int buffer, long length) =>
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(MetadataStart + Header.Buffers.Start + (16 * buffer) + 8), length);
    }
}
