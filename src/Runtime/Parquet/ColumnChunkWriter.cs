using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>
/// Encodes one leaf's levels and values as a column chunk: an optional dictionary page, then data pages of about
/// <see cref="ParquetWriteOptions.PageSize"/> bytes, each compressed with the chosen codec. Scratch buffers are reused
/// from chunk to chunk.
/// </summary>
internal sealed class ColumnChunkWriter : IDisposable
{
    private readonly ParquetWriteOptions _options;
    private readonly int _codec;
    private readonly ValueDictionary _dictionary = new();
    private readonly IntScratch _indices = new();
    private readonly PooledBuffer _page = new();
    private readonly PooledBuffer _levels = new();
    private readonly PooledBuffer _compressed = new();
    private readonly PooledBuffer _header = new();
    private readonly ThriftWriter _thrift;
    private readonly ZstdContext _zstd;

    public ColumnChunkWriter(ParquetWriteOptions options)
    {
        _options = options;
        _codec = PageCodec.ToThrift(options.Compression);
        _thrift = new ThriftWriter(_header);
        _zstd = new ZstdContext(options.ZstdLevel);
    }

    /// <summary>Appends the chunk to <paramref name="output"/>, whose first byte sits at <paramref name="fileOffset"/>.</summary>
    public ColumnMetaData Write(LeafColumn leaf, LeafBuffers data, PooledBuffer output, long fileOffset)
    {
        var meta = new ColumnMetaData
        {
            Type = leaf.PhysicalType,
            PathInSchema = [.. leaf.PathInSchema],
            Codec = _codec,
            NumValues = data.LevelCount,
        };
        var chunkStart = output.Length;
        long uncompressedTotal = 0;
        var useDictionary = _options.DictionaryEnabled && leaf.PhysicalType != PhysicalType.Boolean && data.ValueCount > 0 && BuildDictionary(leaf, data);
        meta.Statistics = useDictionary ? DictionaryStatistics(leaf, data) : Statistics(leaf, data);
        if (useDictionary)
        {
            meta.DictionaryPageOffset = fileOffset + output.Length - chunkStart;
            _page.Clear();
            WritePlainDictionary(leaf);
            uncompressedTotal += WritePage(output, PageType.DictionaryPage, _page.Written, default, default, _dictionary.Count, 0, 0, 0);
        }

        meta.DataPageOffset = fileOffset + output.Length - chunkStart;
        var valueEncoding = useDictionary ? ParquetEncoding.RleDictionary : ParquetEncoding.Plain;
        var def = data.Def.Written;
        var rep = data.Rep.Written;
        var levelStart = 0;
        var valueStart = 0;
        var width = leaf.FixedWidth;
        var offsets = data.OffsetSpan;
        do
        {
            int levelEnd, valueEnd;
            if (leaf.MaxRep == 0 && (width > 0 || leaf.PhysicalType == PhysicalType.Boolean))
            {
                var perPage = width > 0 ? Math.Max(1, _options.PageSize / width) : _options.PageSize * 8;
                levelEnd = (int)Math.Min(data.LevelCount, (long)levelStart + perPage);
                valueEnd = valueStart + (leaf.MaxDef == 0 ? levelEnd - levelStart : def[levelStart..levelEnd].Count((byte)leaf.MaxDef));
            }
            else
            {
                levelEnd = levelStart;
                valueEnd = valueStart;
                long bytes = 0;
                while (levelEnd < data.LevelCount)
                {
                    if (leaf.MaxDef == 0 || def[levelEnd] == leaf.MaxDef)
                    {
                        bytes += width > 0 ? width : leaf.PhysicalType == PhysicalType.Boolean ? 1 : offsets[valueEnd + 1] - offsets[valueEnd] + 4;
                        valueEnd++;
                    }

                    levelEnd++;
                    if (bytes >= _options.PageSize && (leaf.MaxRep == 0 || levelEnd == data.LevelCount || rep[levelEnd] == 0))
                    {
                        break;
                    }
                }
            }

            var numRows = leaf.MaxRep == 0 ? levelEnd - levelStart : rep[levelStart..levelEnd].Count((byte)0);
            _page.Clear();
            if (useDictionary)
            {
                var indices = _indices.Get(data.ValueCount)[valueStart..valueEnd];
                var bitWidth = RleHybrid.BitWidth(Math.Max(0, _dictionary.Count - 1));
                _page.Write((byte)bitWidth);
                RleHybrid.Encode(indices, bitWidth, _page);
            }
            else
            {
                WritePlain(leaf, data, valueStart, valueEnd);
            }

            uncompressedTotal += WritePage(
                output,
                _options.DataPageVersion == ParquetDataPageVersion.V1 ? PageType.DataPage : PageType.DataPageV2,
                _page.Written,
                leaf.MaxDef > 0 ? def[levelStart..levelEnd] : default,
                leaf.MaxRep > 0 ? rep[levelStart..levelEnd] : default,
                levelEnd - levelStart,
                valueEncoding,
                (levelEnd - levelStart) - (valueEnd - valueStart),
                numRows,
                leaf);
            levelStart = levelEnd;
            valueStart = valueEnd;
        }
        while (levelStart < data.LevelCount);

        // Only what the chunk really holds: PLAIN values or dictionary page, RLE levels when there are levels.
        meta.Encodings = [ParquetEncoding.Plain];
        if (leaf.MaxDef > 0 || leaf.MaxRep > 0)
        {
            meta.Encodings.Add(ParquetEncoding.Rle);
        }

        if (useDictionary)
        {
            meta.Encodings.Add(ParquetEncoding.RleDictionary);
        }
        meta.TotalCompressedSize = output.Length - chunkStart;
        meta.TotalUncompressedSize = uncompressedTotal;
        return meta;
    }

