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

/// <summary>A decoded RecordBatch header: row count, the flattened field nodes and buffers vectors, and the body codec if any.</summary>
internal readonly record struct RecordBatchHeader(long Length, FbVector Nodes, FbVector Buffers, IpcCompression? Compression = null);

/// <summary>Encodes and decodes Schema.fbs / Message.fbs / File.fbs tables. Field ids come from the .fbs declaration order.</summary>
internal static partial class IpcMetadata
{
    /// <summary>MetadataVersion V5; the flatbuffer default is V1, so it is always written explicitly.</summary>
    public const short MetadataVersionV5 = 4;

    public const short MetadataVersionV4 = 3;

    private const int MaxDecimal128Precision = 38;

    // Field ids (a union occupies two ids: its type tag, then its value).
    private const int SchemaEndianness = 0, SchemaFields = 1, SchemaCustomMetadata = 2;
    private const int FieldName = 0, FieldNullable = 1, FieldTypeType = 2, FieldType = 3, FieldDictionary = 4, FieldChildren = 5, FieldCustomMetadata = 6;
    private const int MessageVersion = 0, MessageHeaderTypeId = 1, MessageHeader = 2, MessageBodyLength = 3;
    private const int RecordBatchLength = 0, RecordBatchNodes = 1, RecordBatchBuffers = 2, RecordBatchCompression = 3;
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
        return new RecordBatchHeader(length, nodes, buffers, compression);
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

    private static Field ReadField(FbTable table, int depth, ArrowReadOptions options, SchemaReadState budget, FieldPath path)
    {
        var reader = table.Reader;
        if (depth > options.MaxDepth)
        {
            throw reader.Error(path.ToString(), table.Position, $"fields are nested more than {options.MaxDepth} levels deep");
        }

        if (--budget.Remaining < 0)
        {
            throw reader.Error(path.ToString(), table.Position, $"the schema declares more than {options.MaxFields} fields");
        }

        var name = table.GetString(FieldName, "name") ?? string.Empty;
        var nullable = table.GetBool(FieldNullable, "nullable");
        var tag = (TypeTag)table.GetByte(FieldTypeType, "type_type");
        var typeTable = table.GetTable(FieldType, "type");
        var childrenVector = table.GetVector(FieldChildren, "children", 4);
        var children = new Field[childrenVector.IsPresent ? childrenVector.Count : 0];

        // The children end up copied into the type as well; charge both before the recursion allocates them.
        reader.Charge(16L * children.Length, "children", table.Position);
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = ReadField(childrenVector.GetTable(i), depth + 1, options, budget, new FieldPath(path, i));
        }

        var type = ReadType(tag, typeTable, children, reader, name, path, table.Position);
        long? dictionaryId = null;
        var dictionaryTable = table.GetTable(FieldDictionary, "dictionary");
        if (dictionaryTable.IsPresent)
        {
            dictionaryId = dictionaryTable.GetInt64(0, "id");
            var indexTable = dictionaryTable.GetTable(1, "indexType");
            var indexType = indexTable.IsPresent ? ReadIntType(indexTable, reader, () => $"field '{name}' ({path}) dictionary index type") : Int32Type.Default;
            type = new DictionaryType(indexType, type, dictionaryTable.GetBool(2, "isOrdered"));
        }

        var metadata = ReadKeyValues(table.GetVector(FieldCustomMetadata, "custom_metadata", 4));
        var field = new Field(name, type, nullable, metadata);
        if (dictionaryId is { } id)
        {
            budget.DictionaryIds.Add(field, id);
        }

