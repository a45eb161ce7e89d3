using System.Text;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>Thrift compact-protocol type codes (the low nibble of a field header).</summary>
internal static class TType
{
    public const byte Stop = 0;
    public const byte BoolTrue = 1;
    public const byte BoolFalse = 2;
    public const byte Byte = 3;
    public const byte I16 = 4;
    public const byte I32 = 5;
    public const byte I64 = 6;
    public const byte Double = 7;
    public const byte Binary = 8;
    public const byte List = 9;
    public const byte Set = 10;
    public const byte Map = 11;
    public const byte Struct = 12;
}

/// <summary>
/// Writes the Thrift compact protocol into a pooled buffer. Field ids are delta-encoded against the previous field of the
/// same struct, so every nested struct keeps its own last id on a stack.
/// </summary>
internal sealed class ThriftWriter
{
    private readonly PooledBuffer _buffer;
    private readonly Stack<short> _lastIds = new();
    private short _lastId;

    public ThriftWriter(PooledBuffer buffer) => _buffer = buffer;

    public void StructBegin()
    {
        _lastIds.Push(_lastId);
        _lastId = 0;
    }

    public void StructEnd()
    {
        _buffer.Write(TType.Stop);
        _lastId = _lastIds.Pop();
    }

    public void FieldHeader(short id, byte type)
    {
        var delta = id - _lastId;
        if (delta is > 0 and <= 15)
        {
            _buffer.Write((byte)((delta << 4) | type));
        }
        else
        {
            _buffer.Write(type);
            WriteVarint(ZigZag(id));
        }

        _lastId = id;
    }

    public void Bool(short id, bool value) => FieldHeader(id, value ? TType.BoolTrue : TType.BoolFalse);

    public void I8(short id, sbyte value)
    {
        FieldHeader(id, TType.Byte);
        _buffer.Write((byte)value);
    }

    public void I16(short id, short value)
    {
        FieldHeader(id, TType.I16);
        WriteVarint(ZigZag(value));
    }

    public void I32(short id, int value)
    {
        FieldHeader(id, TType.I32);
        WriteVarint(ZigZag(value));
    }

    public void I64(short id, long value)
    {
        FieldHeader(id, TType.I64);
        WriteVarint(ZigZag(value));
    }

    public void Binary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, TType.Binary);
        BinaryValue(value);
    }

    public void String(short id, string value)
    {
        FieldHeader(id, TType.Binary);
        StringValue(value);
    }

    /// <summary>Starts a struct-valued field; close it with <see cref="StructEnd"/>.</summary>
    public void StructField(short id)
    {
        FieldHeader(id, TType.Struct);
        StructBegin();
    }

    public void ListField(short id, byte elementType, int count)
    {
        FieldHeader(id, TType.List);
        ListHeader(elementType, count);
    }

    public void ListHeader(byte elementType, int count)
    {
        if (count < 15)
        {
            _buffer.Write((byte)((count << 4) | elementType));
        }
        else
        {
            _buffer.Write((byte)(0xF0 | elementType));
            WriteVarint((uint)count);
        }
    }

    public void I32Value(int value) => WriteVarint(ZigZag(value));

    public void BinaryValue(ReadOnlySpan<byte> value)
    {
        WriteVarint((uint)value.Length);
        _buffer.Write(value);
    }

    public void StringValue(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteVarint((uint)count);
        var span = _buffer.GetSpan(count);
        Encoding.UTF8.GetBytes(value, span);
        _buffer.Advance(count);
    }

    public void WriteVarint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}

