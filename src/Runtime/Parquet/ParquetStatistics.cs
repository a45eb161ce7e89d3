using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>Min/max in the column order of the logical type, as PLAIN bytes (no length prefix).</summary>
internal static class ParquetStatistics
{
    public static int Compare(StatsOrder order, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (order == StatsOrder.SignedBigEndian && a.Length > 0 && b.Length > 0)
        {
            // Two's complement big-endian: the sign byte compares signed, the rest unsigned; shorter values sign-extend.
            var length = Math.Max(a.Length, b.Length);
            for (var i = 0; i < length; i++)
            {
                var x = ExtendedByte(a, i, length);
                var y = ExtendedByte(b, i, length);
                if (x != y)
                {
                    return i == 0 ? ((sbyte)x).CompareTo((sbyte)y) : x.CompareTo(y);
                }
            }

            return 0;
        }

        return a.SequenceCompareTo(b);
    }

    private static byte ExtendedByte(ReadOnlySpan<byte> value, int index, int length)
    {
        var pad = length - value.Length;
        if (index < pad)
        {
            return (value[0] & 0x80) != 0 ? (byte)0xFF : (byte)0;
        }

        return value[index - pad];
    }

    public static void FixedMinMax(LeafColumn leaf, ReadOnlySpan<byte> values, int count, Statistics stats)
    {
        switch (leaf.Order)
        {
            case StatsOrder.Boolean:
            {
                var any0 = values[..count].Contains((byte)0);
                var any1 = values[..count].Contains((byte)1);
                stats.MinValue = [any0 ? (byte)0 : (byte)1];
                stats.MaxValue = [any1 ? (byte)1 : (byte)0];
                break;
            }

            case StatsOrder.Signed32:
            {
                var span = MemoryMarshal.Cast<byte, int>(values)[..count];
                int min = span[0], max = span[0];
                foreach (var v in span)
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }

                stats.MinValue = BitConverter.GetBytes(min);
                stats.MaxValue = BitConverter.GetBytes(max);
                break;
            }

            case StatsOrder.Unsigned32:
            {
                var span = MemoryMarshal.Cast<byte, uint>(values)[..count];
                uint min = span[0], max = span[0];
                foreach (var v in span)
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }

                stats.MinValue = BitConverter.GetBytes(min);
                stats.MaxValue = BitConverter.GetBytes(max);
                break;
            }

            case StatsOrder.Signed64:
            {
                var span = MemoryMarshal.Cast<byte, long>(values)[..count];
                long min = span[0], max = span[0];
                foreach (var v in span)
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }

                stats.MinValue = BitConverter.GetBytes(min);
                stats.MaxValue = BitConverter.GetBytes(max);
                break;
            }

            case StatsOrder.Unsigned64:
            {
                var span = MemoryMarshal.Cast<byte, ulong>(values)[..count];
                ulong min = span[0], max = span[0];
                foreach (var v in span)
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }

                stats.MinValue = BitConverter.GetBytes(min);
                stats.MaxValue = BitConverter.GetBytes(max);
                break;
            }

            case StatsOrder.Float:
            {
                var span = MemoryMarshal.Cast<byte, float>(values)[..count];
                float min = float.PositiveInfinity, max = float.NegativeInfinity;
                var any = false;
                foreach (var v in span)
                {
                    if (float.IsNaN(v))
                    {
                        continue;
                    }

                    any = true;
                    min = v < min || (v == min && float.IsNegative(v)) ? v : min;
                    max = v > max || (v == max && !float.IsNegative(v)) ? v : max;
                }

                if (any)
                {
                    stats.MinValue = BitConverter.GetBytes(min == 0 ? -0.0f : min);
                    stats.MaxValue = BitConverter.GetBytes(max == 0 ? 0.0f : max);
                }

                break;
            }

            case StatsOrder.Double:
            {
                var span = MemoryMarshal.Cast<byte, double>(values)[..count];
                double min = double.PositiveInfinity, max = double.NegativeInfinity;
                var any = false;
                foreach (var v in span)
                {
                    if (double.IsNaN(v))
                    {
                        continue;
                    }

                    any = true;
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }

                if (any)
                {
                    stats.MinValue = BitConverter.GetBytes(min == 0 ? -0.0 : min);
                    stats.MaxValue = BitConverter.GetBytes(max == 0 ? 0.0 : max);
                }

                break;
            }

            case StatsOrder.UnsignedBytes:
            case StatsOrder.SignedBigEndian:
            {
                var width = leaf.FixedWidth;
                int min = 0, max = 0;
                for (var i = 1; i < count; i++)
                {
                    var v = values.Slice(i * width, width);
                    if (Compare(leaf.Order, v, values.Slice(min * width, width)) < 0)
                    {
                        min = i;
                    }

                    if (Compare(leaf.Order, v, values.Slice(max * width, width)) > 0)
                    {
                        max = i;
                    }
                }

                stats.MinValue = values.Slice(min * width, width).ToArray();
                stats.MaxValue = values.Slice(max * width, width).ToArray();
                break;
            }

            default:
                return;
        }

        if (stats.MinValue is not null)
        {
            stats.IsMinValueExact = true;
            stats.IsMaxValueExact = true;
        }
    }
}
