using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Parquet;

/// <summary>Maps Arrow schemas to Parquet schemas (writing) and back (reading).</summary>
internal static partial class ParquetSchema
{
    public const string ArrowSchemaKey = "ARROW:schema";
    private const int MaxLevel = 250;
    private const int MaxDecimalPrecision = 38;

    // ---------------------------------------------------------------- Arrow -> Parquet

    public static (List<SchemaElement> Elements, ColumnNode[] Roots, List<LeafColumn> Leaves) FromArrow(Schema schema)
    {
        var fields = schema.FieldsList;
        var elements = new List<SchemaElement> { new() { Name = "schema", NumChildren = fields.Count } };
        var leaves = new List<LeafColumn>();
        var roots = new ColumnNode[fields.Count];
        for (var i = 0; i < roots.Length; i++)
        {
            roots[i] = FromArrowField(fields[i], [], 0, 0, elements, leaves);
            roots[i].AssignSlots(0);
        }

        return (elements, roots, leaves);
    }

    private static ColumnNode FromArrowField(Field field, string[] parentPath, int defSlot, int repSlot, List<SchemaElement> elements, List<LeafColumn> leaves)
    {
        string[] path = [.. parentPath, field.Name];
        var dotted = string.Join('.', path);
        var repetition = field.IsNullable ? Repetition.Optional : Repetition.Required;
        var defPresent = defSlot + (field.IsNullable ? 1 : 0);
        if (defPresent + 1 > MaxLevel)
        {
            throw new ArgumentException($"Column '{dotted}' nests too deeply for Parquet levels.");
        }

        var firstLeaf = leaves.Count;
        switch (field.DataType)
        {
            case StructType st:
            {
                if (st.Fields.Count == 0)
                {
                    throw new ArgumentException($"Column '{dotted}' is a struct without fields, which Parquet cannot store.");
                }

                elements.Add(new SchemaElement { Name = field.Name, RepetitionType = repetition, NumChildren = st.Fields.Count });
                var node = new ColumnNode { Field = field, Kind = NodeKind.Struct, Path = dotted, DefSlot = defSlot, DefPresent = defPresent, RepSlot = repSlot, FirstLeaf = firstLeaf };
                node.Children = new ColumnNode[st.Fields.Count];
                for (var i = 0; i < st.Fields.Count; i++)
                {
                    node.Children[i] = FromArrowField(st.Fields[i], path, defPresent, repSlot, elements, leaves);
                }

                return node;
            }

            case ListType list:
            {
                elements.Add(new SchemaElement
                {
                    Name = field.Name,
                    RepetitionType = repetition,
                    NumChildren = 1,
                    ConvertedType = ConvertedType.List,
                    LogicalType = new LogicalTypeInfo(LogicalKind.List),
                });
                elements.Add(new SchemaElement { Name = "list", RepetitionType = Repetition.Repeated, NumChildren = 1 });
                var node = new ColumnNode { Field = field, Kind = NodeKind.List, Path = dotted, DefSlot = defSlot, DefPresent = defPresent, RepSlot = repSlot, FirstLeaf = firstLeaf };
                var valueField = list.ValueField;
                var elementField = new Field("element", valueField.DataType, valueField.IsNullable, valueField.HasMetadata ? valueField.Metadata : null);
                node.Element = FromArrowField(elementField, [.. path, "list"], defPresent + 1, repSlot + 1, elements, leaves);
                node.Element.Field = list.ValueField;
                return node;
            }

            case MapType map:
                return FromArrowMap(field, map, path, defSlot, defPresent, repSlot, elements, leaves);

            default:
            {
                var element = LeafElement(field, dotted, out var kind, out var order);
                element.Name = field.Name;
                element.RepetitionType = repetition;
                elements.Add(element);
                var node = new ColumnNode { Field = field, Kind = NodeKind.Leaf, Path = dotted, DefSlot = defSlot, DefPresent = defPresent, RepSlot = repSlot, FirstLeaf = firstLeaf };
                node.Leaf = new LeafColumn
                {
                    Index = leaves.Count,
                    PathInSchema = path,
                    DottedPath = dotted,
                    PhysicalType = element.Type!.Value,
                    TypeLength = element.TypeLength ?? 0,
                    MaxDef = defPresent,
                    MaxRep = repSlot,
                    Kind = kind,
                    Order = order,
                    Node = node,
                };
                leaves.Add(node.Leaf);
                return node;
            }
        }
    }

