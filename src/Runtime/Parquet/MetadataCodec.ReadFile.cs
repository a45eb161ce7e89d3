namespace Bulwark.Parquet;

// Reading FileMetaData: key/values, row groups, column chunks and statistics.
internal static partial class MetadataCodec
{
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
}
