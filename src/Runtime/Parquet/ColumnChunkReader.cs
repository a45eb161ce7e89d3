using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Bulwark.Parquet;

/// <summary>
/// Reads the pages of one column chunk (already in memory) into levels and physical values. Every size in a page header
/// is checked against the chunk and the read options before anything is allocated or decompressed.
/// </summary>
internal sealed class ColumnChunkReader : IDisposable
{
    private readonly ParquetReadOptions _options;
    private readonly LeafBuffers _dictionary = new();
    private readonly IntScratch _scratch = new();

    // A reader only decompresses: the compression level is never used.
    private readonly ZstdContext _zstd = new(level: 0);
    private readonly short[] _idStack;
    private byte[] _page = [];

    public ColumnChunkReader(ParquetReadOptions options)
    {
        _options = options;
        _idStack = new short[Math.Min(options.MaxDepth, 1024) + 2];
    }

    public void Read(LeafColumn leaf, ColumnMetaData meta, ReadOnlyMemory<byte> chunk, long chunkOffset, LeafBuffers target, ParquetLocation location)
    {
        target.Clear();
        _dictionary.Clear();
        var hasDictionary = false;
        if (!PageCodec.IsSupported(meta.Codec))
        {
            throw location.Error(PageCodec.Unsupported(meta.Codec));
        }

        var position = 0;
        var pageIndex = 0;
        var levelsWanted = meta.NumValues;
        var dataPages = 0;
        while (target.LevelCount < levelsWanted)
        {
            location.Page = pageIndex;
            if (position >= chunk.Length)
            {
                throw location.Error($"the column chunk ends after {target.LevelCount} of its {levelsWanted} values");
            }

            var reader = new ThriftReader(chunk.Span[position..], chunkOffset + position, location, "page header", _options.MaxDepth, _idStack);
            var header = MetadataCodec.ReadPageHeader(ref reader);
            position += reader.Position;
            if (header.CompressedPageSize > chunk.Length - position)
            {
                throw location.Error($"the page's {header.CompressedPageSize} bytes run past the column chunk ({chunk.Length - position} remain)");
            }

            if (header.UncompressedPageSize > _options.MaxPageBytes || header.CompressedPageSize > _options.MaxPageBytes)
            {
                throw location.Error($"the page declares {header.UncompressedPageSize} bytes, above the {_options.MaxPageBytes}-byte limit (ParquetReadOptions.MaxPageBytes)");
            }

            var body = chunk.Slice(position, header.CompressedPageSize);
            position += header.CompressedPageSize;
            if (header.Crc is { } crc && _options.VerifyPageChecksums && header.Type is PageType.DataPage or PageType.DataPageV2 or PageType.DictionaryPage)
            {
                VerifyChecksum(body.Span, unchecked((uint)crc), location);
            }

            switch (header.Type)
            {
                case PageType.DictionaryPage:
                {
                    var dictionaryHeader = header.DictionaryPage ?? throw location.Error("a dictionary page lacks its dictionary_page_header");
                    if (hasDictionary || dataPages > 0)
                    {
                        throw location.Error("a dictionary page follows other pages of the chunk");
                    }

                    if (dictionaryHeader.Encoding is not (ParquetEncoding.Plain or ParquetEncoding.PlainDictionary))
                    {
                        throw location.Error($"unsupported dictionary page encoding {ParquetEncoding.Name(dictionaryHeader.Encoding)}");
                    }

                    var bytes = Decompress(meta.Codec, body, header.UncompressedPageSize, location);
                    if ((long)dictionaryHeader.NumValues > (leaf.PhysicalType == PhysicalType.Boolean ? bytes.Length * 8L : bytes.Length == 0 ? 0 : bytes.Length))
                    {
                        throw location.Error($"a dictionary of {dictionaryHeader.NumValues} values cannot fit in {bytes.Length} bytes");
                    }

                    ValueDecoder.DecodePlain(leaf, bytes, dictionaryHeader.NumValues, _dictionary, location);
                    hasDictionary = true;
                    break;
                }

                case PageType.DataPage:
                {
                    var v1 = header.DataPage ?? throw location.Error("a data page lacks its data_page_header");
                    var count = CheckCount(v1.NumValues, target, levelsWanted, location);
                    var bytes = Decompress(meta.Codec, body, header.UncompressedPageSize, location);
                    var at = 0;
                    if (leaf.MaxRep > 0)
                    {
                        at += ReadLevelsV1(bytes[at..], v1.RepetitionLevelEncoding, leaf.MaxRep, count, target.Rep, location);
                    }

                    if (leaf.MaxDef > 0)
                    {
                        at += ReadLevelsV1(bytes[at..], v1.DefinitionLevelEncoding, leaf.MaxDef, count, target.Def, location);
                    }

                    DecodeValues(leaf, v1.Encoding, bytes[at..], count, target, hasDictionary, location);
                    dataPages++;
                    break;
                }

                case PageType.DataPageV2:
                {
                    var v2 = header.DataPageV2 ?? throw location.Error("a data page lacks its data_page_header_v2");
                    var count = CheckCount(v2.NumValues, target, levelsWanted, location);
                    var levelBytes = (long)v2.RepetitionLevelsByteLength + v2.DefinitionLevelsByteLength;
                    if (levelBytes > header.CompressedPageSize || levelBytes > header.UncompressedPageSize)
                    {
                        throw location.Error($"the page's level lengths ({levelBytes} bytes) exceed its size");
                    }

                    var span = body.Span;
                    var repBytes = span[..v2.RepetitionLevelsByteLength];
                    var defBytes = span.Slice(v2.RepetitionLevelsByteLength, v2.DefinitionLevelsByteLength);
                    if (leaf.MaxRep > 0)
                    {
                        ReadLevels(repBytes, leaf.MaxRep, count, target.Rep, location);
                    }

                    if (leaf.MaxDef > 0)
                    {
                        ReadLevels(defBytes, leaf.MaxDef, count, target.Def, location);
                    }

                    var valuesBody = body[(int)levelBytes..];
                    var valuesSize = header.UncompressedPageSize - (int)levelBytes;
                    ReadOnlySpan<byte> values = v2.IsCompressed
                        ? Decompress(meta.Codec, valuesBody, valuesSize, location)
                        : Decompress(Codec.Uncompressed, valuesBody, valuesSize, location);
                    DecodeValues(leaf, v2.Encoding, values, count, target, hasDictionary, location);
                    dataPages++;
                    break;
                }

                default:
                    break;
            }

            pageIndex++;
        }

        location.Page = null;
        if (leaf.MaxRep > 0 && target.LevelCount > 0 && target.Rep.Written[0] != 0)
        {
            throw location.Error("the column chunk starts inside a list (its first repetition level is not 0)");
        }
    }

