using System.Numerics;
using System.Runtime.InteropServices;
using Apache.Arrow.Types;

namespace Bulwark.Arrow;

/// <summary>
/// The per-slot checks of validation, over whole vectors where the data allows: they run over every offset and index of
/// every batch read, so a scalar loop with a bounds-checked read per slot was a visible share of the read time. Each
/// finds the first offending slot, so error messages name the same slot a slot-by-slot scan would.
/// </summary>
internal static partial class ArrayValidator
{
    /// <summary>The first i with values[i + 1] &lt; values[i], or -1 when the values never decrease.</summary>
    internal static int FirstDecrease<T>(ReadOnlySpan<T> values)
        where T : unmanaged, INumber<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // Each step compares a vector with the same vector shifted by one slot: lane k holds values[i + k] against
            // values[i + k + 1]. A hit is located by the scalar loop below.
            for (; i + Vector<T>.Count < values.Length; i += Vector<T>.Count)
            {
                if (Vector.LessThanAny(new Vector<T>(values[(i + 1)..]), new Vector<T>(values[i..])))
                {
                    break;
                }
            }
        }

        for (; i + 1 < values.Length; i++)
        {
            if (values[i + 1] < values[i])
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The first slot among the first <paramref name="length"/> whose little-endian dictionary index of
    /// <paramref name="type"/> is outside 0..<paramref name="dictionaryLength"/> - 1, or -1. Slots that
    /// <paramref name="validity"/> (empty: all valid) marks null are not looked at: their indices may be anything.
    /// </summary>
    internal static int FirstIndexOutside(ReadOnlySpan<byte> indices, IntegerType type, int length, ReadOnlySpan<byte> validity, int dictionaryLength) => (type.BitWidth, type.IsSigned) switch
    {
        (8, true) => FirstIndexOutside(MemoryMarshal.Cast<byte, sbyte>(indices)[..length], validity, dictionaryLength),
        (8, false) => FirstIndexOutside(indices[..length], validity, dictionaryLength),
        (16, true) => FirstIndexOutside(MemoryMarshal.Cast<byte, short>(indices)[..length], validity, dictionaryLength),
        (16, false) => FirstIndexOutside(MemoryMarshal.Cast<byte, ushort>(indices)[..length], validity, dictionaryLength),
        (32, true) => FirstIndexOutside(MemoryMarshal.Cast<byte, int>(indices)[..length], validity, dictionaryLength),
        (32, false) => FirstIndexOutside(MemoryMarshal.Cast<byte, uint>(indices)[..length], validity, dictionaryLength),
        (_, true) => FirstIndexOutside(MemoryMarshal.Cast<byte, long>(indices)[..length], validity, dictionaryLength),
        _ => FirstIndexOutside(MemoryMarshal.Cast<byte, ulong>(indices)[..length], validity, dictionaryLength),
    };

    private static int FirstIndexOutside<T>(ReadOnlySpan<T> indices, ReadOnlySpan<byte> validity, int dictionaryLength)
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        // Past T.MaxValue the dictionary holds every index T can express: only negative indices can be out of range.
        var bounded = dictionaryLength <= long.CreateSaturating(T.MaxValue);
        var limit = bounded ? T.CreateTruncating(dictionaryLength) : T.MaxValue;
        if (validity.IsEmpty)
        {
            return FirstOutside(indices, 0, indices.Length, bounded, limit);
        }

        // 64 slots at a time: a word of all-valid slots is checked as a run, otherwise only its set bits are.
        for (var start = 0; start < indices.Length; start += 64)
        {
            var count = Math.Min(64, indices.Length - start);
            var word = ValidityWord(validity, start, count);
            if (word == ulong.MaxValue)
            {
                var slot = FirstOutside(indices, start, count, bounded, limit);
                if (slot >= 0)
                {
                    return slot;
                }

                continue;
            }

            for (; word != 0; word &= word - 1)
            {
                var slot = start + BitOperations.TrailingZeroCount(word);
                if (Outside(indices[slot], bounded, limit))
                {
                    return slot;
                }
            }
        }

        return -1;
    }

    private static int FirstOutside<T>(ReadOnlySpan<T> indices, int start, int count, bool bounded, T limit)
        where T : unmanaged, IBinaryInteger<T>
    {
        var i = start;
        var end = start + count;
        if (Vector.IsHardwareAccelerated)
        {
            var limits = new Vector<T>(limit);
            for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
            {
                var values = new Vector<T>(indices[i..]);
                if (Vector.LessThanAny(values, Vector<T>.Zero) || (bounded && Vector.GreaterThanOrEqualAny(values, limits)))
                {
                    break;
                }
            }
        }

        for (; i < end; i++)
        {
            if (Outside(indices[i], bounded, limit))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Outside<T>(T index, bool bounded, T limit)
        where T : IBinaryInteger<T> => T.IsNegative(index) || (bounded && index >= limit);

    /// <summary>The validity bits of slots start..start + count - 1 (count at most 64, start a multiple of 64), low bit first.</summary>
    private static ulong ValidityWord(ReadOnlySpan<byte> validity, int start, int count)
    {
        var bytes = validity.Slice(start >> 3, (count + 7) >> 3);
        ulong word = 0;
        if (bytes.Length == 8)
        {
            word = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }
        else
        {
            for (var b = 0; b < bytes.Length; b++)
            {
                word |= (ulong)bytes[b] << (8 * b);
            }
        }

        return count == 64 ? word : word & ((1UL << count) - 1);
    }
}
