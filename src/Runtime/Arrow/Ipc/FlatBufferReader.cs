using System.Buffers.Binary;
using System.Text;

namespace Bulwark.Arrow.Ipc;

/// <summary>
/// A bounds-checked FlatBuffers reader. Every offset, vtable, vector and string is checked against the buffer before it
/// is touched, and every error names what was being read and the absolute byte offset in the source. Offsets may only
/// point forward (a zero uoffset is rejected and fields may not overlap the soffset), so no chain of references can loop;
/// a decode budget proportional to the buffer size bounds the work and allocation of DAGs that share sub-objects.
/// </summary>
internal sealed class FlatBufferReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlyMemory<byte> _data;
    private long _budget;

    public FlatBufferReader(ReadOnlyMemory<byte> data, IpcContext context, long baseOffset)
    {
        _data = data;
        Context = context;
        BaseOffset = baseOffset;

        // Legitimate metadata decodes to a few objects per byte at most; sharing can only multiply that.
        _budget = (4L * data.Length) + 4096;
    }

    public IpcContext Context { get; }

    /// <summary>Absolute position of the first byte of this flatbuffer in the source.</summary>
    public long BaseOffset { get; }

    public int Length => _data.Length;

    private ReadOnlySpan<byte> Span => _data.Span;

    public FbTable Root(string what)
    {
        if (_data.Length < 8)
        {
            throw Error(what, 0, $"the flatbuffer is {_data.Length} bytes, too short to hold a root table");
        }

        return TableAt(ReadUOffsetTarget(0, what), what);
    }

    /// <summary>Charges decoded work against the budget; hostile sharing of sub-objects runs out of it quickly.</summary>
    public void Charge(long cost, string what, int position)
    {
        _budget -= cost;
        if (_budget < 0)
        {
            throw Error(what, position, "the metadata references far more objects than it holds (shared or overlapping offsets)");
        }
    }

    public ArrowFormatException Error(string what, long position, string why) => Context.Error(what, BaseOffset + position, why);

    internal FbTable TableAt(long position, string what)
    {
        if (position < 0 || position > _data.Length - 4)
        {
            throw Error(what, position, $"table offset {position} is outside the {_data.Length}-byte flatbuffer");
        }

        var pos = (int)position;
        var soffset = BinaryPrimitives.ReadInt32LittleEndian(Span.Slice(pos, 4));
        var vtable = (long)pos - soffset;
        if (vtable < 0 || vtable > _data.Length - 4)
        {
            throw Error(what, pos, $"vtable offset {vtable} is outside the {_data.Length}-byte flatbuffer");
        }

        var vt = (int)vtable;
        var vtableLength = BinaryPrimitives.ReadUInt16LittleEndian(Span.Slice(vt, 2));
        var inlineLength = BinaryPrimitives.ReadUInt16LittleEndian(Span.Slice(vt + 2, 2));
        if (vtableLength < 4 || (vtableLength & 1) != 0 || vt + vtableLength > _data.Length)
        {
            throw Error(what, vt, $"vtable length {vtableLength} is invalid");
        }

        if (inlineLength < 4 || pos + inlineLength > _data.Length)
        {
            throw Error(what, pos, $"table size {inlineLength} runs past the end of the flatbuffer");
        }

        Charge(16, what, pos);
        return new FbTable(this, pos, vt, vtableLength, inlineLength, what);
    }

    internal long ReadUOffsetTarget(int position, string what)
    {
        if (position < 0 || position > _data.Length - 4)
        {
            throw Error(what, position, "offset field runs past the end of the flatbuffer");
        }

        var value = BinaryPrimitives.ReadUInt32LittleEndian(Span.Slice(position, 4));
        if (value == 0)
        {
            throw Error(what, position, "offset is zero (points at itself)");
        }

        return position + (long)value;
    }

    internal FbVector VectorAt(long position, int elementSize, string what)
    {
        if (position < 0 || position > _data.Length - 4)
        {
            throw Error(what, position, $"vector offset {position} is outside the {_data.Length}-byte flatbuffer");
        }

        var pos = (int)position;
        var count = BinaryPrimitives.ReadUInt32LittleEndian(Span.Slice(pos, 4));
        var available = _data.Length - pos - 4;
        if (count > (ulong)available / (ulong)elementSize)
        {
            throw Error(what, pos, $"vector declares {count} elements of {elementSize} bytes but only {available} bytes remain");
        }

        return new FbVector(this, pos + 4, (int)count, elementSize, what);
    }

    internal string StringAt(long position, string what)
    {
        var vector = VectorAt(position, 1, what);
        Charge(vector.Count, what, vector.Start);
        try
        {
            return StrictUtf8.GetString(Span.Slice(vector.Start, vector.Count));
        }
        catch (DecoderFallbackException)
        {
            throw Error(what, vector.Start, "string is not valid UTF-8");
        }
    }

    internal byte ReadByte(int position) => Span[position];

    internal short ReadInt16(int position) => BinaryPrimitives.ReadInt16LittleEndian(Span.Slice(position, 2));

    internal int ReadInt32(int position) => BinaryPrimitives.ReadInt32LittleEndian(Span.Slice(position, 4));

    internal long ReadInt64(int position) => BinaryPrimitives.ReadInt64LittleEndian(Span.Slice(position, 8));

    internal ushort ReadUInt16(int position) => BinaryPrimitives.ReadUInt16LittleEndian(Span.Slice(position, 2));
}

