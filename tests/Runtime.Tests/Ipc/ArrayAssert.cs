using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Compares arrays by their logical values (nulls, values, list ranges, dictionary-decoded values) rather than their
/// bytes, so a round trip is judged by what a reader sees. Floating point values compare by bits (NaN == NaN).
/// The comparison reads the Arrow layout itself (offsets applied per the spec: a slice's offset indexes its validity,
/// values and offsets, and its struct children), so a sliced expected array is judged by the slice's values without
/// relying on how a given Apache.Arrow version handles slices in its accessors.
/// </summary>
internal static class ArrayAssert
{
    /// <summary>Apache.Arrow's schemas compare by reference; this compares fields, types and metadata.</summary>
    public static void SchemasEqual(Schema expected, Schema actual) =>
        Assert.True(ArrowTypes.Equal(expected, actual), ArrowTypes.Describe(actual) + ", expected " + ArrowTypes.Describe(expected));

    public static void TypesEqual(IArrowType expected, IArrowType actual) =>
        Assert.True(ArrowTypes.Equal(expected, actual), ArrowTypes.Describe(actual) + ", expected " + ArrowTypes.Describe(expected));

    public static void BatchesEqual(RecordBatch expected, RecordBatch actual)
    {
        SchemasEqual(expected.Schema, actual.Schema);
        Assert.Equal(expected.Length, actual.Length);
        for (var c = 0; c < expected.ColumnCount; c++)
        {
            ArraysEqual(expected.Column(c), actual.Column(c), expected.Schema.FieldsList[c].Name);
        }
    }

    public static void ArraysEqual(IArrowArray expected, IArrowArray actual, string path) => DataEqual(expected.Data, actual.Data, path);

    public static void DataEqual(ArrayData expected, ArrayData actual, string path)
    {
        Assert.True(expected.Length == actual.Length, $"{path}: length {actual.Length}, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            SlotEqual(expected, i, actual, i, $"{path}[{i}]");
        }
    }

    /// <summary>Compares slot <paramref name="i"/> of <paramref name="expected"/> with slot <paramref name="j"/> of <paramref name="actual"/>.</summary>
    public static void SlotsEqual(IArrowArray expected, int i, IArrowArray actual, int j, string path) => SlotEqual(expected.Data, i, actual.Data, j, path);

    /// <summary>Whether slot <paramref name="index"/> (relative to the data's offset) is null.</summary>
    public static bool IsNull(ArrayData data, int index)
    {
        if (data.DataType is NullType)
        {
            return true;
        }

        var validity = data.Buffers.Length > 0 ? data.Buffers[0] : ArrowBuffer.Empty;
        return validity.Length > 0 && !BitUtil.GetBit(validity.Span, data.Offset + index);
    }

    /// <summary>The dictionary index stored in slot <paramref name="index"/> of a dictionary-encoded array.</summary>
    public static int DictionaryIndex(ArrayData data, int index) =>
        checked((int)ArrayValidator.ReadIndex(data.Buffers[1].Span, (IntegerType)((DictionaryType)data.DataType).IndexType, data.Offset + index));

