using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>
/// Rebuilds Arrow arrays from the levels and physical values of a row group's leaves (the inverse of
/// <see cref="Shredder"/>). A node's slots are the level entries of its first leaf whose repetition level is at most the
/// node's and whose definition level reaches the node; every count is cross-checked so that inconsistent levels fail
/// with an error instead of producing misaligned arrays. Pooled arrays behind the buffers go to <c>lease</c>, which the
/// batch returns on disposal (and the caller on failure).
/// </summary>
internal static class ArrayAssembler
{
    public static ArrayData Build(ColumnNode node, LeafBuffers[] leaves, BufferLease lease, ParquetLocation location, long maxBytes)
    {
        var first = leaves[node.FirstLeaf];
        var def = first.Def.Written;
        var rep = first.Rep.Written;
        var n = first.LevelCount;
        var hasDef = def.Length == n && n > 0;
        var hasRep = rep.Length == n && n > 0;

        // Slot positions of this node.
        var slots = 0;
        var nulls = 0;
        for (var p = 0; p < n; p++)
        {
            var d = hasDef ? def[p] : 0;
            if ((!hasRep || rep[p] <= node.RepSlot) && d >= node.SlotDef)
            {
                slots++;
                if (d < node.DefPresent)
                {
                    nulls++;
                }
            }
        }

        var validity = ArrowBuffer.Empty;
        if (nulls > 0)
        {
            var bytes = BitUtil.BytesForBits(slots);
            validity = Rent(bytes, lease, out var bits);
            var k = 0;
            for (var p = 0; p < n; p++)
            {
                var d = hasDef ? def[p] : 0;
                if ((!hasRep || rep[p] <= node.RepSlot) && d >= node.SlotDef)
                {
                    if (d >= node.DefPresent)
                    {
                        BitUtil.SetBit(bits, k);
                    }

                    k++;
                }
            }
        }

        switch (node.Kind)
        {
            case NodeKind.Leaf:
                var slotWidth = node.Leaf!.Kind switch
                {
                    LeafKind.DecimalInt32 or LeafKind.DecimalInt64 or LeafKind.DecimalFixed or LeafKind.DecimalBinary => 16L,
                    LeafKind.FixedBinary => node.Leaf.TypeLength,
                    _ => 8L,
                };
                if (slots * slotWidth > maxBytes)
                {
                    throw location.Error($"{slots} slots of {slotWidth} bytes exceed the {maxBytes}-byte limit (ParquetReadOptions.MaxColumnBytes)");
                }

                return BuildLeaf(node, first, slots, nulls, validity, lease, location);
            case NodeKind.Struct:
            {
                var children = new ArrayData[node.Children.Length];
                for (var c = 0; c < children.Length; c++)
                {
                    children[c] = Build(node.Children[c], leaves, lease, location, maxBytes);
                    if (children[c].Length != slots)
                    {
                        throw location.Error($"struct '{node.Path}' has {slots} slots but its field '{node.Children[c].Path}' has {children[c].Length}: the columns' levels disagree");
                    }
                }

                return new ArrayData(node.Field.DataType, slots, nulls, 0, [validity], children);
            }

            default:
            {
                var element = node.Element!;
                var offsetBuffer = Rent((slots + 1) * 4, lease, out var offsetBytes);
                var offsets = MemoryMarshal.Cast<byte, int>(offsetBytes);
                var slot = -1;
                var elements = 0;
                for (var p = 0; p < n; p++)
                {
                    var d = hasDef ? def[p] : 0;
                    var r = hasRep ? rep[p] : 0;
                    if (r <= node.RepSlot && d >= node.SlotDef)
                    {
                        slot++;
                        offsets[slot] = elements;
                    }

                    if (r <= element.RepSlot && d >= element.DefSlot)
                    {
                        if (slot < 0)
                        {
                            throw location.Error($"list '{node.Path}' has an element before its first list");
                        }

                        elements++;
                    }
                }

                offsets[slots] = elements;
                var child = Build(element, leaves, lease, location, maxBytes);
                if (child.Length != elements)
                {
                    throw location.Error($"list '{node.Path}' has {elements} elements by its levels but its items have {child.Length}");
                }

                return new ArrayData(node.Field.DataType, slots, nulls, 0, [validity, offsetBuffer], [child]);
            }
        }
    }

