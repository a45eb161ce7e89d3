using System.Buffers.Binary;
using System.Text;

namespace Bulwark.Arrow;

/// <summary>Variable-length bytes: int32 offsets (length + 1) into a data buffer.</summary>
public class BinaryArray : ArrowArray
{
    internal BinaryArray(ArrayData data)
        : base(data)
    {
    }

    public ReadOnlySpan<byte> GetBytes(int index)
    {
        if ((uint)index >= (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index is outside the array of length {Length}.");
        }

        var offsets = Data.Buffers[1].Span;
        var start = BinaryPrimitives.ReadInt32LittleEndian(offsets.Slice(index * 4, 4));
        var end = BinaryPrimitives.ReadInt32LittleEndian(offsets.Slice((index + 1) * 4, 4));
        return Data.Buffers[2].Span[start..end];
    }

    /// <summary>A copy of the bytes at <paramref name="index"/>, or null for a null slot.</summary>
    public byte[]? GetByteArray(int index) => IsValid(index) ? GetBytes(index).ToArray() : null;
}

public sealed class StringArray : BinaryArray
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    internal StringArray(ArrayData data)
        : base(data)
    {
    }

    /// <summary>The string at <paramref name="index"/>, or null for a null slot.</summary>
    /// <exception cref="ArrowFormatException">The bytes are not valid UTF-8.</exception>
    public string? GetString(int index)
    {
        if (!IsValid(index))
        {
            return null;
        }

        var bytes = GetBytes(index);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ArrowFormatException($"utf8 value at index {index} is not valid UTF-8: {ex.Message}", ex);
        }
    }
}
