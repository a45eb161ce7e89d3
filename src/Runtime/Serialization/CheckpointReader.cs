using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Runtime.InteropServices;

namespace Bulwark.Serialization;

/// <summary>
/// Reads checkpoint fields and validates every byte: each length is checked against the bytes left in the enclosing
/// message, each collection count against what those bytes can hold, nesting is depth-limited, and nothing is
/// allocated for a length or count before it passed those checks. Every failure is a <see cref="CheckpointFormatException"/>
/// naming the file, the field path (tracked as it reads, formatted only on failure) and the byte offset.
/// </summary>
public ref partial struct CheckpointReader
{
    /// <summary>The deepest nesting of states and collections a checkpoint may have.</summary>
    public const int MaxDepth = 64;

    private const int MaxReportedKeyLength = 64;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _fileName;
    private int _position;
    private int _end;
    private int _depth;
    private PathSegment[] _path;
    private int _pathLength;

    /// <summary>A reader over a payload (the tagged fields of one state), e.g. bytes written by <see cref="CheckpointWriter"/>.</summary>
    /// <param name="payload">The tagged fields.</param>
    /// <param name="fileName">Where the bytes came from, for error messages.</param>
    /// <param name="rootName">The first segment of every reported field path, usually the state type's name.</param>
    public CheckpointReader(ReadOnlySpan<byte> payload, string fileName, string rootName)
        : this(payload, 0, payload.Length, fileName, rootName)
    {
    }

    /// <summary>A reader over <c>[start, end)</c> of a whole file, so that reported offsets are file offsets.</summary>
    internal CheckpointReader(ReadOnlySpan<byte> data, int start, int end, string fileName, string rootName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(rootName);
        _data = data;
        _position = start;
        _end = end;
        _fileName = fileName;
        _path = new PathSegment[16];
        _path[0] = new PathSegment(SegmentKind.Root, rootName, 0);
        _pathLength = 1;
    }

    /// <summary>The current byte offset.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes left in the current message or collection.</summary>
    public readonly int Remaining => _end - _position;

    /// <summary>The current field path, e.g. <c>HostCounter._countsByHost["a.example"].value</c>.</summary>
    public readonly string FieldPath => FormatPath();

    /// <summary>
    /// Reads the next field tag of the current message; false at the end of the message. An id outside 1..int.MaxValue
    /// or an unknown wire kind is an error, since the rest of the message could not be skipped reliably.
    /// </summary>
    public bool ReadField(out int id, out CheckpointWireKind kind)
    {
        if (_position >= _end)
        {
            id = 0;
            kind = default;
            return false;
        }

        var start = _position;
        var tag = ReadVarint();
        var fieldId = tag >> 3;
        var wire = (int)(tag & 7);
        if (fieldId is 0 or > int.MaxValue)
        {
            throw Fail(start, $"field tag {tag} has id {fieldId}, outside 1..{int.MaxValue}");
        }

        if (wire > (int)CheckpointWireKind.Null)
        {
            throw Fail(start, $"field {fieldId} has unknown wire kind {wire}");
        }

        id = (int)fieldId;
        kind = (CheckpointWireKind)wire;
        return true;
    }

    /// <summary>
    /// Enters the field of a non-nullable member: the path gains <paramref name="name"/>, and a second occurrence or a
    /// wire kind other than <paramref name="expected"/> (including null) is an error naming the field.
    /// </summary>
    public void BeginField(string name, CheckpointWireKind actual, CheckpointWireKind expected, ref bool seen)
    {
        Push(new PathSegment(SegmentKind.Field, name, 0));
        CheckOnce(ref seen);
        if (actual != expected)
        {
            throw Fail(_position, actual == CheckpointWireKind.Null
                ? "the stored value is null but the member is not nullable"
                : $"the stored wire kind is {actual} but the member's type is written as {expected}; its type changed incompatibly");
        }
    }

    /// <summary>As <see cref="BeginField(string, CheckpointWireKind, CheckpointWireKind, ref bool)"/> for a nullable member; false when the stored value is null.</summary>
    public bool BeginNullableField(string name, CheckpointWireKind actual, CheckpointWireKind expected, ref bool seen)
    {
        Push(new PathSegment(SegmentKind.Field, name, 0));
        CheckOnce(ref seen);
        if (actual == CheckpointWireKind.Null)
        {
            return false;
        }

        if (actual != expected)
        {
            throw Fail(_position, $"the stored wire kind is {actual} but the member's type is written as {expected}; its type changed incompatibly");
        }

        return true;
    }

    /// <summary>Leaves the field entered by a <c>BeginField</c> or <c>BeginNullableField</c> overload.</summary>
    public void EndField() => _pathLength--;

    /// <summary>Skips a field this type does not know: written by a newer version, or a removed member.</summary>
    public void SkipField(int id, CheckpointWireKind kind)
    {
        Push(new PathSegment(SegmentKind.UnknownField, null, id));
        switch (kind)
        {
            case CheckpointWireKind.Varint:
                ReadVarint();
                break;
            case CheckpointWireKind.Fixed32:
                Take(4);
                break;
            case CheckpointWireKind.Fixed64:
                Take(8);
                break;
            case CheckpointWireKind.LengthDelimited:
                Take(ReadLength());
                break;
            case CheckpointWireKind.Null:
                break;
            default:
                throw Fail(_position, $"unknown wire kind {kind}");
        }

        _pathLength--;
    }

    public ulong ReadVarint()
    {
        // Most varints on the wire (tags, lengths, counts, small numbers) are one byte; the loop is kept out of line.
        var position = _position;
        if (position < _end)
        {
            var b = _data[position];
            if (b < 0x80)
            {
                _position = position + 1;
                return b;
            }
        }

        return ReadLongVarint();
    }

    private ulong ReadLongVarint()
    {
        var start = _position;
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _end)
            {
                throw Fail(start, "a varint runs past the end of its message");
            }

            var b = _data[_position++];
            if (shift == 63 && b > 1)
            {
                throw Fail(start, "a varint is longer than 64 bits");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Fail(start, "a varint is longer than 64 bits");
    }

    public bool ReadBoolean()
    {
        var start = _position;
        var value = ReadVarint();
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw Fail(start, $"a bool must be 0 or 1, found {value}"),
        };
    }

    // A varint records neither the width nor the signedness it was written with: a member narrowed after the value was
    // written (long -> int) sees a value it cannot hold, which is refused with the field named, never wrapped.
    public sbyte ReadSByte() => (sbyte)ReadSigned(sbyte.MinValue, sbyte.MaxValue, "sbyte", narrowable: true);

    public short ReadInt16() => (short)ReadSigned(short.MinValue, short.MaxValue, "short", narrowable: true);

    public int ReadInt32() => (int)ReadSigned(int.MinValue, int.MaxValue, "int", narrowable: true);

    public long ReadInt64()
    {
        var raw = ReadVarint();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public byte ReadByte() => (byte)ReadUnsigned(byte.MaxValue, "byte", narrowable: true);

    public ushort ReadUInt16() => (ushort)ReadUnsigned(ushort.MaxValue, "ushort", narrowable: true);

    public uint ReadUInt32() => (uint)ReadUnsigned(uint.MaxValue, "uint", narrowable: true);

    public ulong ReadUInt64() => ReadVarint();

    public char ReadChar() => (char)ReadUnsigned(char.MaxValue, "char");

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public decimal ReadDecimal()
    {
        var start = _position;
        var bytes = TakeExact(16, "decimal");
        var lo = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var mid = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        var hi = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var flags = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        var scale = (flags >> 16) & 0xFF;
        if ((flags & 0x7F00FFFF) != 0 || scale > 28)
        {
            throw Fail(start, $"decimal flags 0x{flags:X8} are invalid (scale {scale}, at most 28, and no other bits but the sign)");
        }

        return new decimal(lo, mid, hi, flags < 0, (byte)scale);
    }

    public string ReadString()
    {
        var start = _position;
        var bytes = Take(ReadLength());
        try
        {
            // The strict decoder validates while it decodes: one pass over the bytes instead of a check and then a decode.
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Fail(start, "a string is not valid UTF-8");
        }
    }

    public byte[] ReadBytes() => Take(ReadLength()).ToArray();

    public Guid ReadGuid() => new(TakeExact(16, "Guid"));

    public DateTime ReadDateTime()
    {
        var start = _position;
        var raw = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        var kind = raw & 3;
        var ticks = raw >> 2;
        if (kind > 2 || ticks > (ulong)DateTime.MaxValue.Ticks)
        {
            throw Fail(start, $"a DateTime has ticks {ticks} (at most {DateTime.MaxValue.Ticks}) and kind {kind} (at most 2)");
        }

        return new DateTime((long)ticks, (DateTimeKind)kind);
    }

    public DateTimeOffset ReadDateTimeOffset()
    {
        var start = _position;
        var bytes = TakeExact(10, "DateTimeOffset");
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var minutes = BinaryPrimitives.ReadInt16LittleEndian(bytes[8..]);
        var utcTicks = ticks - (minutes * TimeSpan.TicksPerMinute);
        if (ticks < 0 || ticks > DateTime.MaxValue.Ticks || minutes is < -840 or > 840 || utcTicks < 0 || utcTicks > DateTime.MaxValue.Ticks)
        {
            throw Fail(start, $"a DateTimeOffset has ticks {ticks} and offset {minutes} minutes, outside the representable range");
        }

        return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
    }

    public TimeSpan ReadTimeSpan() => new(ReadInt64());

    public DateOnly ReadDateOnly() => DateOnly.FromDayNumber((int)ReadUnsigned((ulong)DateOnly.MaxValue.DayNumber, "DateOnly day number"));

    public TimeOnly ReadTimeOnly() => new((long)ReadUnsigned((ulong)TimeOnly.MaxValue.Ticks, "TimeOnly ticks"));

    private bool ReadPresence()
    {
        var start = _position;
        return Take(1)[0] switch
        {
            0 => false,
            1 => true,
            var other => throw Fail(start, $"a presence marker must be 0 or 1, found {other}"),
        };
    }

    private int BeginCollection(int minItemSize, out int savedEnd)
    {
        savedEnd = EnterRegion(ReadLength());
        var start = _position;
        var count = ReadVarint();
        var capacity = Remaining / Math.Max(1, minItemSize);
        if (count > (ulong)capacity)
        {
            throw Fail(start, $"a count of {count} items does not fit in the {Remaining} bytes left (each item takes at least {Math.Max(1, minItemSize)})");
        }

        return (int)count;
    }

    private int EnterRegion(int length)
    {
        if (_depth >= MaxDepth)
        {
            throw Fail(_position, $"states and collections nest deeper than {MaxDepth} levels");
        }

        _depth++;
        var savedEnd = _end;
        _end = _position + length;
        return savedEnd;
    }

    private void ExitRegion(int savedEnd)
    {
        if (_position != _end)
        {
            throw Fail(_position, $"{_end - _position} bytes are left over at the end of a length-delimited value");
        }

        _depth--;
        _end = savedEnd;
    }

    private ulong ReadUnsigned(ulong max, string type, bool narrowable = false)
    {
        var start = _position;
        var value = ReadVarint();
        if (value > max)
        {
            throw Fail(start, OutOfRange(value.ToString(CultureInfo.InvariantCulture), type, $"0..{max}", narrowable) ?? $"{value} is out of range for {type} (at most {max})");
        }

        return value;
    }

    private long ReadSigned(long min, long max, string type, bool narrowable = false)
    {
        var start = _position;
        var value = ReadInt64();
        if (value < min || value > max)
        {
            throw Fail(start, OutOfRange(value.ToString(CultureInfo.InvariantCulture), type, $"{min}..{max}", narrowable) ?? $"{value} is out of range for {type} ({min}..{max})");
        }

        return value;
    }

    private int ReadLength()
    {
        var start = _position;
        var length = ReadVarint();
        if (length > (ulong)Remaining)
        {
            throw Fail(start, $"a length of {length} bytes runs past the {Remaining} bytes left");
        }

        return (int)length;
    }

    private ReadOnlySpan<byte> TakeExact(int size, string type)
    {
        var start = _position;
        var length = ReadLength();
        if (length != size)
        {
            throw Fail(start, $"a {type} must be {size} bytes, found {length}");
        }

        return Take(size);
    }

    private ReadOnlySpan<byte> Take(int size)
    {
        if (size > Remaining)
        {
            throw Fail(_position, $"{size} bytes are needed but only {Remaining} are left");
        }

        var span = _data.Slice(_position, size);
        _position += size;
        return span;
    }

    private readonly void CheckOnce(ref bool seen)
    {
        if (seen)
        {
            throw Fail(_position, "the field appears twice");
        }

        seen = true;
    }

    private void Push(PathSegment segment)
    {
        if (_pathLength == _path.Length)
        {
            Array.Resize(ref _path, _path.Length * 2);
        }

        _path[_pathLength++] = segment;
    }

    /// <summary>The exception for a failure at <paramref name="offset"/>, at the current field path.</summary>
    public readonly CheckpointFormatException Fail(int offset, string reason) =>
        new(_fileName, FormatPath(), offset, reason);

    /// <inheritdoc cref="Fail(int, string)"/>
    public readonly CheckpointFormatException Fail(int offset, string reason, Exception? innerException) =>
        new(_fileName, FormatPath(), offset, reason, innerException);

    private readonly string FormatPath()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < _pathLength; i++)
        {
            var segment = _path[i];
            switch (segment.Kind)
            {
                case SegmentKind.Root:
                    builder.Append(segment.Text);
                    break;
                case SegmentKind.Field:
                    builder.Append('.').Append(segment.Text);
                    break;
                case SegmentKind.UnknownField:
                    builder.Append(".<field ").Append(segment.Number.ToString(CultureInfo.InvariantCulture)).Append('>');
                    break;
                case SegmentKind.Index:
                    builder.Append('[').Append(segment.Number.ToString(CultureInfo.InvariantCulture)).Append(']');
                    break;
                case SegmentKind.EntryKey:
                    builder.Append("[#").Append(segment.Number.ToString(CultureInfo.InvariantCulture)).Append("].key");
                    break;
                case SegmentKind.ValueOfStringKey:
                    builder.Append("[\"");
                    AppendEscaped(builder, segment.Text ?? string.Empty);
                    builder.Append("\"].value");
                    break;
                case SegmentKind.ValueOfNumberKey:
                    builder.Append('[').Append(segment.Number.ToString(CultureInfo.InvariantCulture)).Append("].value");
                    break;
                case SegmentKind.ValueOfEntry:
                    builder.Append("[#").Append(segment.Number.ToString(CultureInfo.InvariantCulture)).Append("].value");
                    break;
            }
        }

        return builder.ToString();
    }

    private static void AppendEscaped(StringBuilder builder, string text)
    {
        var length = Math.Min(text.Length, MaxReportedKeyLength);
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case < ' ' or (>= '\u007F' and <= '\u009F'):
                    builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        if (text.Length > length)
        {
            builder.Append("...");
        }
    }

    private enum SegmentKind : byte
    {
        Root,
        Field,
        UnknownField,
        Index,
        EntryKey,
        ValueOfStringKey,
        ValueOfNumberKey,
        ValueOfEntry,
    }

    /// <param name="Kind">What the segment is.</param>
    /// <param name="Text">A field name or a string key.</param>
    /// <param name="Number">An index, a number key, an unknown field's id, or a field's id when it was entered with one.</param>
    /// <param name="StateType">For a field entered with its id: the declaring state type.</param>
    /// <param name="MemberType">For a field entered with its id: the member's C# type.</param>
    private readonly record struct PathSegment(SegmentKind Kind, string? Text, long Number, string? StateType = null, string? MemberType = null);
}
