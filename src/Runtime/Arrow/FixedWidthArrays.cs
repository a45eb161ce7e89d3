using System.Buffers.Binary;

namespace Bulwark.Arrow;

public sealed class FixedSizeBinaryArray : ArrowArray
{
    internal FixedSizeBinaryArray(ArrayData data)
        : base(data)
    {
        ByteWidth = ((FixedSizeBinaryType)data.Type).ByteWidth;
    }

    public int ByteWidth { get; }

    public ReadOnlySpan<byte> GetBytes(int index)
    {
        if ((uint)index >= (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index is outside the array of length {Length}.");
        }

        return Data.Buffers[1].Span.Slice(index * ByteWidth, ByteWidth);
    }

    /// <summary>Reads a 16-byte value as a UUID in RFC 4122 (big-endian) byte order, as the arrow.uuid extension stores it.</summary>
    public Guid GetGuid(int index)
    {
        if (ByteWidth != 16)
        {
            throw new InvalidOperationException($"A UUID needs fixed_size_binary(16), not fixed_size_binary({ByteWidth}).");
        }

        return new Guid(GetBytes(index), bigEndian: true);
    }
}

/// <summary>Decimal128 values: 16-byte little-endian two's complement integers scaled by 10^-scale.</summary>
public sealed class Decimal128Array : ArrowArray
{
    internal Decimal128Array(ArrayData data)
        : base(data)
    {
        var type = (Decimal128Type)data.Type;
        Precision = type.Precision;
        Scale = type.Scale;
    }

    public int Precision { get; }

    public int Scale { get; }

    public Int128 GetUnscaled(int index)
    {
        if ((uint)index >= (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index is outside the array of length {Length}.");
        }

        return BinaryPrimitives.ReadInt128LittleEndian(Data.Buffers[1].Span.Slice(index * 16, 16));
    }

    /// <exception cref="OverflowException">The value does not fit a <see cref="decimal"/>.</exception>
    public decimal GetDecimal(int index) => DecimalConvert.ToDecimal(GetUnscaled(index), Scale);
}
