using Apache.Arrow;
using Apache.Arrow.Types;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Arrow.Ipc;

/// <summary>Message.fbs <c>MessageHeader</c> union tags.</summary>
internal enum MessageHeaderType : byte
{
    None = 0,
    Schema = 1,
    DictionaryBatch = 2,
    RecordBatch = 3,
    Tensor = 4,
    SparseTensor = 5,
}

/// <summary>Schema.fbs <c>Type</c> union tags (only the ones Bulwark maps are named; the rest are reported by number).</summary>
internal enum TypeTag : byte
{
    None = 0,
    Null = 1,
    Int = 2,
    FloatingPoint = 3,
    Binary = 4,
    Utf8 = 5,
    Bool = 6,
    Decimal = 7,
    Date = 8,
    Time = 9,
    Timestamp = 10,
    Interval = 11,
    List = 12,
    Struct = 13,
    Union = 14,
    FixedSizeBinary = 15,
    FixedSizeList = 16,
    Map = 17,
    Duration = 18,
    LargeBinary = 19,
    LargeUtf8 = 20,
    LargeList = 21,
    RunEndEncoded = 22,
    BinaryView = 23,
    Utf8View = 24,
    ListView = 25,
    LargeListView = 26,
}

/// <summary>One <c>Block</c> of a file footer: where a message starts, its framed metadata size and its body size.</summary>
internal readonly record struct FileBlock(long Offset, int MetadataLength, long BodyLength);

/// <summary>A decoded message envelope; <see cref="Header"/> is the union member table.</summary>
internal readonly record struct IpcMessage(MessageHeaderType Type, FbTable Header, long BodyLength, short Version);

/// <summary>
/// A schema read from IPC metadata and the dictionary id of each dictionary-encoded field. Apache.Arrow's fields carry
/// no id, so the ids stay here, keyed by the field objects the reader created (each exists once in the schema tree).
/// </summary>
internal sealed record IpcSchema(Schema Schema, IReadOnlyDictionary<Field, long> DictionaryIds);

/// <summary>
/// A decoded RecordBatch header: row count, the flattened field nodes and buffers vectors, the body codec if any, and
/// the number of variadic data buffers of each binary/utf8 view column in field order.
/// </summary>
internal readonly record struct RecordBatchHeader(long Length, FbVector Nodes, FbVector Buffers, IpcCompression? Compression = null, FbVector VariadicBufferCounts = default);

/// <summary>Encodes and decodes Schema.fbs / Message.fbs / File.fbs tables. Field ids come from the .fbs declaration order.</summary>
internal static partial class IpcMetadata
{
    /// <summary>MetadataVersion V5; the flatbuffer default is V1, so it is always written explicitly.</summary>
    public const short MetadataVersionV5 = 4;

    public const short MetadataVersionV4 = 3;

    // The widest precision each decimal width can hold (Schema.fbs: decimal32 9, decimal64 18, decimal128 38, decimal256 76).
    private const int MaxDecimal32Precision = 9, MaxDecimal64Precision = 18, MaxDecimal128Precision = 38, MaxDecimal256Precision = 76;

    // Field ids (a union occupies two ids: its type tag, then its value).
    private const int SchemaEndianness = 0, SchemaFields = 1, SchemaCustomMetadata = 2;
    private const int FieldName = 0, FieldNullable = 1, FieldTypeType = 2, FieldType = 3, FieldDictionary = 4, FieldChildren = 5, FieldCustomMetadata = 6;
    private const int MessageVersion = 0, MessageHeaderTypeId = 1, MessageHeader = 2, MessageBodyLength = 3;
    private const int RecordBatchLength = 0, RecordBatchNodes = 1, RecordBatchBuffers = 2, RecordBatchCompression = 3, RecordBatchVariadicBufferCounts = 4;
    private const int DictionaryBatchId = 0, DictionaryBatchData = 1, DictionaryBatchIsDelta = 2;
    private const int FooterVersion = 0, FooterSchema = 1, FooterDictionaries = 2, FooterRecordBatches = 3;

    public static IpcMessage ReadMessage(FlatBufferReader reader)
    {
        var message = reader.Root("message");
        var version = message.GetInt16(MessageVersion, "version");
        if (version < MetadataVersionV4 || version > MetadataVersionV5)
        {
            throw reader.Error("message.version", message.Position, $"metadata version {version} is not supported (V4 and V5 are; V1-V3 predate Arrow 0.8)");
        }

        var type = message.GetByte(MessageHeaderTypeId, "header_type");
        if (type is < (byte)MessageHeaderType.Schema or > (byte)MessageHeaderType.SparseTensor)
        {
            throw reader.Error("message.header_type", message.Position, $"unknown message header type {type}");
        }

        var header = message.GetTable(MessageHeader, "header");
        if (!header.IsPresent)
        {
            throw reader.Error("message.header", message.Position, "the message has no header");
        }

        var bodyLength = message.GetInt64(MessageBodyLength, "bodyLength");
        if (bodyLength < 0)
        {
            throw reader.Error("message.bodyLength", message.Position, $"body length {bodyLength} is negative");
        }

        return new IpcMessage((MessageHeaderType)type, header, bodyLength, version);
    }