    private static ArrayData BuildLeaf(ColumnNode node, LeafBuffers data, int slots, int nulls, ArrowBuffer validity, BufferLease lease, ParquetLocation location)
    {
        var leaf = node.Leaf!;
        if (slots - nulls != data.ValueCount)
        {
            throw location.Error($"the levels define {slots - nulls} values but the pages hold {data.ValueCount}");
        }

        var bits = validity.Span;
        var values = data.Values.Written;
        switch (leaf.Kind)
        {
            case LeafKind.Boolean:
            {
                var buffer = Rent(BitUtil.BytesForBits(slots), lease, out var span);
                var v = 0;
                for (var i = 0; i < slots; i++)
                {
                    if ((nulls == 0 || BitUtil.GetBit(bits, i)) && values[v++] != 0)
                    {
                        BitUtil.SetBit(span, i);
                    }
                }

                return Leaf(node, slots, nulls, [validity, buffer]);
            }

            case LeafKind.Int8:
            case LeafKind.UInt8:
            case LeafKind.Int16:
            case LeafKind.UInt16:
            {
                var width = leaf.Kind is LeafKind.Int8 or LeafKind.UInt8 ? 1 : 2;
                var buffer = Rent(slots * width, lease, out var span);
                var source = MemoryMarshal.Cast<byte, int>(values);
                var v = 0;
                for (var i = 0; i < slots; i++)
                {
                    if (nulls == 0 || BitUtil.GetBit(bits, i))
                    {
                        var value = source[v++];
                        if (width == 1)
                        {
                            span[i] = (byte)value;
                        }
                        else
                        {
                            BinaryPrimitives.WriteInt16LittleEndian(span[(i * 2)..], (short)value);
                        }
                    }
                }

                return Leaf(node, slots, nulls, [validity, buffer]);
            }

            case LeafKind.Copy4:
            case LeafKind.Copy8:
            case LeafKind.FixedBinary:
                // Without nulls the PLAIN layout is the Arrow layout: hand the decoded buffer over instead of copying it.
                return Leaf(node, slots, nulls, [validity, nulls == 0 ? data.Values.Detach(lease) : Scatter(values, leaf.FixedWidth, slots, nulls, bits, lease)]);
            case LeafKind.DecimalInt32:
            case LeafKind.DecimalInt64:
            case LeafKind.DecimalFixed:
            case LeafKind.DecimalBinary:
            {
                var buffer = Rent(slots * 16, lease, out var span);
                var offsets = data.OffsetSpan;
                var width = leaf.FixedWidth;
                var v = 0;
                for (var i = 0; i < slots; i++)
                {
                    if (nulls != 0 && !BitUtil.GetBit(bits, i))
                    {
                        continue;
                    }

                    Int128 unscaled = leaf.Kind switch
                    {
                        LeafKind.DecimalInt32 => BinaryPrimitives.ReadInt32LittleEndian(values[(v * 4)..]),
                        LeafKind.DecimalInt64 => BinaryPrimitives.ReadInt64LittleEndian(values[(v * 8)..]),
                        LeafKind.DecimalFixed => FromBigEndian(values.Slice(v * width, width), node, location),
                        _ => FromBigEndian(values[offsets[v]..offsets[v + 1]], node, location),
                    };
                    v++;
                    BinaryPrimitives.WriteInt128LittleEndian(span[(i * 16)..], unscaled);
                }

                return Leaf(node, slots, nulls, [validity, buffer]);
            }

            case LeafKind.Int96Timestamp:
            {
                var unit = ((TimestampType)node.Field.DataType).Unit;
                var buffer = Rent(slots * 8, lease, out var span);
                var v = 0;
                for (var i = 0; i < slots; i++)
                {
                    if (nulls == 0 || BitUtil.GetBit(bits, i))
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], Int96Timestamp.ToUnit(values.Slice(v * 12, 12), unit, v, i, node, location));
                        v++;
                    }
                }

