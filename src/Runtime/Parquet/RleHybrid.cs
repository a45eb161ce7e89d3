using System.Buffers.Binary;
using System.Numerics;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>
/// The RLE / bit-packing hybrid of Encodings.md, used for definition and repetition levels, dictionary indices and
/// RLE booleans. Runs of eight or more equal values become RLE runs; everything else is bit-packed in groups of eight.
/// </summary>
internal static class RleHybrid
{
    /// <summary>Bits needed to store values up to <paramref name="max"/>.</summary>
    public static int BitWidth(int max) => max == 0 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)max);

    public static void Encode(ReadOnlySpan<byte> values, int bitWidth, PooledBuffer output)
    {
        var i = 0;
        var n = values.Length;
        Span<int> group = stackalloc int[8];
        while (i < n)
        {
            var run = RunLength(values, i);
            if (run >= 8)
            {
                WriteRle(output, run, values[i], bitWidth);
                i += run;
                continue;
            }

            var start = i;
            var groups = 0;
            while (i < n)
            {
                i = Math.Min(n, i + 8);
                groups++;
                if (i >= n || RunLength(values, i) >= 8)
                {
                    break;
                }
            }

            WriteVarint(output, (uint)((groups << 1) | 1));
            var packed = output.GetSpan(groups * bitWidth);
            packed[..(groups * bitWidth)].Clear();
            for (var g = 0; g < groups; g++)
            {
                for (var k = 0; k < 8; k++)
                {
                    var index = start + (g * 8) + k;
                    group[k] = index < n && index < i ? values[index] : 0;
                }

                PackGroup(group, bitWidth, packed.Slice(g * bitWidth, bitWidth));
            }

            output.Advance(groups * bitWidth);
        }
    }

    public static void Encode(ReadOnlySpan<int> values, int bitWidth, PooledBuffer output)
    {
        Span<int> group = stackalloc int[8];
        var i = 0;
        var n = values.Length;
        while (i < n)
        {
            var run = RunLength(values, i);
            if (run >= 8)
            {
                WriteRle(output, run, values[i], bitWidth);
                i += run;
                continue;
            }

            var start = i;
            var groups = 0;
            while (i < n)
            {
                i = Math.Min(n, i + 8);
                groups++;
                if (i >= n || RunLength(values, i) >= 8)
                {
                    break;
                }
            }

            WriteVarint(output, (uint)((groups << 1) | 1));
            var packed = output.GetSpan(groups * bitWidth);
            packed[..(groups * bitWidth)].Clear();
            for (var g = 0; g < groups; g++)
            {
                var from = start + (g * 8);
                var take = Math.Min(8, i - from);
                values.Slice(from, take).CopyTo(group);
                group[take..].Clear();
                PackGroup(group, bitWidth, packed.Slice(g * bitWidth, bitWidth));
            }

            output.Advance(groups * bitWidth);
        }
    }

    /// <summary>
    /// Decodes exactly <paramref name="output"/>.Length values, each checked to be at most <paramref name="maxValue"/>.
    /// Returns the bytes consumed, or an error text when the data is short, a run is malformed or a value is out of range.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> data, int bitWidth, Span<byte> output, int maxValue, out string? error)
    {
        var position = 0;
        var produced = 0;
        var byteWidth = (bitWidth + 7) / 8;
        Span<int> group = stackalloc int[8];
        while (produced < output.Length)
        {
            if (!TryReadVarint(data, ref position, out var header))
            {
                error = $"the level/index data ends after {produced} of {output.Length} values";
                return position;
            }

            if ((header & 1) == 0)
            {
                var count = header >> 1;
                if (position + byteWidth > data.Length)
                {
                    error = "an RLE run's value is truncated";
                    return position;
                }

                var value = 0;
                for (var b = 0; b < byteWidth; b++)
                {
                    value |= data[position + b] << (8 * b);
                }

                position += byteWidth;
                if ((uint)value > (uint)maxValue)
                {
                    error = $"value {value} is above the maximum {maxValue}";
                    return position;
                }

                var take = (int)Math.Min(count, (ulong)(output.Length - produced));
                output.Slice(produced, take).Fill((byte)value);
                produced += take;
            }
            else
            {
                var groups = header >> 1;
                var bytes = groups * (ulong)bitWidth;
                if (bytes > (ulong)(data.Length - position))
                {
                    error = $"a bit-packed run of {groups} groups needs {bytes} bytes; {data.Length - position} remain";
                    return position;
                }

                for (ulong g = 0; g < groups && produced < output.Length; g++)
                {
                    UnpackGroup(data.Slice(position + (int)(g * (ulong)bitWidth), bitWidth), bitWidth, group);
                    var take = Math.Min(8, output.Length - produced);
                    for (var k = 0; k < take; k++)
                    {
                        if ((uint)group[k] > (uint)maxValue)
                        {
                            error = $"value {group[k]} is above the maximum {maxValue}";
                            return position;
                        }

                        output[produced + k] = (byte)group[k];
                    }

                    produced += take;
                }

                position += (int)bytes;
            }
        }

        error = null;
        return position;
    }

    /// <summary>As the byte overload, for dictionary indices of up to 32 bits checked against the dictionary size.</summary>
    public static int Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> output, int dictionarySize, out string? error)
    {
        var position = 0;
        var produced = 0;
        var byteWidth = (bitWidth + 7) / 8;
        Span<int> group = stackalloc int[8];
        while (produced < output.Length)
        {
            if (!TryReadVarint(data, ref position, out var header))
            {
                error = $"the index data ends after {produced} of {output.Length} values";
                return position;
            }

            if ((header & 1) == 0)
            {
                var count = header >> 1;
                if (position + byteWidth > data.Length)
                {
                    error = "an RLE run's value is truncated";
                    return position;
                }

                uint value = 0;
                for (var b = 0; b < byteWidth; b++)
                {
                    value |= (uint)data[position + b] << (8 * b);
                }

                position += byteWidth;
                var take = (int)Math.Min(count, (ulong)(output.Length - produced));
                if (take > 0 && value >= (uint)dictionarySize)
                {
                    error = $"dictionary index {value} is outside the dictionary of {dictionarySize} values";
                    return position;
                }

                output.Slice(produced, take).Fill((int)value);
                produced += take;
            }
            else
            {
                var groups = header >> 1;
                var bytes = groups * (ulong)bitWidth;
                if (bytes > (ulong)(data.Length - position))
                {
                    error = $"a bit-packed run of {groups} groups needs {bytes} bytes; {data.Length - position} remain";
                    return position;
                }

                for (ulong g = 0; g < groups && produced < output.Length; g++)
                {
                    UnpackGroup(data.Slice(position + (int)(g * (ulong)bitWidth), bitWidth), bitWidth, group);
                    var take = Math.Min(8, output.Length - produced);
                    for (var k = 0; k < take; k++)
                    {
                        if ((uint)group[k] >= (uint)dictionarySize)
                        {
                            error = $"dictionary index {(uint)group[k]} is outside the dictionary of {dictionarySize} values";
                            return position;
                        }

                        output[produced + k] = group[k];
                    }

                    produced += take;
                }

                position += (int)bytes;
            }
        }

        error = null;
        return position;
    }

    /// <summary>Packs eight values LSB-first into exactly <paramref name="bitWidth"/> bytes.</summary>
    /// <remarks>
    /// A group is up to 32 bytes (bit width 32), wider than any integer register, so the bits are streamed through a
    /// 64-bit window: it never holds more than <paramref name="bitWidth"/> + 7 bits, which fits for every width to 32.
    /// </remarks>
    public static void PackGroup(ReadOnlySpan<int> values, int bitWidth, Span<byte> output)
    {
        if (bitWidth == 0)
        {
            return;
        }

        var mask = bitWidth == 32 ? uint.MaxValue : (1U << bitWidth) - 1;
        var window = 0UL;
        var bits = 0;
        var written = 0;
        for (var k = 0; k < 8; k++)
        {
            window |= (ulong)((uint)values[k] & mask) << bits;
            bits += bitWidth;
            while (bits >= 8)
            {
                output[written++] = (byte)window;
                window >>= 8;
                bits -= 8;
            }
        }
    }

    /// <summary>Unpacks eight values of <paramref name="bitWidth"/> bits (LSB-first) from exactly that many bytes.</summary>
    public static void UnpackGroup(ReadOnlySpan<byte> input, int bitWidth, Span<int> values)
    {
        if (bitWidth == 0)
        {
            values[..8].Clear();
            return;
        }

        if (bitWidth <= 8)
        {
            // Eight values of at most 8 bits fit one 64-bit word: the common case of levels and small dictionaries.
            var acc = 0UL;
            for (var b = 0; b < bitWidth; b++)
            {
                acc |= (ulong)input[b] << (8 * b);
            }

            var narrowMask = (1UL << bitWidth) - 1;
            for (var k = 0; k < 8; k++)
            {
                values[k] = (int)((acc >> (k * bitWidth)) & narrowMask);
            }

            return;
        }

        var mask = bitWidth == 32 ? uint.MaxValue : (1U << bitWidth) - 1;
        var window = 0UL;
        var bits = 0;
        var read = 0;
        for (var k = 0; k < 8; k++)
        {
            while (bits < bitWidth)
            {
                window |= (ulong)input[read++] << bits;
                bits += 8;
            }

            values[k] = (int)((uint)window & mask);
            window >>= bitWidth;
            bits -= bitWidth;
        }
    }

    public static void WriteVarint(PooledBuffer output, uint value)
    {
        var span = output.GetSpan(5);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        output.Advance(i);
    }

    public static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 5; i++)
        {
            if (position >= data.Length)
            {
                return false;
            }

            var b = data[position++];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }

    private static void WriteRle(PooledBuffer output, int count, int value, int bitWidth)
    {
        WriteVarint(output, (uint)count << 1);
        var byteWidth = (bitWidth + 7) / 8;
        var span = output.GetSpan(4);
        BinaryPrimitives.WriteInt32LittleEndian(span, value);
        output.Advance(byteWidth);
    }

    private static int RunLength(ReadOnlySpan<byte> values, int start)
    {
        var value = values[start];
        var rest = values[start..];
        var differs = rest.IndexOfAnyExcept(value);
        return differs < 0 ? rest.Length : differs;
    }

    private static int RunLength(ReadOnlySpan<int> values, int start)
    {
        var value = values[start];
        var rest = values[start..];
        var differs = rest.IndexOfAnyExcept(value);
        return differs < 0 ? rest.Length : differs;
    }
}