    public void Dispose()
    {
        _dictionary.Release();
        _scratch.Dispose();
        _zstd.Dispose();
        if (_page.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_page);
        }

        _page = [];
    }

    /// <summary>The page's CRC-32 covers its bytes as stored (still compressed; a v2 page's levels included).</summary>
    private static void VerifyChecksum(ReadOnlySpan<byte> body, uint stored, ParquetLocation location)
    {
        var actual = Crc32.HashToUInt32(body);
        if (actual != stored)
        {
            throw location.Error($"the page checksum does not match: the header stores CRC-32 {stored:x8}, the page's {body.Length} bytes hash to {actual:x8}");
        }
    }

    private int CheckCount(int numValues, LeafBuffers target, long wanted, ParquetLocation location)
    {
        if (numValues < 0 || numValues > wanted - target.LevelCount)
        {
            throw location.Error($"the page holds {numValues} values, but only {wanted - target.LevelCount} of the chunk's {wanted} remain");
        }

        return numValues;
    }

    private void DecodeValues(LeafColumn leaf, int encoding, ReadOnlySpan<byte> data, int count, LeafBuffers target, bool hasDictionary, ParquetLocation location)
    {
        var present = count;
        if (leaf.MaxDef > 0)
        {
            var def = target.Def.Written[^count..];
            present = def.Count((byte)leaf.MaxDef);
        }

        ValueDecoder.Decode(leaf, encoding, data, present, target, hasDictionary ? _dictionary : null, _scratch, location, _options.MaxColumnBytes);
        target.LevelCount += count;
    }

    private static int ReadLevelsV1(ReadOnlySpan<byte> data, int encoding, int max, int count, Arrow.PooledBuffer output, ParquetLocation location)
    {
        if (encoding != ParquetEncoding.Rle)
        {
            throw location.Error($"unsupported level encoding {ParquetEncoding.Name(encoding)}");
        }

        if (data.Length < 4)
        {
            throw location.Error("the levels lack their 4-byte length");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < 0 || length > data.Length - 4)
        {
            throw location.Error($"levels of {length} bytes run past the page");
        }

        ReadLevels(data.Slice(4, length), max, count, output, location);
        return 4 + length;
    }

    private static void ReadLevels(ReadOnlySpan<byte> data, int max, int count, Arrow.PooledBuffer output, ParquetLocation location)
    {
        var span = output.GetSpan(count)[..count];
        RleHybrid.Decode(data, RleHybrid.BitWidth(max), span, max, out var error);
        if (error is not null)
        {
            throw location.Error($"levels: {error}");
        }

        output.Advance(count);
    }

    private ReadOnlySpan<byte> Decompress(int codec, ReadOnlyMemory<byte> body, int size, ParquetLocation location)
    {
        // Writers store nothing at all for nothing (an all-null v2 page has no value block): no codec reads "no bytes".
        if (codec == Codec.Uncompressed || (size == 0 && body.IsEmpty))
        {
            if (body.Length != size)
            {
                throw location.Error($"an uncompressed page holds {body.Length} bytes but declares {size}");
            }

            return body.Span;
        }

        if (size < 0)
        {
            throw location.Error($"the page declares a negative size {size}");
        }

        PageCodec.CheckDeclaredSize(codec, body.Span, size, location);
        if (_page.Length < size)
        {
            if (_page.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_page);
            }

            _page = ArrayPool<byte>.Shared.Rent(size);
        }

        var output = _page.AsSpan(0, size);
        PageCodec.Decompress(codec, body, output, location, _zstd);
        return output;
    }
}