/// <summary>A table whose vtable and inline size have been checked; absent tables read as all defaults.</summary>
internal readonly struct FbTable
{
    private readonly FlatBufferReader? _reader;
    private readonly int _vtable;
    private readonly int _vtableLength;
    private readonly int _inlineLength;

    public FbTable(FlatBufferReader reader, int position, int vtable, int vtableLength, int inlineLength, string what)
    {
        _reader = reader;
        Position = position;
        _vtable = vtable;
        _vtableLength = vtableLength;
        _inlineLength = inlineLength;
        What = what;
    }

    public bool IsPresent => _reader is not null;

    public int Position { get; }

    public string What { get; }

    public FlatBufferReader Reader => _reader ?? throw new InvalidOperationException("The table is absent.");

    /// <summary>The absolute position of field <paramref name="id"/> in the buffer, or -1 when the field is absent.</summary>
    private int FieldPosition(int id, int size, string field)
    {
        if (_reader is null)
        {
            return -1;
        }

        var entry = 4 + (2 * id);
        if (entry + 2 > _vtableLength)
        {
            return -1;
        }

        int voffset = _reader.ReadUInt16(_vtable + entry);
        if (voffset == 0)
        {
            return -1;
        }

        if (voffset < 4 || voffset + size > _inlineLength)
        {
            throw _reader.Error($"{What}.{field}", Position, $"field offset {voffset} (size {size}) lies outside the {_inlineLength}-byte table");
        }

        return Position + voffset;
    }

    public bool Has(int id) => FieldPosition(id, 1, "field") >= 0;

    public bool GetBool(int id, string field, bool defaultValue = false)
    {
        var pos = FieldPosition(id, 1, field);
        return pos < 0 ? defaultValue : _reader!.ReadByte(pos) != 0;
    }

    public byte GetByte(int id, string field, byte defaultValue = 0)
    {
        var pos = FieldPosition(id, 1, field);
        return pos < 0 ? defaultValue : _reader!.ReadByte(pos);
    }

    public short GetInt16(int id, string field, short defaultValue = 0)
    {
        var pos = FieldPosition(id, 2, field);
        return pos < 0 ? defaultValue : _reader!.ReadInt16(pos);
    }

    public int GetInt32(int id, string field, int defaultValue = 0)
    {
        var pos = FieldPosition(id, 4, field);
        return pos < 0 ? defaultValue : _reader!.ReadInt32(pos);
    }

    public long GetInt64(int id, string field, long defaultValue = 0)
    {
        var pos = FieldPosition(id, 8, field);
        return pos < 0 ? defaultValue : _reader!.ReadInt64(pos);
    }

    /// <summary>A sub-table, or an absent table (reads as defaults) when the field is not set.</summary>
    public FbTable GetTable(int id, string field)
    {
        var pos = FieldPosition(id, 4, field);
        if (pos < 0)
        {
            return default;
        }

        return _reader!.TableAt(_reader.ReadUOffsetTarget(pos, field), field);
    }

    public FbVector GetVector(int id, string field, int elementSize)
    {
        var pos = FieldPosition(id, 4, field);
        if (pos < 0)
        {
            return default;
        }

        return _reader!.VectorAt(_reader.ReadUOffsetTarget(pos, field), elementSize, field);
    }

    public string? GetString(int id, string field)
    {
        var pos = FieldPosition(id, 4, field);
        if (pos < 0)
        {
            return null;
        }

        return _reader!.StringAt(_reader.ReadUOffsetTarget(pos, field), field);
    }
}

/// <summary>A vector whose element count has been checked against the bytes that follow it.</summary>
internal readonly struct FbVector
{
    private readonly FlatBufferReader? _reader;
    private readonly int _elementSize;

    public FbVector(FlatBufferReader reader, int start, int count, int elementSize, string what)
    {
        _reader = reader;
        Start = start;
        Count = count;
        _elementSize = elementSize;
        What = what;
    }

    public bool IsPresent => _reader is not null;

    public FlatBufferReader Reader => _reader ?? throw new InvalidOperationException("The vector is absent.");

    public int Start { get; }

    public int Count { get; }

    public string What { get; }

    private int ElementPosition(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        return Start + (index * _elementSize);
    }

    public FbTable GetTable(int index)
    {
        var pos = ElementPosition(index);
        return _reader!.TableAt(_reader.ReadUOffsetTarget(pos, What), What);
    }

    public string GetString(int index)
    {
        var pos = ElementPosition(index);
        return _reader!.StringAt(_reader.ReadUOffsetTarget(pos, What), What);
    }

    /// <summary>Reads a little-endian int64 at <paramref name="byteOffset"/> within struct element <paramref name="index"/>.</summary>
    public long GetStructInt64(int index, int byteOffset) => _reader!.ReadInt64(ElementPosition(index) + byteOffset);

    public int GetStructInt32(int index, int byteOffset) => _reader!.ReadInt32(ElementPosition(index) + byteOffset);

    public long GetInt64(int index) => _reader!.ReadInt64(ElementPosition(index));
}
