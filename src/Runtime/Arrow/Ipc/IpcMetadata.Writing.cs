using Apache.Arrow;
using Apache.Arrow.Types;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Arrow.Ipc;

/// <summary>The writing half of <see cref="IpcMetadata"/>: Schema, Message, RecordBatch, DictionaryBatch and Footer tables.</summary>
internal static partial class IpcMetadata
{
    /// <summary>
    /// Writes a Schema table. Dictionary ids are assigned depth-first (pre-order, a dictionary before the dictionaries
    /// nested in its values) from 0, the order <see cref="IpcWriterCore"/> numbers its dictionary batches in.
    /// </summary>
    /// <exception cref="ArgumentException">A field's type cannot be written.</exception>
    public static int WriteSchema(FlatBufferBuilder b, Schema schema)
    {
        var nextId = 0L;
        var fields = new int[schema.FieldsList.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = WriteField(b, schema.FieldsList[i], schema.FieldsList[i].Name, ref nextId);
        }

        var fieldsVector = b.CreateOffsetVector(fields);
        var metadata = WriteKeyValues(b, schema.HasMetadata ? schema.Metadata : null);
        b.StartTable(4);
        b.AddFieldShort(SchemaEndianness, 0);
        b.AddFieldOffset(SchemaFields, fieldsVector);
        if (metadata != 0)
        {
            b.AddFieldOffset(SchemaCustomMetadata, metadata);
        }

        return b.EndTable();
    }

    public static int WriteMessage(FlatBufferBuilder b, MessageHeaderType type, int header, long bodyLength)
    {
        b.StartTable(5);
        b.AddFieldLong(MessageBodyLength, bodyLength);
        b.AddFieldOffset(MessageHeader, header);
        b.AddFieldShort(MessageVersion, MetadataVersionV5);
        b.AddFieldByte(MessageHeaderTypeId, (byte)type);
        return b.EndTable();
    }

    /// <summary>Writes a RecordBatch table from the layout's field nodes and buffers (8-byte structs, 8-byte aligned).</summary>
    public static int WriteRecordBatch(FlatBufferBuilder b, BodyLayout layout, IpcCompression? compression = null)
    {
        var compressionTable = 0;
        if (compression is { } codec)
        {
            b.StartTable(2);
            b.AddFieldByte(0, (byte)codec);
            b.AddFieldByte(1, 0);
            compressionTable = b.EndTable();
        }

        var nodes = layout.Nodes;
        b.StartVector(16, nodes.Count, 8);
        for (var i = nodes.Count - 1; i >= 0; i--)
        {
            b.Prep(8, 16);
            b.PutLong(nodes[i].NullCount);
            b.PutLong(nodes[i].Length);
        }

        var nodesVector = b.EndVector(nodes.Count);
        var buffers = layout.Buffers;
        b.StartVector(16, buffers.Count, 8);
        for (var i = buffers.Count - 1; i >= 0; i--)
        {
            b.Prep(8, 16);
            b.PutLong(buffers[i].Memory.Length);
            b.PutLong(buffers[i].Offset);
        }

        var buffersVector = b.EndVector(buffers.Count);
        b.StartTable(4);
        b.AddFieldLong(RecordBatchLength, layout.Length);
        b.AddFieldOffset(RecordBatchNodes, nodesVector);
        b.AddFieldOffset(RecordBatchBuffers, buffersVector);
        if (compressionTable != 0)
        {
            b.AddFieldOffset(RecordBatchCompression, compressionTable);
        }

        return b.EndTable();
    }

    public static int WriteDictionaryBatch(FlatBufferBuilder b, long id, int recordBatch, bool isDelta)
    {
        b.StartTable(3);
        b.AddFieldLong(DictionaryBatchId, id);
        b.AddFieldOffset(DictionaryBatchData, recordBatch);
        b.AddFieldBool(DictionaryBatchIsDelta, isDelta);
        return b.EndTable();
    }

