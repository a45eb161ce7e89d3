using System.Buffers;

namespace Bulwark.Arrow;

/// <summary>
/// One contiguous Arrow buffer (validity bitmap, offsets or values). It either views memory owned elsewhere
/// (a slice of a message body read from a file) or owns an array rented from <see cref="ArrayPool{T}.Shared"/>,
/// which <see cref="Dispose"/> returns so that builders reuse it for the next batch.
/// </summary>
public sealed class ArrowBuffer : IDisposable
{
    public static readonly ArrowBuffer Empty = new(ReadOnlyMemory<byte>.Empty, null);

    private ReadOnlyMemory<byte> _memory;
    private byte[]? _rented;

    private ArrowBuffer(ReadOnlyMemory<byte> memory, byte[]? rented)
    {
        _memory = memory;
        _rented = rented;
    }

    /// <summary>Views <paramref name="memory"/> without copying; the caller keeps it alive and unchanged.</summary>
    public static ArrowBuffer Wrap(ReadOnlyMemory<byte> memory) => memory.IsEmpty ? Empty : new ArrowBuffer(memory, null);

    /// <summary>Takes ownership of a rented array; its first <paramref name="length"/> bytes are the buffer.</summary>
    internal static ArrowBuffer FromRented(byte[] rented, int length) => new(rented.AsMemory(0, length), rented);

    public int Length => _memory.Length;

    public ReadOnlyMemory<byte> Memory => _memory;

    public ReadOnlySpan<byte> Span => _memory.Span;

    /// <summary>Returns a rented array to the pool; a buffer that only views memory stays readable (it may be shared).</summary>
    public void Dispose()
    {
        var rented = _rented;
        if (rented is null)
        {
            return;
        }

        _rented = null;
        _memory = ReadOnlyMemory<byte>.Empty;
        ArrayPool<byte>.Shared.Return(rented);
    }
}