/// <summary>
/// Reads the Thrift compact protocol from a span with every length checked against the bytes that remain before anything
/// is allocated, struct nesting bounded by a depth limit, and unknown fields skipped. Errors name the structure being
/// read and the absolute byte offset.
/// </summary>
internal ref struct ThriftReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly ReadOnlySpan<byte> _data;
    private readonly long _baseOffset;
    private readonly ParquetLocation _location;
    private readonly string _what;
    private readonly int _maxDepth;
    private Span<short> _lastIds;
    private int _depth;
    private int _position;

    public ThriftReader(ReadOnlySpan<byte> data, long baseOffset, ParquetLocation location, string what, int maxDepth, Span<short> idStack)
    {
        _data = data;
        _baseOffset = baseOffset;
        _location = location;
        _what = what;
        _maxDepth = Math.Min(maxDepth, idStack.Length - 1);
        _lastIds = idStack;
        _depth = 0;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly ParquetFormatException Error(string reason) =>
        _location.Error($"{_what} at byte {_baseOffset + _position}: {reason}");

    public void StructBegin()
    {
        if (_depth + 1 > _maxDepth)
        {
            throw Error($"structures nest deeper than the limit of {_maxDepth}");
        }

        _depth++;
        _lastIds[_depth] = 0;
    }

    public void StructEnd() => _depth--;

    /// <summary>Reads the next field header; false at the struct's stop byte.</summary>
    public bool NextField(out byte type, out short id)
    {
        var header = ReadByte();
        if (header == TType.Stop)
        {
            type = 0;
            id = 0;
            return false;
        }

        type = (byte)(header & 0x0F);
        var delta = header >> 4;
        if (delta != 0)
        {
            id = (short)(_lastIds[_depth] + delta);
        }
        else
        {
            var raw = ReadZigZag(5);
            if (raw is < short.MinValue or > short.MaxValue)
            {
                throw Error($"field id {raw} is out of range");
            }

            id = (short)raw;
        }

        if (type is > TType.Struct or TType.Stop)
        {
            throw Error($"field {id} has unknown type code {type}");
        }

        _lastIds[_depth] = id;
        return true;
    }

    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw Error("truncated");
        }

        return _data[_position++];
    }

    public bool ReadBool(byte fieldType) => fieldType switch
    {
        TType.BoolTrue => true,
        TType.BoolFalse => false,
        _ => throw Error($"expected a bool field, found type {fieldType}"),
    };

    public int ReadI32(byte fieldType)
    {
        Expect(fieldType, TType.I32);
        var value = ReadZigZag(5);
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw Error($"i32 value {value} is out of range");
        }

        return (int)value;
    }

    public long ReadI64(byte fieldType)
    {
        Expect(fieldType, TType.I64);
        return ReadZigZag(10);
    }

    public short ReadI16(byte fieldType)
    {
        Expect(fieldType, TType.I16);
        var value = ReadZigZag(3);
        if (value is < short.MinValue or > short.MaxValue)
        {
            throw Error($"i16 value {value} is out of range");
        }

        return (short)value;
    }

    public sbyte ReadI8(byte fieldType)
    {
        Expect(fieldType, TType.Byte);
        return (sbyte)ReadByte();
    }

    public ReadOnlySpan<byte> ReadBinary(byte fieldType)
    {
        Expect(fieldType, TType.Binary);
        return ReadBinaryValue();
    }

    public ReadOnlySpan<byte> ReadBinaryValue()
    {
        var length = ReadVarint(5);
        if (length > (ulong)Remaining)
        {
            throw Error($"a binary value of {length} bytes runs past the {Remaining} bytes that remain");
        }

        var span = _data.Slice(_position, (int)length);
        _position += (int)length;
        return span;
    }

    public string ReadString(byte fieldType) => DecodeString(ReadBinary(fieldType));

    public string ReadStringValue() => DecodeString(ReadBinaryValue());

    public int ReadI32Value()
    {
        var value = ReadZigZag(5);
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw Error($"i32 value {value} is out of range");
        }

        return (int)value;
    }

    /// <summary>A list header; the element count is checked against the remaining bytes (every element takes at least one).</summary>
    public int ReadListHeader(byte fieldType, out byte elementType)
    {
        if (fieldType is not (TType.List or TType.Set))
        {
            throw Error($"expected a list, found type {fieldType}");
        }

        var header = ReadByte();
        elementType = (byte)(header & 0x0F);
        ulong count = (ulong)(header >> 4);
        if (count == 15)
        {
            count = ReadVarint(5);
        }

        if (count > (ulong)Remaining)
        {
            throw Error($"a list of {count} elements cannot fit in the {Remaining} bytes that remain");
        }

        if (elementType is TType.Stop or > TType.Struct)
        {
            throw Error($"list element type code {elementType} is unknown");
        }

        return (int)count;
    }

    public void ExpectElement(byte elementType, byte expected)
    {
        var normalized = elementType == TType.BoolFalse ? TType.BoolTrue : elementType;
        if (normalized != expected)
        {
            throw Error($"list elements have type code {elementType}, expected {expected}");
        }
    }

    /// <summary>Skips a value of <paramref name="type"/>, recursing into containers within the depth limit.</summary>
    public void Skip(byte type)
    {
        switch (type)
        {
            case TType.BoolTrue:
            case TType.BoolFalse:
                return;
            case TType.Byte:
                ReadByte();
                return;
            case TType.I16:
            case TType.I32:
            case TType.I64:
                ReadVarint(10);
                return;
            case TType.Double:
                SkipBytes(8);
                return;
            case TType.Binary:
                ReadBinaryValue();
                return;
            case TType.List:
            case TType.Set:
            {
                var count = ReadListHeader(type, out var element);
                EnterContainer();
                for (var i = 0; i < count; i++)
                {
                    SkipElement(element);
                }

                _depth--;
                return;
            }

            case TType.Map:
            {
                var count = ReadVarint(5);
                if (count == 0)
                {
                    return;
                }

                if (count > (ulong)Remaining)
                {
                    throw Error($"a map of {count} entries cannot fit in the {Remaining} bytes that remain");
                }

                var kinds = ReadByte();
                EnterContainer();
                for (ulong i = 0; i < count; i++)
                {
                    SkipElement((byte)(kinds >> 4));
                    SkipElement((byte)(kinds & 0x0F));
                }

                _depth--;
                return;
            }

            case TType.Struct:
                StructBegin();
                while (NextField(out var fieldType, out _))
                {
                    Skip(fieldType);
                }

                StructEnd();
                return;
            default:
                throw Error($"cannot skip a value of unknown type code {type}");
        }
    }

    private void SkipElement(byte type)
    {
        if (type is TType.BoolTrue or TType.BoolFalse)
        {
            ReadByte();
        }
        else
        {
            Skip(type);
        }
    }

    private void EnterContainer()
    {
        if (_depth + 1 > _maxDepth)
        {
            throw Error($"containers nest deeper than the limit of {_maxDepth}");
        }

        _depth++;
        _lastIds[_depth] = 0;
    }

    private void SkipBytes(int count)
    {
        if (count > Remaining)
        {
            throw Error("truncated");
        }

        _position += count;
    }

    private readonly void Expect(byte actual, byte expected)
    {
        if (actual != expected)
        {
            throw Error($"expected type code {expected}, found {actual}");
        }
    }

    private string DecodeString(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error("a string is not valid UTF-8");
        }
    }

    private long ReadZigZag(int maxBytes)
    {
        var raw = ReadVarint(maxBytes);
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    private ulong ReadVarint(int maxBytes)
    {
        ulong result = 0;
        for (var i = 0; i < maxBytes; i++)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw Error($"a varint is longer than {maxBytes} bytes");
    }
}
