using Apache.Arrow;
using Apache.Arrow.Types;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Arrow.Ipc;

/// <summary>Reading Schema.fbs fields and types into Apache.Arrow fields and types.</summary>
internal static partial class IpcMetadata
{
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

        var type = ReadType(tag, typeTable, children, reader, name, path, table.Position, budget.DictionaryIds);
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

    private static IArrowType ReadType(TypeTag tag, FbTable t, Field[] children, FlatBufferReader reader, string name, FieldPath path, int position, Dictionary<Field, long> dictionaryIds)
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
            TypeTag.List or TypeTag.LargeList or TypeTag.FixedSizeList or TypeTag.Map => 1,
            TypeTag.Struct or TypeTag.Union => -1,
            _ => 0,
        };
        if (expectChildren >= 0 && children.Length != expectChildren)
        {
            throw reader.Error(What(), position, $"type {tag} needs {expectChildren} child fields, found {children.Length}");
        }

        if (expectChildren < 0 && children.Length == 0)
        {
            // Arrow allows an empty struct or union; Apache.Arrow's nested types throw on one.
            throw reader.Error(What(), position, $"a {tag} with no child fields is not supported");
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
                return ReadDecimalType(t, reader, What, position);
            case TypeTag.Utf8:
                return StringType.Default;
            case TypeTag.Binary:
                return BinaryType.Default;
            case TypeTag.LargeUtf8:
                return LargeStringType.Default;
            case TypeTag.LargeBinary:
                return LargeBinaryType.Default;
            case TypeTag.Utf8View:
                return StringViewType.Default;
            case TypeTag.BinaryView:
                return BinaryViewType.Default;
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
            case TypeTag.Interval:
                return t.GetInt16(0, "unit") switch
                {
                    0 => IntervalType.YearMonth,
                    1 => IntervalType.DayTime,
                    2 => IntervalType.MonthDayNanosecond,
                    var unit => throw reader.Error(What(), position, $"interval unit {unit} is unknown"),
                };
            case TypeTag.List:
                return new ListType(children[0]);
            case TypeTag.LargeList:
                return new LargeListType(children[0]);
            case TypeTag.FixedSizeList:
                var listSize = t.GetInt32(0, "listSize");
                // Apache.Arrow's FixedSizeListType takes only positive sizes; refuse the others here, by name.
                if (listSize <= 0)
                {
                    throw reader.Error(What(), position, $"fixed size list size {listSize} is not positive");
                }

                return new FixedSizeListType(children[0], listSize);
            case TypeTag.Struct:
                return new StructType(children);
            case TypeTag.Map:
                return ReadMapType(t, children[0], reader, What, position, dictionaryIds);
            case TypeTag.Union:
                return ReadUnionType(t, children, reader, What, position);
            default:
                // Only TypeTag.None passes IsSupported without a case of its own.
                throw reader.Error(What(), position, "the field has no type");
        }
    }

    /// <summary>The type tags <see cref="ReadType"/> maps; <see cref="TypeTag.None"/> counts so it gets its own message.</summary>
    private static bool IsSupported(TypeTag tag) => tag is not (TypeTag.RunEndEncoded or TypeTag.ListView or TypeTag.LargeListView) && (byte)tag <= (byte)TypeTag.LargeListView;

    private static IArrowType ReadDecimalType(FbTable t, FlatBufferReader reader, Func<string> what, int position)
    {
        var precision = t.GetInt32(0, "precision");
        var scale = t.GetInt32(1, "scale");
        var bitWidth = t.GetInt32(2, "bitWidth", 128);
        var maxPrecision = bitWidth switch
        {
            32 => MaxDecimal32Precision,
            64 => MaxDecimal64Precision,
            128 => MaxDecimal128Precision,
            256 => MaxDecimal256Precision,
            _ => throw reader.Error(what(), position, $"decimal{bitWidth} is not supported (decimal32, decimal64, decimal128 and decimal256 are)"),
        };
        if (precision < 1 || precision > maxPrecision || scale < 0 || scale > precision)
        {
            throw reader.Error(what(), position, $"decimal{bitWidth}({precision}, {scale}) is not supported (precision 1..{maxPrecision}, scale 0..precision)");
        }

        return bitWidth switch
        {
            32 => new Decimal32Type(precision, scale),
            64 => new Decimal64Type(precision, scale),
            128 => new Decimal128Type(precision, scale),
            _ => new Decimal256Type(precision, scale),
        };
    }

    /// <summary>
    /// A map is a list of non-null key/value structs whose keys are never null (Schema.fbs). Apache's MapType renames
    /// the entries, key and value fields to their canonical names (new field objects); the data does not depend on
    /// them, but the dictionary ids, keyed by field object, must follow the renamed fields.
    /// </summary>
    private static MapType ReadMapType(FbTable t, Field entries, FlatBufferReader reader, Func<string> what, int position, Dictionary<Field, long> dictionaryIds)
    {
        if (entries.DataType is not StructType { Fields.Count: 2 } entryType)
        {
            throw reader.Error(what(), position, $"a map's child must be a struct of key and value, not {ArrowTypes.Describe(entries.DataType)}");
        }

        if (entries.IsNullable)
        {
            throw reader.Error(what(), position, $"the map's entries field '{entries.Name}' is nullable; map entries cannot be null");
        }

        if (entryType.Fields[0].IsNullable)
        {
            throw reader.Error(what(), position, $"the map's key field '{entryType.Fields[0].Name}' is nullable; map keys cannot be null");
        }

        var map = new MapType(entries, t.GetBool(0, "keysSorted"));
        MoveDictionaryId(dictionaryIds, entries, map.Fields[0]);
        MoveDictionaryId(dictionaryIds, entryType.Fields[0], map.KeyField);
        MoveDictionaryId(dictionaryIds, entryType.Fields[1], map.ValueField);
        return map;
    }

    private static void MoveDictionaryId(Dictionary<Field, long> dictionaryIds, Field original, Field renamed)
    {
        if (!ReferenceEquals(original, renamed) && dictionaryIds.Remove(original, out var id))
        {
            dictionaryIds.Add(renamed, id);
        }
    }

    /// <summary>
    /// A union's type ids name its children; absent, they are the child indices. Each id fits the int8 type ids buffer
    /// and names one child.
    /// </summary>
    private static UnionType ReadUnionType(FbTable t, Field[] children, FlatBufferReader reader, Func<string> what, int position)
    {
        var mode = t.GetInt16(0, "mode") switch
        {
            0 => UnionMode.Sparse,
            1 => UnionMode.Dense,
            var other => throw reader.Error(what(), position, $"union mode {other} is unknown"),
        };
        var typeIdsVector = t.GetVector(1, "typeIds", 4);
        var typeIds = new int[children.Length];
        if (typeIdsVector.IsPresent)
        {
            if (typeIdsVector.Count != children.Length)
            {
                throw reader.Error(what(), position, $"the union declares {typeIdsVector.Count} type ids for {children.Length} children");
            }

            for (var i = 0; i < typeIds.Length; i++)
            {
                typeIds[i] = typeIdsVector.GetStructInt32(i, 0);
            }
        }
        else
        {
            for (var i = 0; i < typeIds.Length; i++)
            {
                typeIds[i] = i;
            }
        }

        for (var i = 0; i < typeIds.Length; i++)
        {
            if (typeIds[i] is < 0 or > sbyte.MaxValue)
            {
                throw reader.Error(what(), position, $"union type id {typeIds[i]} is outside 0..{sbyte.MaxValue}");
            }

            if (System.Array.IndexOf(typeIds, typeIds[i], 0, i) >= 0)
            {
                throw reader.Error(what(), position, $"union type id {typeIds[i]} is declared twice");
            }
        }

        return new UnionType(children, typeIds, mode);
    }

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
}
