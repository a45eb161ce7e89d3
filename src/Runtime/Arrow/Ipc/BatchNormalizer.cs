using System.Buffers;
using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Arrow.Ipc;

/// <summary>
/// Brings array data a caller passed to a writer into the shape the IPC body is written from: offset 0, a known null
/// count, offsets starting at 0, and children (struct fields, list values, dictionaries) covering exactly the rows in
/// use. Apache.Arrow slices (<c>RecordBatch.Slice</c>, <c>Array.Slice</c>) keep the parent's buffers and children and
/// only move <see cref="ArrayData.Offset"/>, so writing their buffers as they are would write the wrong rows.
/// Unsliced data passes through untouched and uncopied; byte-aligned slices of bitmaps and fixed-width values are views;
/// only bitmaps at a bit offset and offsets that must be rebased are copied, into pooled arrays held until
/// <see cref="Release"/>, once the batch is written. Not safe for concurrent use.
/// </summary>
internal sealed class BatchNormalizer
{
    private BufferLease? _lease;

    /// <summary>The data in writable shape; <paramref name="data"/> itself when it already is.</summary>
    /// <exception cref="ArgumentException">A buffer or child is missing or too small for the data's offset and length.</exception>
    public ArrayData Normalize(ArrayData data, string path)
    {
        if (data.DataType is NullType)
        {
            return data.Offset == 0 && data.NullCount == data.Length ? data : new ArrayData(NullType.Default, data.Length, data.Length, 0, System.Array.Empty<ArrowBuffer>(), System.Array.Empty<ArrayData>());
        }

        if (data.Offset < 0 || data.Length < 0 || (long)data.Offset + data.Length > int.MaxValue)
        {
            throw new ArgumentException($"Column '{path}' has offset {data.Offset} and length {data.Length}.");
        }

        var offset = data.Offset;
        var length = data.Length;
        var buffers = data.Buffers ?? System.Array.Empty<ArrowBuffer>();
        if (data.NullCount < 0 && buffers.Length > 0 && buffers[0].Length > 0)
        {
            // Apache counts the nulls from the bitmap; it must hold the rows first.
            Buffer(buffers, 0, BitUtil.BytesForBits(offset + length), path, "validity bitmap");
        }

        var nullCount = data.GetNullCount();
        if (nullCount > length)
        {
            throw new ArgumentException($"Column '{path}' reports {nullCount} nulls in {length} rows.");
        }

        var children = data.Children ?? System.Array.Empty<ArrayData>();
        var validity = nullCount == 0 ? ArrowBuffer.Empty : Bits(buffers, 0, offset, length, path, "validity bitmap");
        var changed = offset != 0;
        ArrowBuffer[] newBuffers;
        var newChildren = children;
        ArrayData? dictionary = null;
        switch (data.DataType)
        {
            case DictionaryType { IndexType: IntegerType indexType }:
                var values = data.Dictionary ?? throw new ArgumentException($"Column '{path}' is dictionary-encoded but its data carries no dictionary.");
                dictionary = Normalize(values, path + ".dictionary");
                changed |= !ReferenceEquals(dictionary, values);
                newBuffers = [validity, Fixed(buffers, 1, offset, length, indexType.BitWidth / 8, path, "dictionary indices")];
                break;
            case BooleanType:
                newBuffers = [validity, Bits(buffers, 1, offset, length, path, "values bitmap")];
                break;
            case StringType or BinaryType:
                {
                    var (offsets, start, end) = Offsets(buffers, offset, length, path, ref changed);
                    var bytes = Buffer(buffers, 2, end, path, "data");
                    newBuffers = [validity, offsets, start == 0 ? bytes : new ArrowBuffer(bytes.Memory[start..end])];
                    break;
                }

            // A map is laid out as a list of its entries struct.
            case ListType or MapType:
                {
                    var itemField = data.DataType is MapType map ? map.Fields[0] : ((ListType)data.DataType).ValueField;
                    var (offsets, start, end) = Offsets(buffers, offset, length, path, ref changed);
                    var child = ExpectChild(children, 1, 0, path);
                    if (child.Length < end)
                    {
                        throw new ArgumentException($"Column '{path}': the list offsets end at {end}, past the {child.Length} values of its child.");
                    }

                    var used = start == 0 && end == child.Length ? child : child.Slice(start, end - start);
                    var normalized = Normalize(used, path + "." + itemField.Name);
                    if (!ReferenceEquals(normalized, child))
                    {
                        newChildren = [normalized];
                        changed = true;
                    }

                    newBuffers = [validity, offsets];
                    break;
                }

            case StructType st:
                for (var i = 0; i < st.Fields.Count; i++)
                {
                    var child = ExpectChild(children, st.Fields.Count, i, path);
                    if (child.Length < offset + length)
                    {
                        throw new ArgumentException($"Column '{path}': struct field '{st.Fields[i].Name}' has {child.Length} rows, fewer than the {offset + length} the struct's offset and length need.");
                    }

                    var used = offset == 0 && child.Length == length ? child : child.Slice(offset, length);
                    var normalized = Normalize(used, path + "." + st.Fields[i].Name);
                    if (!ReferenceEquals(normalized, child))
                    {
                        if (ReferenceEquals(newChildren, children))
                        {
                            newChildren = (ArrayData[])children.Clone();
                        }

                        newChildren[i] = normalized;
                        changed = true;
                    }
                }

                newBuffers = [validity];
                break;
            default:
                var width = ArrowTypes.ByteWidth(data.DataType);
                if (width == 0)
                {
                    throw new ArgumentException($"Column '{path}': Arrow type {ArrowTypes.Describe(data.DataType)} is not supported; it cannot be written to IPC.");
                }

                newBuffers = [validity, Fixed(buffers, 1, offset, length, width, path, "values")];
                break;
        }

        return changed ? new ArrayData(data.DataType, length, nullCount, 0, newBuffers, newChildren, dictionary ?? data.Dictionary) : data;
    }

