using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Compares arrays by their logical values (nulls, values, list ranges, dictionary-decoded values) rather than their
/// bytes, so a round trip is judged by what a reader sees. Floating point values compare by bits (NaN == NaN).
/// </summary>
internal static class ArrayAssert
{
    public static void BatchesEqual(RecordBatch expected, RecordBatch actual)
    {
        Assert.True(ArrowTypes.Equal(expected.Schema, actual.Schema), ArrowTypes.Describe(actual.Schema) + ", expected " + ArrowTypes.Describe(expected.Schema));
        Assert.Equal(expected.Length, actual.Length);
        for (var c = 0; c < expected.ColumnCount; c++)
        {
            ArraysEqual(expected.Column(c), actual.Column(c), expected.Schema.FieldsList[c].Name);
        }
    }

    public static void ArraysEqual(IArrowArray expected, IArrowArray actual, string path)
    {
        Assert.True(expected.Length == actual.Length, $"{path}: length {actual.Length}, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            SlotEqual(expected, i, actual, i, $"{path}[{i}]");
        }
    }

    private static void SlotEqual(IArrowArray expected, int i, IArrowArray actual, int j, string path)
    {
        var expectedNull = IsNull(expected, i);
        Assert.True(expectedNull == IsNull(actual, j), $"{path}: null is {!expectedNull}, expected {expectedNull}");
        if (expectedNull)
        {
            return;
        }

        switch (expected)
        {
            case DictionaryArray ed:
                var ad = Assert.IsType<DictionaryArray>(actual);
                SlotEqual(ed.Dictionary, Index(ed, i), ad.Dictionary, Index(ad, j), path + ".value");
                return;
            case NullArray:
                Assert.IsType<NullArray>(actual);
                return;
            case BooleanArray eb:
                Assert.True(eb.GetValue(i) == Assert.IsType<BooleanArray>(actual).GetValue(j), path);
                return;
            case BinaryArray ebin:
                Assert.True(ebin.GetBytes(i).SequenceEqual(((BinaryArray)actual).GetBytes(j)), $"{path}: bytes differ");
                return;
            // Decimal128Array derives from FixedSizeBinaryArray, so it must be matched first.
            case Decimal128Array edec:
                Assert.Equal(Unscaled(edec, i), Unscaled(Assert.IsType<Decimal128Array>(actual), j));
                return;
            case FixedSizeBinaryArray ef:
                Assert.True(ef.GetBytes(i).SequenceEqual(Assert.IsType<FixedSizeBinaryArray>(actual).GetBytes(j)), $"{path}: bytes differ");
                return;
            case ListArray el:
                var al = Assert.IsType<ListArray>(actual);
                var (es, ee) = Range(el, i);
                var (@as, ae) = Range(al, j);
                Assert.True(ee - es == ae - @as, $"{path}: list length {ae - @as}, expected {ee - es}");
                for (var k = 0; k < ee - es; k++)
                {
                    SlotEqual(el.Values, es + k, al.Values, @as + k, $"{path}[{k}]");
                }

                return;
            case StructArray est:
                var ast = Assert.IsType<StructArray>(actual);
                Assert.Equal(est.Fields.Count, ast.Fields.Count);
                for (var f = 0; f < est.Fields.Count; f++)
                {
                    SlotEqual(est.Fields[f], i, ast.Fields[f], j, $"{path}.{f}");
                }

                return;
            default:
                // Fixed-width primitives (ints, floats, temporal types): compare the value's bytes.
                Assert.Equal(expected.GetType(), actual.GetType());
                var width = Width(expected);
                var e = expected.Data.Buffers[1].Span.Slice((expected.Offset + i) * width, width);
                var a = actual.Data.Buffers[1].Span.Slice((actual.Offset + j) * width, width);
                Assert.True(e.SequenceEqual(a), $"{path}: value bytes {Convert.ToHexString(a)}, expected {Convert.ToHexString(e)}");
                return;
        }
    }

    private static bool IsNull(IArrowArray array, int index) => array is NullArray || array.IsNull(index);

    private static int Width(IArrowArray array) => ((FixedWidthType)array.Data.DataType).BitWidth / 8;

    private static int Index(DictionaryArray array, int index) =>
        (int)ArrayValidator.ReadIndex(array.Data.Buffers[1].Span, (IntegerType)((DictionaryType)array.Data.DataType).IndexType, array.Offset + index);

    private static Int128 Unscaled(Decimal128Array array, int index) => BinaryPrimitives.ReadInt128LittleEndian(array.GetBytes(index));

    private static (int Start, int End) Range(ListArray array, int index)
    {
        var start = array.ValueOffsets[index];
        return (start, start + array.GetValueLength(index));
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
                return TouchSlot(d.Dictionary, Index(d, i));
            case BooleanArray b:
                return b.GetValue(i) == true ? 1 : 0;
            case StringArray s:
                return s.GetString(i)!.Length;
            case BinaryArray bin:
                return bin.GetBytes(i).Length;
            case Decimal128Array dec:
                return (long)(Unscaled(dec, i) & 0xFF);
            case FixedSizeBinaryArray f:
                return f.GetBytes(i).Length;
            case ListArray l:
                var (start, end) = Range(l, i);
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
                var width = Width(array);
                return array.Data.Buffers[1].Span.Slice((array.Offset + i) * width, width)[0];
        }
    }
}
