using Apache.Arrow;
using Apache.Arrow.Arrays;
using Bulwark.Arrow;

namespace Bulwark.Fuzz;

/// <summary>
/// Reads every value of a batch the way a consumer would (through Apache.Arrow's accessors), so a layout the
/// readers' validation let through but that does not hold is found here rather than in a user's process.
/// </summary>
internal static class ArrayWalk
{
    public static long Batch(RecordBatch batch)
    {
        long sum = 0;
        foreach (var column in batch.Arrays)
        {
            for (var i = 0; i < column.Length; i++)
            {
                sum += Slot(column, i);
            }
        }

        return sum;
    }

    private static long Slot(IArrowArray array, int i)
    {
        if (array is NullArray || array.IsNull(i))
        {
            return 1;
        }

        switch (array)
        {
            case DictionaryArray d:
                var index = checked((int)ArrayValidator.ReadIndex(d.Data.Buffers[1].Span, (Apache.Arrow.Types.IntegerType)((Apache.Arrow.Types.DictionaryType)d.Data.DataType).IndexType, d.Data.Offset + i));
                return Slot(d.Dictionary, index);
            case BooleanArray b:
                return b.GetValue(i) == true ? 1 : 0;
            case StringArray s:
                return s.GetString(i)!.Length;
            case BinaryArray bin:
                return bin.GetBytes(i).Length;
            case LargeBinaryArray large:
                return large.GetBytes(i).Length;
            case BinaryViewArray view:
                return view.GetBytes(i).Length;
            case FixedSizeBinaryArray f:
                return f.GetBytes(i).Length;
            case ListArray l:
                long sum = 0;
                for (var k = l.ValueOffsets[i]; k < l.ValueOffsets[i + 1]; k++)
                {
                    sum += Slot(l.Values, k);
                }

                return sum;
            case LargeListArray ll:
                long largeSum = 0;
                for (var k = ll.ValueOffsets[i]; k < ll.ValueOffsets[i + 1]; k++)
                {
                    largeSum += Slot(ll.Values, checked((int)k));
                }

                return largeSum;
            case FixedSizeListArray fl:
                var size = ((Apache.Arrow.Types.FixedSizeListType)fl.Data.DataType).ListSize;
                long fixedSum = 0;
                for (var k = 0; k < size; k++)
                {
                    fixedSum += Slot(fl.Values, checked(((fl.Offset + i) * size) + k));
                }

                return fixedSum;
            case UnionArray:
                // Which child holds the slot is the union's own layout, validated by the reader; the slot is counted.
                return 1;
            case StructArray st:
                long total = 0;
                foreach (var child in st.Fields)
                {
                    total += Slot(child, i);
                }

                return total;
            default:
                var width = ArrowTypes.ByteWidth(array.Data.DataType);
                if (width == 0)
                {
                    throw new NotSupportedException($"the fuzz walk does not know {ArrowTypes.Describe(array.Data.DataType)}; add it to ArrayWalk");
                }

                return array.Data.Buffers[1].Span.Slice((array.Offset + i) * width, width)[0];
        }
    }
}
