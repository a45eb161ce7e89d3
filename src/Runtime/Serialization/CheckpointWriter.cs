using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Bulwark.Serialization;

/// <summary>
/// Writes checkpoint fields into a growable buffer rented from the shared pool; generated <c>WriteState</c> methods
/// call it. Dispose it to return the buffer. Values are written untagged; a field is a <see cref="WriteTag"/> followed
/// by one value whose encoding matches the tag's <see cref="CheckpointWireKind"/>.
/// </summary>
public ref struct CheckpointWriter
{
    /// <summary>Nesting deeper than this is refused, as the reader refuses it: a cycle in the state must not overflow the stack.</summary>
    public const int MaxDepth = CheckpointReader.MaxDepth;

    // Strict, so that a string with an unpaired surrogate fails here rather than coming back altered as U+FFFD.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private const int MaxOneByteLengthChars = 0x7F / 3;

    private byte[]? _buffer;
    private int _length;
    private int _depth;

    public CheckpointWriter()
    {
        _buffer = ArrayPool<byte>.Shared.Rent(256);
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _length;

    /// <summary>The bytes written so far; valid until the next write or <see cref="Dispose"/>.</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public readonly byte[] ToArray() => WrittenSpan.ToArray();

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = null;
        _length = 0;
    }

    /// <summary>The tag of field <paramref name="id"/>: <c>(id &lt;&lt; 3) | kind</c> as a varint.</summary>
    public void WriteTag(int id, CheckpointWireKind kind)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(id);
        WriteVarint(((ulong)(uint)id << 3) | (byte)kind);
    }

    /// <summary>Field <paramref name="id"/> holds null.</summary>
    public void WriteNull(int id) => WriteTag(id, CheckpointWireKind.Null);

    public void WriteVarint(ulong value)
    {
        var span = Reserve(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _length += i;
    }

    public void WriteBoolean(bool value) => WriteVarint(value ? 1UL : 0UL);

    public void WriteSByte(sbyte value) => WriteInt64(value);

    public void WriteInt16(short value) => WriteInt64(value);

    public void WriteInt32(int value) => WriteInt64(value);

    /// <summary>Zigzag, so small negative numbers stay short.</summary>
    public void WriteInt64(long value) => WriteVarint((ulong)((value << 1) ^ (value >> 63)));

    public void WriteByte(byte value) => WriteVarint(value);

    public void WriteUInt16(ushort value) => WriteVarint(value);

    public void WriteUInt32(uint value) => WriteVarint(value);

    public void WriteUInt64(ulong value) => WriteVarint(value);

    public void WriteChar(char value) => WriteVarint(value);

    public void WriteSingle(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
        _length += 4;
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
        _length += 8;
    }

    /// <summary>Length 16: lo, mid, hi and flags as little-endian 32-bit integers (the layout of <see cref="decimal.GetBits(decimal)"/>).</summary>
    public void WriteDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        WriteVarint(16);
        var span = Reserve(16);
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], bits[i]);
        }

        _length += 16;
    }

    /// <exception cref="ArgumentException">The string holds an unpaired surrogate, which UTF-8 cannot represent.</exception>
    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        try
        {
            // At most 3 UTF-8 bytes per UTF-16 char, so up to 42 chars the length is a one-byte varint whatever the
            // encoding: encode straight behind it in one pass instead of counting the bytes first.
            if (value.Length <= MaxOneByteLengthChars)
            {
                var span = Reserve(1 + (value.Length * 3));
                var written = StrictUtf8.GetBytes(value, span[1..]);
                span[0] = (byte)written;
                _length += 1 + written;
                return;
            }

            var byteCount = StrictUtf8.GetByteCount(value);
            WriteVarint((uint)byteCount);
            _length += StrictUtf8.GetBytes(value, Reserve(byteCount));
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("The string holds an unpaired surrogate, which cannot be stored as UTF-8 and restored unchanged.", nameof(value), e);
        }
    }

    /// <summary>A byte array; null is refused rather than written as empty, since it would not come back as null.</summary>
    public void WriteBytes(byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteBytes(value.AsSpan());
    }

    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        WriteVarint((uint)value.Length);
        value.CopyTo(Reserve(value.Length));
        _length += value.Length;
    }

    public void WriteGuid(Guid value)
    {
        WriteVarint(16);
        value.TryWriteBytes(Reserve(16));
        _length += 16;
    }

    /// <summary>Ticks and kind in one 64-bit word (<c>ticks &lt;&lt; 2 | kind</c>), so a local or unspecified time keeps its kind.</summary>
    public void WriteDateTime(DateTime value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), ((ulong)value.Ticks << 2) | (uint)value.Kind);
        _length += 8;
    }

    /// <summary>Length 10: the clock ticks as a 64-bit integer and the offset in minutes as a 16-bit integer.</summary>
    public void WriteDateTimeOffset(DateTimeOffset value)
    {
        WriteVarint(10);
        var span = Reserve(10);
        BinaryPrimitives.WriteInt64LittleEndian(span, value.Ticks);
        BinaryPrimitives.WriteInt16LittleEndian(span[8..], (short)value.TotalOffsetMinutes);
        _length += 10;
    }

    public void WriteTimeSpan(TimeSpan value) => WriteInt64(value.Ticks);

    public void WriteDateOnly(DateOnly value) => WriteVarint((uint)value.DayNumber);

    public void WriteTimeOnly(TimeOnly value) => WriteVarint((ulong)value.Ticks);

    /// <summary>A nested state as a length-delimited message of its own fields.</summary>
    public void WriteNested<T>(T value)
        where T : ICheckpointState<T>
    {
        // Not ArgumentNullException.ThrowIfNull: that takes object and would box every struct state.
        if (value is null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        var mark = BeginLengthDelimited();
        value.WriteState(ref this);
        EndLengthDelimited(mark);
    }

    /// <summary>A presence byte (0 null, 1 present) and then the item: how nullable collection items are written.</summary>
    public void WriteNullableValue<T>(T? value, CheckpointItemWriter<T> item)
        where T : struct
    {
        if (value is { } present)
        {
            WriteRawByte(1);
            item(ref this, present);
        }
        else
        {
            WriteRawByte(0);
        }
    }

    /// <inheritdoc cref="WriteNullableValue{T}"/>
    public void WriteNullableReference<T>(T? value, CheckpointItemWriter<T> item)
        where T : class
    {
        if (value is not null)
        {
            WriteRawByte(1);
            item(ref this, value);
        }
        else
        {
            WriteRawByte(0);
        }
    }

    /// <summary>A length-delimited count followed by the items.</summary>
    public void WriteList<T>(List<T> list, CheckpointItemWriter<T> item)
    {
        ArgumentNullException.ThrowIfNull(list);
        var mark = BeginLengthDelimited();
        WriteVarint((uint)list.Count);
        foreach (var value in list)
        {
            item(ref this, value);
        }

        EndLengthDelimited(mark);
    }

    /// <inheritdoc cref="WriteList{T}"/>
    public void WriteArray<T>(T[] array, CheckpointItemWriter<T> item)
    {
        ArgumentNullException.ThrowIfNull(array);
        var mark = BeginLengthDelimited();
        WriteVarint((uint)array.Length);
        foreach (var value in array)
        {
            item(ref this, value);
        }

        EndLengthDelimited(mark);
    }

    /// <inheritdoc cref="WriteList{T}"/>
    public void WriteHashSet<T>(HashSet<T> set, CheckpointItemWriter<T> item)
    {
        ArgumentNullException.ThrowIfNull(set);
        var mark = BeginLengthDelimited();
        WriteVarint((uint)set.Count);
        foreach (var value in set)
        {
            item(ref this, value);
        }

        EndLengthDelimited(mark);
    }

    /// <summary>A length-delimited count followed by key, value pairs.</summary>
    public void WriteDictionary<TKey, TValue>(Dictionary<TKey, TValue> dictionary, CheckpointItemWriter<TKey> key, CheckpointItemWriter<TValue> value)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        var mark = BeginLengthDelimited();
        WriteVarint((uint)dictionary.Count);
        foreach (var pair in dictionary)
        {
            key(ref this, pair.Key);
            value(ref this, pair.Value);
        }

        EndLengthDelimited(mark);
    }

    internal void WriteRawByte(byte value)
    {
        Reserve(1)[0] = value;
        _length++;
    }

    internal void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
    }

    internal readonly Span<byte> WrittenForPatching => _buffer.AsSpan(0, _length);

    /// <summary>
    /// One byte is reserved for the length; when the content turns out to need a longer varint it is moved up,
    /// which costs a copy only for contents of 128 bytes or more.
    /// </summary>
    private int BeginLengthDelimited()
    {
        if (++_depth > MaxDepth)
        {
            throw new InvalidOperationException($"Checkpoint state nests deeper than {MaxDepth} levels; a state that contains itself cannot be checkpointed.");
        }

        Reserve(1);
        _length++;
        return _length;
    }

    private void EndLengthDelimited(int contentStart)
    {
        _depth--;
        var contentLength = (uint)(_length - contentStart);
        var size = VarintSize(contentLength);
        if (size > 1)
        {
            Reserve(size - 1);
            _buffer.AsSpan(contentStart, (int)contentLength).CopyTo(_buffer.AsSpan(contentStart + size - 1));
            _length += size - 1;
        }

        var span = _buffer.AsSpan(contentStart - 1, size);
        var i = 0;
        var value = contentLength;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i] = (byte)value;
    }

    private static int VarintSize(uint value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private Span<byte> Reserve(int size)
    {
        if (_buffer is null || _buffer.Length - _length < size)
        {
            Grow(size);
        }

        return _buffer.AsSpan(_length);
    }

    private void Grow(int extra)
    {
        var needed = (long)_length + extra;
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"A checkpoint cannot exceed {Array.MaxLength} bytes.");
        }

        var current = _buffer?.Length ?? 0;
        var size = (int)Math.Min(Array.MaxLength, Math.Max(needed, Math.Max(256L, current * 2L)));
        var next = ArrayPool<byte>.Shared.Rent(size);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(next);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }
}
