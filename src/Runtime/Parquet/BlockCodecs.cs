using K4os.Compression.LZ4;
using Bulwark.Arrow;
using ZstdSharp;

namespace Bulwark.Parquet;

/// <summary>
/// The block codecs of Parquet pages: SNAPPY (a raw Snappy block, not framed), LZ4_RAW (a raw LZ4 block, no frame) and
/// ZSTD (one or more zstd frames). Each decompresses into a buffer of exactly the size the page header declares, so a
/// page that would expand further fails instead of allocating.
/// </summary>
internal static class BlockCodecs
{
    public static void CompressSnappy(ReadOnlySpan<byte> input, PooledBuffer output)
    {
        var span = output.GetSpan(Snappier.Snappy.GetMaxCompressedLength(input.Length));
        output.Advance(Snappier.Snappy.Compress(input, span));
    }

    /// <summary>The block starts with its uncompressed length: checking it first means the decoder never needs more room.</summary>
    public static void CheckSnappyLength(ReadOnlySpan<byte> input, int size, ParquetLocation location)
    {
        var position = 0;
        if (!RleHybrid.TryReadVarint(input, ref position, out var declared) || declared != (ulong)size)
        {
            throw location.Error($"the SNAPPY block does not declare the page's {size} uncompressed bytes");
        }
    }

    public static void DecompressSnappy(ReadOnlySpan<byte> input, Span<byte> output, ParquetLocation location)
    {
        CheckSnappyLength(input, output.Length, location);
        int written;
        try
        {
            written = Snappier.Snappy.Decompress(input, output);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw location.Error($"the SNAPPY block is corrupt ({ex.Message})", ex);
        }

        if (written != output.Length)
        {
            throw location.Error($"the SNAPPY block decompresses to {written} bytes, not the declared {output.Length}");
        }
    }

    public static void CompressLz4Raw(ReadOnlySpan<byte> input, PooledBuffer output)
    {
        var span = output.GetSpan(LZ4Codec.MaximumOutputSize(input.Length));
        var written = LZ4Codec.Encode(input, span, LZ4Level.L00_FAST);
        if (written < 0)
        {
            throw new InvalidOperationException("LZ4 compression failed to fit its own bound.");
        }

        output.Advance(written);
    }

    public static void DecompressLz4Raw(ReadOnlySpan<byte> input, Span<byte> output, ParquetLocation location)
    {
        // The decoder checks every literal and match against both buffers and returns -1 rather than overrun them.
        var written = LZ4Codec.Decode(input, output);
        if (written < 0)
        {
            throw location.Error($"the LZ4_RAW block is corrupt or decompresses to more than the declared {output.Length} bytes");
        }

        if (written != output.Length)
        {
            throw location.Error($"the LZ4_RAW block decompresses to {written} bytes, not the declared {output.Length}");
        }
    }
}

/// <summary>
/// A zstd compression and decompression context, created on first use and kept for the chunks of one reader or writer
/// (a context costs a few hundred kilobytes of native memory; making one per page would dominate small pages).
/// </summary>
internal sealed class ZstdContext(int level) : IDisposable
{
    private Compressor? _compressor;
    private Decompressor? _decompressor;

    public void Compress(ReadOnlySpan<byte> input, PooledBuffer output)
    {
        _compressor ??= new Compressor(level);
        var span = output.GetSpan(Compressor.GetCompressBound(input.Length));
        output.Advance(_compressor.Wrap(input, span));
    }

    public void Decompress(ReadOnlySpan<byte> input, Span<byte> output, ParquetLocation location)
    {
        // One-shot decompression writes straight into the page buffer: a frame declaring or producing more than the
        // header's size stops with "destination too small" before anything beyond the buffer is touched.
        _decompressor ??= new Decompressor();
        int written;
        try
        {
            if (!_decompressor.TryUnwrap(input, output, out written))
            {
                throw location.Error($"the ZSTD page decompresses to more than the declared {output.Length} bytes");
            }
        }
        catch (ZstdException ex)
        {
            throw location.Error($"the ZSTD page is corrupt ({ex.Message})", ex);
        }

        if (written != output.Length)
        {
            throw location.Error($"the ZSTD page decompresses to {written} bytes, not the declared {output.Length}");
        }
    }

    public void Dispose()
    {
        _compressor?.Dispose();
        _decompressor?.Dispose();
        _compressor = null;
        _decompressor = null;
    }
}
