using System.Buffers.Binary;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// The vectorised offset and dictionary index scans against a slot-by-slot reference, with the offending slot at every
/// position around the vector and 64-slot word boundaries, with and without nulls over bad indices.
/// </summary>
public sealed class ValidationScanTests
{
    private static readonly int[] SomeLengths = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 200];

    public static TheoryData<int> Lengths => new(SomeLengths);

    public static IEnumerable<object[]> IndexTypes => TestData.IndexTypes.Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(Lengths))]
    public void FirstDecreaseFindsTheFirstDrop(int length)
    {
        var random = new Random(length);
        var ints = new int[length];
        var longs = new long[length];
        for (var i = 1; i < length; i++)
        {
            ints[i] = ints[i - 1] + random.Next(3);
            longs[i] = longs[i - 1] + random.Next(3) + (1L << 40);
        }

        Assert.Equal(-1, ArrayValidator.FirstDecrease<int>(ints));
        Assert.Equal(-1, ArrayValidator.FirstDecrease<long>(longs));
        for (var drop = 1; drop < length; drop++)
        {
            var badInts = (int[])ints.Clone();
            var badLongs = (long[])longs.Clone();
            badInts[drop] = badInts[drop - 1] - 1;
            badLongs[drop] = badLongs[drop - 1] - 1;
            if (drop + 1 < length)
            {
                // A second drop later on: the first one is the one reported.
                badInts[length - 1] = int.MinValue;
                badLongs[length - 1] = long.MinValue;
            }

            Assert.Equal(drop - 1, ArrayValidator.FirstDecrease<int>(badInts));
            Assert.Equal(drop - 1, ArrayValidator.FirstDecrease<long>(badLongs));
        }
    }

    [Theory]
    [MemberData(nameof(IndexTypes))]
    public void FirstIndexOutsideAgreesWithASlotBySlotScan(IntegerType type)
    {
        var random = new Random(type.BitWidth * 2 + (type.IsSigned ? 1 : 0));
        var width = type.BitWidth / 8;
        foreach (var length in SomeLengths)
        {
            foreach (var dictionaryLength in new[] { 0, 1, 5, 127, 128, 255, 256, 300, 70_000 })
            {
                for (var trial = 0; trial < 20; trial++)
                {
                    var indices = new byte[length * width];
                    var validity = new byte[(length + 7) / 8];
                    var withNulls = trial % 2 == 1;
                    for (var i = 0; i < length; i++)
                    {
                        var valid = !withNulls || random.Next(4) != 0;
                        if (valid)
                        {
                            validity[i >> 3] |= (byte)(1 << (i & 7));
                        }

                        // Mostly in range, some just past either end, some anything at all (null slots included).
                        long index = random.Next(10) switch
                        {
                            0 => dictionaryLength,
                            1 => -1,
                            2 => random.NextInt64(),
                            _ => dictionaryLength == 0 ? 0 : random.Next(dictionaryLength),
                        };
                        Write(indices.AsSpan(i * width, width), index);
                    }

                    var bits = withNulls ? validity : default;
                    Assert.Equal(Reference(indices, type, length, bits, dictionaryLength), ArrayValidator.FirstIndexOutside(indices, type, length, bits, dictionaryLength));
                }
            }
        }
    }

    private static int Reference(byte[] indices, IntegerType type, int length, ReadOnlySpan<byte> validity, int dictionaryLength)
    {
        for (var i = 0; i < length; i++)
        {
            if (!validity.IsEmpty && !BitUtil.GetBit(validity, i))
            {
                continue;
            }

            var index = ArrayValidator.ReadIndex(indices, type, i);
            if (index < 0 || index >= dictionaryLength)
            {
                return i;
            }
        }

        return -1;
    }

    // The low bytes of the value, little-endian: a negative value or one too wide for the index type wraps as a writer's would.
    private static void Write(Span<byte> destination, long value)
    {
        Span<byte> all = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(all, value);
        all[..destination.Length].CopyTo(destination);
    }
}
