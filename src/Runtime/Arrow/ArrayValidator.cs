using System.Buffers.Binary;

namespace Bulwark.Arrow;

/// <summary>
/// Checks that an <see cref="ArrayData"/> tree is self-consistent before any typed accessor touches it: buffer counts
/// and sizes, null counts against the bitmap, monotonic in-range offsets and dictionary indices. The work is linear
/// in the data and allocates nothing, so hostile input costs no more than reading it.
/// </summary>
internal static class ArrayValidator
{
    public static void Validate(ArrayData data, string path)
    {
        if (data.NullCount > data.Length)
        {
            throw Fail(path, $"null count {data.NullCount} exceeds length {data.Length}");
        }

        if (data.Dictionary is not null)
        {
            ValidateDictionary(data, path);
            return;
        }

        switch (data.Type)
        {
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
                Validate(data.Children[0], path + ".item");
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

                    Validate(child, path + "." + st.Fields[i].Name);
                }

                return;
            case Utf8Type or BinaryType:
                ExpectBuffers(data, 3, path);
                ValidateValidity(data, path);
                ValidateOffsets(data, data.Buffers[1], data.Buffers[2].Length, path, "offsets");
                return;
            default:
                var width = data.Type.BitWidth;
                if (width == 0 || width % 8 != 0)
                {
                    throw Fail(path, $"type {data.Type} is not supported");
                }

                ExpectBuffers(data, 2, path);
                ValidateValidity(data, path);
                ExpectSize(data.Buffers[1], (long)data.Length * (width / 8), path, "values");
                return;
        }
    }

    private static void ValidateDictionary(ArrayData data, string path)
    {
        if (data.Type is not IntType indexType)
        {
            throw Fail(path, $"dictionary indices must be integers, not {data.Type}");
        }

        ExpectBuffers(data, 2, path);
        ValidateValidity(data, path);
        ExpectSize(data.Buffers[1], (long)data.Length * (indexType.Width / 8), path, "dictionary indices");
        var dictionary = data.Dictionary!;
        Validate(dictionary, path + ".dictionary");
        var values = data.Buffers[1].Span;
        var validity = data.Buffers[0].Span;
        var checkValidity = data.NullCount > 0 && validity.Length > 0;
        for (var i = 0; i < data.Length; i++)
        {
            if (checkValidity && !BitUtil.GetBit(validity, i))
            {
                continue;
            }

            var index = DictionaryArray.ReadIndex(values, indexType, i);
            if (index < 0 || index >= dictionary.Length)
            {
                throw Fail(path, $"dictionary index {index} at slot {i} is outside the dictionary of {dictionary.Length} values");
            }
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
        var offsets = offsetsBuffer.Span;
        var previous = BinaryPrimitives.ReadInt32LittleEndian(offsets);
        if (previous < 0)
        {
            throw Fail(path, $"{what} start at {previous}, below zero");
        }

        for (var i = 1; i <= data.Length; i++)
        {
            var current = BinaryPrimitives.ReadInt32LittleEndian(offsets.Slice(i * 4, 4));
            if (current < previous)
            {
                throw Fail(path, $"{what} decrease at slot {i - 1} ({previous} then {current})");
            }

            previous = current;
        }

        if (previous > limit)
        {
            throw Fail(path, $"{what} end at {previous}, past the {limit} values available");
        }
    }

    private static void ExpectBuffers(ArrayData data, int count, string path)
    {
        if (data.Buffers.Length != count)
        {
            throw Fail(path, $"type {data.Type} needs {count} buffers, found {data.Buffers.Length}");
        }
    }

    private static void ExpectChildren(ArrayData data, int count, string path)
    {
        if (data.Children.Length != count)
        {
            throw Fail(path, $"type {data.Type} needs {count} children, found {data.Children.Length}");
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
