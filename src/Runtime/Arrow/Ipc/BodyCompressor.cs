using System.Buffers;
using System.Buffers.Binary;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace Bulwark.Arrow.Ipc;

/// <summary>
/// Compresses the buffers of a body with method BUFFER, the form <see cref="BodyDecompressor"/> reads: an int64 LE
/// uncompressed length and one frame, or -1 and the bytes themselves when the frame would not be smaller. Empty
/// buffers stay empty, without a prefix, as the format allows.
/// </summary>
internal sealed class BodyCompressor : IDisposable
{
    private const int PrefixLength = 8;
    private const int ZstdLevel = 3;

    private readonly ArrayBufferWriter<byte> _frame = new();
    private readonly Compressor? _zstd;

    public BodyCompressor(IpcCompression codec)
    {
        Codec = codec;
        _zstd = codec == IpcCompression.Zstd ? new Compressor(ZstdLevel) : null;
    }

    public IpcCompression Codec { get; }

    /// <summary>Fills <paramref name="target"/> with the nodes of <paramref name="source"/> and its buffers compressed.</summary>
    public void Compress(BodyLayout source, BodyLayout target)
    {
        target.Reset(source.Length);
        target.Nodes.AddRange(source.Nodes);
        foreach (var buffer in source.Buffers)
        {
            target.Append(Compress(buffer.Memory.Span));
        }
    }

    public void Dispose() => _zstd?.Dispose();

    private ReadOnlyMemory<byte> Compress(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        _frame.ResetWrittenCount();
        ReadOnlySpan<byte> frame;
        if (_zstd is null)
        {
            frame = LZ4Frame.Encode(raw, _frame, LZ4Level.L00_FAST).WrittenSpan;
        }
        else
        {
            var span = _frame.GetSpan(Compressor.GetCompressBound(raw.Length));
            frame = span[.._zstd.Wrap(raw, span)];
        }

        var compressed = frame.Length < raw.Length;
        var payload = compressed ? frame : raw;
        var stored = new byte[PrefixLength + payload.Length];
        BinaryPrimitives.WriteInt64LittleEndian(stored, compressed ? raw.Length : -1);
        payload.CopyTo(stored.AsSpan(PrefixLength));
        return stored;
    }
}
