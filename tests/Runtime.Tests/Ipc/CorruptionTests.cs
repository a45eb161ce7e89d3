using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Truncated and bit-flipped encodings must either read correctly or raise <see cref="ArrowFormatException"/>:
/// never IndexOutOfRange, NullReference, Overflow, OutOfMemory or a hang.
/// </summary>
public sealed class CorruptionTests
{
    public static TheoryData<Format> Formats => new() { Format.File, Format.Stream };

    /// <summary>A few small but varied valid encodings: nested types, dictionaries, nulls, several batches.</summary>
    private static async Task<List<byte[]>> SamplesAsync(Format format)
    {
        var samples = new List<byte[]>();
        var data = new TestData(21);
        var rich = new Schema(
        [
            new Field("url", StringType.Default, true),
            new Field("n", Int32Type.Default, false),
            new Field("visits", new ListType(new Field("item", new StructType([new Field("t", new TimestampType(TimeUnit.Microsecond, "UTC"), true), new Field("b", BinaryType.Default, true)]), true)), true),
            new Field("kind", new DictionaryType(UInt8Type.Default, StringType.Default, false), true),
            new Field("flag", BooleanType.Default, true),
            new Field("amount", new Decimal128Type(12, 2), true),
        ], null);
        samples.Add(await Ipc.WriteAsync(format, rich, [data.RandomBatch(rich, 4), data.RandomBatch(rich, 0), data.RandomBatch(rich, 6)]));
        for (var seed = 0; seed < 2; seed++)
        {
            var random = new TestData(100 + seed);
            var schema = random.RandomSchema(maxDepth: 2);
            samples.Add(await Ipc.WriteAsync(format, schema, [random.RandomBatch(schema, 3), random.RandomBatch(schema, 2)]));
        }

        return samples;
    }

    /// <summary>Reads everything the way a consumer would, touching every value.</summary>
    internal static async Task ReadFullyAsync(Format format, byte[] bytes, bool seekable = true)
    {
        var (_, batches) = await Ipc.ReadAsync(format, bytes, seekable: seekable);
        foreach (var batch in batches)
        {
            foreach (var column in batch.Arrays)
            {
                ArrayAssert.Touch(column);
            }

            batch.Dispose();
        }
    }

