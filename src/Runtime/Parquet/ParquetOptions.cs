using Apache.Arrow.Types;

namespace Bulwark.Parquet;

/// <summary>Data page layout: v1 compresses levels with the values; v2 keeps levels uncompressed in front of them.</summary>
public enum ParquetDataPageVersion
{
    V1 = 1,
    V2 = 2,
}

/// <summary>The page codecs Bulwark writes (and reads).</summary>
public enum ParquetCompression
{
    None,
    Snappy,
    Gzip,
    Brotli,

    /// <summary>Zstandard frames, at <see cref="ParquetWriteOptions.ZstdLevel"/>.</summary>
    Zstd,

    /// <summary>Raw LZ4 blocks (the LZ4_RAW codec, not the deprecated Hadoop-framed LZ4).</summary>
    Lz4Raw,
}

public sealed record ParquetWriteOptions
{
    public static ParquetWriteOptions Default { get; } = new();

    /// <summary>Rows per row group; a larger batch is cut into several. Default 1 048 576.</summary>
    public int RowGroupSize { get; init; } = 1024 * 1024;

    /// <summary>Target size in bytes of one data page before compression. Default 1 MiB.</summary>
    public int PageSize { get; init; } = 1024 * 1024;

    public ParquetDataPageVersion DataPageVersion { get; init; } = ParquetDataPageVersion.V1;

    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>The zstd level (1 to 22) of <see cref="ParquetCompression.Zstd"/> pages. Default 3, zstd's own default.</summary>
    public int ZstdLevel { get; init; } = 3;

    /// <summary>Dictionary-encode column chunks whose distinct values fit <see cref="DictionaryPageSizeLimit"/>. Default true.</summary>
    public bool DictionaryEnabled { get; init; } = true;

    /// <summary>
    /// Store each page's CRC-32 (over its bytes as stored) in its header, so readers can tell a damaged page from data.
    /// Default true.
    /// </summary>
    public bool WritePageChecksums { get; init; } = true;

    /// <summary>The largest PLAIN-encoded dictionary page; a chunk whose dictionary grows past it is written PLAIN. Default 1 MiB.</summary>
    public int DictionaryPageSizeLimit { get; init; } = 1024 * 1024;

    internal void Validate()
    {
        if (RowGroupSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RowGroupSize), RowGroupSize, "A row group must hold at least one row.");
        }

        if (PageSize < 64)
        {
            throw new ArgumentOutOfRangeException(nameof(PageSize), PageSize, "Pages must be allowed at least 64 bytes.");
        }

        if (!Enum.IsDefined(DataPageVersion))
        {
            throw new ArgumentOutOfRangeException(nameof(DataPageVersion), DataPageVersion, "Unknown data page version.");
        }

        if (!Enum.IsDefined(Compression))
        {
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, "Unknown compression.");
        }

        if (ZstdLevel is < 1 or > 22)
        {
            throw new ArgumentOutOfRangeException(nameof(ZstdLevel), ZstdLevel, "The zstd level must be between 1 and 22.");
        }

        if (DictionaryPageSizeLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(DictionaryPageSizeLimit), DictionaryPageSizeLimit, "The dictionary limit cannot be negative.");
        }
    }
}

/// <summary>
/// Limits a reader enforces before it allocates, so that a hostile file fails with a <see cref="ParquetFormatException"/>
/// instead of exhausting memory or the stack.
/// </summary>
public sealed record ParquetReadOptions
{
    public static ParquetReadOptions Default { get; } = new();

    /// <summary>The largest footer (FileMetaData) accepted, in bytes. Default 64 MiB.</summary>
    public int MaxMetadataBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>The largest page accepted, compressed or decompressed, in bytes. Default 256 MiB.</summary>
    public int MaxPageBytes { get; init; } = 256 * 1024 * 1024;

    /// <summary>The most rows (and level entries per column) one row group may hold. Default 64 Mi.</summary>
    public long MaxRowGroupRows { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// The most bytes one column of one row group may decode to. Dictionary and delta encodings can expand a small page
    /// enormously; this bound applies before such values are materialized. Default 1 GiB.
    /// </summary>
    public long MaxColumnBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Check the CRC-32 of every data and dictionary page whose header carries one, before decoding it; a mismatch is a
    /// <see cref="ParquetFormatException"/>. Pages without a checksum are read as they are. Default true.
    /// </summary>
    public bool VerifyPageChecksums { get; init; } = true;

    /// <summary>The deepest nesting of schema groups and Thrift structs accepted. Default 64.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>
    /// The unit of the Arrow timestamps that legacy INT96 columns (Spark, Impala) are read as; null (the default) reads
    /// them as nanoseconds. INT96 reaches millions of years either way while int64 nanoseconds end in 1677 and 2262,
    /// so a file with later or earlier instants needs a coarser unit. Precedence: an <c>ARROW:schema</c> in the file
    /// that Bulwark applies (one that agrees with the file's columns) types its INT96 columns itself and this option
    /// does not change them; otherwise every INT96 column is read in this unit. Values are converted exactly (a
    /// coarser unit floors sub-unit nanoseconds); an instant the unit cannot hold is a <see cref="ParquetFormatException"/>,
    /// never a wrapped value.
    /// </summary>
    public TimeUnit? Int96TimestampUnit { get; init; }

    internal void Validate()
    {
        if (MaxMetadataBytes < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMetadataBytes), MaxMetadataBytes, "At least 16 bytes of metadata must be allowed.");
        }

        if (MaxPageBytes < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPageBytes), MaxPageBytes, "At least 16 bytes per page must be allowed.");
        }

        if (MaxRowGroupRows < 1 || MaxRowGroupRows > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRowGroupRows), MaxRowGroupRows, $"The row limit must be between 1 and {Array.MaxLength}.");
        }

        if (MaxColumnBytes < 1 || MaxColumnBytes > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxColumnBytes), MaxColumnBytes, $"The column limit must be between 1 and {Array.MaxLength}.");
        }

        if (MaxDepth < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "The depth limit must be at least 2.");
        }

        if (Int96TimestampUnit is { } unit && !Enum.IsDefined(unit))
        {
            throw new ArgumentOutOfRangeException(nameof(Int96TimestampUnit), unit, "INT96 timestamps are read in seconds, milliseconds, microseconds or nanoseconds.");
        }
    }
}
