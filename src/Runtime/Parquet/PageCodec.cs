using System.IO.Compression;
using System.Runtime.InteropServices;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>Page compression. Decompression writes into a buffer of exactly the declared size and fails on any other size.</summary>
internal static class PageCodec
{
    public static int ToThrift(ParquetCompression compression) => compression switch
    {
        ParquetCompression.None => Codec.Uncompressed,
        ParquetCompression.Snappy => Codec.Snappy,
        ParquetCompression.Gzip => Codec.Gzip,
        ParquetCompression.Brotli => Codec.Brotli,
        ParquetCompression.Zstd => Codec.Zstd,
        _ => Codec.Lz4Raw,
    };

    public static bool IsSupported(int codec) => codec is Codec.Uncompressed or Codec.Snappy or Codec.Gzip or Codec.Brotli or Codec.Zstd or Codec.Lz4Raw;

    /// <summary>Why a chunk's codec cannot be read; the deprecated LZ4 codec is named as such, since LZ4_RAW is read.</summary>
    public static string Unsupported(int codec) => codec == Codec.Lz4
        ? "codec LZ4 (the deprecated Hadoop-framed LZ4, id 5) is not supported; Bulwark reads UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD and LZ4_RAW"
        : $"unsupported codec {Codec.Name(codec)}: Bulwark reads UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD and LZ4_RAW";

    /// <summary>Appends the compressed form of <paramref name="input"/> to <paramref name="output"/>.</summary>
    public static void Compress(int codec, ReadOnlySpan<byte> input, PooledBuffer output, ZstdContext zstd)
    {
        switch (codec)
        {
            case Codec.Uncompressed:
                output.Write(input);
                return;
            case Codec.Snappy:
                BlockCodecs.CompressSnappy(input, output);
                return;
            case Codec.Zstd:
                zstd.Compress(input, output);
                return;
            case Codec.Lz4Raw:
                BlockCodecs.CompressLz4Raw(input, output);
                return;
            case Codec.Gzip:
            {
                using var sink = new PooledBufferStream(output);
                using (var gzip = new GZipStream(sink, CompressionLevel.Optimal, leaveOpen: true))
                {
                    gzip.Write(input);
                }

                return;
            }

            case Codec.Brotli:
            {
                var max = BrotliEncoder.GetMaxCompressedLength(input.Length);
                var span = output.GetSpan(max);
                if (!BrotliEncoder.TryCompress(input, span, out var written, quality: 5, window: 22))
                {
                    throw new InvalidOperationException("Brotli compression failed to fit its own bound.");
                }

                output.Advance(written);
                return;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(codec), codec, "Bulwark writes UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD and LZ4_RAW pages only.");
        }
    }

    /// <summary>
    /// Refuses, before the page buffer is rented, a declared size that <paramref name="input"/> cannot decompress to:
    /// a few corrupt header bytes must not make the reader allocate up to <see cref="ParquetReadOptions.MaxPageBytes"/>.
    /// The bounds are each format's largest expansion: a Snappy block states its length up front and a 3-byte copy
    /// writes at most 64 bytes; an LZ4 match grows by at most 255 bytes per byte; deflate expands at most 1032 to 1; a
    /// zstd block header of 3 bytes and one byte of RLE make at most a 128 KiB block. BROTLI has no useful bound and is
    /// held by the limit alone.
    /// </summary>
    public static void CheckDeclaredSize(int codec, ReadOnlySpan<byte> input, int size, ParquetLocation location)
    {
        var ratio = codec switch
        {
            Codec.Snappy => 22,
            Codec.Lz4Raw => 255,
            Codec.Gzip => 1032,
            Codec.Zstd => 32 * 1024,
            _ => 0,
        };
        if (ratio > 0 && size > (long)ratio * input.Length)
        {
            throw location.Error($"the page's {input.Length} compressed bytes cannot decompress to the declared {size} bytes ({Codec.Name(codec)} expands at most {ratio} to 1)");
        }

        if (codec == Codec.Snappy)
        {
            BlockCodecs.CheckSnappyLength(input, size, location);
        }
    }

    /// <summary>
    /// Decompresses <paramref name="input"/> into <paramref name="output"/>, whose length is the size the page header
    /// declares; a page that decompresses to any other size is an error, so a bomb can never write past the buffer.
    /// </summary>
    public static void Decompress(int codec, ReadOnlyMemory<byte> input, Span<byte> output, ParquetLocation location, ZstdContext zstd)
    {
        switch (codec)
        {
            case Codec.Uncompressed:
                if (input.Length != output.Length)
                {
                    throw location.Error($"an uncompressed page holds {input.Length} bytes but declares {output.Length}");
                }

                input.Span.CopyTo(output);
                return;
            case Codec.Snappy:
                BlockCodecs.DecompressSnappy(input.Span, output, location);
                return;
            case Codec.Zstd:
                zstd.Decompress(input.Span, output, location);
                return;
            case Codec.Lz4Raw:
                BlockCodecs.DecompressLz4Raw(input.Span, output, location);
                return;
            case Codec.Gzip:
                DecompressGzip(input, output, location);
                return;
            case Codec.Brotli:
                if (!BrotliDecoder.TryDecompress(input.Span, output, out var written) || written != output.Length)
                {
                    throw location.Error($"the BROTLI page is corrupt or does not decompress to the declared {output.Length} bytes");
                }

                return;
            default:
                throw location.Error(Unsupported(codec));
        }
    }

    private static void DecompressGzip(ReadOnlyMemory<byte> input, Span<byte> output, ParquetLocation location)
    {
        var source = MemoryMarshal.TryGetArray(input, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(input.ToArray(), writable: false);
        try
        {
            using var gzip = new GZipStream(source, CompressionMode.Decompress);
            var filled = 0;
            while (filled < output.Length)
            {
                var read = gzip.Read(output[filled..]);
                if (read == 0)
                {
                    throw location.Error($"the GZIP page decompresses to {filled} bytes, fewer than the declared {output.Length}");
                }

                filled += read;
            }

            Span<byte> probe = stackalloc byte[1];
            if (gzip.Read(probe) != 0)
            {
                throw location.Error($"the GZIP page decompresses to more than the declared {output.Length} bytes");
            }
        }
        catch (InvalidDataException ex)
        {
            throw location.Error($"the GZIP page is corrupt ({ex.Message})", ex);
        }
        finally
        {
            source.Dispose();
        }
    }

    /// <summary>A write-only stream appending to a pooled buffer, so GZipStream needs no intermediate array.</summary>
    private sealed class PooledBufferStream(PooledBuffer buffer) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> span) => buffer.Write(span);
    }
}
