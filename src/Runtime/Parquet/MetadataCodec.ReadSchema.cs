namespace Bulwark.Parquet;

// Reading SchemaElement and its LogicalType union.
internal static partial class MetadataCodec
{
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
}
