namespace Bulwark.Parquet;

/// <summary>Thrift compact encoding of the parquet.thrift structures Bulwark writes and reads (field ids as in the spec).</summary>
internal static class MetadataCodec
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

    // ---------------------------------------------------------------- reading

    public static FileMetaData ReadFileMetaData(ref ThriftReader r)
    {
        var m = new FileMetaData();
        bool hasVersion = false, hasSchema = false, hasRows = false, hasGroups = false;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    m.Version = r.ReadI32(type);
                    hasVersion = true;
                    break;
                case 2:
                {
                    var count = r.ReadListHeader(type, out var element);
                    r.ExpectElement(element, TType.Struct);
                    m.Schema = new List<SchemaElement>(count);
                    for (var i = 0; i < count; i++)
                    {
                        m.Schema.Add(ReadSchemaElement(ref r));
                    }

                    hasSchema = true;
                    break;
                }

                case 3:
                    m.NumRows = r.ReadI64(type);
                    hasRows = true;
                    break;
                case 4:
                {
                    var count = r.ReadListHeader(type, out var element);
                    r.ExpectElement(element, TType.Struct);
                    m.RowGroups = new List<RowGroup>(count);
                    for (var i = 0; i < count; i++)
                    {
                        m.RowGroups.Add(ReadRowGroup(ref r));
                    }

                    hasGroups = true;
                    break;
                }

                case 5:
                {
                    var count = r.ReadListHeader(type, out var element);
                    r.ExpectElement(element, TType.Struct);
                    m.KeyValueMetadata = new List<KeyValuePair<string, string?>>(count);
                    for (var i = 0; i < count; i++)
                    {
                        m.KeyValueMetadata.Add(ReadKeyValue(ref r));
                    }

                    break;
                }

                case 6:
                    m.CreatedBy = r.ReadString(type);
                    break;
                case 7:
                {
                    var count = r.ReadListHeader(type, out var element);
                    for (var i = 0; i < count; i++)
                    {
                        r.Skip(element);
                    }

                    m.ColumnOrders = count;
                    break;
                }

                case 8:
                    throw r.Error("the file is encrypted (FileMetaData.encryption_algorithm is set): Parquet modular encryption is not supported");
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (!(hasVersion && hasSchema && hasRows && hasGroups))
        {
            throw r.Error("FileMetaData lacks a required field (version, schema, num_rows or row_groups)");
        }

        return m;
    }

    private static KeyValuePair<string, string?> ReadKeyValue(ref ThriftReader r)
    {
        string? key = null;
        string? value = null;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    key = r.ReadString(type);
                    break;
                case 2:
                    value = r.ReadString(type);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return new KeyValuePair<string, string?>(key ?? throw r.Error("KeyValue lacks its key"), value);
    }

    private static SchemaElement ReadSchemaElement(ref ThriftReader r)
    {
        var e = new SchemaElement();
        var hasName = false;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    e.Type = r.ReadI32(type);
                    break;
                case 2:
                    e.TypeLength = r.ReadI32(type);
                    break;
                case 3:
                    e.RepetitionType = r.ReadI32(type);
                    break;
                case 4:
                    e.Name = r.ReadString(type);
                    hasName = true;
                    break;
                case 5:
                    e.NumChildren = r.ReadI32(type);
                    break;
                case 6:
                    e.ConvertedType = r.ReadI32(type);
                    break;
                case 7:
                    e.Scale = r.ReadI32(type);
                    break;
                case 8:
                    e.Precision = r.ReadI32(type);
                    break;
                case 9:
                    e.FieldId = r.ReadI32(type);
                    break;
                case 10:
                    e.LogicalType = ReadLogicalType(ref r, type);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (!hasName)
        {
            throw r.Error("a SchemaElement lacks its name");
        }

        return e;
    }

    private static LogicalTypeInfo ReadLogicalType(ref ThriftReader r, byte fieldType)
    {
        ExpectStruct(ref r, fieldType);
        LogicalTypeInfo? result = null;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            if (type != TType.Struct)
            {
                r.Skip(type);
                continue;
            }

            var kind = id switch
            {
                1 => LogicalKind.String,
                2 => LogicalKind.Map,
                3 => LogicalKind.List,
                4 => LogicalKind.Enum,
                5 => LogicalKind.Decimal,
                6 => LogicalKind.Date,
                7 => LogicalKind.Time,
                8 => LogicalKind.Timestamp,
                10 => LogicalKind.Integer,
                11 => LogicalKind.Unknown,
                12 => LogicalKind.Json,
                13 => LogicalKind.Bson,
                14 => LogicalKind.Uuid,
                15 => LogicalKind.Float16,
                _ => LogicalKind.Other,
            };
            result = kind switch
            {
                LogicalKind.Decimal => ReadDecimal(ref r),
                LogicalKind.Time or LogicalKind.Timestamp => ReadTemporal(ref r, kind),
                LogicalKind.Integer => ReadInteger(ref r),
                _ => SkipStruct(ref r, kind),
            };
        }

        r.StructEnd();
        return result ?? new LogicalTypeInfo(LogicalKind.Other);
    }

    private static LogicalTypeInfo SkipStruct(ref ThriftReader r, LogicalKind kind)
    {
        r.Skip(TType.Struct);
        return new LogicalTypeInfo(kind);
    }

    private static LogicalTypeInfo ReadDecimal(ref ThriftReader r)
    {
        int? scale = null, precision = null;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    scale = r.ReadI32(type);
                    break;
                case 2:
                    precision = r.ReadI32(type);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (scale is null || precision is null)
        {
            throw r.Error("DecimalType lacks its scale or precision");
        }

        return new LogicalTypeInfo(LogicalKind.Decimal) { Scale = scale.Value, Precision = precision.Value };
    }

    private static LogicalTypeInfo ReadTemporal(ref ThriftReader r, LogicalKind kind)
    {
        bool? utc = null;
        var unit = 0;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    utc = r.ReadBool(type);
                    break;
                case 2:
                    ExpectStruct(ref r, type);
                    r.StructBegin();
                    while (r.NextField(out var unitType, out var unitId))
                    {
                        r.Skip(unitType);
                        unit = unitId;
                    }

                    r.StructEnd();
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (utc is null || unit is < 1 or > 3)
        {
            throw r.Error($"{kind} logical type lacks isAdjustedToUTC or a known unit");
        }

        return new LogicalTypeInfo(kind) { IsAdjustedToUtc = utc.Value, Unit = unit };
    }

    private static LogicalTypeInfo ReadInteger(ref ThriftReader r)
    {
        int? width = null;
        bool? signed = null;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    width = r.ReadI8(type);
                    break;
                case 2:
                    signed = r.ReadBool(type);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (width is not (8 or 16 or 32 or 64) || signed is null)
        {
            throw r.Error($"IntType has bit width {width?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"}; 8, 16, 32 or 64 and a sign are required");
        }

        return new LogicalTypeInfo(LogicalKind.Integer) { BitWidth = width.Value, IsSigned = signed.Value };
    }

    private static RowGroup ReadRowGroup(ref ThriftReader r)
    {
        var g = new RowGroup();
        bool hasColumns = false, hasRows = false;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                {
                    var count = r.ReadListHeader(type, out var element);
                    r.ExpectElement(element, TType.Struct);
                    g.Columns = new List<ColumnChunk>(count);
                    for (var i = 0; i < count; i++)
                    {
                        g.Columns.Add(ReadColumnChunk(ref r));
                    }

                    hasColumns = true;
                    break;
                }

                case 2:
                    g.TotalByteSize = r.ReadI64(type);
                    break;
                case 3:
                    g.NumRows = r.ReadI64(type);
                    hasRows = true;
                    break;
                case 5:
                    g.FileOffset = r.ReadI64(type);
                    break;
                case 6:
                    g.TotalCompressedSize = r.ReadI64(type);
                    break;
                case 7:
                    g.Ordinal = r.ReadI16(type);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (!hasColumns || !hasRows)
        {
            throw r.Error("a RowGroup lacks its columns or num_rows");
        }

        return g;
    }

    private static ColumnChunk ReadColumnChunk(ref ThriftReader r)
    {
        var c = new ColumnChunk();
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    c.FilePath = r.ReadString(type);
                    break;
                case 2:
                    c.FileOffset = r.ReadI64(type);
                    break;
                case 3:
                    ExpectStruct(ref r, type);
                    c.MetaData = ReadColumnMetaData(ref r);
                    break;
                case 8:
                case 9:
                    throw r.Error("the column chunk is encrypted: Parquet modular encryption is not supported");
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return c;
    }

    private static ColumnMetaData ReadColumnMetaData(ref ThriftReader r)
    {
        var m = new ColumnMetaData();
        var seen = 0;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    m.Type = r.ReadI32(type);
                    seen |= 1;
                    break;
                case 2:
                {
                    var count = r.ReadListHeader(type, out var element);
                    r.ExpectElement(element, TType.I32);
                    m.Encodings = new List<int>(count);
                    for (var i = 0; i < count; i++)
                    {
                        m.Encodings.Add(r.ReadI32Value());
                    }

                    seen |= 2;
                    break;
                }

                case 3:
                {
                    var count = r.ReadListHeader(type, out var element);
                    r.ExpectElement(element, TType.Binary);
                    m.PathInSchema = new List<string>(count);
                    for (var i = 0; i < count; i++)
                    {
                        m.PathInSchema.Add(r.ReadStringValue());
                    }

                    seen |= 4;
                    break;
                }

                case 4:
                    m.Codec = r.ReadI32(type);
                    seen |= 8;
                    break;
                case 5:
                    m.NumValues = r.ReadI64(type);
                    seen |= 16;
                    break;
                case 6:
                    m.TotalUncompressedSize = r.ReadI64(type);
                    seen |= 32;
                    break;
                case 7:
                    m.TotalCompressedSize = r.ReadI64(type);
                    seen |= 64;
                    break;
                case 9:
                    m.DataPageOffset = r.ReadI64(type);
                    seen |= 128;
                    break;
                case 10:
                    m.IndexPageOffset = r.ReadI64(type);
                    break;
                case 11:
                    m.DictionaryPageOffset = r.ReadI64(type);
                    break;
                case 12:
                    ExpectStruct(ref r, type);
                    m.Statistics = ReadStatistics(ref r);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (seen != 255)
        {
            throw r.Error("ColumnMetaData lacks a required field");
        }

        return m;
    }

    private static Statistics ReadStatistics(ref ThriftReader r)
    {
        var s = new Statistics();
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    s.Max = r.ReadBinary(type).ToArray();
                    break;
                case 2:
                    s.Min = r.ReadBinary(type).ToArray();
                    break;
                case 3:
                    s.NullCount = r.ReadI64(type);
                    break;
                case 4:
                    s.DistinctCount = r.ReadI64(type);
                    break;
                case 5:
                    s.MaxValue = r.ReadBinary(type).ToArray();
                    break;
                case 6:
                    s.MinValue = r.ReadBinary(type).ToArray();
                    break;
                case 7:
                    s.IsMaxValueExact = r.ReadBool(type);
                    break;
                case 8:
                    s.IsMinValueExact = r.ReadBool(type);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return s;
    }

    public static PageHeader ReadPageHeader(ref ThriftReader r)
    {
        var h = new PageHeader();
        var seen = 0;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    h.Type = r.ReadI32(type);
                    seen |= 1;
                    break;
                case 2:
                    h.UncompressedPageSize = r.ReadI32(type);
                    seen |= 2;
                    break;
                case 3:
                    h.CompressedPageSize = r.ReadI32(type);
                    seen |= 4;
                    break;
                case 4:
                    h.Crc = r.ReadI32(type);
                    break;
                case 5:
                    ExpectStruct(ref r, type);
                    h.DataPage = ReadDataPageHeader(ref r);
                    break;
                case 7:
                    ExpectStruct(ref r, type);
                    h.DictionaryPage = ReadDictionaryPageHeader(ref r);
                    break;
                case 8:
                    ExpectStruct(ref r, type);
                    h.DataPageV2 = ReadDataPageHeaderV2(ref r);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (seen != 7)
        {
            throw r.Error("PageHeader lacks its type or sizes");
        }

        if (h.UncompressedPageSize < 0 || h.CompressedPageSize < 0)
        {
            throw r.Error($"page sizes {h.CompressedPageSize} (compressed) and {h.UncompressedPageSize} (uncompressed) must not be negative");
        }

        return h;
    }

    private static DataPageHeader ReadDataPageHeader(ref ThriftReader r)
    {
        var h = new DataPageHeader();
        var seen = 0;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    h.NumValues = r.ReadI32(type);
                    seen |= 1;
                    break;
                case 2:
                    h.Encoding = r.ReadI32(type);
                    seen |= 2;
                    break;
                case 3:
                    h.DefinitionLevelEncoding = r.ReadI32(type);
                    seen |= 4;
                    break;
                case 4:
                    h.RepetitionLevelEncoding = r.ReadI32(type);
                    seen |= 8;
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (seen != 15 || h.NumValues < 0)
        {
            throw r.Error("DataPageHeader lacks a required field or has a negative num_values");
        }

        return h;
    }

    private static DataPageHeaderV2 ReadDataPageHeaderV2(ref ThriftReader r)
    {
        var h = new DataPageHeaderV2();
        var seen = 0;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    h.NumValues = r.ReadI32(type);
                    seen |= 1;
                    break;
                case 2:
                    h.NumNulls = r.ReadI32(type);
                    seen |= 2;
                    break;
                case 3:
                    h.NumRows = r.ReadI32(type);
                    seen |= 4;
                    break;
                case 4:
                    h.Encoding = r.ReadI32(type);
                    seen |= 8;
                    break;
                case 5:
                    h.DefinitionLevelsByteLength = r.ReadI32(type);
                    seen |= 16;
                    break;
                case 6:
                    h.RepetitionLevelsByteLength = r.ReadI32(type);
                    seen |= 32;
                    break;
                case 7:
                    h.IsCompressed = r.ReadBool(type);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (seen != 63 || h.NumValues < 0 || h.NumNulls < 0 || h.NumRows < 0 || h.DefinitionLevelsByteLength < 0 || h.RepetitionLevelsByteLength < 0)
        {
            throw r.Error("DataPageHeaderV2 lacks a required field or has a negative count or length");
        }

        return h;
    }

    private static DictionaryPageHeader ReadDictionaryPageHeader(ref ThriftReader r)
    {
        var h = new DictionaryPageHeader();
        var seen = 0;
        r.StructBegin();
        while (r.NextField(out var type, out var id))
        {
            switch (id)
            {
                case 1:
                    h.NumValues = r.ReadI32(type);
                    seen |= 1;
                    break;
                case 2:
                    h.Encoding = r.ReadI32(type);
                    seen |= 2;
                    break;
                case 3:
                    h.IsSorted = r.ReadBool(type);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (seen != 3 || h.NumValues < 0)
        {
            throw r.Error("DictionaryPageHeader lacks a required field or has a negative num_values");
        }

        return h;
    }

    private static void ExpectStruct(ref ThriftReader r, byte type)
    {
        if (type != TType.Struct)
        {
            throw r.Error($"expected a struct, found type code {type}");
        }
    }
}
