namespace Bulwark.Arrow;

/// <summary>
/// The physical layout of one array: its type, length, null count, buffers in the order the Arrow columnar format
/// lists them for the type, children of nested types and, for dictionary-encoded fields, the dictionary values.
/// Typed views (<see cref="ArrowArray"/> subclasses) are created over it by <see cref="ArrowArray.Create"/>.
/// </summary>
public sealed class ArrayData : IDisposable
{
    public ArrayData(ArrowType type, int length, int nullCount, ArrowBuffer[] buffers, ArrayData[]? children = null, ArrayData? dictionary = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(nullCount);
        Type = type ?? throw new ArgumentNullException(nameof(type));
        Length = length;
        NullCount = nullCount;
        Buffers = buffers ?? throw new ArgumentNullException(nameof(buffers));
        Children = children ?? Array.Empty<ArrayData>();
        Dictionary = dictionary;
    }

    /// <summary>For a dictionary-encoded array this is the index type's storage (an <see cref="IntType"/>); otherwise the value type.</summary>
    public ArrowType Type { get; }

    public int Length { get; }

    public int NullCount { get; }

    public ArrowBuffer[] Buffers { get; }

    public ArrayData[] Children { get; }

    /// <summary>The dictionary values when this array holds dictionary indices.</summary>
    public ArrayData? Dictionary { get; }

    public void Dispose()
    {
        foreach (var buffer in Buffers)
        {
            buffer.Dispose();
        }

        foreach (var child in Children)
        {
            child.Dispose();
        }

        Dictionary?.Dispose();
    }
}
