using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Arrow.Ipc;

/// <summary>
/// Appends a delta dictionary batch to the dictionary read so far (both already validated). The result is a fresh
/// array sized by the two inputs, so its cost is bounded by bytes actually read.
/// </summary>
internal static class DictionaryDelta
{
    /// <exception cref="ArrowFormatException">The combined dictionary would be too large or uses a layout deltas cannot extend.</exception>
    public static ArrayData Append(Field field, ArrayData first, ArrayData delta, string path)
    {
        var length = (long)first.Length + delta.Length;
        if (length > int.MaxValue)
        {
            throw new ArrowFormatException($"dictionary '{path}' would grow past {int.MaxValue} values");
        }

        var nullCount = first.NullCount + delta.NullCount;
        var validity = nullCount == 0 ? ArrowBuffer.Empty : new ArrowBuffer(ConcatBits(first, 0, delta, 0, true));
        switch (field.DataType)
        {
            case DictionaryType { IndexType: IntegerType indexType }:
                {
                    // Indices into a nested dictionary: both halves refer to the same (current) nested dictionary.
                    var width = indexType.BitWidth / 8;
                    var indices = ConcatBytes(first.Buffers[1].Span[..(first.Length * width)], delta.Buffers[1].Span[..(delta.Length * width)]);
                    return new ArrayData(first.DataType, (int)length, nullCount, 0, [validity, new ArrowBuffer(indices)], [], delta.Dictionary ?? first.Dictionary);
                }

            case NullType:
                return new ArrayData(NullType.Default, (int)length, (int)length, 0, [], []);
            case BooleanType:
                return new ArrayData(field.DataType, (int)length, nullCount, 0, [validity, new ArrowBuffer(ConcatBits(first, 1, delta, 1, false))], []);
            case StringType or BinaryType:
                {
                    var (offsets, start, end) = ConcatOffsets(first, delta, path);
                    var data = ConcatBytes(first.Buffers[2].Span[start.First..end.First], delta.Buffers[2].Span[start.Delta..end.Delta]);
                    return new ArrayData(field.DataType, (int)length, nullCount, 0, [validity, new ArrowBuffer(offsets), new ArrowBuffer(data)], []);
                }

            case ListType list:
                {
                    var (offsets, start, end) = ConcatOffsets(first, delta, path);
                    if (start.First != 0 || end.First != first.Children[0].Length || start.Delta != 0 || end.Delta != delta.Children[0].Length)
                    {
                        throw new ArrowFormatException($"dictionary '{path}': a delta of lists whose offsets do not span their values exactly is not supported");
                    }

                    var child = Append(list.ValueField, first.Children[0], delta.Children[0], path + "." + list.ValueField.Name);
                    return new ArrayData(field.DataType, (int)length, nullCount, 0, [validity, new ArrowBuffer(offsets)], [child]);
                }

            case StructType st:
                {
                    var children = new ArrayData[st.Fields.Count];
                    for (var i = 0; i < children.Length; i++)
                    {
                        if (first.Children[i].Length != first.Length || delta.Children[i].Length != delta.Length)
                        {
                            throw new ArrowFormatException($"dictionary '{path}': a delta of structs with longer children is not supported");
                        }

                        children[i] = Append(st.Fields[i], first.Children[i], delta.Children[i], path + "." + st.Fields[i].Name);
                    }

                    return new ArrayData(field.DataType, (int)length, nullCount, 0, [validity], children);
                }

            default:
                {
                    // Both halves were validated as this type; a fixed-width one has a byte width, the rest have no delta code.
                    var width = ArrowTypes.ByteWidth(field.DataType);
                    if (width == 0)
                    {
                        throw new ArrowFormatException($"dictionary '{path}': a delta dictionary of {ArrowTypes.Describe(field.DataType)} is not supported");
                    }

                    var values = ConcatBytes(first.Buffers[1].Span[..(first.Length * width)], delta.Buffers[1].Span[..(delta.Length * width)]);
                    return new ArrayData(field.DataType, (int)length, nullCount, 0, [validity, new ArrowBuffer(values)], []);
                }
        }
    }

    private static byte[] ConcatBytes(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if ((long)a.Length + b.Length > System.Array.MaxLength)
        {
            throw new ArrowFormatException($"a delta dictionary would grow a buffer past {System.Array.MaxLength} bytes");
        }

        var result = new byte[a.Length + b.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        return result;
    }

    /// <summary>Joins two bitmaps; an absent validity bitmap means all valid when <paramref name="absentIsSet"/>.</summary>
    private static byte[] ConcatBits(ArrayData a, int bufferA, ArrayData b, int bufferB, bool absentIsSet)
    {
        var result = new byte[BitUtil.BytesForBits(a.Length + b.Length)];
        var bitsA = a.Buffers.Length > bufferA ? a.Buffers[bufferA].Span : default;
        var bitsB = b.Buffers.Length > bufferB ? b.Buffers[bufferB].Span : default;
        for (var i = 0; i < a.Length; i++)
        {
            if (bitsA.IsEmpty ? absentIsSet : BitUtil.GetBit(bitsA, i))
            {
                BitUtil.SetBit(result, i);
            }
        }

        for (var i = 0; i < b.Length; i++)
        {
            if (bitsB.IsEmpty ? absentIsSet : BitUtil.GetBit(bitsB, i))
            {
                BitUtil.SetBit(result, a.Length + i);
            }
        }

        return result;
    }

    /// <summary>Offsets of both arrays rebased to start at zero and run on; returns each array's used value range.</summary>
    private static (byte[] Offsets, (int First, int Delta) Start, (int First, int Delta) End) ConcatOffsets(ArrayData a, ArrayData b, string path)
    {
        static int At(ArrayData d, int i) => d.Buffers[1].Length == 0 ? 0 : BinaryPrimitives.ReadInt32LittleEndian(d.Buffers[1].Span.Slice(i * 4, 4));

        var startA = At(a, 0);
        var endA = At(a, a.Length);
        var startB = At(b, 0);
        var endB = At(b, b.Length);
        var shiftB = (long)(endA - startA) - startB;
        if ((long)(endA - startA) + (endB - startB) > int.MaxValue)
        {
            throw new ArrowFormatException($"dictionary '{path}' would hold more than {int.MaxValue} bytes or values");
        }

        var offsetBytes = ((long)a.Length + b.Length + 1) * 4;
        if (offsetBytes > System.Array.MaxLength)
        {
            throw new ArrowFormatException($"dictionary '{path}' would need more than {System.Array.MaxLength} bytes of offsets");
        }

        var offsets = new byte[offsetBytes];
        for (var i = 0; i <= a.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(offsets.AsSpan(i * 4), At(a, i) - startA);
        }

        for (var i = 1; i <= b.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(offsets.AsSpan((a.Length + i) * 4), (int)(At(b, i) + shiftB));
        }

        return (offsets, (startA, startB), (endA, endB));
    }
}
