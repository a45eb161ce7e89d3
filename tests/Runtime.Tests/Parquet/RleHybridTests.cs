using Bulwark.Arrow;
using Bulwark.Parquet;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>Vectors from Encodings.md for the RLE / bit-packing hybrid, and random round trips.</summary>
public sealed class RleHybridTests
{
    private static byte[] Encode(byte[] values, int bitWidth)
    {
        var buffer = new PooledBuffer();
        RleHybrid.Encode(values, bitWidth, buffer);
        var bytes = buffer.Written.ToArray();
        buffer.Release();
        return bytes;
    }

    [Fact]
    public void BitPackingMatchesTheSpecExample()
    {
        // Encodings.md: 0..7 with bit width 3 pack to 10001000 11000110 11111010.
        Span<byte> packed = stackalloc byte[3];
        RleHybrid.PackGroup([0, 1, 2, 3, 4, 5, 6, 7], 3, packed);
        Assert.Equal(new byte[] { 0x88, 0xC6, 0xFA }, packed.ToArray());
        Assert.Equal(new byte[] { 0x03, 0x88, 0xC6, 0xFA }, Encode([0, 1, 2, 3, 4, 5, 6, 7], 3));
    }

    [Fact]
    public void RunsBecomeRleRunsWithTheValueInWholeBytes()
    {
        // 8 copies of 5 at width 3: header varint(8 << 1) = 0x10, then the value in one byte.
        Assert.Equal(new byte[] { 0x10, 0x05 }, Encode([5, 5, 5, 5, 5, 5, 5, 5], 3));

        // 300 ones at width 1: header varint(600) = D8 04.
        Assert.Equal(new byte[] { 0xD8, 0x04, 0x01 }, Encode(Enumerable.Repeat((byte)1, 300).ToArray(), 1));
    }

    [Fact]
    public void ShortTailsArePaddedToAGroup()
    {
        // Three values at width 1: one bit-packed group (0x03), bits 1,0,1 -> 0b101.
        Assert.Equal(new byte[] { 0x03, 0x05 }, Encode([1, 0, 1], 1));
    }

    [Fact]
    public void DecodingChecksRangeAndLength()
    {
        var output = new byte[8];
        RleHybrid.Decode([0x10, 0x05], 3, output, 4, out var error);
        Assert.Contains("above the maximum", error);
        RleHybrid.Decode([0x10], 3, output, 7, out error);
        Assert.Contains("truncated", error);
        RleHybrid.Decode([0x07, 0x88], 3, output, 7, out error);
        Assert.Contains("bit-packed run", error);
        var indices = new int[8];
        RleHybrid.Decode([0x10, 0x09], 4, indices, 9, out error);
        Assert.Contains("outside the dictionary", error);
    }

    [Fact]
    public void RandomLevelsRoundTrip() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var max = rng.Next(0, 10);
            var width = RleHybrid.BitWidth(max);
            var values = new byte[rng.Next(0, 400)];
            for (var i = 0; i < values.Length;)
            {
                var run = rng.Next(3) == 0 ? rng.Next(1, 40) : 1;
                var value = (byte)rng.Next(0, max + 1);
                for (var k = 0; k < run && i < values.Length; k++)
                {
                    values[i++] = value;
                }
            }

            var encoded = Encode(values, width);
            var decoded = new byte[values.Length];
            var used = RleHybrid.Decode(encoded, width, decoded, max, out var error);
            Assert.Null(error);
            Assert.Equal(encoded.Length, used);
            Assert.Equal(values, decoded);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    /// <summary>
    /// The definition of bit packing in Encodings.md, bit by bit: bit <c>i</c> of value <c>k</c> is bit
    /// <c>k * width + i</c> of the group, counted from the least significant bit of the first byte.
    /// </summary>
    private static byte[] ReferencePack(ReadOnlySpan<uint> values, int width)
    {
        var packed = new byte[width];
        for (var k = 0; k < 8; k++)
        {
            for (var i = 0; i < width; i++)
            {
                if (((values[k] >> i) & 1) != 0)
                {
                    var bit = (k * width) + i;
                    packed[bit / 8] |= (byte)(1 << (bit % 8));
                }
            }
        }

        return packed;
    }

    private static uint[] RandomGroup(Random rng, int width)
    {
        var values = new uint[8];
        for (var k = 0; k < 8; k++)
        {
            // The top bit is set half the time so that the bits which cross into the group's high bytes are exercised.
            var value = width == 0 ? 0 : (uint)rng.NextInt64(0, 1L << width);
            if (width > 0 && rng.Next(2) == 0)
            {
                value |= 1U << (width - 1);
            }

            values[k] = value;
        }

        return values;
    }

    public static TheoryData<int> EveryBitWidth()
    {
        var widths = new TheoryData<int>();
        for (var width = 0; width <= 32; width++)
        {
            widths.Add(width);
        }

        return widths;
    }

    [Theory]
    [MemberData(nameof(EveryBitWidth))]
    public void GroupsPackAndUnpackExactlyAsTheSpecDefinesAtEveryWidth(int width)
    {
        var rng = new Random(width);
        for (var trial = 0; trial < 200; trial++)
        {
            var values = RandomGroup(rng, width);
            var ints = Array.ConvertAll(values, v => unchecked((int)v));
            var packed = new byte[width];
            RleHybrid.PackGroup(ints, width, packed);
            Assert.Equal(ReferencePack(values, width), packed);

            var unpacked = new int[8];
            RleHybrid.UnpackGroup(ReferencePack(values, width), width, unpacked);
            Assert.Equal(ints, unpacked);
        }
    }

    [Theory]
    [MemberData(nameof(EveryBitWidth))]
    public void DictionaryIndicesRoundTripAtEveryWidth(int width)
    {
        // Indices of a dictionary of 2^width values (capped at int.MaxValue), mixing runs and bit-packed stretches.
        var dictionarySize = width == 0 ? 1 : (int)Math.Min(int.MaxValue, 1L << width);
        var rng = new Random(100 + width);
        var values = new int[1_003];
        for (var i = 0; i < values.Length;)
        {
            var run = rng.Next(4) == 0 ? rng.Next(8, 30) : 1;
            var value = width == 0 ? 0 : (int)rng.NextInt64(Math.Max(0, dictionarySize / 2), dictionarySize);
            for (var k = 0; k < run && i < values.Length; k++)
            {
                values[i++] = value;
            }
        }

        var buffer = new PooledBuffer();
        RleHybrid.Encode(values, width, buffer);
        var encoded = buffer.Written.ToArray();
        buffer.Release();

        var decoded = new int[values.Length];
        var used = RleHybrid.Decode(encoded, width, decoded, dictionarySize, out var error);
        Assert.Null(error);
        Assert.Equal(encoded.Length, used);
        Assert.Equal(values, decoded);
    }

    [Fact]
    public void SeventeenBitIndicesDecodeFromHandPackedBytes()
    {
        // One bit-packed group of the eight indices 65536..65543 at width 17, packed by the spec's definition: the
        // 17 bytes a dictionary of more than 65,536 values produces. A 128-bit accumulator loses the last value's
        // high bits here.
        var values = new uint[] { 65_536, 65_537, 65_538, 65_539, 65_540, 65_541, 65_542, 131_071 };
        var page = new byte[] { 0x03 }.Concat(ReferencePack(values, 17)).ToArray();
        var decoded = new int[8];
        var used = RleHybrid.Decode(page, 17, decoded, 131_072, out var error);
        Assert.Null(error);
        Assert.Equal(18, used);
        Assert.Equal(Array.ConvertAll(values, v => (int)v), decoded);
    }
}
