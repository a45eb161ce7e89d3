using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>
/// The levels and physical values of one leaf column over one row group. Values are stored already in PLAIN layout
/// (fixed-width little-endian, BOOLEAN one byte per value, BYTE_ARRAY as int32 offsets plus data) so pages are slices.
/// </summary>
internal sealed class LeafBuffers
{
    public readonly PooledBuffer Def = new();
    public readonly PooledBuffer Rep = new();
    public readonly PooledBuffer Values = new();
    public readonly PooledBuffer Offsets = new();

    public int LevelCount;
    public int ValueCount;

    public void Clear()
    {
        Def.Clear();
        Rep.Clear();
        Values.Clear();
        Offsets.Clear();
        LevelCount = 0;
        ValueCount = 0;
    }

    public void Release()
    {
        Def.Release();
        Rep.Release();
        Values.Release();
        Offsets.Release();
    }

    public ReadOnlySpan<int> OffsetSpan => MemoryMarshal.Cast<byte, int>(Offsets.Written);
}

/// <summary>
/// Turns Arrow arrays into definition/repetition levels and physical values, leaf by leaf. Input comes from users and
/// may be a slice: every buffer is read at the array's <see cref="ArrayData.Offset"/> plus the slot, a struct's slot
/// <c>i</c> is its children's slot <c>Offset + i</c> (Apache slices a struct without slicing its children), list offsets
/// index the child array's own slots, and a null count of -1 (unknown) is read from the bitmap.
/// </summary>
internal static class Shredder
{
    /// <summary>Shreds rows <paramref name="start"/> to <paramref name="end"/> (slots of <paramref name="data"/>, not buffer positions).</summary>
    public static void Shred(ColumnNode root, ArrayData data, int start, int end, LeafBuffers[] leaves)
    {
        if (root.Kind == NodeKind.Leaf && root.RepSlot == 0)
        {
            ShredFlat(root, data, data.Offset + start, data.Offset + end, leaves[root.Leaf!.Index]);
            return;
        }

        for (var i = start; i < end; i++)
        {
            Emit(root, data, i, 0, leaves);
        }
    }

    /// <summary>Whether the bitmap can mark anything null; as Apache reads arrays, an absent bitmap means all valid.</summary>
    private static bool MayHaveNulls(ArrayData data) => data.NullCount != 0 && data.Buffers.Length > 0 && !data.Buffers[0].IsEmpty;

    /// <summary>Whether buffer position <paramref name="position"/> (offset included) is null.</summary>
    private static bool IsNullAt(ArrayData data, int position) =>
        MayHaveNulls(data) && !BitUtil.GetBit(data.Buffers[0].Span, position);

    /// <summary>Walks slot <paramref name="index"/> of <paramref name="node"/> whose parent exists, emitting levels for every leaf below it.</summary>
    private static void Emit(ColumnNode node, ArrayData data, int index, int rep, LeafBuffers[] leaves)
    {
        var position = data.Offset + index;
        if (node.Nullable && IsNullAt(data, position))
        {
            EmitAbsent(node, node.DefSlot, rep, leaves);
            return;
        }

        switch (node.Kind)
        {
            case NodeKind.Leaf:
            {
                var buffers = leaves[node.Leaf!.Index];
                AddLevels(buffers, node.Leaf, node.DefPresent, rep);
                AppendValue(node.Leaf, data, position, buffers);
                return;
            }

            case NodeKind.Struct:
                for (var c = 0; c < node.Children.Length; c++)
                {
                    Emit(node.Children[c], data.Children[c], position, rep, leaves);
                }

                return;
            default:
            {
                var offsets = data.Buffers[1].Span;
                var from = BinaryPrimitives.ReadInt32LittleEndian(offsets[(position * 4)..]);
                var to = BinaryPrimitives.ReadInt32LittleEndian(offsets[((position + 1) * 4)..]);
                if (from == to)
                {
                    EmitAbsent(node, node.DefPresent, rep, leaves);
                    return;
                }

                var element = node.Element!;
                for (var k = from; k < to; k++)
                {
                    Emit(element, data.Children[0], k, k == from ? rep : element.RepSlot, leaves);
                }

                return;
            }
        }
    }

    /// <summary>A null (or empty list) at this node: every leaf below gets one level entry and no value.</summary>
    private static void EmitAbsent(ColumnNode node, int def, int rep, LeafBuffers[] leaves)
    {
        switch (node.Kind)
        {
            case NodeKind.Leaf:
                AddLevels(leaves[node.Leaf!.Index], node.Leaf, def, rep);
                return;
            case NodeKind.Struct:
                foreach (var child in node.Children)
                {
                    EmitAbsent(child, def, rep, leaves);
                }

                return;
            default:
                EmitAbsent(node.Element!, def, rep, leaves);
                return;
        }
    }

