using System.Numerics;
using System.Runtime.CompilerServices;

namespace Bulwark.Arrow;

/// <summary>LSB-first bitmaps as the Arrow columnar format defines them.</summary>
internal static class BitUtil
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GetBit(ReadOnlySpan<byte> bits, int index) => (bits[index >> 3] & (1 << (index & 7))) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetBit(Span<byte> bits, int index) => bits[index >> 3] |= (byte)(1 << (index & 7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ClearBit(Span<byte> bits, int index) => bits[index >> 3] &= (byte)~(1 << (index & 7));

    /// <summary>Bytes needed for <paramref name="bitCount"/> bits.</summary>
    public static int BytesForBits(int bitCount) => (int)(((long)bitCount + 7) >> 3);

    /// <summary>Counts the set bits among the first <paramref name="bitCount"/> bits.</summary>
    public static int CountSetBits(ReadOnlySpan<byte> bits, int bitCount)
    {
        var whole = bitCount >> 3;
        var count = 0;
        var i = 0;
        for (; i + 8 <= whole; i += 8)
        {
            count += BitOperations.PopCount(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bits.Slice(i, 8)));
        }

        for (; i < whole; i++)
        {
            count += BitOperations.PopCount(bits[i]);
        }

        var rest = bitCount & 7;
        if (rest != 0)
        {
            count += BitOperations.PopCount((uint)(bits[whole] & ((1 << rest) - 1)));
        }

        return count;
    }
}
