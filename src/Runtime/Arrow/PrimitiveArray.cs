using System.Runtime.InteropServices;

namespace Bulwark.Arrow;

/// <summary>Fixed-width values (integers, floats, and the temporal types stored as int32/int64).</summary>
public sealed class PrimitiveArray<T> : ArrowArray
    where T : unmanaged
{
    internal PrimitiveArray(ArrayData data)
        : base(data)
    {
    }

    /// <summary>All values, including the (unspecified) values at null slots. The length was validated on creation.</summary>
    public ReadOnlySpan<T> Values => MemoryMarshal.Cast<byte, T>(Data.Buffers[1].Span)[..Length];

    public T GetValue(int index) => Values[index];

    public T? GetNullable(int index) => IsValid(index) ? Values[index] : null;
}

public sealed class BooleanArray : ArrowArray
{
    internal BooleanArray(ArrayData data)
        : base(data)
    {
    }

    public bool GetValue(int index)
    {
        if ((uint)index >= (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index is outside the array of length {Length}.");
        }

        return BitUtil.GetBit(Data.Buffers[1].Span, index);
    }

    public bool? GetNullable(int index) => IsValid(index) ? GetValue(index) : null;
}
