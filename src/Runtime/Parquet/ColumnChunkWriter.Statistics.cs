using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>Chunk statistics, from the values or, cheaper, from the dictionary.</summary>
internal sealed partial class ColumnChunkWriter
{
    private Statistics DictionaryStatistics(LeafColumn leaf, LeafBuffers data)
    {
        // Every dictionary entry occurs in the chunk, so its extremes are the chunk's.
        var stats = new Statistics { NullCount = data.LevelCount - data.ValueCount };
        if (leaf.PhysicalType == PhysicalType.ByteArray)
        {
            int min = 0, max = 0;
            for (var i = 1; i < _dictionary.Count; i++)
            {
                var entry = _dictionary.Entry(i);
                if (ParquetStatistics.Compare(leaf.Order, entry, _dictionary.Entry(min)) < 0)
                {
                    min = i;
                }

                if (ParquetStatistics.Compare(leaf.Order, entry, _dictionary.Entry(max)) > 0)
                {
                    max = i;
                }
            }

            SetMinMax(stats, _dictionary.Entry(min), _dictionary.Entry(max));
            return stats;
        }

        ParquetStatistics.FixedMinMax(leaf, _dictionary.Bytes.Written, _dictionary.Count, stats);
        return stats;
    }

    private static Statistics Statistics(LeafColumn leaf, LeafBuffers data)
    {
        var stats = new Statistics { NullCount = data.LevelCount - data.ValueCount };
        if (data.ValueCount == 0)
        {
            return stats;
        }

        if (leaf.PhysicalType == PhysicalType.ByteArray)
        {
            var offsets = data.OffsetSpan;
            var values = data.Values.Written;
            int min = 0, max = 0;
            for (var i = 1; i < data.ValueCount; i++)
            {
                var entry = values[offsets[i]..offsets[i + 1]];
                if (ParquetStatistics.Compare(leaf.Order, entry, values[offsets[min]..offsets[min + 1]]) < 0)
                {
                    min = i;
                }
                else if (ParquetStatistics.Compare(leaf.Order, entry, values[offsets[max]..offsets[max + 1]]) > 0)
                {
                    max = i;
                }
            }

            SetMinMax(stats, values[offsets[min]..offsets[min + 1]], values[offsets[max]..offsets[max + 1]]);
            return stats;
        }

        ParquetStatistics.FixedMinMax(leaf, data.Values.Written, data.ValueCount, stats);
        return stats;
    }

    internal static void SetMinMax(Statistics stats, ReadOnlySpan<byte> min, ReadOnlySpan<byte> max)
    {
        stats.MinValue = min.ToArray();
        stats.MaxValue = max.ToArray();
        stats.IsMinValueExact = true;
        stats.IsMaxValueExact = true;
    }
}