    public static int WriteFooter(FlatBufferBuilder b, Schema schema, IReadOnlyList<FileBlock> dictionaries, IReadOnlyList<FileBlock> batches)
    {
        var schemaOffset = WriteSchema(b, schema);
        var dictionariesVector = WriteBlocks(b, dictionaries);
        var batchesVector = WriteBlocks(b, batches);
        b.StartTable(4);
        b.AddFieldOffset(FooterSchema, schemaOffset);
        b.AddFieldOffset(FooterDictionaries, dictionariesVector);
        b.AddFieldOffset(FooterRecordBatches, batchesVector);
        b.AddFieldShort(FooterVersion, MetadataVersionV5);
        return b.EndTable();
    }

    private static int WriteBlocks(FlatBufferBuilder b, IReadOnlyList<FileBlock> blocks)
    {
        b.StartVector(24, blocks.Count, 8);
        for (var i = blocks.Count - 1; i >= 0; i--)
        {
            // Block is { offset: long, metaDataLength: int, 4 bytes padding, bodyLength: long }, written back to front.
            b.Prep(8, 24);
            b.PutLong(blocks[i].BodyLength);
            b.Pad(4);
            b.PutInt(blocks[i].MetadataLength);
            b.PutLong(blocks[i].Offset);
        }

        return b.EndVector(blocks.Count);
    }

    private static int WriteField(FlatBufferBuilder b, Field field, string path, ref long nextId)
    {
        var name = b.CreateString(field.Name);
        var valueType = field.DataType;
        var dictionary = 0;
        if (field.DataType is DictionaryType encoding)
        {
            // Assigned before the children are visited: ids are pre-order, as IpcWriterCore numbers them.
            var id = nextId++;
            if (encoding.IndexType is not IntegerType indexType)
            {
                throw new ArgumentException($"Column '{path}': dictionary indices of type {ArrowTypes.Describe(encoding.IndexType)} are not supported; they must be integers.");
            }

            if (encoding.ValueType is DictionaryType)
            {
                throw new ArgumentException($"Column '{path}': a dictionary whose values are dictionary-encoded is not supported.");
            }

            valueType = encoding.ValueType;
            var indexTable = WriteInt(b, indexType);
            b.StartTable(4);
            b.AddFieldLong(0, id);
            b.AddFieldOffset(1, indexTable);
            b.AddFieldBool(2, encoding.Ordered);
            b.AddFieldShort(3, 0);
            dictionary = b.EndTable();
        }

        var (tag, typeTable) = WriteType(b, valueType, path);
        IReadOnlyList<Field> childFields = valueType switch
        {
            ListType list => [list.ValueField],
            MapType map => [map.Fields[0]],
            StructType st => st.Fields,
            _ => System.Array.Empty<Field>(),
        };
        var children = new int[childFields.Count];
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = WriteField(b, childFields[i], path + "." + childFields[i].Name, ref nextId);
        }

        // Arrow C++ rejects a Field without a children vector, so it is written even when empty.
        var childrenVector = b.CreateOffsetVector(children);
        var metadata = WriteKeyValues(b, field.HasMetadata ? field.Metadata : null);
        b.StartTable(7);
        b.AddFieldOffset(FieldName, name);
        b.AddFieldOffset(FieldType, typeTable);
        if (dictionary != 0)
        {
            b.AddFieldOffset(FieldDictionary, dictionary);
        }

        b.AddFieldOffset(FieldChildren, childrenVector);
        if (metadata != 0)
        {
            b.AddFieldOffset(FieldCustomMetadata, metadata);
        }

