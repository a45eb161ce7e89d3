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
internal sealed partial class ColumnChunkWriter : IDisposable
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
}
