using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using ArrowBuffer = Apache.Arrow.ArrowBuffer;

namespace Bulwark.Arrow;

/// <summary>
/// A growable byte buffer rented from the shared pool. <see cref="Detach"/> hands the bytes to an Apache.Arrow
/// <see cref="ArrowBuffer"/> and the rented array to a <see cref="BufferLease"/>, which returns it to the pool when the
/// batch that owns the lease is disposed, so a builder's next batch reuses the same memory.
/// </summary>
internal sealed class PooledBuffer
{
    private byte[] _array = Array.Empty<byte>();

    // The length handed over by the last Detach: the next batch is usually as large, so its first growth rents that
    // much at once instead of doubling from 256 bytes and copying the buffer a dozen times on the way.
    private int _lastDetached;

    public int Length { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write<T>(T value)
        where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        var length = Length;
        if (_array.Length - length < size)
        {
            Grow(size);
        }

        // The check above leaves room for the value: write it without building and re-checking a span.
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), (nint)(uint)length), value);
        Length = length + size;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (_array.Length - Length < bytes.Length)
        {
            Grow(bytes.Length);
        }

        bytes.CopyTo(_array.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>
    /// Appends <paramref name="text"/> as UTF-8; false, with nothing appended, when it holds an unpaired surrogate.
    /// </summary>
    public bool TryWriteUtf8(ReadOnlySpan<char> text)
    {
        // A UTF-16 code unit takes at most 3 UTF-8 bytes (a surrogate pair, two units, takes 4); beyond what a buffer
        // can hold, count exactly (lone surrogates counted as replaced are still an upper bound).
        var bound = text.Length <= Array.MaxLength / 3 ? text.Length * 3 : Encoding.UTF8.GetByteCount(text);
        var length = Length;
        if (_array.Length - length < bound)
        {
            Grow(bound);
        }

        if (Utf8.FromUtf16(text, _array.AsSpan(length), out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            return false;
        }

        Length = length + written;
        return true;
    }

    /// <summary>A writable span of at least <paramref name="size"/> bytes at the end; call <see cref="Advance"/> after writing.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_array.Length - Length < size)
        {
            Grow(size);
        }

        return _array.AsSpan(Length);
    }

    public void Advance(int count) => Length += count;

    /// <summary>The written bytes, for in-place edits such as setting bits.</summary>
    public Span<byte> Written => _array.AsSpan(0, Length);

    public void Clear() => Length = 0;

    /// <summary>Forgets the bytes from <paramref name="length"/> on (which must not exceed <see cref="Length"/>).</summary>
    public void Truncate(int length)
    {
        if ((uint)length > (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The buffer holds {Length} bytes.");
        }

        Length = length;
    }

    /// <summary>The little-endian int32 at byte <paramref name="offset"/> of the written bytes.</summary>
    public int ReadInt32(int offset) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(Written[offset..]);

    public ArrowBuffer Detach(BufferLease lease)
    {
        if (Length == 0)
        {
            return ArrowBuffer.Empty;
        }

        var buffer = new ArrowBuffer(_array.AsMemory(0, Length));
        lease.Add(_array);
        _array = Array.Empty<byte>();
        _lastDetached = Length;
        Length = 0;
        return buffer;
    }

    public void Release()
    {
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = Array.Empty<byte>();
        Length = 0;
    }

    private void Grow(int extra)
    {
        var needed = (long)Length + extra;
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"An Arrow buffer cannot exceed {Array.MaxLength} bytes; build smaller batches.");
        }

        var size = (int)Math.Min(Array.MaxLength, Math.Max(needed, Math.Max(Math.Max(256L, _lastDetached), _array.Length * 2L)));
        var next = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, Length).CopyTo(next);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = next;
    }
}

/// <summary>
/// Validity bits, materialized only once the first null arrives: columns without nulls never touch a bitmap. A mutable
/// struct so a builder's per-value check reads its own fields rather than another object's; keep it in a non-readonly
/// field and never copy it.
/// </summary>
internal struct ValidityBuffer
{
    // Created with the first null.
    private PooledBuffer? _bits;

    public int Length { get; private set; }

    public int NullCount { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendValid()
    {
        if (NullCount != 0)
        {
            AppendBit(true);
        }

        Length++;
    }

    public void AppendNull()
    {
        if (NullCount == 0)
        {
            Materialize();
        }

        AppendBit(false);
        Length++;
        NullCount++;
    }

    public ArrowBuffer Detach(BufferLease lease)
    {
        var result = NullCount == 0 || _bits is null ? ArrowBuffer.Empty : _bits.Detach(lease);
        _bits?.Clear();
        Length = 0;
        NullCount = 0;
        return result;
    }

    public void Clear()
    {
        _bits?.Clear();
        Length = 0;
        NullCount = 0;
    }

    /// <summary>Forgets the slots from <paramref name="length"/> on (which must not exceed <see cref="Length"/>).</summary>
    public void Truncate(int length)
    {
        if ((uint)length > (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The bitmap holds {Length} slots.");
        }

        if (NullCount != 0)
        {
            var bits = _bits!;
            bits.Truncate(BitUtil.BytesForBits(length));
            ClearBitsFrom(bits, length);
            NullCount = length - BitUtil.CountSetBits(bits.Written, length);
        }

        // With no null left the bitmap is stale, as before the first null: the next null materializes it afresh.
        Length = length;
    }

    /// <summary>Clears the bits of the last byte from <paramref name="bitCount"/> on, which appends set in place.</summary>
    public static void ClearBitsFrom(PooledBuffer bits, int bitCount)
    {
        var rest = bitCount & 7;
        if (rest != 0)
        {
            bits.Written[bitCount >> 3] &= (byte)((1 << rest) - 1);
        }
    }

    public void Release()
    {
        _bits?.Release();
        Length = 0;
        NullCount = 0;
    }

    private void Materialize()
    {
        var bits = _bits ??= new PooledBuffer();
        bits.Clear();
        var bytes = BitUtil.BytesForBits(Length);
        var span = bits.GetSpan(bytes);
        span[..bytes].Fill(0xFF);
        bits.Advance(bytes);
        var rest = Length & 7;
        if (rest != 0)
        {
            bits.Written[bytes - 1] = (byte)((1 << rest) - 1);
        }
    }

    private readonly void AppendBit(bool valid)
    {
        // Only called once a null has materialized the bitmap.
        var bits = _bits!;
        var index = Length;
        if ((index & 7) == 0)
        {
            bits.Write((byte)0);
        }

        if (valid)
        {
            BitUtil.SetBit(bits.Written, index);
        }
    }
}