    /// <summary>
    /// The standard three-level MAP: <c>group (MAP) { repeated group key_value { required key; value } }</c>. Shredding
    /// and assembly treat it as a list whose element is the required <c>key_value</c> struct; only the Arrow type differs.
    /// </summary>
    private static ColumnNode FromArrowMap(Field field, MapType map, string[] path, int defSlot, int defPresent, int repSlot, List<SchemaElement> elements, List<LeafColumn> leaves)
    {
        var dotted = string.Join('.', path);
        if (map.KeyField.IsNullable)
        {
            throw new ArgumentException($"Column '{dotted}' is a map with nullable keys; Parquet MAP keys are required.");
        }

        var firstLeaf = leaves.Count;
        elements.Add(new SchemaElement
        {
            Name = field.Name,
            RepetitionType = field.IsNullable ? Repetition.Optional : Repetition.Required,
            NumChildren = 1,
            ConvertedType = ConvertedType.Map,
            LogicalType = new LogicalTypeInfo(LogicalKind.Map),
        });
        elements.Add(new SchemaElement { Name = "key_value", RepetitionType = Repetition.Repeated, NumChildren = 2 });
        string[] entriesPath = [.. path, "key_value"];
        var entryDef = defPresent + 1;
        var entries = new ColumnNode
        {
            Field = map.Fields[0],
            Kind = NodeKind.Struct,
            Path = dotted + ".key_value",
            DefSlot = entryDef,
            DefPresent = entryDef,
            RepSlot = repSlot + 1,
            FirstLeaf = firstLeaf,
        };
        entries.Children =
        [
            FromArrowField(new Field("key", map.KeyField.DataType, false, map.KeyField.HasMetadata ? map.KeyField.Metadata : null), entriesPath, entryDef, repSlot + 1, elements, leaves),
            FromArrowField(new Field("value", map.ValueField.DataType, map.ValueField.IsNullable, map.ValueField.HasMetadata ? map.ValueField.Metadata : null), entriesPath, entryDef, repSlot + 1, elements, leaves),
        ];
        entries.Children[0].Field = map.KeyField;
        entries.Children[1].Field = map.ValueField;
        return new ColumnNode { Field = field, Kind = NodeKind.List, Path = dotted, DefSlot = defSlot, DefPresent = defPresent, RepSlot = repSlot, Element = entries, FirstLeaf = firstLeaf };
    }