                return Leaf(node, slots, nulls, [validity, buffer]);
            }

            case LeafKind.Binary:
            {
                if (node.Field.DataType is StringType)
                {
                    CheckUtf8(data, node, location);
                }

                if (nulls == 0 && slots > 0)
                {
                    return Leaf(node, slots, nulls, [validity, data.Offsets.Detach(lease), data.Values.Detach(lease)]);
                }

                var (offsetBuffer, dataBuffer) = BinaryBuffers(data, slots, nulls, bits, lease);
                return Leaf(node, slots, nulls, [validity, offsetBuffer, dataBuffer]);
            }

            default:
                return BuildDictionary(node, data, slots, nulls, validity, lease, location);
        }
    }

    private static ArrayData Leaf(ColumnNode node, int slots, int nulls, ArrowBuffer[] buffers) =>
        new(node.Field.DataType, slots, nulls, 0, buffers, []);

    /// <summary>Strings are checked once here, so that no accessor meets invalid UTF-8 later.</summary>
    private static void CheckUtf8(LeafBuffers data, ColumnNode node, ParquetLocation location)
    {
        var offsets = data.OffsetSpan;
        var values = data.Values.Written;
        for (var i = 0; i < data.ValueCount; i++)
        {
            if (!System.Text.Unicode.Utf8.IsValid(values[offsets[i]..offsets[i + 1]]))
            {
                throw location.Error($"string value {i} of '{node.Path}' is not valid UTF-8");
            }
        }
    }

    private static (ArrowBuffer Offsets, ArrowBuffer Data) BinaryBuffers(LeafBuffers data, int slots, int nulls, ReadOnlySpan<byte> bits, BufferLease lease)
    {
        var source = data.OffsetSpan;
        var offsetBuffer = Rent((slots + 1) * 4, lease, out var span);
        var offsets = MemoryMarshal.Cast<byte, int>(span);
        var v = 0;
        offsets[0] = 0;
        for (var i = 0; i < slots; i++)
        {
            if (nulls == 0 || BitUtil.GetBit(bits, i))
            {
                v++;
            }

            offsets[i + 1] = v == 0 ? 0 : source[v];
        }

        // The values are already packed in slot order: only the offsets needed the nulls spread in.
        return (offsetBuffer, data.Values.Detach(lease));
    }

    private static ArrayData BuildDictionary(ColumnNode node, LeafBuffers data, int slots, int nulls, ArrowBuffer validity, BufferLease lease, ParquetLocation location)
    {
        var dictionaryType = (DictionaryType)node.Field.DataType;
        var indexType = (IntegerType)dictionaryType.IndexType;
        if (dictionaryType.ValueType is StringType)
        {
            CheckUtf8(data, node, location);
        }

        using var dictionary = new ValueDictionary();
        var offsets = data.OffsetSpan;
        var values = data.Values.Written;
        var bits = validity.Span;
        var width = indexType.BitWidth / 8;
        var indices = Rent(slots * width, lease, out var span);
        var limit = indexType.IsSigned ? (1L << (indexType.BitWidth - 1)) - 1 : indexType.BitWidth == 64 ? long.MaxValue : (1L << indexType.BitWidth) - 1;
        var v = 0;
        for (var i = 0; i < slots; i++)
        {
            if (nulls != 0 && !BitUtil.GetBit(bits, i))
            {
                continue;
            }

            long index = dictionary.Add(values[offsets[v]..offsets[v + 1]]);
            v++;
            if (index > limit)
            {
                throw location.Error($"the column has more distinct values than its {ArrowTypes.Describe(indexType)} dictionary index can address");
            }

            switch (width)
            {
                case 1:
                    span[i] = (byte)index;
                    break;
                case 2:
                    BinaryPrimitives.WriteInt16LittleEndian(span[(i * 2)..], (short)index);
                    break;
                case 4:
                    BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], (int)index);
                    break;
                default:
                    BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], index);
                    break;
            }
        }

        // The dictionary outlives pooled scratch, so its buffers are plain arrays.
        var count = dictionary.Count;
        var dictOffsets = new byte[(count + 1) * 4];
        var entries = dictionary.Bytes.Written;
        var position = 0;
        for (var i = 0; i < count; i++)
        {
            position += dictionary.Entry(i).Length;
            BinaryPrimitives.WriteInt32LittleEndian(dictOffsets.AsSpan((i + 1) * 4), position);
        }

        var dictionaryData = new ArrayData(dictionaryType.ValueType, count, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(dictOffsets), new ArrowBuffer(entries.ToArray())], []);
        return new ArrayData(dictionaryType, slots, nulls, 0, [validity, indices], [], dictionaryData);
    }

    private static ArrowBuffer Scatter(ReadOnlySpan<byte> values, int width, int slots, int nulls, ReadOnlySpan<byte> bits, BufferLease lease)
    {
        var length = slots * width;
        var buffer = Rent(length, lease, out var span);
        if (nulls == 0)
        {
            values[..length].CopyTo(span);
        }
        else
        {
            var v = 0;
            for (var i = 0; i < slots; i++)
            {
                if (BitUtil.GetBit(bits, i))
                {
                    values.Slice(v * width, width).CopyTo(span[(i * width)..]);
                    v++;
                }
            }
        }

        return buffer;
    }

    /// <summary>A zeroed pooled buffer of <paramref name="length"/> bytes, owned by <paramref name="lease"/> from here on.</summary>
    private static ArrowBuffer Rent(int length, BufferLease lease, out Span<byte> span)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        lease.Add(rented);
        span = rented.AsSpan(0, length);
        span.Clear();
        return new ArrowBuffer(rented.AsMemory(0, length));
    }

    private static Int128 FromBigEndian(ReadOnlySpan<byte> bytes, ColumnNode node, ParquetLocation location)
    {
        if (bytes.Length > 16)
        {
            throw location.Error($"a DECIMAL value of '{node.Path}' has {bytes.Length} bytes; at most 16 fit Decimal128");
        }

        if (bytes.IsEmpty)
        {
            return Int128.Zero;
        }

        Span<byte> wide = stackalloc byte[16];
        wide.Fill((bytes[0] & 0x80) != 0 ? (byte)0xFF : (byte)0);
        bytes.CopyTo(wide[(16 - bytes.Length)..]);
        return BinaryPrimitives.ReadInt128BigEndian(wide);
    }
}