    private static void SlotEqual(ArrayData expected, int i, ArrayData actual, int j, string path)
    {
        var expectedNull = IsNull(expected, i);
        Assert.True(expectedNull == IsNull(actual, j), $"{path}: null is {!expectedNull}, expected {expectedNull}");
        if (expectedNull)
        {
            return;
        }

        Assert.True(expected.DataType.TypeId == actual.DataType.TypeId, $"{path}: type {ArrowTypes.Describe(actual.DataType)}, expected {ArrowTypes.Describe(expected.DataType)}");
        var ei = expected.Offset + i;
        var aj = actual.Offset + j;
        switch (expected.DataType)
        {
            case DictionaryType:
                SlotEqual(expected.Dictionary!, DictionaryIndex(expected, i), actual.Dictionary!, DictionaryIndex(actual, j), path + ".value");
                return;
            case BooleanType:
                Assert.True(BitUtil.GetBit(expected.Buffers[1].Span, ei) == BitUtil.GetBit(actual.Buffers[1].Span, aj), path);
                return;
            case StringType or BinaryType:
                var eb = VariableBytes(expected, ei);
                var ab = VariableBytes(actual, aj);
                Assert.True(eb.SequenceEqual(ab), $"{path}: bytes {Convert.ToHexString(ab)}, expected {Convert.ToHexString(eb)}");
                return;
            case ListType:
                var (es, ee) = Range(expected, ei);
                var (@as, ae) = Range(actual, aj);
                Assert.True(ee - es == ae - @as, $"{path}: list length {ae - @as}, expected {ee - es}");
                for (var k = 0; k < ee - es; k++)
                {
                    SlotEqual(expected.Children[0], es + k, actual.Children[0], @as + k, $"{path}[{k}]");
                }

                return;
            case StructType:
                Assert.Equal(expected.Children.Length, actual.Children.Length);
                for (var f = 0; f < expected.Children.Length; f++)
                {
                    // ArrayData.Slice keeps the parent's children: struct slot i is each child's slot offset + i.
                    SlotEqual(expected.Children[f], ei, actual.Children[f], aj, $"{path}.{f}");
                }

                return;
            default:
                // Fixed-width values (ints, floats, decimals, fixed-size binary, temporal types): compare the bytes.
                Assert.True(ArrowTypes.Equal(expected.DataType, actual.DataType), $"{path}: type {ArrowTypes.Describe(actual.DataType)}, expected {ArrowTypes.Describe(expected.DataType)}");
                var width = ArrowTypes.ByteWidth(expected.DataType);
                var e = expected.Buffers[1].Span.Slice(ei * width, width);
                var a = actual.Buffers[1].Span.Slice(aj * width, width);
                Assert.True(e.SequenceEqual(a), $"{path}: value bytes {Convert.ToHexString(a)}, expected {Convert.ToHexString(e)}");
                return;
        }
    }

    private static (int Start, int End) Range(ArrayData data, int absolute)
    {
        var offsets = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(data.Buffers[1].Span);
        return (offsets[absolute], offsets[absolute + 1]);
    }

    private static ReadOnlySpan<byte> VariableBytes(ArrayData data, int absolute)
    {
        var (start, end) = Range(data, absolute);
        return data.Buffers[2].Span[start..end];
    }

    /// <summary>Reads every slot through the public accessors, as a consumer would; returns a checksum so nothing is elided.</summary>
    public static long Touch(IArrowArray array)
    {
        long sum = 0;
        for (var i = 0; i < array.Length; i++)
        {
            sum += TouchSlot(array, i);
        }

        return sum;
    }

    private static long TouchSlot(IArrowArray array, int i)
    {
        if (array is NullArray || array.IsNull(i))
        {
            return 1;
        }

        switch (array)
        {
            case DictionaryArray d:
                return TouchSlot(d.Dictionary, DictionaryIndex(d.Data, i));
            case BooleanArray b:
                return b.GetValue(i) == true ? 1 : 0;
            case StringArray s:
                return s.GetString(i)!.Length;
            case BinaryArray bin:
                return bin.GetBytes(i).Length;
            case FixedSizeBinaryArray f:
                return f.GetBytes(i).Length;
            case ListArray l:
                var start = l.ValueOffsets[i];
                var end = l.ValueOffsets[i + 1];
                long sum = 0;
                for (var k = start; k < end; k++)
                {
                    sum += TouchSlot(l.Values, k);
                }

                return sum;
            case StructArray st:
                long total = 0;
                foreach (var child in st.Fields)
                {
                    total += TouchSlot(child, i);
                }

                return total;
            default:
                var width = ArrowTypes.ByteWidth(array.Data.DataType);
                return array.Data.Buffers[1].Span.Slice((array.Offset + i) * width, width)[0];
        }
    }
}