    public void Dispose()
    {
        _dictionary.Dispose();
        _indices.Dispose();
        _page.Release();
        _levels.Release();
        _compressed.Release();
        _header.Release();
        _zstd.Dispose();
    }

    /// <summary>Writes header + body; returns the page's uncompressed size including its header.</summary>
    private long WritePage(PooledBuffer output, int type, ReadOnlySpan<byte> values, ReadOnlySpan<byte> def, ReadOnlySpan<byte> rep, int numValues, int encoding, int numNulls, int numRows, LeafColumn? leaf = null)
    {
        _levels.Clear();
        _compressed.Clear();
        var header = new PageHeader { Type = type };
        int repLength = 0, defLength = 0;
        if (leaf is not null)
        {
            var v1 = type == PageType.DataPage;
            if (leaf.MaxRep > 0)
            {
                repLength = EncodeLevels(rep, RleHybrid.BitWidth(leaf.MaxRep), v1);
            }

            if (leaf.MaxDef > 0)
            {
                defLength = EncodeLevels(def, RleHybrid.BitWidth(leaf.MaxDef), v1);
            }
        }

        int uncompressed;
        if (type == PageType.DataPageV2)
        {
            _compressed.Write(_levels.Written);
            PageCodec.Compress(_codec, values, _compressed, _zstd);
            uncompressed = _levels.Length + values.Length;
            header.DataPageV2 = new DataPageHeaderV2
            {
                NumValues = numValues,
                NumNulls = numNulls,
                NumRows = numRows,
                Encoding = encoding,
                DefinitionLevelsByteLength = defLength,
                RepetitionLevelsByteLength = repLength,
                IsCompressed = _codec != Codec.Uncompressed,
            };
        }
        else
        {
            if (_levels.Length > 0)
            {
                _levels.Write(values);
                values = _levels.Written;
            }

            PageCodec.Compress(_codec, values, _compressed, _zstd);
            uncompressed = values.Length;
            if (type == PageType.DictionaryPage)
            {
                header.DictionaryPage = new DictionaryPageHeader { NumValues = numValues, Encoding = ParquetEncoding.Plain };
            }
            else
            {
                header.DataPage = new DataPageHeader
                {
                    NumValues = numValues,
                    Encoding = encoding,
                    DefinitionLevelEncoding = ParquetEncoding.Rle,
                    RepetitionLevelEncoding = ParquetEncoding.Rle,
                };
            }
        }

        header.UncompressedPageSize = uncompressed;
        header.CompressedPageSize = _compressed.Length;
        if (_options.WritePageChecksums)
        {
            header.Crc = unchecked((int)Crc32.HashToUInt32(_compressed.Written));
        }

        _header.Clear();
        MetadataCodec.Write(_thrift, header);
        output.Write(_header.Written);
        output.Write(_compressed.Written);
        return _header.Length + uncompressed;
    }

