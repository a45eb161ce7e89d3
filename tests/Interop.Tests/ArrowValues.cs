using System.Buffers.Binary;
using System.Numerics;
using Apache.Arrow;

namespace Bulwark.Interop.Tests;

/// <summary>
/// Reads single values out of Apache.Arrow arrays the way the comparers need them: integers of any width (temporal
/// arrays included) as one number, decimals as their unscaled 128-bit integer (Decimal128Array.GetValue's
/// System.Decimal cannot hold 38 digits), dictionary indices of any index type and list ranges. (A struct's children need no such help: StructArray.Fields
/// slices them to the struct's window.)
/// </summary>
internal static class ArrowValues
{
    /// <summary>The stored integer of an integer, date, time, timestamp or duration array; null for other arrays.</summary>
    public static BigInteger? Integer(IArrowArray array, int index) => array switch
    {
        PrimitiveArray<sbyte> p => p.Values[index],
        PrimitiveArray<short> p => p.Values[index],
        PrimitiveArray<int> p => p.Values[index],
        PrimitiveArray<long> p => p.Values[index],
        PrimitiveArray<byte> p => p.Values[index],
        PrimitiveArray<ushort> p => p.Values[index],
        PrimitiveArray<uint> p => p.Values[index],
        PrimitiveArray<ulong> p => p.Values[index],
        _ => null,
    };

    public static long Int64(IArrowArray array, int index) =>
        Integer(array, index) is { } value ? (long)value : throw new ArgumentOutOfRangeException(nameof(array), array.GetType().Name, "Not an integer array.");

    public static Int128 Unscaled(Decimal128Array array, int index) => BinaryPrimitives.ReadInt128LittleEndian(array.GetBytes(index));

    public static int DictionaryIndex(DictionaryArray array, int index) => checked((int)Int64(array.Indices, index));

    /// <summary>The child range of list slot <paramref name="index"/>, in indices of <see cref="ListArray.Values"/>.</summary>
    public static (int Start, int End) ListRange(ListArray array, int index) => (array.ValueOffsets[index], array.ValueOffsets[index + 1]);
}