    /// <summary>Returns true when the input read cleanly, false when it raised a format error; anything else fails the test.</summary>
    internal static async Task<bool> ReadsOrFailsCleanlyAsync(Format format, byte[] bytes, string label, bool seekable = true)
    {
        var read = ReadFullyAsync(format, bytes, seekable);
        try
        {
            // A generous guard so that a hang fails the test instead of stalling the run.
            await read.WaitAsync(TimeSpan.FromSeconds(30));
            return true;
        }
        catch (ArrowFormatException ex)
        {
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            return false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{label}: expected ArrowFormatException or success, got {ex.GetType().Name}: {ex}");
            return false;
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task EveryTruncationReadsOrRaisesFormatException(Format format)
    {
        var cases = 0;
        var failures = 0;
        foreach (var (sample, s) in (await SamplesAsync(format)).Select((b, i) => (b, i)))
        {
            for (var length = 0; length < sample.Length; length++)
            {
                var ok = await ReadsOrFailsCleanlyAsync(format, sample[..length], $"sample {s} truncated to {length} of {sample.Length} bytes");
                cases++;
                if (!ok)
                {
                    failures++;
                }

                // A file needs its trailer: no proper prefix of a file is a valid file.
                Assert.False(format == Format.File && ok, $"sample {s} truncated to {length} bytes was accepted as a file");
            }
        }

        Assert.True(cases > 3000, $"only {cases} truncations were tried");
        Assert.True(failures > 0);
    }

    [Fact]
    public async Task TruncatedStreamsFailCleanlyOnUnseekableSources()
    {
        var sample = (await SamplesAsync(Format.Stream))[0];
        for (var length = 0; length < sample.Length; length += 3)
        {
            await ReadsOrFailsCleanlyAsync(Format.Stream, sample[..length], $"unseekable stream truncated to {length}", seekable: false);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task EverySingleByteCorruptionReadsOrRaisesFormatException(Format format)
    {
        var accepted = 0;
        var rejected = 0;
        foreach (var (sample, s) in (await SamplesAsync(format)).Select((b, i) => (b, i)))
        {
            for (var position = 0; position < sample.Length; position++)
            {
                foreach (var mask in new byte[] { 0xFF, 0x01, 0x80 })
                {
                    var corrupt = (byte[])sample.Clone();
                    corrupt[position] ^= mask;
                    if (await ReadsOrFailsCleanlyAsync(format, corrupt, $"sample {s} byte {position} ^ 0x{mask:X2}"))
                    {
                        accepted++;
                    }
                    else
                    {
                        rejected++;
                    }
                }
            }
        }

        // Flips in value bytes are legitimately invisible; flips in metadata must be caught. Both must occur.
        Assert.True(accepted + rejected > 9000, $"only {accepted + rejected} corruptions were tried");
        Assert.True(accepted > 100 && rejected > 1000, $"{accepted} corruptions read, {rejected} rejected");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task RandomMultiByteCorruptionReadsOrRaisesFormatException(Format format)
    {
        var samples = await SamplesAsync(format);
        var random = new Random(format == Format.File ? 1234 : 5678);
        for (var i = 0; i < 4000; i++)
        {
            var s = random.Next(samples.Count);
            var corrupt = (byte[])samples[s].Clone();
            var flips = random.Next(1, 6);
            var description = new List<string>();
            for (var f = 0; f < flips; f++)
            {
                var position = random.Next(corrupt.Length);
                var value = (byte)random.Next(256);
                corrupt[position] = value;
                description.Add($"[{position}]=0x{value:X2}");
            }

            await ReadsOrFailsCleanlyAsync(format, corrupt, $"case {i}, sample {s}, {string.Join(' ', description)}");
        }
    }

    [Fact]
    public async Task FormatErrorsNameTheBatchBufferFieldSourceAndOffset()
    {
        var schema = new Schema([new Field("id", Int64Type.Default, false), new Field("url", StringType.Default, true)], null);
        var data = new TestData(5);
        var bytes = await Ipc.WriteAsync(Format.File, schema, [data.RandomBatch(schema, 3), data.RandomBatch(schema, 4)]);

        // Make batch 1's last buffer (the url data) claim a length past the end of its body.
        var footerLength = BitConverter.ToInt32(bytes, bytes.Length - 10);
        var footerStart = bytes.Length - 10 - footerLength;
        var footer = new FlatBufferReader(bytes.AsMemory(footerStart, footerLength), new IpcContext("file", null), footerStart);
        var block = IpcMetadata.ReadBlock(IpcMetadata.ReadFooter(footer, ArrowReadOptions.Default).RecordBatches, 1);
        var metadataLength = BitConverter.ToInt32(bytes, (int)block.Offset + 4);
        var reader = new FlatBufferReader(bytes.AsMemory((int)block.Offset + 8, metadataLength), new IpcContext("file", null), block.Offset + 8);
        var header = IpcMetadata.ReadRecordBatchHeader(IpcMetadata.ReadMessage(reader).Header, "batch");
        var lengthPosition = (int)block.Offset + 8 + header.Buffers.Start + (4 * 16) + 8;
        BitConverter.GetBytes(1L << 40).CopyTo(bytes, lengthPosition);

        await using var file = await ArrowIpcFileReader.OpenAsync(new MemoryStream(bytes), "requests.arrow");
        using (await file.ReadBatchAsync(0))
        {
        }

        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => file.ReadBatchAsync(1).AsTask());
        Assert.Contains("'requests.arrow'", error.Message);
        Assert.Contains("record batch 1 buffer 4 of field 'url'", error.Message);
        Assert.Contains("at byte ", error.Message);
        Assert.Contains("outside", error.Message);
    }

    [Theory]
    [InlineData((byte)2, (byte)0, "compression codec 2 is not supported")]
    [InlineData((byte)1, (byte)1, "body compression method 1 is not supported")]
    public async Task UnknownCompressionCodecsAndMethodsAreRefusedWithAClearMessage(byte codec, byte method, string reason)
    {
        var schema = new Schema([new Field("a", Int32Type.Default, true)], null);
        var b = new FlatBufferBuilder();
        b.StartTable(2);
        b.AddFieldByte(0, codec);
        b.AddFieldByte(1, method);
        var compression = b.EndTable();
        b.StartTable(4);
        b.AddFieldLong(0, 0);
        b.AddFieldOffset(3, compression);
        var batch = b.EndTable();
        b.Finish(IpcMetadata.WriteMessage(b, MessageHeaderType.RecordBatch, batch, 0));
        var stream = new MemoryStream();
        stream.Write((await Ipc.WriteAsync(Format.Stream, schema, []))[..^8]);
        stream.Write([0xFF, 0xFF, 0xFF, 0xFF]);
        stream.Write(BitConverter.GetBytes(b.WrittenMemory.Length));
        stream.Write(b.WrittenMemory.Span);
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(Format.Stream, stream.ToArray()));
        Assert.Contains(reason, error.Message);
    }
}
