using System.Buffers.Binary;
using System.Text;

namespace Bulwark.Arrow.Ipc;

/// <summary>
/// A minimal FlatBuffers builder. Data is written back to front, so every child (string, vector, table) exists before
/// the table that points at it and all offsets are forward. Alignment is tracked relative to the end of the buffer and
/// <see cref="Finish"/> pads the front so that the finished buffer starts aligned to the largest scalar it holds.
/// </summary>
internal sealed class FlatBufferBuilder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[] _buffer;
    private int _space;
    private int _minAlign = 1;
    private int[] _vtable = new int[16];
    private int _vtableInUse;
    private int _objectStart;
    private bool _inTable;

    public FlatBufferBuilder(int initialSize = 1024)
    {
        _buffer = new byte[initialSize];
        _space = initialSize;
    }

    /// <summary>Bytes written so far, which is also the offset (from the end) of the last thing written.</summary>
    public int Offset => _buffer.Length - _space;

    /// <summary>The finished flatbuffer (valid after <see cref="Finish"/>).</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(_space);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(_space);

    public void Clear()
    {
        _space = _buffer.Length;
        _minAlign = 1;
        _vtableInUse = 0;
        _inTable = false;
    }

    /// <summary>Pads so that, once <paramref name="additionalBytes"/> more are written, a value of <paramref name="size"/> lands aligned.</summary>
    public void Prep(int size, int additionalBytes)
    {
        if (size > _minAlign)
        {
            _minAlign = size;
        }

        var alignSize = (-(Offset + additionalBytes)) & (size - 1);
        var needed = alignSize + size + additionalBytes;
        if (_space < needed)
        {
            Grow(needed);
        }

        Pad(alignSize);
    }

    public void Pad(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _buffer[--_space] = 0;
        }
    }

    public void PutByte(byte value) => _buffer[--_space] = value;

    public void PutShort(short value)
    {
        _space -= 2;
        BinaryPrimitives.WriteInt16LittleEndian(_buffer.AsSpan(_space), value);
    }

    public void PutInt(int value)
    {
        _space -= 4;
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_space), value);
    }

    public void PutLong(long value)
    {
        _space -= 8;
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_space), value);
    }

    public void AddByte(byte value)
    {
        Prep(1, 0);
        PutByte(value);
    }

    public void AddShort(short value)
    {
        Prep(2, 0);
        PutShort(value);
    }

    public void AddInt(int value)
    {
        Prep(4, 0);
        PutInt(value);
    }

    public void AddLong(long value)
    {
        Prep(8, 0);
        PutLong(value);
    }

    /// <summary>Writes a uoffset pointing at <paramref name="target"/> (an earlier <see cref="Offset"/>).</summary>
    public void AddOffset(int target)
    {
        Prep(4, 0);
        if (target > Offset)
        {
            throw new InvalidOperationException("A flatbuffer offset must point at something already written.");
        }

        PutInt(Offset - target + 4);
    }

    public void StartTable(int fieldCount)
    {
        if (_inTable)
        {
            throw new InvalidOperationException("Flatbuffer tables cannot be nested while being built; build children first.");
        }

        if (_vtable.Length < fieldCount)
        {
            _vtable = new int[fieldCount];
        }

        Array.Clear(_vtable, 0, fieldCount);
        _vtableInUse = fieldCount;
        _objectStart = Offset;
        _inTable = true;
    }

    public void AddFieldBool(int slot, bool value) => AddFieldByte(slot, value ? (byte)1 : (byte)0);

    public void AddFieldByte(int slot, byte value)
    {
        AddByte(value);
        _vtable[slot] = Offset;
    }

    public void AddFieldShort(int slot, short value)
    {
        AddShort(value);
        _vtable[slot] = Offset;
    }

    public void AddFieldInt(int slot, int value)
    {
        AddInt(value);
        _vtable[slot] = Offset;
    }

    public void AddFieldLong(int slot, long value)
    {
        AddLong(value);
        _vtable[slot] = Offset;
    }

    public void AddFieldOffset(int slot, int target)
    {
        AddOffset(target);
        _vtable[slot] = Offset;
    }

    /// <summary>Writes the soffset and vtable (never shared, so every table owns one) and returns the table's offset.</summary>
    public int EndTable()
    {
        if (!_inTable)
        {
            throw new InvalidOperationException("EndTable without StartTable.");
        }

        AddInt(0);
        var tableOffset = Offset;
        var used = _vtableInUse;
        while (used > 0 && _vtable[used - 1] == 0)
        {
            used--;
        }

        for (var i = used - 1; i >= 0; i--)
        {
            AddShort(checked((short)(_vtable[i] != 0 ? tableOffset - _vtable[i] : 0)));
        }

        AddShort(checked((short)(tableOffset - _objectStart)));
        AddShort(checked((short)((used + 2) * 2)));
        var vtableOffset = Offset;

        // The soffset is table position minus vtable position; the vtable sits just before the table.
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_buffer.Length - tableOffset), vtableOffset - tableOffset);
        _inTable = false;
        return tableOffset;
    }

    /// <summary>Reserves room for <paramref name="count"/> elements; write them last to first, then call <see cref="EndVector"/>.</summary>
    public void StartVector(int elementSize, int count, int alignment)
    {
        var bytes = checked(elementSize * count);
        Prep(4, bytes);
        Prep(alignment, bytes);
    }

    public int EndVector(int count)
    {
        AddInt(count);
        return Offset;
    }

    public int CreateString(string value)
    {
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException($"The string '{value}' holds an unpaired surrogate and cannot be stored as UTF-8 in Arrow metadata.", nameof(value), ex);
        }

        Prep(4, length + 1);
        PutByte(0);
        _space -= length;
        StrictUtf8.GetBytes(value, _buffer.AsSpan(_space, length));
        return EndVector(length);
    }

    public int CreateOffsetVector(ReadOnlySpan<int> offsets)
    {
        StartVector(4, offsets.Length, 4);
        for (var i = offsets.Length - 1; i >= 0; i--)
        {
            AddOffset(offsets[i]);
        }

        return EndVector(offsets.Length);
    }

    /// <summary>Writes the root offset; the total size becomes a multiple of 8 so 8-byte aligned data can follow directly.</summary>
    public void Finish(int root)
    {
        Prep(Math.Max(_minAlign, 8), 4);
        AddOffset(root);
    }

    private void Grow(int needed)
    {
        var used = Offset;
        var size = Math.Max(_buffer.Length * 2, used + needed + 64);
        var next = new byte[size];
        _buffer.AsSpan(_space).CopyTo(next.AsSpan(size - used));
        _buffer = next;
        _space = size - used;
    }
}
