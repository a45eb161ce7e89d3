using System.Buffers.Binary;

namespace Bulwark.Arrow;

/// <summary>A list per slot: int32 offsets (length + 1) into the child <see cref="Values"/> array.</summary>
public sealed class ListArray : ArrowArray
{
    internal ListArray(ArrayData data)
        : base(data)
    {
        Values = CreateUnchecked(data.Children[0]);
    }

    public ArrowArray Values { get; }

    /// <summary>The range of <see cref="Values"/> that slot <paramref name="index"/> holds.</summary>
    public (int Start, int End) GetRange(int index)
    {
        if ((uint)index >= (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index is outside the array of length {Length}.");
        }

        var offsets = Data.Buffers[1].Span;
        return (BinaryPrimitives.ReadInt32LittleEndian(offsets.Slice(index * 4, 4)), BinaryPrimitives.ReadInt32LittleEndian(offsets.Slice((index + 1) * 4, 4)));
    }
}

public sealed class StructArray : ArrowArray
{
    internal StructArray(ArrayData data)
        : base(data)
    {
        var children = new ArrowArray[data.Children.Length];
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = CreateUnchecked(data.Children[i]);
        }

        Fields = children;
    }

    public IReadOnlyList<ArrowArray> Fields { get; }
}

/// <summary>Dictionary-encoded values: integer indices into <see cref="Dictionary"/>. Indices were range-checked on creation.</summary>
public sealed class DictionaryArray : ArrowArray
{
    internal DictionaryArray(ArrayData data)
        : base(data)
    {
        Dictionary = CreateUnchecked(data.Dictionary!);
        IndexType = (IntType)data.Type;
    }

    public IntType IndexType { get; }

    public ArrowArray Dictionary { get; }

    /// <summary>The dictionary index at <paramref name="index"/> (unspecified at null slots).</summary>
    public int GetIndex(int index)
    {
        if ((uint)index >= (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index is outside the array of length {Length}.");
        }

        return (int)ReadIndex(Data.Buffers[1].Span, IndexType, index);
    }

    internal static long ReadIndex(ReadOnlySpan<byte> values, IntType type, int index) => type switch
    {
        { Width: 8, IsSigned: true } => (sbyte)values[index],
        { Width: 8 } => values[index],
        { Width: 16, IsSigned: true } => BinaryPrimitives.ReadInt16LittleEndian(values.Slice(index * 2, 2)),
        { Width: 16 } => BinaryPrimitives.ReadUInt16LittleEndian(values.Slice(index * 2, 2)),
        { Width: 32, IsSigned: true } => BinaryPrimitives.ReadInt32LittleEndian(values.Slice(index * 4, 4)),
        { Width: 32 } => BinaryPrimitives.ReadUInt32LittleEndian(values.Slice(index * 4, 4)),
        { IsSigned: true } => BinaryPrimitives.ReadInt64LittleEndian(values.Slice(index * 8, 8)),
        _ => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(values.Slice(index * 8, 8)), long.MaxValue),
    };
}
