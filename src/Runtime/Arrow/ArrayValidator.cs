using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Arrow;

/// <summary>
/// Checks that an Apache.Arrow <see cref="ArrayData"/> tree read from a file is self-consistent before an Apache array
/// is created over it (Apache's arrays and constructors check none of this): buffer counts and sizes, null counts
/// against the bitmap, monotonic in-range offsets and dictionary indices. The work is linear in the data and allocates
/// nothing, so hostile input costs no more than reading it. Data from files always has offset 0.
/// </summary>
internal static partial class ArrayValidator
{
    /// <summary>
    /// Validates <paramref name="data"/> and creates the Apache array over it. Dictionary values in
    /// <paramref name="validatedDictionaries"/> (compared by reference) were validated already and are not walked again;
    /// the indices into them still are.
    /// </summary>
    /// <exception cref="ArrowFormatException">The layout is inconsistent.</exception>
    public static IArrowArray CreateArray(ArrayData data, string path, IReadOnlySet<ArrayData>? validatedDictionaries = null)
    {
        Validate(data, path, validatedDictionaries);
        return ArrowArrayFactory.BuildArray(data);
    }

    public static void Validate(ArrayData data, string path, IReadOnlySet<ArrayData>? validatedDictionaries = null)
    {
        if (data.Offset != 0)
        {
            throw Fail(path, $"offset {data.Offset} is not supported in read data");
        }

        if (data.NullCount < 0 || data.NullCount > data.Length)
        {
            throw Fail(path, $"null count {data.NullCount} is outside 0..{data.Length}");
        }

        switch (data.DataType)
        {
            case DictionaryType dictionaryType:
                ValidateDictionary(data, dictionaryType, path, validatedDictionaries);
                return;
            case NullType:
                if (data.NullCount != data.Length)
                {
                    throw Fail(path, $"a null array of length {data.Length} reports {data.NullCount} nulls");
                }

                return;
            case BooleanType:
                ExpectBuffers(data, 2, path);
                ValidateValidity(data, path);
                ExpectSize(data.Buffers[1], BitUtil.BytesForBits(data.Length), path, "values bitmap");
                return;
            case ListType:
                ExpectBuffers(data, 2, path);
                ExpectChildren(data, 1, path);
                ValidateValidity(data, path);
                ValidateOffsets(data, data.Buffers[1], data.Children[0].Length, path, "list offsets");
                Validate(data.Children[0], path + ".item", validatedDictionaries);
                return;
            case StructType st:
                ExpectBuffers(data, 1, path);
                ExpectChildren(data, st.Fields.Count, path);
                ValidateValidity(data, path);
                for (var i = 0; i < data.Children.Length; i++)
                {
                    var child = data.Children[i];
                    if (child.Length < data.Length)
                    {
                        throw Fail(path, $"struct child '{st.Fields[i].Name}' has length {child.Length}, shorter than the struct's {data.Length}");
                    }

                    Validate(child, path + "." + st.Fields[i].Name, validatedDictionaries);
                }

                return;
            case StringType or BinaryType:
                ExpectBuffers(data, 3, path);
                ValidateValidity(data, path);
                ValidateOffsets(data, data.Buffers[1], data.Buffers[2].Length, path, "offsets");
                return;
            case LargeStringType or LargeBinaryType:
                ExpectBuffers(data, 3, path);
                ValidateValidity(data, path);
                ValidateLargeOffsets(data, data.Buffers[1], data.Buffers[2].Length, path, "offsets");
                return;
            case StringViewType or BinaryViewType:
                ValidateViews(data, path);
                return;
            case LargeListType largeList:
                ExpectBuffers(data, 2, path);
                ExpectChildren(data, 1, path);
                ValidateValidity(data, path);
                ValidateLargeOffsets(data, data.Buffers[1], data.Children[0].Length, path, "list offsets");
                Validate(data.Children[0], path + "." + largeList.ValueField.Name, validatedDictionaries);
                return;
            case FixedSizeListType fixedSizeList:
                ValidateFixedSizeList(data, fixedSizeList, path, validatedDictionaries);
                return;
            case MapType map:
                ValidateMap(data, map, path, validatedDictionaries);
                return;
            case UnionType union:
                ValidateUnion(data, union, path, validatedDictionaries);
                return;
            default:
                var width = ArrowTypes.ByteWidth(data.DataType);
                if (width == 0)
                {
                    throw Fail(path, $"type {ArrowTypes.Describe(data.DataType)} is not supported");
                }

                ExpectBuffers(data, 2, path);
                ValidateValidity(data, path);
                ExpectSize(data.Buffers[1], (long)data.Length * width, path, "values");
                return;
        }
    }

