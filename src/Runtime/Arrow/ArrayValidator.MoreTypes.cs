using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Arrow;

/// <summary>Validation of the layouts beyond the basic ones: 64-bit offsets, views, fixed-size lists, maps and unions.</summary>
internal static partial class ArrayValidator
{
    private const int ViewSize = 16;
    private const int MaxInlineViewLength = 12;

    /// <summary>
    /// Like the 32-bit offsets, plus a refusal of offsets past <see cref="int.MaxValue"/>: Apache.Arrow's large arrays
    /// index their values with an int, so such a value cannot be represented and is not silently truncated.
    /// </summary>
    private static void ValidateLargeOffsets(ArrayData data, ArrowBuffer offsetsBuffer, long limit, string path, string what)
    {
        if (data.Length == 0 && offsetsBuffer.Length == 0)
        {
            return;
        }

        ExpectSize(offsetsBuffer, ((long)data.Length + 1) * 8, path, what);
        var offsets = MemoryMarshal.Cast<byte, long>(offsetsBuffer.Span)[..(data.Length + 1)];
        if (offsets[0] < 0)
        {
            throw Fail(path, $"{what} start at {offsets[0]}, below zero");
        }

        var slot = FirstDecrease(offsets);
        if (slot >= 0)
        {
            throw Fail(path, $"{what} decrease at slot {slot} ({offsets[slot]} then {offsets[slot + 1]})");
        }

        var previous = offsets[^1];
        if (previous > int.MaxValue)
        {
            throw Fail(path, $"{what} reach {previous}; {ArrowTypes.Describe(data.DataType)} values past {int.MaxValue} are not supported (Apache.Arrow indexes them with an int)");
        }

        if (previous > limit)
        {
            throw Fail(path, $"{what} end at {previous}, past the {limit} values available");
        }
    }

    /// <summary>
    /// Each 16-byte view holds a length and either the bytes inline (length up to 12) or a 4-byte prefix, a data buffer
    /// index and an offset into that buffer. Null slots are never read through, so only valid slots are checked.
    /// </summary>
    private static void ValidateViews(ArrayData data, string path)
    {
        if (data.Buffers.Length < 2)
        {
            throw Fail(path, $"type {ArrowTypes.Describe(data.DataType)} needs at least 2 buffers, found {data.Buffers.Length}");
        }

        ValidateValidity(data, path);
        ExpectSize(data.Buffers[1], (long)data.Length * ViewSize, path, "views");
        var views = data.Buffers[1].Span;
        var validity = data.Buffers[0].Span;
        var checkValidity = data.NullCount > 0 && validity.Length > 0;
        var dataBuffers = data.Buffers.Length - 2;
        for (var i = 0; i < data.Length; i++)
        {
            if (checkValidity && !BitUtil.GetBit(validity, i))
            {
                continue;
            }

            var view = views.Slice(i * ViewSize, ViewSize);
            var length = BinaryPrimitives.ReadInt32LittleEndian(view);
            if (length < 0)
            {
                throw Fail(path, $"view {i} has negative length {length}");
            }

            if (length <= MaxInlineViewLength)
            {
                continue;
            }

            var bufferIndex = BinaryPrimitives.ReadInt32LittleEndian(view[8..]);
            var offset = BinaryPrimitives.ReadInt32LittleEndian(view[12..]);
            if (bufferIndex < 0 || bufferIndex >= dataBuffers)
            {
                throw Fail(path, $"view {i} refers to data buffer {bufferIndex}, but the array has {dataBuffers}");
            }

            var buffer = data.Buffers[2 + bufferIndex].Span;
            if (offset < 0 || (long)offset + length > buffer.Length)
            {
                throw Fail(path, $"view {i} [offset {offset}, length {length}] lies outside data buffer {bufferIndex} of {buffer.Length} bytes");
            }

            if (!view.Slice(4, 4).SequenceEqual(buffer.Slice(offset, 4)))
            {
                throw Fail(path, $"view {i} has a prefix that differs from the first 4 bytes of its value");
            }
        }
    }

    private static void ValidateFixedSizeList(ArrayData data, FixedSizeListType type, string path, IReadOnlySet<ArrayData>? validatedDictionaries)
    {
        ExpectBuffers(data, 1, path);
        ExpectChildren(data, 1, path);
        ValidateValidity(data, path);
        var needed = (long)data.Length * type.ListSize;
        if (data.Children[0].Length < needed)
        {
            throw Fail(path, $"fixed size list child has {data.Children[0].Length} values, {data.Length} lists of {type.ListSize} need {needed}");
        }

        Validate(data.Children[0], path + "." + type.ValueField.Name, validatedDictionaries);
    }