        b.AddFieldBool(FieldNullable, field.IsNullable);
        b.AddFieldByte(FieldTypeType, (byte)tag);
        return b.EndTable();
    }

    private static int WriteInt(FlatBufferBuilder b, IntegerType type)
    {
        b.StartTable(2);
        b.AddFieldInt(0, type.BitWidth);
        b.AddFieldBool(1, type.IsSigned);
        return b.EndTable();
    }

    /// <summary>Every scalar is written even when it equals the default: defaults differ per field and readers disagree on them.</summary>
    private static (TypeTag Tag, int Table) WriteType(FlatBufferBuilder b, IArrowType type, string path)
    {
        switch (type)
        {
            case NullType:
                return (TypeTag.Null, EmptyTable(b));
            case BooleanType:
                return (TypeTag.Bool, EmptyTable(b));
            case IntegerType it:
                return (TypeTag.Int, WriteInt(b, it));
            case FloatingPointType fp:
                b.StartTable(1);
                b.AddFieldShort(0, fp.Precision switch
                {
                    FloatingPointType.PrecisionKind.Half => 0,
                    FloatingPointType.PrecisionKind.Single => 1,
                    _ => 2,
                });
                return (TypeTag.FloatingPoint, b.EndTable());

            // Decimal128Type derives from FixedSizeBinaryType (as do Apache's other decimals): it must match first,
            // and FixedSizeBinary only as the exact type.
            case Decimal128Type dec:
                b.StartTable(3);
                b.AddFieldInt(0, dec.Precision);
                b.AddFieldInt(1, dec.Scale);
                b.AddFieldInt(2, 128);
                return (TypeTag.Decimal, b.EndTable());
            case StringType:
                return (TypeTag.Utf8, EmptyTable(b));
            case BinaryType when type.GetType() == typeof(BinaryType):
                return (TypeTag.Binary, EmptyTable(b));
            case FixedSizeBinaryType fsb when type.GetType() == typeof(FixedSizeBinaryType):
                b.StartTable(1);
                b.AddFieldInt(0, fsb.ByteWidth);
                return (TypeTag.FixedSizeBinary, b.EndTable());
            case DateType date:
                b.StartTable(1);
                b.AddFieldShort(0, date.Unit == DateUnit.Day ? (short)0 : (short)1);
                return (TypeTag.Date, b.EndTable());
            case TimeType time:
                var timeWidth = TimeWidth(time.Unit);
                if (time.BitWidth != timeWidth)
                {
                    throw new ArgumentException($"Column '{path}': {ArrowTypes.Describe(type)} is not supported; a time in {time.Unit}s is {timeWidth} bits wide.");
                }

                b.StartTable(2);
                b.AddFieldInt(1, timeWidth);
                b.AddFieldShort(0, UnitValue(time.Unit));
                return (TypeTag.Time, b.EndTable());
            case TimestampType ts:
                var timezone = string.IsNullOrEmpty(ts.Timezone) ? 0 : b.CreateString(ts.Timezone);
                b.StartTable(2);
                if (timezone != 0)
                {
                    b.AddFieldOffset(1, timezone);
                }

                b.AddFieldShort(0, UnitValue(ts.Unit));
                return (TypeTag.Timestamp, b.EndTable());
            case DurationType duration:
                b.StartTable(1);
                b.AddFieldShort(0, UnitValue(duration.Unit));
                return (TypeTag.Duration, b.EndTable());
            case ListType:
                return (TypeTag.List, EmptyTable(b));
            case MapType map:
                b.StartTable(1);
                b.AddFieldBool(0, map.KeySorted);
                return (TypeTag.Map, b.EndTable());
            case StructType:
                return (TypeTag.Struct, EmptyTable(b));
            default:
                throw new ArgumentException($"Column '{path}': Arrow type {ArrowTypes.Describe(type)} is not supported; it cannot be written to IPC.");
        }
    }

    /// <summary>Schema.fbs <c>TimeUnit</c> values.</summary>
    private static short UnitValue(TimeUnit unit) => unit switch
    {
        TimeUnit.Second => 0,
        TimeUnit.Millisecond => 1,
        TimeUnit.Microsecond => 2,
        _ => 3,
    };

    private static int EmptyTable(FlatBufferBuilder b)
    {
        b.StartTable(0);
        return b.EndTable();
    }

    private static int WriteKeyValues(FlatBufferBuilder b, IReadOnlyDictionary<string, string>? pairs)
    {
        if (pairs is null || pairs.Count == 0)
        {
            return 0;
        }

        var tables = new int[pairs.Count];
        var i = 0;
        foreach (var (key, value) in pairs)
        {
            var keyOffset = b.CreateString(key);
            var valueOffset = b.CreateString(value);
            b.StartTable(2);
            b.AddFieldOffset(0, keyOffset);
            b.AddFieldOffset(1, valueOffset);
            tables[i++] = b.EndTable();
        }

        return b.CreateOffsetVector(tables);
    }
}