    public static RecordBatchHeader ReadRecordBatchHeader(FbTable table, string what)
    {
        var reader = table.Reader;
        IpcCompression? compression = null;
        var compressionTable = table.GetTable(RecordBatchCompression, "compression");
        if (compressionTable.IsPresent)
        {
            var codec = compressionTable.GetByte(0, "codec");
            if (codec > (byte)IpcCompression.Zstd)
            {
                throw reader.Error(what + ".compression", compressionTable.Position, $"compression codec {codec} is not supported (LZ4_FRAME and ZSTD are)");
            }

            var method = compressionTable.GetByte(1, "method");
            if (method != 0)
            {
                throw reader.Error(what + ".compression", compressionTable.Position, $"body compression method {method} is not supported (only BUFFER is)");
            }

            compression = (IpcCompression)codec;
        }

        var length = table.GetInt64(RecordBatchLength, "length");
        if (length < 0 || length > int.MaxValue)
        {
            throw reader.Error(what + ".length", table.Position, $"row count {length} is outside 0..{int.MaxValue}");
        }

        var nodes = table.GetVector(RecordBatchNodes, "nodes", 16);
        var buffers = table.GetVector(RecordBatchBuffers, "buffers", 16);
        var variadicCounts = table.GetVector(RecordBatchVariadicBufferCounts, "variadicBufferCounts", 8);
        return new RecordBatchHeader(length, nodes, buffers, compression, variadicCounts);
    }

    public static (long Id, FbTable Data, bool IsDelta) ReadDictionaryBatch(FbTable table)
    {
        var id = table.GetInt64(DictionaryBatchId, "id");
        var data = table.GetTable(DictionaryBatchData, "data");
        if (!data.IsPresent)
        {
            throw table.Reader.Error("dictionary batch", table.Position, $"dictionary {id} has no data");
        }

        return (id, data, table.GetBool(DictionaryBatchIsDelta, "isDelta"));
    }

    /// <summary>
    /// Reads a file footer. <c>Version</c> is null when the footer omits its version field: some writers of the Arrow
    /// 0.14 era left it out although every message they wrote is V4, so the caller must then decide from the schema message.
    /// </summary>
    public static (IpcSchema Schema, FbVector Dictionaries, FbVector RecordBatches, short? Version) ReadFooter(FlatBufferReader reader, ArrowReadOptions options)
    {
        var footer = reader.Root("footer");
        short? version = null;
        if (footer.Has(FooterVersion))
        {
            var declared = footer.GetInt16(FooterVersion, "version");
            if (declared < MetadataVersionV4 || declared > MetadataVersionV5)
            {
                throw reader.Error("footer.version", footer.Position, $"metadata version {declared} is not supported (V4 and V5 are)");
            }

            version = declared;
        }

        var schemaTable = footer.GetTable(FooterSchema, "schema");
        if (!schemaTable.IsPresent)
        {
            throw reader.Error("footer", footer.Position, "the footer has no schema");
        }

        var schema = ReadSchema(schemaTable, options);
        return (schema, footer.GetVector(FooterDictionaries, "dictionaries", 24), footer.GetVector(FooterRecordBatches, "recordBatches", 24), version);
    }

    public static FileBlock ReadBlock(FbVector blocks, int index) =>
        new(blocks.GetStructInt64(index, 0), blocks.GetStructInt32(index, 8), blocks.GetStructInt64(index, 16));

    public static IpcSchema ReadSchema(FbTable table, ArrowReadOptions options)
    {
        var reader = table.Reader;
        var endianness = table.GetInt16(SchemaEndianness, "endianness");
        if (endianness != 0)
        {
            throw reader.Error("schema.endianness", table.Position, "big-endian data is not supported");
        }

        var fieldsVector = table.GetVector(SchemaFields, "fields", 4);
        var budget = new SchemaReadState(options.MaxFields);
        var fields = new Field[fieldsVector.IsPresent ? fieldsVector.Count : 0];
        reader.Charge(16L * fields.Length, "schema fields", table.Position);
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = ReadField(fieldsVector.GetTable(i), 1, options, budget, new FieldPath(null, i));
        }

        var metadata = ReadKeyValues(table.GetVector(SchemaCustomMetadata, "custom_metadata", 4));
        return new IpcSchema(new Schema(fields, metadata), budget.DictionaryIds);
    }

    private sealed class SchemaReadState(int remaining)
    {
        public int Remaining { get; set; } = remaining;

        public Dictionary<Field, long> DictionaryIds { get; } = new(ReferenceEqualityComparer.Instance);
    }

    /// <summary>Where a field sits in the schema; formatted only when an error needs it.</summary>
    private sealed class FieldPath(FieldPath? parent, int index)
    {
        public override string ToString() => parent is null ? $"schema field {index}" : $"{parent} child {index}";
    }

    /// <summary>
    /// The pairs as a dictionary. The format allows a key twice, Apache.Arrow's fields and schemas do not: the last
    /// value wins, as it does in Arrow's other implementations that turn metadata into a map.
    /// </summary>
    private static Dictionary<string, string>? ReadKeyValues(FbVector vector)
    {
        if (!vector.IsPresent || vector.Count == 0)
        {
            return null;
        }

        vector.Reader.Charge(16L * vector.Count, "custom_metadata", vector.Start);
        var pairs = new Dictionary<string, string>(vector.Count, StringComparer.Ordinal);
        for (var i = 0; i < vector.Count; i++)
        {
            var kv = vector.GetTable(i);
            pairs[kv.GetString(0, "key") ?? string.Empty] = kv.GetString(1, "value") ?? string.Empty;
        }

        return pairs;
    }
}