    /// <summary>
    /// A map is a list of key/value structs: list offsets into the entries, and within the entries the lists use, no
    /// null entry and no null key (Schema.fbs). Whether the keys are sorted, as <see cref="MapType.KeySorted"/> may
    /// claim, is not checked.
    /// </summary>
    private static void ValidateMap(ArrayData data, MapType type, string path, IReadOnlySet<ArrayData>? validatedDictionaries)
    {
        ExpectBuffers(data, 2, path);
        ExpectChildren(data, 1, path);
        ValidateValidity(data, path);
        var entries = data.Children[0];
        ValidateOffsets(data, data.Buffers[1], entries.Length, path, "map offsets");
        var entriesPath = path + "." + type.Fields[0].Name;
        if (entries.DataType is not StructType || entries.Children.Length != 2)
        {
            throw Fail(path, $"map entries must be a struct of key and value, not {ArrowTypes.Describe(entries.DataType)}");
        }

        Validate(entries, entriesPath, validatedDictionaries);
        if (data.Length == 0 || data.Buffers[1].Length == 0)
        {
            return;
        }

        var offsets = data.Buffers[1].Span;
        var start = BinaryPrimitives.ReadInt32LittleEndian(offsets);
        var end = BinaryPrimitives.ReadInt32LittleEndian(offsets.Slice(data.Length * 4, 4));
        if (FirstNull(entries, start, end) is { } nullEntry)
        {
            throw Fail(entriesPath, $"map entry {nullEntry} is null; map entries cannot be null");
        }

        if (FirstNull(entries.Children[0], start, end) is { } nullKey)
        {
            throw Fail(entriesPath + "." + type.KeyField.Name, $"map key {nullKey} is null; map keys cannot be null");
        }
    }

    /// <summary>The first null slot in [start, end) of validated data, or null when there is none.</summary>
    private static int? FirstNull(ArrayData data, int start, int end)
    {
        if (start >= end)
        {
            return null;
        }

        switch (data.DataType)
        {
            case NullType:
                return start;
            case UnionType:
                // No validity of its own: a union slot is null only through its child, which is a value, not a gap.
                return null;
        }

        if (data.NullCount == 0 || data.Buffers.Length == 0 || data.Buffers[0].Length == 0)
        {
            return null;
        }

        var validity = data.Buffers[0].Span;
        for (var i = start; i < end; i++)
        {
            if (!BitUtil.GetBit(validity, i))
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>
    /// Every type id must be one the union declares; a sparse union's children span its slots, a dense union's
    /// offsets point into the selected child. Unions have no validity bitmap (V5), so the null count is 0.
    /// </summary>
    private static void ValidateUnion(ArrayData data, UnionType type, string path, IReadOnlySet<ArrayData>? validatedDictionaries)
    {
        var dense = type.Mode == UnionMode.Dense;
        ExpectBuffers(data, dense ? 2 : 1, path);
        ExpectChildren(data, type.Fields.Count, path);
        if (data.NullCount != 0)
        {
            throw Fail(path, $"a union reports {data.NullCount} nulls but has no validity bitmap");
        }

        Span<sbyte> childOf = stackalloc sbyte[sbyte.MaxValue + 1];
        childOf.Fill(-1);
        for (var c = 0; c < type.TypeIds.Length; c++)
        {
            var id = type.TypeIds[c];
            if (id is < 0 or > sbyte.MaxValue || childOf[id] >= 0)
            {
                throw Fail(path, $"union type id {id} is outside 0..{sbyte.MaxValue} or declared twice");
            }

            childOf[id] = (sbyte)c;
        }

        ExpectSize(data.Buffers[0], data.Length, path, "union type ids");
        var typeIds = data.Buffers[0].Span;
        ReadOnlySpan<byte> offsets = default;
        if (dense)
        {
            ExpectSize(data.Buffers[1], (long)data.Length * 4, path, "union offsets");
            offsets = data.Buffers[1].Span;
        }
        else
        {
            for (var c = 0; c < data.Children.Length; c++)
            {
                if (data.Children[c].Length < data.Length)
                {
                    throw Fail(path, $"sparse union child '{type.Fields[c].Name}' has length {data.Children[c].Length}, shorter than the union's {data.Length}");
                }
            }
        }

        for (var i = 0; i < data.Length; i++)
        {
            var id = (sbyte)typeIds[i];
            var child = id < 0 ? -1 : childOf[id];
            if (child < 0)
            {
                throw Fail(path, $"union type id {id} at slot {i} is not one of the declared type ids [{string.Join(", ", type.TypeIds)}]");
            }

            if (dense)
            {
                var offset = BinaryPrimitives.ReadInt32LittleEndian(offsets.Slice(i * 4, 4));
                var childLength = data.Children[child].Length;
                if (offset < 0 || offset >= childLength)
                {
                    throw Fail(path, $"dense union offset {offset} at slot {i} is outside child '{type.Fields[child].Name}' of {childLength} values");
                }
            }
        }

        for (var c = 0; c < data.Children.Length; c++)
        {
            Validate(data.Children[c], path + "." + type.Fields[c].Name, validatedDictionaries);
        }
    }
}