    /// <summary>Appends hybrid-encoded levels to the level scratch (v1 with its 4-byte length); returns the encoded length.</summary>
    private int EncodeLevels(ReadOnlySpan<byte> levels, int bitWidth, bool lengthPrefix)
    {
        var prefixAt = _levels.Length;
        if (lengthPrefix)
        {
            _levels.Write(0);
        }

        var start = _levels.Length;
        RleHybrid.Encode(levels, bitWidth, _levels);
        var length = _levels.Length - start;
        if (lengthPrefix)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_levels.Written[prefixAt..], length);
        }

        return length + (lengthPrefix ? 4 : 0);
    }

    private void WritePlain(LeafColumn leaf, LeafBuffers data, int valueStart, int valueEnd)
    {
        var count = valueEnd - valueStart;
        if (count == 0)
        {
            return;
        }

        if (leaf.PhysicalType == PhysicalType.Boolean)
        {
            var bytes = BitUtil.BytesForBits(count);
            var span = _page.GetSpan(bytes)[..bytes];
            span.Clear();
            var source = data.Values.Written.Slice(valueStart, count);
            for (var i = 0; i < count; i++)
            {
                span[i >> 3] |= (byte)(source[i] << (i & 7));
            }

            _page.Advance(bytes);
        }
        else if (leaf.PhysicalType == PhysicalType.ByteArray)
        {
            var offsets = data.OffsetSpan;
            var all = data.Values.Written;
            var total = (offsets[valueEnd] - offsets[valueStart]) + (4 * count);
            var span = _page.GetSpan(total);
            var at = 0;
            for (var i = valueStart; i < valueEnd; i++)
            {
                var value = all[offsets[i]..offsets[i + 1]];
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], value.Length);
                value.CopyTo(span[(at + 4)..]);
                at += 4 + value.Length;
            }

            _page.Advance(total);
        }
        else
        {
            var width = leaf.FixedWidth;
            _page.Write(data.Values.Written.Slice(valueStart * width, count * width));
        }
    }

    private void WritePlainDictionary(LeafColumn leaf)
    {
        if (leaf.PhysicalType == PhysicalType.ByteArray)
        {
            for (var i = 0; i < _dictionary.Count; i++)
            {
                var entry = _dictionary.Entry(i);
                _page.Write(entry.Length);
                _page.Write(entry);
            }
        }
        else
        {
            _page.Write(_dictionary.Bytes.Written);
        }
    }

    /// <summary>Builds the chunk's dictionary and indices; false (fall back to PLAIN) when it would be too large or not pay off.</summary>
    private bool BuildDictionary(LeafColumn leaf, LeafBuffers data)
    {
        _dictionary.Clear();
        var indices = _indices.Get(data.ValueCount);
        var limit = _options.DictionaryPageSizeLimit;
        var values = data.Values.Written;
        var count = data.ValueCount;

        // A dictionary of mostly distinct values costs its own size plus the indices: worse than PLAIN. A sample at the
        // start of the chunk that is mostly distinct ends the attempt early, before the table grows.
        var distinctLimit = Math.Max(64, count / 2);
        const int Sample = 8192;
        if (leaf.PhysicalType == PhysicalType.ByteArray)
        {
            var offsets = data.OffsetSpan;
            long size = 0;
            for (var i = 0; i < count; i++)
            {
                var before = _dictionary.Count;
                var value = values[offsets[i]..offsets[i + 1]];
                indices[i] = _dictionary.Add(value);
                if (_dictionary.Count != before)
                {
                    size += 4 + value.Length;
                    if (size > limit || _dictionary.Count > distinctLimit)
                    {
                        return false;
                    }
                }

                if (i == Sample - 1 && _dictionary.Count > Sample / 2)
                {
                    return false;
                }
            }

            return true;
        }

        var width = leaf.FixedWidth;
        var maxEntries = Math.Min(distinctLimit, limit / width);
        for (var i = 0; i < count; i++)
        {
            indices[i] = _dictionary.Add(values.Slice(i * width, width));
            if (_dictionary.Count > maxEntries || (i == Sample - 1 && _dictionary.Count > Sample / 2))
            {
                return false;
            }
        }

        return true;
    }

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
