namespace Bulwark.Parquet;

// parquet.thrift enums, kept as int constants because files may carry values newer than this code knows.
internal static class PhysicalType
{
    public const int Boolean = 0, Int32 = 1, Int64 = 2, Int96 = 3, Float = 4, Double = 5, ByteArray = 6, FixedLenByteArray = 7;

    public static string Name(int type) => type switch
    {
        Boolean => "BOOLEAN",
        Int32 => "INT32",
        Int64 => "INT64",
        Int96 => "INT96",
        Float => "FLOAT",
        Double => "DOUBLE",
        ByteArray => "BYTE_ARRAY",
        FixedLenByteArray => "FIXED_LEN_BYTE_ARRAY",
        _ => $"type {type}",
    };
}

internal static class ConvertedType
{
    public const int Utf8 = 0, Map = 1, MapKeyValue = 2, List = 3, Enum = 4, Decimal = 5, Date = 6, TimeMillis = 7, TimeMicros = 8,
        TimestampMillis = 9, TimestampMicros = 10, UInt8 = 11, UInt16 = 12, UInt32 = 13, UInt64 = 14, Int8 = 15, Int16 = 16,
        Int32 = 17, Int64 = 18, Json = 19, Bson = 20, Interval = 21;
}

internal static class Repetition
{
    public const int Required = 0, Optional = 1, Repeated = 2;
}

internal static class ParquetEncoding
{
    public const int Plain = 0, PlainDictionary = 2, Rle = 3, BitPacked = 4, DeltaBinaryPacked = 5, DeltaLengthByteArray = 6,
        DeltaByteArray = 7, RleDictionary = 8, ByteStreamSplit = 9;

    public static string Name(int encoding) => encoding switch
    {
        Plain => "PLAIN",
        PlainDictionary => "PLAIN_DICTIONARY",
        Rle => "RLE",
        BitPacked => "BIT_PACKED",
        DeltaBinaryPacked => "DELTA_BINARY_PACKED",
        DeltaLengthByteArray => "DELTA_LENGTH_BYTE_ARRAY",
        DeltaByteArray => "DELTA_BYTE_ARRAY",
        RleDictionary => "RLE_DICTIONARY",
        ByteStreamSplit => "BYTE_STREAM_SPLIT",
        _ => $"encoding {encoding}",
    };
}

internal static class Codec
{
    public const int Uncompressed = 0, Snappy = 1, Gzip = 2, Lzo = 3, Brotli = 4, Lz4 = 5, Zstd = 6, Lz4Raw = 7;

    public static string Name(int codec) => codec switch
    {
        Uncompressed => "UNCOMPRESSED",
        Snappy => "SNAPPY",
        Gzip => "GZIP",
        Lzo => "LZO",
        Brotli => "BROTLI",
        Lz4 => "LZ4",
        Zstd => "ZSTD",
        Lz4Raw => "LZ4_RAW",
        _ => $"{codec} (unknown)",
    };
}

internal static class PageType
{
    public const int DataPage = 0, IndexPage = 1, DictionaryPage = 2, DataPageV2 = 3;
}

internal enum LogicalKind
{
    None = 0,
    String = 1,
    Map = 2,
    List = 3,
    Enum = 4,
    Decimal = 5,
    Date = 6,
    Time = 7,
    Timestamp = 8,
    Integer = 10,
    Unknown = 11,
    Json = 12,
    Bson = 13,
    Uuid = 14,
    Float16 = 15,
    Other = 1000,
}

/// <summary>The union <c>LogicalType</c> with the parameters of the members Bulwark understands.</summary>
internal sealed record LogicalTypeInfo(LogicalKind Kind)
{
    public int Scale { get; init; }

    public int Precision { get; init; }

    public bool IsAdjustedToUtc { get; init; }

    /// <summary>1 millis, 2 micros, 3 nanos (the TimeUnit union member ids).</summary>
    public int Unit { get; init; }

    public int BitWidth { get; init; }

    public bool IsSigned { get; init; }
}

internal sealed class SchemaElement
{
    public int? Type;
    public int? TypeLength;
    public int? RepetitionType;
    public string Name = string.Empty;
    public int? NumChildren;
    public int? ConvertedType;
    public int? Scale;
    public int? Precision;
    public int? FieldId;
    public LogicalTypeInfo? LogicalType;
}

internal sealed class Statistics
{
    public byte[]? Max;
    public byte[]? Min;
    public long? NullCount;
    public long? DistinctCount;
    public byte[]? MaxValue;
    public byte[]? MinValue;
    public bool? IsMaxValueExact;
    public bool? IsMinValueExact;
}

internal sealed class ColumnMetaData
{
    public int Type;
    public List<int> Encodings = new();
    public List<string> PathInSchema = new();
    public int Codec;
    public long NumValues;
    public long TotalUncompressedSize;
    public long TotalCompressedSize;
    public long DataPageOffset;
    public long? IndexPageOffset;
    public long? DictionaryPageOffset;
    public Statistics? Statistics;
}

internal sealed class ColumnChunk
{
    public string? FilePath;
    public long FileOffset;
    public ColumnMetaData? MetaData;
}

internal sealed class RowGroup
{
    public List<ColumnChunk> Columns = new();
    public long TotalByteSize;
    public long NumRows;
    public long? FileOffset;
    public long? TotalCompressedSize;
    public short? Ordinal;
}

internal sealed class FileMetaData
{
    public int Version;
    public List<SchemaElement> Schema = new();
    public long NumRows;
    public List<RowGroup> RowGroups = new();
    public List<KeyValuePair<string, string?>> KeyValueMetadata = new();
    public string? CreatedBy;

    /// <summary>Written as TYPE_ORDER for each leaf; read only as a count.</summary>
    public int ColumnOrders;
}

internal sealed class DataPageHeader
{
    public int NumValues;
    public int Encoding;
    public int DefinitionLevelEncoding;
    public int RepetitionLevelEncoding;
}

internal sealed class DataPageHeaderV2
{
    public int NumValues;
    public int NumNulls;
    public int NumRows;
    public int Encoding;
    public int DefinitionLevelsByteLength;
    public int RepetitionLevelsByteLength;
    public bool IsCompressed = true;
}

internal sealed class DictionaryPageHeader
{
    public int NumValues;
    public int Encoding;
    public bool? IsSorted;
}

internal sealed class PageHeader
{
    public int Type;
    public int UncompressedPageSize;
    public int CompressedPageSize;
    public int? Crc;
    public DataPageHeader? DataPage;
    public DictionaryPageHeader? DictionaryPage;
    public DataPageHeaderV2? DataPageV2;
}