    private static void AddLevels(LeafBuffers buffers, LeafColumn leaf, int def, int rep)
    {
        if (leaf.MaxDef > 0)
        {
            buffers.Def.Write((byte)def);
        }

        if (leaf.MaxRep > 0)
        {
            buffers.Rep.Write((byte)rep);
        }

        buffers.LevelCount++;
    }

    /// <summary>A top-level leaf over buffer positions <paramref name="start"/> to <paramref name="end"/> (offset included).</summary>
    private static void ShredFlat(ColumnNode node, ArrayData data, int start, int end, LeafBuffers buffers)
    {
        var leaf = node.Leaf!;
        var count = end - start;

        // A required leaf has no nulls (the batch was checked against the schema); a nullable one is read from its bitmap.
        var hasNulls = leaf.MaxDef > 0 && MayHaveNulls(data);
        var validity = hasNulls ? data.Buffers[0].Span : default;
        if (leaf.MaxDef > 0)
        {
            var def = buffers.Def.GetSpan(count)[..count];
            if (!hasNulls)
            {
                def.Fill(1);
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    def[i] = (byte)((validity[(start + i) >> 3] >> ((start + i) & 7)) & 1);
                }
            }

            buffers.Def.Advance(count);
        }

        buffers.LevelCount += count;
        if (!hasNulls && AppendRange(leaf, data, start, end, buffers))
        {
            return;
        }