        return field;
    }

    private static IntegerType ReadIntType(FbTable table, FlatBufferReader reader, Func<string> what)
    {
        var width = table.GetInt32(0, "bitWidth");
        var signed = table.GetBool(1, "is_signed");
        return (width, signed) switch
        {
            (8, true) => Int8Type.Default,
            (16, true) => Int16Type.Default,
            (32, true) => Int32Type.Default,
            (64, true) => Int64Type.Default,
            (8, false) => UInt8Type.Default,
            (16, false) => UInt16Type.Default,
            (32, false) => UInt32Type.Default,
            (64, false) => UInt64Type.Default,
            _ => throw reader.Error(what(), table.Position, $"integer bit width {width} is not 8, 16, 32 or 64"),
        };
    }

    private static IArrowType ReadType(TypeTag tag, FbTable t, Field[] children, FlatBufferReader reader, string name, FieldPath path, int position)
    {
        string What() => $"field '{name}' ({path})";

        // Refuse an unsupported type by name before counting its children: a Map or Union with its children is
        // well-formed, and a complaint about the child count would point at the wrong problem.
        if (!IsSupported(tag))
        {
            var tagName = Enum.IsDefined(tag) ? tag.ToString() : $"type tag {(byte)tag}";
            throw reader.Error(What(), position, $"Arrow type {tagName} is not supported");
        }

        var expectChildren = tag switch
        {
            TypeTag.List => 1,
            TypeTag.Map => 1,
            TypeTag.Struct => -1,
            _ => 0,
        };
        if (expectChildren >= 0 && children.Length != expectChildren)
        {
            throw reader.Error(What(), position, $"type {tag} needs {expectChildren} child fields, found {children.Length}");
        }

        switch (tag)
        {
            case TypeTag.Null:
                return NullType.Default;
            case TypeTag.Bool:
                return BooleanType.Default;
            case TypeTag.Int:
                return ReadIntType(t, reader, What);
            case TypeTag.FloatingPoint:
                return t.GetInt16(0, "precision") switch
                {
                    0 => HalfFloatType.Default,
                    1 => FloatType.Default,
                    2 => DoubleType.Default,
                    var precision => throw reader.Error(What(), position, $"floating point precision {precision} is unknown"),
                };
            case TypeTag.Decimal:
                var decimalPrecision = t.GetInt32(0, "precision");
                var scale = t.GetInt32(1, "scale");
                var bitWidth = t.GetInt32(2, "bitWidth", 128);
                if (bitWidth != 128)
                {
                    throw reader.Error(What(), position, $"decimal{bitWidth} is not supported (only decimal128 is)");
                }

                if (decimalPrecision is < 1 or > MaxDecimal128Precision || scale < 0 || scale > decimalPrecision)
                {
                    throw reader.Error(What(), position, $"decimal128({decimalPrecision}, {scale}) is not supported (precision 1..38, scale 0..precision)");
                }

                return new Decimal128Type(decimalPrecision, scale);
            case TypeTag.Utf8:
                return StringType.Default;
            case TypeTag.Binary:
                return BinaryType.Default;
            case TypeTag.FixedSizeBinary:
                var byteWidth = t.GetInt32(0, "byteWidth");
                if (byteWidth < 1 || byteWidth > int.MaxValue / 8)
                {
                    throw reader.Error(What(), position, $"fixed size binary width {byteWidth} is invalid");
                }

                return new FixedSizeBinaryType(byteWidth);
            case TypeTag.Date:
                return t.GetInt16(0, "unit", 1) switch
                {
                    0 => Date32Type.Default,
                    1 => Date64Type.Default,
                    var unit => throw reader.Error(What(), position, $"date unit {unit} is unknown"),
                };
            case TypeTag.Time:
                var timeUnit = ReadTimeUnit(t.GetInt16(0, "unit", 1), reader, What, position);
                var timeWidth = t.GetInt32(1, "bitWidth", 32);
                if (TimeWidth(timeUnit) != timeWidth)
                {
                    throw reader.Error(What(), position, $"time with unit {timeUnit} must be {TimeWidth(timeUnit)} bits wide, not {timeWidth}");
                }

                return timeWidth == 32 ? new Time32Type(timeUnit) : new Time64Type(timeUnit);
            case TypeTag.Timestamp:
                var tsUnit = ReadTimeUnit(t.GetInt16(0, "unit"), reader, What, position);
                var timezone = t.GetString(1, "timezone");
                return new TimestampType(tsUnit, string.IsNullOrEmpty(timezone) ? null : timezone);
            case TypeTag.Duration:
                return DurationType.FromTimeUnit(ReadTimeUnit(t.GetInt16(0, "unit", 1), reader, What, position));
            case TypeTag.List:
                return new ListType(children[0]);
            case TypeTag.Struct:
                return new StructType(children);

            // Reading a map (aa-map): its one child is the entries struct of a key and a value.
            case TypeTag.Map:
                if (children[0].DataType is not StructType { Fields.Count: 2 })
                {
                    throw reader.Error(What(), position, $"a map's child must be a struct of a key and a value, not {ArrowTypes.Describe(children[0].DataType)}");
                }

                return new MapType(children[0], t.GetBool(0, "keysSorted"));
            default:
                // Only TypeTag.None passes IsSupported without a case of its own.
                throw reader.Error(What(), position, "the field has no type");
        }
    }

    /// <summary>The type tags <see cref="ReadType"/> maps; <see cref="TypeTag.None"/> counts so it gets its own message.</summary>
    private static bool IsSupported(TypeTag tag) => tag is TypeTag.None or TypeTag.Null or TypeTag.Bool or TypeTag.Int or TypeTag.FloatingPoint
        or TypeTag.Decimal or TypeTag.Utf8 or TypeTag.Binary or TypeTag.FixedSizeBinary or TypeTag.Date or TypeTag.Time
        or TypeTag.Timestamp or TypeTag.Duration or TypeTag.List or TypeTag.Struct or TypeTag.Map;

    /// <summary>The bit width Arrow gives a time of day in <paramref name="unit"/>: time32 for s and ms, time64 for us and ns.</summary>
    private static int TimeWidth(TimeUnit unit) => unit is TimeUnit.Second or TimeUnit.Millisecond ? 32 : 64;

    private static TimeUnit ReadTimeUnit(short value, FlatBufferReader reader, Func<string> what, int position) => value switch
    {
        0 => TimeUnit.Second,
        1 => TimeUnit.Millisecond,
        2 => TimeUnit.Microsecond,
        3 => TimeUnit.Nanosecond,
        _ => throw reader.Error(what(), position, $"time unit {value} is unknown"),
    };

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
