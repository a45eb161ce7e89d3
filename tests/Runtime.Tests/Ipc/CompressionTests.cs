using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Record batch bodies compressed with LZ4_FRAME or ZSTD (method BUFFER) read with the values that were compressed;
/// a frame that lies about its length, is cut short or is not a frame at all, and a declared length beyond the
/// limits, raise <see cref="ArrowFormatException"/> naming the batch and the buffer, without allocating what they claim.
/// </summary>
public sealed class CompressionTests
{
    public static TheoryData<Codec> Codecs => new() { Codec.Lz4Frame, Codec.Zstd };

    private static readonly Schema Rich = new Schema(
    [
        new Field("url", StringType.Default, true),
        new Field("n", Int64Type.Default, false),
        new Field("visits", new ListType(new Field("item", new StructType([new Field("t", new TimestampType(TimeUnit.Microsecond, "UTC"), true), new Field("b", BinaryType.Default, true)]), true)), true),
        new Field("flag", BooleanType.Default, true),
        new Field("amount", new Decimal128Type(12, 2), true),
    ],
    null);

    private static async Task<(RecordBatch[] Batches, byte[] Stream)> SampleAsync(int rows = 40)
    {
        var data = new TestData(77);
        RecordBatch[] batches = [data.RandomBatch(Rich, rows), data.RandomBatch(Rich, 0), data.RandomBatch(Rich, rows / 2)];
        return (batches, await Ipc.WriteAsync(Format.Stream, Rich, batches));
    }

