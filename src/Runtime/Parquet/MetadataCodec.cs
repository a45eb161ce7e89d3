namespace Bulwark.Parquet;

/// <summary>Thrift compact encoding of the parquet.thrift structures Bulwark writes and reads (field ids as in the spec).</summary>
internal static partial class MetadataCodec
{
    // ---------------------------------------------------------------- writing

    public static void Write(ThriftWriter w, FileMetaData m)
    {
        w.StructBegin();
        w.I32(1, m.Version);
        w.ListField(2, TType.Struct, m.Schema.Count);
        foreach (var element in m.Schema)
        {
            Write(w, element);
        }

        w.I64(3, m.NumRows);
        w.ListField(4, TType.Struct, m.RowGroups.Count);
        foreach (var group in m.RowGroups)
        {
            Write(w, group);
        }

        if (m.KeyValueMetadata.Count > 0)
        {
            w.ListField(5, TType.Struct, m.KeyValueMetadata.Count);
            foreach (var pair in m.KeyValueMetadata)
            {
                w.StructBegin();
                w.String(1, pair.Key);
                if (pair.Value is not null)
                {
                    w.String(2, pair.Value);
                }

                w.StructEnd();
            }
        }

        if (m.CreatedBy is not null)
        {
            w.String(6, m.CreatedBy);
        }

        if (m.ColumnOrders > 0)
        {
            w.ListField(7, TType.Struct, m.ColumnOrders);
            for (var i = 0; i < m.ColumnOrders; i++)
            {
                // ColumnOrder union member 1: TYPE_ORDER, an empty TypeDefinedOrder struct.
                w.StructBegin();
                w.StructField(1);
                w.StructEnd();
                w.StructEnd();
            }
        }

        w.StructEnd();
    }

    private static void Write(ThriftWriter w, SchemaElement e)
    {
        w.StructBegin();
        if (e.Type is { } type)
        {
            w.I32(1, type);
        }

        if (e.TypeLength is { } length)
        {
            w.I32(2, length);
        }

        if (e.RepetitionType is { } repetition)
        {
            w.I32(3, repetition);
        }

        w.String(4, e.Name);
        if (e.NumChildren is { } children)
        {
            w.I32(5, children);
        }

        if (e.ConvertedType is { } converted)
        {
            w.I32(6, converted);
        }

        if (e.Scale is { } scale)
        {
            w.I32(7, scale);
        }

        if (e.Precision is { } precision)
        {
            w.I32(8, precision);
        }

        if (e.LogicalType is { } logical)
        {
            w.StructField(10);
            w.StructField((short)logical.Kind);
            switch (logical.Kind)
            {
                case LogicalKind.Decimal:
                    w.I32(1, logical.Scale);
                    w.I32(2, logical.Precision);
                    break;
                case LogicalKind.Time:
                case LogicalKind.Timestamp:
                    w.Bool(1, logical.IsAdjustedToUtc);
                    w.StructField(2);
                    w.StructField((short)logical.Unit);
                    w.StructEnd();
                    w.StructEnd();
                    break;
                case LogicalKind.Integer:
                    w.I8(1, (sbyte)logical.BitWidth);
                    w.Bool(2, logical.IsSigned);
                    break;
            }

            w.StructEnd();
            w.StructEnd();
        }

        w.StructEnd();
    }

    private static void Write(ThriftWriter w, RowGroup g)
    {
        w.StructBegin();
        w.ListField(1, TType.Struct, g.Columns.Count);
        foreach (var column in g.Columns)
        {
            w.StructBegin();
            w.I64(2, column.FileOffset);
            if (column.MetaData is { } meta)
            {
                w.StructField(3);
                Write(w, meta);
                w.StructEnd();
            }

            w.StructEnd();
        }

        w.I64(2, g.TotalByteSize);
        w.I64(3, g.NumRows);
        if (g.FileOffset is { } offset)
        {
            w.I64(5, offset);
        }

        if (g.TotalCompressedSize is { } compressed)
        {
            w.I64(6, compressed);
        }

        if (g.Ordinal is { } ordinal)
        {
            w.I16(7, ordinal);
        }

        w.StructEnd();
    }

    /// <summary>The fields of ColumnMetaData, inside a struct the caller opened.</summary>
    private static void Write(ThriftWriter w, ColumnMetaData m)
    {
        w.I32(1, m.Type);
        w.ListField(2, TType.I32, m.Encodings.Count);
        foreach (var encoding in m.Encodings)
        {
            w.I32Value(encoding);
        }

        w.ListField(3, TType.Binary, m.PathInSchema.Count);
        foreach (var part in m.PathInSchema)
        {
            w.StringValue(part);
        }

        w.I32(4, m.Codec);
        w.I64(5, m.NumValues);
        w.I64(6, m.TotalUncompressedSize);
        w.I64(7, m.TotalCompressedSize);
        w.I64(9, m.DataPageOffset);
        if (m.DictionaryPageOffset is { } dictionary)
        {
            w.I64(11, dictionary);
        }

        if (m.Statistics is { } stats)
        {
            w.StructField(12);
            Write(w, stats);
            w.StructEnd();
        }
    }

    private static void Write(ThriftWriter w, Statistics s)
    {
        if (s.Max is { } max)
        {
            w.Binary(1, max);
        }

        if (s.Min is { } min)
        {
            w.Binary(2, min);
        }

        if (s.NullCount is { } nulls)
        {
            w.I64(3, nulls);
        }

        if (s.DistinctCount is { } distinct)
        {
            w.I64(4, distinct);
        }

        if (s.MaxValue is { } maxValue)
        {
            w.Binary(5, maxValue);
        }

        if (s.MinValue is { } minValue)
        {
            w.Binary(6, minValue);
        }

        if (s.IsMaxValueExact is { } maxExact)
        {
            w.Bool(7, maxExact);
        }

        if (s.IsMinValueExact is { } minExact)
        {
            w.Bool(8, minExact);
        }
    }

    public static void Write(ThriftWriter w, PageHeader h)
    {
        w.StructBegin();
        w.I32(1, h.Type);
        w.I32(2, h.UncompressedPageSize);
        w.I32(3, h.CompressedPageSize);
        if (h.Crc is { } crc)
        {
            w.I32(4, crc);
        }

        if (h.DataPage is { } v1)
        {
            w.StructField(5);
            w.I32(1, v1.NumValues);
            w.I32(2, v1.Encoding);
            w.I32(3, v1.DefinitionLevelEncoding);
            w.I32(4, v1.RepetitionLevelEncoding);
            w.StructEnd();
        }

        if (h.DictionaryPage is { } dictionary)
        {
            w.StructField(7);
            w.I32(1, dictionary.NumValues);
            w.I32(2, dictionary.Encoding);
            if (dictionary.IsSorted is { } sorted)
            {
                w.Bool(3, sorted);
            }

            w.StructEnd();
        }

        if (h.DataPageV2 is { } v2)
        {
            w.StructField(8);
            w.I32(1, v2.NumValues);
            w.I32(2, v2.NumNulls);
            w.I32(3, v2.NumRows);
            w.I32(4, v2.Encoding);
            w.I32(5, v2.DefinitionLevelsByteLength);
            w.I32(6, v2.RepetitionLevelsByteLength);
            w.Bool(7, v2.IsCompressed);
            w.StructEnd();
        }

        w.StructEnd();
    }
}