    /// <summary>Index <paramref name="index"/> of little-endian dictionary indices of <paramref name="type"/>.</summary>
    internal static long ReadIndex(ReadOnlySpan<byte> values, IntegerType type, int index) => (type.BitWidth, type.IsSigned) switch
    {
        (8, true) => (sbyte)values[index],
        (8, false) => values[index],
        (16, true) => BinaryPrimitives.ReadInt16LittleEndian(values.Slice(index * 2, 2)),
        (16, false) => BinaryPrimitives.ReadUInt16LittleEndian(values.Slice(index * 2, 2)),
        (32, true) => BinaryPrimitives.ReadInt32LittleEndian(values.Slice(index * 4, 4)),
        (32, false) => BinaryPrimitives.ReadUInt32LittleEndian(values.Slice(index * 4, 4)),
        (_, true) => BinaryPrimitives.ReadInt64LittleEndian(values.Slice(index * 8, 8)),
        _ => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(values.Slice(index * 8, 8)), long.MaxValue),
    };

    private static void ValidateDictionary(ArrayData data, DictionaryType type, string path, IReadOnlySet<ArrayData>? validatedDictionaries)
    {
        if (type.IndexType is not IntegerType indexType)
        {
            throw Fail(path, $"dictionary indices must be integers, not {ArrowTypes.Describe(type.IndexType)}");
        }

        var dictionary = data.Dictionary ?? throw Fail(path, "the dictionary values are missing");
        if (!ArrowTypes.Equal(dictionary.DataType, type.ValueType))
        {
            throw Fail(path, $"the dictionary holds {ArrowTypes.Describe(dictionary.DataType)}, not the declared {ArrowTypes.Describe(type.ValueType)}");
        }

        ExpectBuffers(data, 2, path);
        ValidateValidity(data, path);
        ExpectSize(data.Buffers[1], (long)data.Length * (indexType.BitWidth / 8), path, "dictionary indices");
        if (validatedDictionaries is null || !validatedDictionaries.Contains(dictionary))
        {
            Validate(dictionary, path + ".dictionary", validatedDictionaries);
        }

        var values = data.Buffers[1].Span;
        var validity = data.NullCount > 0 ? data.Buffers[0].Span : default;
        var slot = FirstIndexOutside(values, indexType, data.Length, validity, dictionary.Length);
        if (slot >= 0)
        {
            throw Fail(path, $"dictionary index {ReadIndex(values, indexType, slot)} at slot {slot} is outside the dictionary of {dictionary.Length} values");
        }
    }

    private static void ValidateValidity(ArrayData data, string path)
    {
        var validity = data.Buffers[0];
        if (validity.Length == 0)
        {
            if (data.NullCount != 0)
            {
                throw Fail(path, $"{data.NullCount} nulls reported but the validity bitmap is absent");
            }

            return;
        }

        ExpectSize(validity, BitUtil.BytesForBits(data.Length), path, "validity bitmap");
        var valid = BitUtil.CountSetBits(validity.Span, data.Length);
        if (data.NullCount != 0 && data.Length - valid != data.NullCount)
        {
            throw Fail(path, $"null count {data.NullCount} disagrees with the validity bitmap, which has {data.Length - valid} nulls");
        }
    }

    private static void ValidateOffsets(ArrayData data, ArrowBuffer offsetsBuffer, long limit, string path, string what)
    {
        if (data.Length == 0 && offsetsBuffer.Length == 0)
        {
            return;
        }

        ExpectSize(offsetsBuffer, ((long)data.Length + 1) * 4, path, what);
        var offsets = MemoryMarshal.Cast<byte, int>(offsetsBuffer.Span)[..(data.Length + 1)];
        if (offsets[0] < 0)
        {
            throw Fail(path, $"{what} start at {offsets[0]}, below zero");
        }

        var slot = FirstDecrease(offsets);
        if (slot >= 0)
        {
            throw Fail(path, $"{what} decrease at slot {slot} ({offsets[slot]} then {offsets[slot + 1]})");
        }

        if (offsets[^1] > limit)
        {
            throw Fail(path, $"{what} end at {offsets[^1]}, past the {limit} values available");
        }
    }

    private static void ExpectBuffers(ArrayData data, int count, string path)
    {
        if (data.Buffers.Length != count)
        {
            throw Fail(path, $"type {ArrowTypes.Describe(data.DataType)} needs {count} buffers, found {data.Buffers.Length}");
        }
    }

    private static void ExpectChildren(ArrayData data, int count, string path)
    {
        if (data.Children.Length != count)
        {
            throw Fail(path, $"type {ArrowTypes.Describe(data.DataType)} needs {count} children, found {data.Children.Length}");
        }
    }

    private static void ExpectSize(ArrowBuffer buffer, long needed, string path, string what)
    {
        if (buffer.Length < needed)
        {
            throw Fail(path, $"{what} buffer holds {buffer.Length} bytes, {needed} needed");
        }
    }

    private static ArrowFormatException Fail(string path, string reason) => new($"Invalid Arrow array '{path}': {reason}.");
}