        for (var i = start; i < end; i++)
        {
            if (!hasNulls || BitUtil.GetBit(validity, i))
            {
                AppendValue(leaf, data, i, buffers);
            }
        }
    }

    /// <summary>
    /// Bulk copy of a null-free range of buffer positions for the layouts where Arrow and PLAIN agree; false when there
    /// is no shortcut.
    /// </summary>
    private static bool AppendRange(LeafColumn leaf, ArrayData data, int start, int end, LeafBuffers buffers)
    {
        var count = end - start;
        switch (leaf.Kind)
        {
            case LeafKind.Copy4:
                buffers.Values.Write(data.Buffers[1].Span.Slice(start * 4, count * 4));
                break;
            case LeafKind.Copy8:
                buffers.Values.Write(data.Buffers[1].Span.Slice(start * 8, count * 8));
                break;
            case LeafKind.FixedBinary:
                buffers.Values.Write(data.Buffers[1].Span.Slice(start * leaf.TypeLength, count * leaf.TypeLength));
                break;
            case LeafKind.Binary:
            {
                var offsets = MemoryMarshal.Cast<byte, int>(data.Buffers[1].Span);
                var first = offsets[start];
                var last = offsets[end];
                if (buffers.Offsets.Length == 0)
                {
                    buffers.Offsets.Write(0);
                }

                var baseOffset = buffers.Values.Length - first;
                var target = MemoryMarshal.Cast<byte, int>(buffers.Offsets.GetSpan(count * 4))[..count];
                for (var i = 0; i < count; i++)
                {
                    target[i] = offsets[start + i + 1] + baseOffset;
                }

                buffers.Offsets.Advance(count * 4);
                buffers.Values.Write(data.Buffers[2].Span[first..last]);
                break;
            }

            case LeafKind.Int8:
            case LeafKind.UInt8:
            case LeafKind.Int16:
            case LeafKind.UInt16:
            {
                var target = MemoryMarshal.Cast<byte, int>(buffers.Values.GetSpan(count * 4))[..count];
                var source = data.Buffers[1].Span;
                switch (leaf.Kind)
                {
                    case LeafKind.Int8:
                        for (var i = 0; i < count; i++)
                        {
                            target[i] = (sbyte)source[start + i];
                        }

                        break;
                    case LeafKind.UInt8:
                        for (var i = 0; i < count; i++)
                        {
                            target[i] = source[start + i];
                        }

                        break;
                    case LeafKind.Int16:
                        var shorts = MemoryMarshal.Cast<byte, short>(source);
                        for (var i = 0; i < count; i++)
                        {
                            target[i] = shorts[start + i];
                        }

                        break;
                    default:
                        var ushorts = MemoryMarshal.Cast<byte, ushort>(source);
                        for (var i = 0; i < count; i++)
                        {
                            target[i] = ushorts[start + i];
                        }

                        break;
                }

                buffers.Values.Advance(count * 4);
                break;
            }

            default:
                return false;
        }

        buffers.ValueCount += count;
        return true;
    }

    private static ArgumentOutOfRangeException DecimalOutOfRange(LeafColumn leaf, Int128 unscaled) =>
        new("data", unscaled, $"Column '{leaf.DottedPath}': the unscaled decimal {unscaled} does not fit the column's precision.");

    /// <summary>Appends the value at buffer position <paramref name="index"/> (offset included).</summary>
    private static void AppendValue(LeafColumn leaf, ArrayData data, int index, LeafBuffers buffers)
    {
        var values = buffers.Values;
        switch (leaf.Kind)
        {
            case LeafKind.Boolean:
                values.Write((byte)(BitUtil.GetBit(data.Buffers[1].Span, index) ? 1 : 0));
                break;
            case LeafKind.Int8:
                values.Write((int)(sbyte)data.Buffers[1].Span[index]);
                break;
            case LeafKind.UInt8:
                values.Write((int)data.Buffers[1].Span[index]);
                break;
            case LeafKind.Int16:
                values.Write((int)BinaryPrimitives.ReadInt16LittleEndian(data.Buffers[1].Span[(index * 2)..]));
                break;
            case LeafKind.UInt16:
                values.Write((int)BinaryPrimitives.ReadUInt16LittleEndian(data.Buffers[1].Span[(index * 2)..]));
                break;
            case LeafKind.Copy4:
                values.Write(data.Buffers[1].Span.Slice(index * 4, 4));
                break;
            case LeafKind.Copy8:
                values.Write(data.Buffers[1].Span.Slice(index * 8, 8));
                break;
            case LeafKind.FixedBinary:
                values.Write(data.Buffers[1].Span.Slice(index * leaf.TypeLength, leaf.TypeLength));
                break;
            case LeafKind.DecimalInt32:
            {
                var unscaled = BinaryPrimitives.ReadInt128LittleEndian(data.Buffers[1].Span[(index * 16)..]);
                values.Write(unscaled >= int.MinValue && unscaled <= int.MaxValue ? (int)unscaled : throw DecimalOutOfRange(leaf, unscaled));
                break;
            }

            case LeafKind.DecimalInt64:
            {
                var unscaled = BinaryPrimitives.ReadInt128LittleEndian(data.Buffers[1].Span[(index * 16)..]);
                values.Write(unscaled >= long.MinValue && unscaled <= long.MaxValue ? (long)unscaled : throw DecimalOutOfRange(leaf, unscaled));
                break;
            }

            case LeafKind.DecimalFixed:
            {
                Span<byte> big = stackalloc byte[16];
                var unscaled = BinaryPrimitives.ReadInt128LittleEndian(data.Buffers[1].Span[(index * 16)..]);
                BinaryPrimitives.WriteInt128BigEndian(big, unscaled);
                var dropped = big[..(16 - leaf.TypeLength)];
                var sign = unscaled < 0 ? (byte)0xFF : (byte)0;
                if (dropped.IndexOfAnyExcept(sign) >= 0 || (leaf.TypeLength < 16 && (big[16 - leaf.TypeLength] & 0x80) != (sign & 0x80)))
                {
                    throw DecimalOutOfRange(leaf, unscaled);
                }

                values.Write(big[(16 - leaf.TypeLength)..]);
                break;
            }

            case LeafKind.Binary:
            {
                var offsets = data.Buffers[1].Span;
                var from = BinaryPrimitives.ReadInt32LittleEndian(offsets[(index * 4)..]);
                var to = BinaryPrimitives.ReadInt32LittleEndian(offsets[((index + 1) * 4)..]);
                if (buffers.Offsets.Length == 0)
                {
                    buffers.Offsets.Write(0);
                }

                values.Write(data.Buffers[2].Span[from..to]);
                buffers.Offsets.Write(values.Length);
                break;
            }

            case LeafKind.DictionaryBinary:
            {
                // The names are written as values; the chunk's own dictionary encoding folds them back to a few entries.
                var dictionary = data.Dictionary!;
                var indexType = (IntegerType)((DictionaryType)data.DataType).IndexType;
                var entry = ArrayValidator.ReadIndex(data.Buffers[1].Span, indexType, index);
                if (entry < 0 || entry >= dictionary.Length)
                {
                    throw new ArgumentException($"Column '{leaf.DottedPath}': dictionary index {entry} is outside the dictionary of {dictionary.Length} values.", nameof(data));
                }

                var position = dictionary.Offset + (int)entry;
                var offsets = dictionary.Buffers[1].Span;
                var from = BinaryPrimitives.ReadInt32LittleEndian(offsets[(position * 4)..]);
                var to = BinaryPrimitives.ReadInt32LittleEndian(offsets[((position + 1) * 4)..]);
                if (buffers.Offsets.Length == 0)
                {
                    buffers.Offsets.Write(0);
                }

                values.Write(dictionary.Buffers[2].Span[from..to]);
                buffers.Offsets.Write(values.Length);
                break;
            }

            default:
                throw new InvalidOperationException($"Column '{leaf.DottedPath}' cannot be written from {ArrowTypes.Describe(data.DataType)}.");
        }

        buffers.ValueCount++;
    }
}
