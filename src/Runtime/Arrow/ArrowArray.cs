namespace Bulwark.Arrow;

/// <summary>
/// A typed, read-only view over <see cref="ArrayData"/>. <see cref="Create"/> validates the layout (buffer sizes, offsets,
/// null counts, dictionary indices) so that no accessor can read outside a buffer, whatever produced the data.
/// </summary>
public abstract class ArrowArray : IDisposable
{
    private readonly ArrowBuffer _validity;

    private protected ArrowArray(ArrayData data)
    {
        Data = data;
        _validity = data.Buffers.Length > 0 ? data.Buffers[0] : ArrowBuffer.Empty;
    }

    public ArrayData Data { get; }

    public ArrowType Type => Data.Type;

    public int Length => Data.Length;

    public int NullCount => Data.NullCount;

    public bool IsValid(int index)
    {
        if ((uint)index >= (uint)Data.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index is outside the array of length {Data.Length}.");
        }

        // A null-type array has no bitmap yet every slot is null; an all-null count settles any array without one.
        if (Data.NullCount == Data.Length)
        {
            return false;
        }

        return Data.NullCount == 0 || _validity.Length == 0 || BitUtil.GetBit(_validity.Span, index);
    }

    public bool IsNull(int index) => !IsValid(index);

    public void Dispose() => Data.Dispose();

    /// <summary>Creates the typed view for <paramref name="data"/>, validating its layout; <paramref name="path"/> names it in errors.</summary>
    /// <exception cref="ArrowFormatException">The layout is inconsistent.</exception>
    public static ArrowArray Create(ArrayData data, string path = "array")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArrayValidator.Validate(data, path);
        return CreateUnchecked(data);
    }

    /// <summary>Builders produce valid layouts by construction; they skip the O(n) validation.</summary>
    internal static ArrowArray CreateUnchecked(ArrayData data)
    {
        if (data.Dictionary is not null)
        {
            return new DictionaryArray(data);
        }

        return data.Type switch
        {
            NullType => new NullArray(data),
            BooleanType => new BooleanArray(data),
            IntType { Width: 8, IsSigned: true } => new PrimitiveArray<sbyte>(data),
            IntType { Width: 16, IsSigned: true } => new PrimitiveArray<short>(data),
            IntType { Width: 32, IsSigned: true } => new PrimitiveArray<int>(data),
            IntType { Width: 64, IsSigned: true } => new PrimitiveArray<long>(data),
            IntType { Width: 8 } => new PrimitiveArray<byte>(data),
            IntType { Width: 16 } => new PrimitiveArray<ushort>(data),
            IntType { Width: 32 } => new PrimitiveArray<uint>(data),
            IntType => new PrimitiveArray<ulong>(data),
            FloatingPointType { Precision: FloatingPointPrecision.Half } => new PrimitiveArray<Half>(data),
            FloatingPointType { Precision: FloatingPointPrecision.Single } => new PrimitiveArray<float>(data),
            FloatingPointType => new PrimitiveArray<double>(data),
            Decimal128Type => new Decimal128Array(data),
            Utf8Type => new StringArray(data),
            BinaryType => new BinaryArray(data),
            FixedSizeBinaryType => new FixedSizeBinaryArray(data),
            DateType { Unit: DateUnit.Day } => new PrimitiveArray<int>(data),
            DateType => new PrimitiveArray<long>(data),
            TimeType { BitWidth: 32 } => new PrimitiveArray<int>(data),
            TimeType => new PrimitiveArray<long>(data),
            TimestampType => new PrimitiveArray<long>(data),
            DurationType => new PrimitiveArray<long>(data),
            ListType => new ListArray(data),
            StructType => new StructArray(data),
            _ => throw new ArrowFormatException($"Arrow type {data.Type} is not supported."),
        };
    }
}

public sealed class NullArray : ArrowArray
{
    internal NullArray(ArrayData data)
        : base(data)
    {
    }
}