    /// <summary>Returns the arrays copies were made into; the data <see cref="Normalize"/> returned must not be used afterwards.</summary>
    public void Release()
    {
        _lease?.Return();
        _lease = null;
    }

    private static ArrayData ExpectChild(ArrayData[] children, int count, int index, string path)
    {
        if (children.Length != count)
        {
            throw new ArgumentException($"Column '{path}' has {children.Length} children; its type needs {count}.");
        }

        return children[index];
    }

    private static ArrowBuffer Buffer(ArrowBuffer[] buffers, int index, long bytes, string path, string what)
    {
        if (index >= buffers.Length)
        {
            throw new ArgumentException($"Column '{path}' has no {what} buffer.");
        }

        var buffer = buffers[index];
        if (buffer.Length < bytes)
        {
            throw new ArgumentException($"Column '{path}': the {what} buffer holds {buffer.Length} bytes, {bytes} needed.");
        }

        return buffer;
    }

    private static ArrowBuffer Fixed(ArrowBuffer[] buffers, int index, int offset, int length, int width, string path, string what)
    {
        var buffer = Buffer(buffers, index, ((long)offset + length) * width, path, what);
        return offset == 0 ? buffer : new ArrowBuffer(buffer.Memory.Slice(offset * width, length * width));
    }

    /// <summary>Bits <paramref name="offset"/>.. of a bitmap: a view when the offset is a whole byte, else a shifted copy.</summary>
    private ArrowBuffer Bits(ArrowBuffer[] buffers, int index, int offset, int length, string path, string what)
    {
        var buffer = Buffer(buffers, index, BitUtil.BytesForBits(offset + length), path, what);
        if (offset == 0)
        {
            return buffer;
        }

        var bytes = BitUtil.BytesForBits(length);
        if ((offset & 7) == 0)
        {
            return new ArrowBuffer(buffer.Memory.Slice(offset >> 3, bytes));
        }

        var target = Rent(bytes);
        var source = buffer.Span;
        var first = offset >> 3;
        var shift = offset & 7;
        for (var i = 0; i < bytes; i++)
        {
            var low = source[first + i] >> shift;
            var high = first + i + 1 < source.Length ? source[first + i + 1] << (8 - shift) : 0;
            target[i] = (byte)(low | high);
        }

        if ((length & 7) != 0)
        {
            target[bytes - 1] &= (byte)((1 << (length & 7)) - 1);
        }

        return new ArrowBuffer(target.AsMemory(0, bytes));
    }

    /// <summary>
    /// The offsets of rows <paramref name="offset"/>.. rebased to start at 0 (a view when they already do), and the
    /// range of child values or bytes they span in the original.
    /// </summary>
    private (ArrowBuffer Offsets, int Start, int End) Offsets(ArrowBuffer[] buffers, int offset, int length, string path, ref bool changed)
    {
        if (length == 0 && (buffers.Length < 2 || buffers[1].Length == 0))
        {
            return (ArrowBuffer.Empty, 0, 0);
        }

        var buffer = Buffer(buffers, 1, ((long)offset + length + 1) * 4, path, "offsets");
        var source = buffer.Span.Slice(offset * 4, (length + 1) * 4);
        var start = BinaryPrimitives.ReadInt32LittleEndian(source);
        var end = BinaryPrimitives.ReadInt32LittleEndian(source[(length * 4)..]);
        if (start < 0 || end < start)
        {
            throw new ArgumentException($"Column '{path}': the offsets of its rows run from {start} to {end}.");
        }

        if (start == 0)
        {
            return (offset == 0 ? buffer : new ArrowBuffer(buffer.Memory.Slice(offset * 4, (length + 1) * 4)), 0, end);
        }

        changed = true;
        var target = Rent(source.Length);
        for (var i = 0; i <= length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(target.AsSpan(i * 4), BinaryPrimitives.ReadInt32LittleEndian(source[(i * 4)..]) - start);
        }

        return (new ArrowBuffer(target.AsMemory(0, source.Length)), start, end);
    }

    private byte[] Rent(int bytes)
    {
        var array = ArrayPool<byte>.Shared.Rent(bytes);
        (_lease ??= new BufferLease()).Add(array);
        return array;
    }
}