    private static SchemaElement LeafElement(Field field, string path, out LeafKind kind, out StatsOrder order)
    {
        switch (field.DataType)
        {
            case DictionaryType dictionary:
                if (dictionary.ValueType is not (StringType or BinaryType))
                {
                    throw new ArgumentException($"Column '{path}': only dictionaries of utf8 or binary values can be written to Parquet, not {ArrowTypes.Describe(dictionary.ValueType)}.");
                }

                if (dictionary.IndexType is not IntegerType)
                {
                    throw new ArgumentException($"Column '{path}': dictionary indices must be integers, not {ArrowTypes.Describe(dictionary.IndexType)}.");
                }

                // The values are written, not the indices; Utf8 names (a generated enum's) are annotated ENUM.
                kind = LeafKind.DictionaryBinary;
                order = StatsOrder.UnsignedBytes;
                return dictionary.ValueType is StringType
                    ? new SchemaElement { Type = PhysicalType.ByteArray, ConvertedType = ConvertedType.Enum, LogicalType = new LogicalTypeInfo(LogicalKind.Enum) }
                    : new SchemaElement { Type = PhysicalType.ByteArray };
            case BooleanType:
                kind = LeafKind.Boolean;
                order = StatsOrder.Boolean;
                return new SchemaElement { Type = PhysicalType.Boolean };
            case IntegerType it:
            {
                kind = (it.BitWidth, it.IsSigned) switch
                {
                    (8, true) => LeafKind.Int8,
                    (16, true) => LeafKind.Int16,
                    (8, false) => LeafKind.UInt8,
                    (16, false) => LeafKind.UInt16,
                    (32, _) => LeafKind.Copy4,
                    _ => LeafKind.Copy8,
                };
                var wide = it.BitWidth == 64;
                order = wide ? (it.IsSigned ? StatsOrder.Signed64 : StatsOrder.Unsigned64) : (it.IsSigned ? StatsOrder.Signed32 : StatsOrder.Unsigned32);
                var element = new SchemaElement { Type = wide ? PhysicalType.Int64 : PhysicalType.Int32 };
                if (!it.IsSigned || it.BitWidth < 32)
                {
                    element.LogicalType = new LogicalTypeInfo(LogicalKind.Integer) { BitWidth = it.BitWidth, IsSigned = it.IsSigned };
                    element.ConvertedType = (it.BitWidth, it.IsSigned) switch
                    {
                        (8, true) => ConvertedType.Int8,
                        (16, true) => ConvertedType.Int16,
                        (8, false) => ConvertedType.UInt8,
                        (16, false) => ConvertedType.UInt16,
                        (32, false) => ConvertedType.UInt32,
                        _ => ConvertedType.UInt64,
                    };
                }

                return element;
            }

            case FloatType:
                kind = LeafKind.Copy4;
                order = StatsOrder.Float;
                return new SchemaElement { Type = PhysicalType.Float };
            case DoubleType:
                kind = LeafKind.Copy8;
                order = StatsOrder.Double;
                return new SchemaElement { Type = PhysicalType.Double };
            case HalfFloatType:
                // Arrow's little-endian IEEE half is FLOAT16's byte layout. FLOAT16 orders as a signed float, not as
                // bytes, so no min/max is written rather than a wrong one.
                kind = LeafKind.FixedBinary;
                order = StatsOrder.None;
                return new SchemaElement { Type = PhysicalType.FixedLenByteArray, TypeLength = 2, LogicalType = new LogicalTypeInfo(LogicalKind.Float16) };
            case Decimal128Type dec:
            {
                if (dec.Precision is < 1 or > MaxDecimalPrecision || dec.Scale < 0 || dec.Scale > dec.Precision)
                {
                    throw new ArgumentException($"Column '{path}' is {ArrowTypes.Describe(dec)}; Parquet DECIMAL from Decimal128 needs precision 1..{MaxDecimalPrecision} and scale 0..precision.");
                }

                var logical = new LogicalTypeInfo(LogicalKind.Decimal) { Precision = dec.Precision, Scale = dec.Scale };
                var element = new SchemaElement { ConvertedType = ConvertedType.Decimal, Precision = dec.Precision, Scale = dec.Scale, LogicalType = logical };
                if (dec.Precision <= 9)
                {
                    kind = LeafKind.DecimalInt32;
                    order = StatsOrder.Signed32;
                    element.Type = PhysicalType.Int32;
                }
                else if (dec.Precision <= 18)
                {
                    kind = LeafKind.DecimalInt64;
                    order = StatsOrder.Signed64;
                    element.Type = PhysicalType.Int64;
                }
                else
                {
                    kind = LeafKind.DecimalFixed;
                    order = StatsOrder.SignedBigEndian;
                    element.Type = PhysicalType.FixedLenByteArray;
                    element.TypeLength = DecimalBytes(dec.Precision);
                }

                return element;
            }

            case StringType:
                kind = LeafKind.Binary;
                order = StatsOrder.UnsignedBytes;
                return new SchemaElement { Type = PhysicalType.ByteArray, ConvertedType = ConvertedType.Utf8, LogicalType = new LogicalTypeInfo(LogicalKind.String) };
            case BinaryType:
                kind = LeafKind.Binary;
                order = StatsOrder.UnsignedBytes;
                return new SchemaElement { Type = PhysicalType.ByteArray };
            // Decimals derive from FixedSizeBinaryType; only the plain type's bytes are written as they are.
            case FixedSizeBinaryType { TypeId: ArrowTypeId.FixedSizedBinary } fsb:
                kind = LeafKind.FixedBinary;
                order = StatsOrder.UnsignedBytes;
                return fsb.ByteWidth == 16 && ArrowTypes.ExtensionName(field) == "arrow.uuid"
                    ? new SchemaElement { Type = PhysicalType.FixedLenByteArray, TypeLength = 16, LogicalType = new LogicalTypeInfo(LogicalKind.Uuid) }
                    : new SchemaElement { Type = PhysicalType.FixedLenByteArray, TypeLength = fsb.ByteWidth };
            case Date32Type:
                kind = LeafKind.Copy4;
                order = StatsOrder.Signed32;
                return new SchemaElement { Type = PhysicalType.Int32, ConvertedType = ConvertedType.Date, LogicalType = new LogicalTypeInfo(LogicalKind.Date) };
            case Time32Type { Unit: TimeUnit.Millisecond } or Time64Type { Unit: TimeUnit.Microsecond or TimeUnit.Nanosecond }:
            {
                var time = (TimeType)field.DataType;
                var unit = UnitId(time.Unit);
                kind = time.Unit == TimeUnit.Millisecond ? LeafKind.Copy4 : LeafKind.Copy8;
                order = time.Unit == TimeUnit.Millisecond ? StatsOrder.Signed32 : StatsOrder.Signed64;
                return new SchemaElement
                {
                    Type = time.Unit == TimeUnit.Millisecond ? PhysicalType.Int32 : PhysicalType.Int64,
                    ConvertedType = time.Unit switch
                    {
                        TimeUnit.Millisecond => ConvertedType.TimeMillis,
                        TimeUnit.Microsecond => ConvertedType.TimeMicros,
                        _ => null,
                    },
                    LogicalType = new LogicalTypeInfo(LogicalKind.Time) { IsAdjustedToUtc = false, Unit = unit },
                };
            }

            case TimestampType { Unit: not TimeUnit.Second } ts:
            {
                kind = LeafKind.Copy8;
                order = StatsOrder.Signed64;
                var utc = ts.Timezone is not null;
                return new SchemaElement
                {
                    Type = PhysicalType.Int64,
                    ConvertedType = (ts.Unit, utc) switch
                    {
                        (TimeUnit.Millisecond, true) => ConvertedType.TimestampMillis,
                        (TimeUnit.Microsecond, true) => ConvertedType.TimestampMicros,
                        _ => null,
                    },
                    LogicalType = new LogicalTypeInfo(LogicalKind.Timestamp) { IsAdjustedToUtc = utc, Unit = UnitId(ts.Unit) },
                };
            }

            case DurationType:
                kind = LeafKind.Copy8;
                order = StatsOrder.Signed64;
                return new SchemaElement { Type = PhysicalType.Int64 };
            default:
                throw new ArgumentException($"Column '{path}' has Arrow type {ArrowTypes.Describe(field.DataType)}, which Bulwark does not write to Parquet.");
        }
    }

    /// <summary>The fewest bytes whose two's complement range holds every unscaled value of this precision.</summary>
    public static int DecimalBytes(int precision)
    {
        var max = System.Numerics.BigInteger.Pow(10, precision) - 1;
        var bytes = 1;
        while (System.Numerics.BigInteger.Pow(2, (8 * bytes) - 1) <= max)
        {
            bytes++;
        }

        return bytes;
    }

    private static int UnitId(TimeUnit unit) => unit switch
    {
        TimeUnit.Millisecond => 1,
        TimeUnit.Microsecond => 2,
        _ => 3,
    };
}
