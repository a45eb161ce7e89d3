namespace Bulwark.Parquet;

// Reading page headers, and the struct-type check the readers share.
internal static partial class MetadataCodec
{
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
