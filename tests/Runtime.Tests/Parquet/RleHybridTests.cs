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
}