    /// <summary>Large, compressible int64 columns "v" (and "w"): the values of "v" are buffer 1 of batch 0, of "w" buffer 3.</summary>
    private static async Task<(byte[] Values, byte[] Stream)> LargeColumnAsync(int rows, int columns = 1)
    {
        var values = new byte[rows * 8];
        for (var i = 0; i < rows; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(values.AsSpan(i * 8), i % 16);
        }

        var fields = new[] { new Field("v", Int64Type.Default, false), new Field("w", Int64Type.Default, false) }[..columns];
        var schema = new Schema(fields, null);
        var arrays = fields.Select(_ => ArrowArrayFactory.BuildArray(new ArrayData(Int64Type.Default, rows, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(values)], []))).ToArray();
        return (values, await Ipc.WriteAsync(Format.Stream, schema, [new RecordBatch(schema, arrays, rows)]));
    }

    private static async Task<ArrowFormatException> RefusedAsync(byte[] bytes, ArrowReadOptions? options = null)
    {
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(Format.Stream, bytes, options));
        Assert.Contains("'test.arrows'", error.Message);
        Assert.Contains("at byte ", error.Message);
        return error;
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task CompressedBodiesReadWithTheWrittenValues(Codec codec)
    {
        var (batches, stream) = await SampleAsync();

        // Every third buffer is stored uncompressed (length -1), as writers do when compression does not pay.
        var compressed = CompressedBodies.Rewrite(stream, (IpcCompression)codec, i => i % 3 == 2 ? Stored.Uncompressed : Stored.Compressed);
        foreach (var seekable in new[] { true, false })
        {
            var (schema, read) = await Ipc.ReadAsync(Format.Stream, compressed, seekable: seekable);
            ArrayAssert.SchemasEqual(Rich, schema);
            Assert.Equal(batches.Length, read.Count);
            for (var i = 0; i < batches.Length; i++)
            {
                ArrayAssert.BatchesEqual(batches[i], read[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task AnEmptyBufferMayCarryAPrefixAndAnEmptyFrame(Codec codec)
    {
        var (batches, stream) = await SampleAsync();
        var compressed = CompressedBodies.Rewrite(stream, (IpcCompression)codec, tamper: (_, _, raw, stored) =>
            raw.Length == 0 ? [.. new byte[8], .. CompressedBodies.Frame((IpcCompression)codec, [])] : stored);
        var (_, read) = await Ipc.ReadAsync(Format.Stream, compressed);
        for (var i = 0; i < batches.Length; i++)
        {
            ArrayAssert.BatchesEqual(batches[i], read[i]);
        }
    }

    [Theory]
    [InlineData(Codec.Lz4Frame, -1, "the LZ4_FRAME frame decompresses to more than the 7999 bytes declared")]
    [InlineData(Codec.Lz4Frame, 1, "the LZ4_FRAME frame decompresses to 8000 bytes but 8001 are declared")]
    [InlineData(Codec.Zstd, -1, "the ZSTD frame decompresses to more than the 7999 bytes declared")]
    [InlineData(Codec.Zstd, 1, "the ZSTD frame decompresses to 8000 bytes but 8001 are declared")]
    public async Task ADeclaredLengthThatDisagreesWithTheFrameIsRefused(Codec codec, int delta, string reason)
    {
        var (_, stream) = await LargeColumnAsync(1000);
        var bytes = CompressedBodies.Rewrite(stream, (IpcCompression)codec, tamper: (_, buffer, raw, stored) =>
        {
            if (buffer == 1)
            {
                BinaryPrimitives.WriteInt64LittleEndian(stored, raw.Length + delta);
            }

            return stored;
        });
        var error = await RefusedAsync(bytes);
        Assert.Contains("record batch 0", error.Message);
        Assert.Contains("buffer 1 of field 'v'", error.Message);
        Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), error.Message);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task ATruncatedFrameIsRefused(Codec codec)
    {
        var (_, stream) = await LargeColumnAsync(5000);
        foreach (var cut in new[] { 1, 5, 17 })
        {
            var bytes = CompressedBodies.Rewrite(stream, (IpcCompression)codec, tamper: (_, buffer, _, stored) => buffer == 1 ? stored[..^cut] : stored);
            var error = await RefusedAsync(bytes);
            Assert.True(error.Message.Contains("record batch 0 (message 1) buffer 1 of field 'v'", StringComparison.Ordinal), error.Message);
            Assert.True(error.Message.Contains(codec == Codec.Lz4Frame ? "LZ4_FRAME" : "ZSTD", StringComparison.Ordinal), error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task GarbageInsteadOfAFrameIsRefused(Codec codec)
    {
        var (_, stream) = await LargeColumnAsync(1000);
        var random = new Random(5);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var bytes = CompressedBodies.Rewrite(stream, (IpcCompression)codec, tamper: (_, buffer, _, stored) =>
            {
                if (buffer == 1)
                {
                    random.NextBytes(stored.AsSpan(8));
                }

                return stored;
            });
            var error = await RefusedAsync(bytes);
            Assert.Contains("buffer 1 of field 'v'", error.Message);
            Assert.Contains(codec == Codec.Lz4Frame ? "LZ4_FRAME" : "ZSTD", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task EveryBitFlipOfACompressedBodyReadsOrRaisesFormatException(Codec codec)
    {
        var (_, stream) = await SampleAsync(rows: 6);
        var compressed = CompressedBodies.Rewrite(stream, (IpcCompression)codec);
        var accepted = 0;
        var rejected = 0;
        for (var i = 0; i < compressed.Length; i++)
        {
            var corrupt = (byte[])compressed.Clone();
            corrupt[i] ^= (byte)(1 << (i % 8));
            if (await CorruptionTests.ReadsOrFailsCleanlyAsync(Format.Stream, corrupt, $"bit flip at {i}"))
            {
                accepted++;
            }
            else
            {
                rejected++;
            }
        }

        // Flips in padding, names or literal bytes still read; flips in frame headers and lengths are refused.
        Assert.True(accepted > 0, "no flipped input was read");
        Assert.True(rejected > 0, "no flipped input was refused");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public async Task ABufferTooShortForItsLengthPrefixIsRefused(int length)
    {
        var (_, stream) = await LargeColumnAsync(100);
        var bytes = CompressedBodies.Rewrite(stream, IpcCompression.Zstd, tamper: (_, buffer, _, stored) => buffer == 1 ? stored[..length] : stored);
        var error = await RefusedAsync(bytes);
        Assert.Contains("buffer 1 of field 'v'", error.Message);
        Assert.Contains($"{length} bytes is too short for its 8-byte uncompressed length", error.Message);
    }

    [Fact]
    public async Task ANegativeDeclaredLengthOtherThanMinusOneIsRefused()
    {
        var (_, stream) = await LargeColumnAsync(100);
        var bytes = CompressedBodies.Rewrite(stream, IpcCompression.Lz4Frame, tamper: (_, buffer, _, stored) =>
        {
            if (buffer == 1)
            {
                BinaryPrimitives.WriteInt64LittleEndian(stored, -2);
            }

            return stored;
        });
        var error = await RefusedAsync(bytes);
        Assert.Contains("uncompressed length -2 is negative", error.Message);
    }

    /// <summary>A real bomb: a small frame that truly inflates to 16 MiB is refused by the limit before any output exists.</summary>
    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task ADecompressionBombBeyondTheBodyLimitIsRefusedBeforeAllocating(Codec codec)
    {
        var (values, stream) = await LargeColumnAsync(2 * 1024 * 1024);
        var bytes = CompressedBodies.Rewrite(stream, (IpcCompression)codec);
        Assert.True(bytes.Length < values.Length / 16, $"{bytes.Length} bytes do not make a bomb");
        var options = new ArrowReadOptions { MaxBodyBytes = 1024 * 1024 };
        var error = await RefusedAsync(bytes, options);
        Assert.Contains("buffer 1 of field 'v'", error.Message);
        Assert.Contains($"uncompressed length {values.Length}", error.Message);
        Assert.Contains("MaxBodyBytes", error.Message);
        var allocated = await HostileInputTests.AllocatedWhileFailingAsync(Format.Stream, bytes, seekable: true, options);
        Assert.True(allocated < HostileInputTests.FixedOverhead + (16L * bytes.Length), $"allocated {allocated} bytes for a {bytes.Length}-byte input");

        // Within the limit the same input reads, value for value.
        var (_, read) = await Ipc.ReadAsync(Format.Stream, bytes);
        Assert.True(values.AsSpan().SequenceEqual(read[0].Column(0).Data.Buffers[1].Span));
    }

    /// <summary>The limit counts every buffer of the message, not each on its own.</summary>
    [Fact]
    public async Task TheLimitAppliesToTheSumOfTheDeclaredLengths()
    {
        var (values, stream) = await LargeColumnAsync(100_000, columns: 2);
        var bytes = CompressedBodies.Rewrite(stream, IpcCompression.Zstd);
        var error = await RefusedAsync(bytes, new ArrowReadOptions { MaxBodyBytes = values.Length * 3 / 2 });
        Assert.Contains("buffer 3 of field 'w'", error.Message);
        Assert.Contains($"uncompressed length {values.Length} brings the batch's decompressed buffers past the {values.Length * 3 / 2}-byte limit", error.Message);
        Assert.Contains("MaxBodyBytes", error.Message);
    }

    /// <summary>A 1 GiB claim on a small frame costs memory that follows the real output, not the claim.</summary>
    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task ALyingHugeDeclaredLengthDoesNotAllocateWhatItClaims(Codec codec)
    {
        var (_, stream) = await LargeColumnAsync(1000);
        var bytes = CompressedBodies.Rewrite(stream, (IpcCompression)codec, tamper: (_, buffer, _, stored) =>
        {
            if (buffer == 1)
            {
                BinaryPrimitives.WriteInt64LittleEndian(stored, 1L << 30);
            }

            return stored;
        });
        var error = await RefusedAsync(bytes);
        Assert.Contains("decompresses to 8000 bytes but 1073741824 are declared", error.Message);
        var allocated = await HostileInputTests.AllocatedWhileFailingAsync(Format.Stream, bytes, seekable: true);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes for a {bytes.Length}-byte input");
    }
}
