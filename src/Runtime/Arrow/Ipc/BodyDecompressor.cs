using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Bulwark.Arrow.Ipc;

/// <summary>Message.fbs <c>CompressionType</c>: the codec of a compressed record batch body.</summary>
internal enum IpcCompression : byte
{
    Lz4Frame = 0,
    Zstd = 1,
}

/// <summary>
/// Decompresses the buffers of one record batch body compressed with method BUFFER: each buffer is an int64 LE
/// uncompressed length followed by one LZ4 or ZSTD frame, or by the bytes themselves when the length is -1; an empty
/// buffer may omit the prefix. The declared lengths of a message together may not exceed
/// <see cref="ArrowReadOptions.MaxBodyBytes"/>, the output grows with what the frame actually yields (a lying length
/// costs at most twice the real output) and a frame must yield exactly its declared length.
/// </summary>
internal sealed class BodyDecompressor
{
    private const int PrefixLength = 8;
    private const int FirstChunk = 64 * 1024;

    // ZSTD's decoder sizes its window from the frame header. Allowing no more window than the declared output needs
    // (but at least 8 MiB, what streaming encoders use for small inputs) bounds that allocation by the limit as well.
    private const int MinWindowLog = 23;
    private const int MaxWindowLog = 31;

    private readonly IpcContext _context;
    private readonly string _what;
    private readonly long _bodyOffset;
    private readonly long _limit;
    private long _total;

    public BodyDecompressor(IpcCompression codec, IpcContext context, string what, long bodyOffset, ArrowReadOptions options)
    {
        Codec = codec;
        _context = context;
        _what = what;
        _bodyOffset = bodyOffset;
        _limit = options.MaxBodyBytes;
    }

    public IpcCompression Codec { get; }

    private string CodecName => Codec == IpcCompression.Lz4Frame ? "LZ4_FRAME" : "ZSTD";

    /// <summary>The uncompressed bytes of buffer <paramref name="index"/>, stored at <paramref name="offset"/> within the body.</summary>
    public ReadOnlyMemory<byte> Decompress(ReadOnlyMemory<byte> stored, int index, string path, long offset)
    {
        if (stored.IsEmpty)
        {
            return stored;
        }

        var what = $"{_what} buffer {index} of field '{path}'";
        var at = _bodyOffset + offset;
        if (stored.Length < PrefixLength)
        {
            throw _context.Error(what, at, $"a {CodecName} compressed buffer of {stored.Length} bytes is too short for its 8-byte uncompressed length");
        }

        var declared = BinaryPrimitives.ReadInt64LittleEndian(stored.Span);
        var frame = stored[PrefixLength..];
        if (declared == -1)
        {
            return frame;
        }

        if (declared < 0)
        {
            throw _context.Error(what, at, $"uncompressed length {declared} is negative (only -1, for a buffer stored uncompressed, is allowed)");
        }

        if (declared > _limit - _total)
        {
            throw _context.Error(what, at, $"uncompressed length {declared} brings the batch's decompressed buffers past the {_limit}-byte limit (ArrowReadOptions.MaxBodyBytes)");
        }

        _total += declared;
        try
        {
            return Inflate(frame, (int)declared, what, at);
        }
        catch (Exception ex) when (ex is not ArrowFormatException and not OperationCanceledException and not OutOfMemoryException)
        {
            // The codecs report corrupt frames with their own exception types (InvalidDataException, ZstdException, ...).
            throw _context.Error(what, at, $"the {CodecName} frame of {frame.Length} bytes is corrupt: {ex.Message}", ex);
        }
    }

    private byte[] Inflate(ReadOnlyMemory<byte> frame, int declared, string what, long at)
    {
        using var source = MemoryMarshal.TryGetArray(frame, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(frame.ToArray(), writable: false);
        using var decoder = Open(source, declared);
        var buffer = new byte[Math.Min(declared, FirstChunk)];
        var filled = 0;
        while (filled < declared)
        {
            if (filled == buffer.Length)
            {
                var next = new byte[(int)Math.Min(declared, (long)buffer.Length * 2)];
                buffer.AsSpan(0, filled).CopyTo(next);
                buffer = next;
            }

            var read = decoder.Read(buffer.AsSpan(filled));
            if (read == 0)
            {
                throw _context.Error(what, at, $"the {CodecName} frame decompresses to {filled} bytes but {declared} are declared");
            }

            filled += read;
        }

        Span<byte> probe = stackalloc byte[1];
        if (decoder.Read(probe) != 0)
        {
            throw _context.Error(what, at, $"the {CodecName} frame decompresses to more than the {declared} bytes declared");
        }

        return buffer;
    }

    private Stream Open(Stream source, int declared)
    {
        if (Codec == IpcCompression.Lz4Frame)
        {
            return LZ4Stream.Decode(source, new LZ4DecoderSettings(), leaveOpen: true, interactive: false);
        }

        // The frame is already in memory: an input buffer larger than the frame would only cost allocation.
        var zstd = new DecompressionStream(source, bufferSize: (int)Math.Clamp(source.Length, 64, 128 * 1024), checkEndOfStream: true, leaveOpen: true);
        var windowLog = Math.Clamp(64 - BitOperations.LeadingZeroCount((ulong)Math.Max(declared, 1) - 1), MinWindowLog, MaxWindowLog);
        zstd.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, windowLog);
        return zstd;
    }
}
