using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Parquet;

/// <summary>How values move between an Arrow leaf array and a Parquet physical column.</summary>
internal enum LeafKind
{
    Boolean,
    Int8,
    Int16,
    UInt8,
    UInt16,
    Copy4,
    Copy8,
    DecimalInt32,
    DecimalInt64,
    DecimalFixed,
    DecimalBinary,
    Binary,
    FixedBinary,
    DictionaryBinary,
    Int96Timestamp,
}

/// <summary>The order statistics use for a column (its ColumnOrder TYPE_ORDER for the logical type).</summary>
internal enum StatsOrder
{
    None,
    Boolean,
    Signed32,
    Unsigned32,
    Signed64,
    Unsigned64,
    Float,
    Double,
    UnsignedBytes,
    SignedBigEndian,
}

internal enum NodeKind
{
    Leaf,
    Struct,
    List,
}

/// <summary>
/// One Arrow field mapped onto the Parquet schema, with the level thresholds that shredding and assembly need: the
/// node has a slot at a level entry whose repetition level is at most <see cref="RepSlot"/> and whose definition level
/// is at least <see cref="DefSlot"/>; the slot is non-null when the definition level reaches <see cref="DefPresent"/>.
/// </summary>
internal sealed class ColumnNode
{
    public required Field Field { get; set; }

    public required NodeKind Kind { get; init; }

    public required string Path { get; init; }

    public int DefSlot { get; set; }

    public int DefPresent { get; set; }

    public int RepSlot { get; set; }

    /// <summary>
    /// The definition level from which the node has an Arrow slot. A struct's children have a slot wherever the struct
    /// has one (null under a null struct), so it is inherited from the struct; a list element's is where it exists.
    /// </summary>
    public int SlotDef { get; set; }

    public ColumnNode? Element { get; set; }

    public ColumnNode[] Children { get; set; } = [];

    public LeafColumn? Leaf { get; set; }

    /// <summary>The index of the first leaf column under this node, whose levels describe the node's slots.</summary>
    public int FirstLeaf { get; set; }

    public bool Nullable => DefPresent > DefSlot;

    public void AssignSlots(int slotDef)
    {
        SlotDef = slotDef;
        foreach (var child in Children)
        {
            child.AssignSlots(slotDef);
        }

        Element?.AssignSlots(Element.DefSlot);
    }
}

internal sealed class LeafColumn
{
    public required int Index { get; init; }

    public required string[] PathInSchema { get; init; }

    public required string DottedPath { get; init; }

    public required int PhysicalType { get; init; }

    public required int TypeLength { get; init; }

    public required int MaxDef { get; init; }

    public required int MaxRep { get; init; }

    public required LeafKind Kind { get; set; }

    public required StatsOrder Order { get; init; }

    public required ColumnNode Node { get; init; }

    /// <summary>The file's <c>ARROW:schema</c> gave this leaf its type (so read options about natural types do not apply).</summary>
    public bool TypedByArrowSchema { get; set; }

    /// <summary>Bytes per value of a fixed-width physical type in PLAIN encoding; 0 for BOOLEAN and BYTE_ARRAY.</summary>
    public int FixedWidth => PhysicalType switch
    {
        Parquet.PhysicalType.Int32 or Parquet.PhysicalType.Float => 4,
        Parquet.PhysicalType.Int64 or Parquet.PhysicalType.Double => 8,
        Parquet.PhysicalType.Int96 => 12,
        Parquet.PhysicalType.FixedLenByteArray => TypeLength,
        _ => 0,
    };
}

/// <summary>Maps Arrow schemas to Parquet schemas (writing) and back (reading).</summary>
internal static class ParquetSchema
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

    // ---------------------------------------------------------------- Parquet -> Arrow

    /// <summary>
    /// Builds the Arrow view of a file's schema. <paramref name="hint"/> (the decoded <c>ARROW:schema</c>) restores exact
    /// Arrow types where it agrees with the Parquet columns; a hint that disagrees anywhere is ignored as a whole.
    /// </summary>
    public static (Schema Schema, ColumnNode[] Roots, List<LeafColumn> Leaves) FromParquet(List<SchemaElement> elements, Schema? hint, ParquetLocation location, ParquetReadOptions options)
    {
        if (elements.Count == 0)
        {
            throw location.Error("the schema is empty");
        }

        var position = 1;
        var rootChildren = elements[0].NumChildren ?? 0;
        if (rootChildren < 0 || rootChildren > elements.Count - 1)
        {
            throw location.Error($"the schema root declares {rootChildren} children but only {elements.Count - 1} elements follow");
        }

        var leaves = new List<LeafColumn>();
        var roots = new ColumnNode[rootChildren];
        for (var i = 0; i < rootChildren; i++)
        {
            roots[i] = ReadNode(elements, ref position, [], 0, 0, 1, leaves, location, options);
            roots[i].AssignSlots(0);
        }

        if (position != elements.Count)
        {
            throw location.Error($"the schema has {elements.Count - position} elements that belong to no column");
        }

        if (leaves.Count == 0)
        {
            throw location.Error("the schema has no columns");
        }

        var fields = roots.Select(r => r.Field).ToArray();
        if (hint is not null && hint.FieldsList.Count == roots.Length && roots.Select((r, i) => HintMatches(hint.FieldsList[i], r)).All(m => m))
        {
            for (var i = 0; i < roots.Length; i++)
            {
                ApplyHint(hint.FieldsList[i], roots[i]);
            }

            fields = roots.Select(r => r.Field).ToArray();
            return (new Schema(fields, hint.HasMetadata ? hint.Metadata : null), roots, leaves);
        }

        return (new Schema(fields, null), roots, leaves);
    }

    private static ColumnNode ReadNode(List<SchemaElement> elements, ref int position, string[] parentPath, int defSlot, int repSlot, int depth, List<LeafColumn> leaves, ParquetLocation location, ParquetReadOptions options)
    {
        if (depth > options.MaxDepth)
        {
            throw location.Error($"the schema nests deeper than the limit of {options.MaxDepth}");
        }

        if (position >= elements.Count)
        {
            throw location.Error("the schema ends before all declared children");
        }

        var e = elements[position++];
        string[] path = [.. parentPath, e.Name];
        var dotted = string.Join('.', path);
        var repetition = e.RepetitionType ?? Repetition.Required;
        if (repetition is < 0 or > 2)
        {
            throw location.Error($"schema element '{dotted}' has unknown repetition {repetition}");
        }

        if (repetition == Repetition.Repeated)
        {
            // A repeated field outside a LIST group is a required list of required elements.
            var elementNode = ReadRepeatedAsElement(e, elements, ref position, path, defSlot + 1, repSlot + 1, depth, leaves, location, options);
            var listField = new Field(e.Name, new ListType(elementNode.Field), nullable: false, metadata: null);
            return CheckLevels(new ColumnNode { Field = listField, Kind = NodeKind.List, Path = dotted, DefSlot = defSlot, DefPresent = defSlot, RepSlot = repSlot, Element = elementNode, FirstLeaf = elementNode.FirstLeaf }, location);
        }

        var nullable = repetition == Repetition.Optional;
        var defPresent = defSlot + (nullable ? 1 : 0);
        var children = e.NumChildren ?? 0;
        if (e.Type is null && children == 0 && e.NumChildren is not null)
        {
            throw location.Error($"group '{dotted}' has no children");
        }

        if (e.NumChildren is null || e.Type is not null && children == 0)
        {
            return ReadLeaf(e, path, dotted, defSlot, defPresent, repSlot, nullable, leaves, location, options);
        }

        if (children < 0 || children > elements.Count - position)
        {
            throw location.Error($"group '{dotted}' declares {children} children but only {elements.Count - position} elements follow");
        }

        if (IsMap(e))
        {
            return ReadMap(e, elements, ref position, path, defSlot, defPresent, repSlot, nullable, depth, leaves, location, options);
        }

        if (IsList(e))
        {
            return ReadList(e, elements, ref position, path, defSlot, defPresent, repSlot, nullable, depth, leaves, location, options);
        }

        var firstLeaf = leaves.Count;
        var nodes = new ColumnNode[children];
        for (var i = 0; i < children; i++)
        {
            nodes[i] = ReadNode(elements, ref position, path, defPresent, repSlot, depth + 1, leaves, location, options);
        }

        var structField = new Field(e.Name, new StructType(nodes.Select(n => n.Field).ToArray()), nullable, metadata: null);
        return CheckLevels(new ColumnNode { Field = structField, Kind = NodeKind.Struct, Path = dotted, DefSlot = defSlot, DefPresent = defPresent, RepSlot = repSlot, Children = nodes, FirstLeaf = firstLeaf }, location);
    }

    private static bool IsList(SchemaElement e) =>
        e.LogicalType?.Kind == LogicalKind.List || (e.LogicalType is null && e.ConvertedType == ConvertedType.List);

    private static bool IsMap(SchemaElement e) =>
        e.LogicalType?.Kind == LogicalKind.Map || (e.LogicalType is null && e.ConvertedType is ConvertedType.Map or ConvertedType.MapKeyValue);

    /// <summary>
    /// A LIST group, whose one repeated child is read by the backward-compatibility rules for lists. The child is itself
    /// the required element when it is a primitive (rule 1), a group of several fields (2), a group whose one field is
    /// repeated, which cannot be the middle of a three-level list (3), or a one-field group named <c>array</c> or
    /// <c>&lt;list name&gt;_tuple</c> (4); any other one-field group is the middle level and its field the element (5).
    /// </summary>
    private static ColumnNode ReadList(SchemaElement e, List<SchemaElement> elements, ref int position, string[] path, int defSlot, int defPresent, int repSlot, bool nullable, int depth, List<LeafColumn> leaves, ParquetLocation location, ParquetReadOptions options)
    {
        var dotted = string.Join('.', path);
        var children = e.NumChildren ?? 0;
        if (children != 1 || position >= elements.Count)
        {
            throw location.Error($"LIST group '{dotted}' has {children} children; it must have one repeated child");
        }

        var repeated = elements[position];
        if (repeated.RepetitionType != Repetition.Repeated)
        {
            throw location.Error($"the child of LIST group '{dotted}' is not repeated");
        }

        position++;
        var repeatedPath = (string[])[.. path, repeated.Name];
        var oneField = repeated.Type is null && repeated.NumChildren == 1;
        var repeatedField = oneField && position < elements.Count && elements[position].RepetitionType == Repetition.Repeated;
        var threeLevel = oneField && !repeatedField && repeated.Name != "array" && repeated.Name != e.Name + "_tuple";
        var elementNode = threeLevel
            ? ReadNode(elements, ref position, repeatedPath, defPresent + 1, repSlot + 1, depth + 2, leaves, location, options)
            : ReadRepeatedAsElement(repeated, elements, ref position, repeatedPath, defPresent + 1, repSlot + 1, depth + 1, leaves, location, options);
        var field = new Field(e.Name, new ListType(elementNode.Field), nullable, metadata: null);
        return CheckLevels(new ColumnNode { Field = field, Kind = NodeKind.List, Path = dotted, DefSlot = defSlot, DefPresent = defPresent, RepSlot = repSlot, Element = elementNode, FirstLeaf = elementNode.FirstLeaf }, location);
    }

    /// <summary>
    /// A MAP group (or, as older writers annotated it, MAP_KEY_VALUE), read by the backward-compatibility rules for
    /// maps: its one child is a repeated group of any name (annotated MAP_KEY_VALUE or not) holding the key and the value
    /// under any names, the key required (or, as some writers have it, optional). A map without a value field is a set,
    /// which Arrow's Map cannot hold, so it is refused.
    /// </summary>
    private static ColumnNode ReadMap(SchemaElement e, List<SchemaElement> elements, ref int position, string[] path, int defSlot, int defPresent, int repSlot, bool nullable, int depth, List<LeafColumn> leaves, ParquetLocation location, ParquetReadOptions options)
    {
        var dotted = string.Join('.', path);
        var children = e.NumChildren ?? 0;
        if (children != 1 || position >= elements.Count)
        {
            throw location.Error($"MAP group '{dotted}' has {children} children; it must have one repeated group of keys and values");
        }

        var repeated = elements[position];
        if (repeated.RepetitionType != Repetition.Repeated || repeated.Type is not null || repeated.NumChildren is not { } fields)
        {
            throw location.Error($"the child of MAP group '{dotted}' is not a repeated group");
        }

        if (fields != 2)
        {
            throw location.Error(fields == 1
                ? $"MAP group '{dotted}' has keys but no values; a map without values is not supported"
                : $"the key-value group of MAP '{dotted}' has {fields} fields; it must have a key and a value");
        }

        if (depth + 2 > options.MaxDepth)
        {
            throw location.Error($"the schema nests deeper than the limit of {options.MaxDepth}");
        }

        position++;
        string[] entriesPath = [.. path, repeated.Name];
        var entryDef = defPresent + 1;
        var firstLeaf = leaves.Count;
        var key = ReadNode(elements, ref position, entriesPath, entryDef, repSlot + 1, depth + 2, leaves, location, options);
        var value = ReadNode(elements, ref position, entriesPath, entryDef, repSlot + 1, depth + 2, leaves, location, options);
        if (key.Kind != NodeKind.Leaf)
        {
            throw location.Error($"the key of MAP '{dotted}' must be a primitive field");
        }

        // Some writers (Presto) declare the key optional though the format requires it: the column is read, and the
        // Arrow key stays non-nullable as Map requires; a null key that does turn up is refused where it is read.
        if (key.Nullable)
        {
            key.Field = new Field(key.Field.Name, key.Field.DataType, false, key.Field.HasMetadata ? key.Field.Metadata : null);
        }

        var entriesType = new StructType([key.Field, value.Field]);
        var entries = new ColumnNode
        {
            Field = new Field("entries", entriesType, false, null),
            Kind = NodeKind.Struct,
            Path = string.Join('.', entriesPath),
            DefSlot = entryDef,
            DefPresent = entryDef,
            RepSlot = repSlot + 1,
            Children = [key, value],
            FirstLeaf = firstLeaf,
        };
        var field = new Field(e.Name, new MapType(entries.Field, keySorted: false), nullable, metadata: null);
        return CheckLevels(new ColumnNode { Field = field, Kind = NodeKind.List, Path = dotted, DefSlot = defSlot, DefPresent = defPresent, RepSlot = repSlot, Element = entries, FirstLeaf = firstLeaf }, location);
    }

    /// <summary>
    /// The repeated element of a two-level list: it exists at <paramref name="defSlot"/> and is itself required. A group
    /// is read by its own annotation, so a repeated LIST group (an old writer's list of lists) is a list element.
    /// </summary>
    private static ColumnNode ReadRepeatedAsElement(SchemaElement e, List<SchemaElement> elements, ref int position, string[] path, int defSlot, int repSlot, int depth, List<LeafColumn> leaves, ParquetLocation location, ParquetReadOptions options)
    {
        if (depth > options.MaxDepth)
        {
            throw location.Error($"the schema nests deeper than the limit of {options.MaxDepth}");
        }

        var dotted = string.Join('.', path);
        if (e.NumChildren is null || e.Type is not null && (e.NumChildren ?? 0) == 0)
        {
            return ReadLeaf(e, path, dotted, defSlot, defSlot, repSlot, false, leaves, location, options);
        }

        var children = e.NumChildren ?? 0;
        if (children <= 0 || children > elements.Count - position)
        {
            throw location.Error($"group '{dotted}' declares {children} children but {elements.Count - position} elements follow");
        }

        if (IsMap(e))
        {
            return ReadMap(e, elements, ref position, path, defSlot, defSlot, repSlot, false, depth + 1, leaves, location, options);
        }

        if (IsList(e))
        {
            return ReadList(e, elements, ref position, path, defSlot, defSlot, repSlot, false, depth + 1, leaves, location, options);
        }

        var firstLeaf = leaves.Count;
        var nodes = new ColumnNode[children];
        for (var i = 0; i < children; i++)
        {
            nodes[i] = ReadNode(elements, ref position, path, defSlot, repSlot, depth + 1, leaves, location, options);
        }

        var field = new Field(e.Name, new StructType(nodes.Select(n => n.Field).ToArray()), false, metadata: null);
        return CheckLevels(new ColumnNode { Field = field, Kind = NodeKind.Struct, Path = dotted, DefSlot = defSlot, DefPresent = defSlot, RepSlot = repSlot, Children = nodes, FirstLeaf = firstLeaf }, location);
    }

    private static ColumnNode CheckLevels(ColumnNode node, ParquetLocation location) =>
        node.DefPresent + 1 > MaxLevel || node.RepSlot + 1 > MaxLevel ? throw location.Error($"column '{node.Path}' nests too deeply") : node;

    private static ColumnNode ReadLeaf(SchemaElement e, string[] path, string dotted, int defSlot, int defPresent, int repSlot, bool nullable, List<LeafColumn> leaves, ParquetLocation location, ParquetReadOptions options)
    {
        if (e.Type is not { } physical || physical is < 0 or > 7)
        {
            throw location.Error($"leaf '{dotted}' has no known physical type");
        }

        var typeLength = e.TypeLength ?? 0;
        if (physical == PhysicalType.FixedLenByteArray && typeLength is < 1 or > 1024 * 1024)
        {
            throw location.Error($"FIXED_LEN_BYTE_ARRAY leaf '{dotted}' has type_length {typeLength}");
        }

        var (type, metadata, order) = NaturalType(e, physical, typeLength, dotted, location, options);
        var field = new Field(e.Name, type, nullable, metadata);
        var kind = LeafKindFor(field, physical, typeLength)
            ?? throw location.Error($"leaf '{dotted}' of {PhysicalType.Name(physical)} cannot be read as {ArrowTypes.Describe(type)}");
        var node = new ColumnNode { Field = field, Kind = NodeKind.Leaf, Path = dotted, DefSlot = defSlot, DefPresent = defPresent, RepSlot = repSlot, FirstLeaf = leaves.Count };
        node.Leaf = new LeafColumn
        {
            Index = leaves.Count,
            PathInSchema = path,
            DottedPath = dotted,
            PhysicalType = physical,
            TypeLength = typeLength,
            MaxDef = defPresent,
            MaxRep = repSlot,
            Kind = kind,
            Order = order,
            Node = node,
        };
        leaves.Add(node.Leaf);
        return CheckLevels(node, location);
    }

    private static (IArrowType Type, KeyValuePair<string, string>[]? Metadata, StatsOrder Order) NaturalType(SchemaElement e, int physical, int typeLength, string path, ParquetLocation location, ParquetReadOptions options)
    {
        var logical = e.LogicalType;
        var converted = logical is null ? e.ConvertedType : null;
        if (logical?.Kind == LogicalKind.Decimal || converted == ConvertedType.Decimal)
        {
            var precision = logical?.Precision ?? e.Precision ?? 0;
            var scale = logical?.Scale ?? e.Scale ?? 0;
            if (precision is < 1 or > MaxDecimalPrecision || scale < 0 || scale > precision)
            {
                throw location.Error($"DECIMAL leaf '{path}' has precision {precision} and scale {scale}; Bulwark reads precision 1..38");
            }

            var ok = physical switch
            {
                PhysicalType.Int32 => precision <= 9,
                PhysicalType.Int64 => precision <= 18,
                PhysicalType.FixedLenByteArray => typeLength <= 16,
                PhysicalType.ByteArray => true,
                _ => false,
            };
            if (!ok)
            {
                throw location.Error($"DECIMAL({precision}, {scale}) cannot be stored in {PhysicalType.Name(physical)}");
            }

            var order = physical switch
            {
                PhysicalType.Int32 => StatsOrder.Signed32,
                PhysicalType.Int64 => StatsOrder.Signed64,
                _ => StatsOrder.SignedBigEndian,
            };
            return (new Decimal128Type(precision, scale), null, order);
        }

        switch (physical)
        {
            case PhysicalType.Boolean:
                return (BooleanType.Default, null, StatsOrder.Boolean);
            case PhysicalType.Int32:
                if (logical?.Kind == LogicalKind.Integer)
                {
                    return logical.BitWidth <= 32
                        ? (IntegerOf(logical.BitWidth, logical.IsSigned), null, logical.IsSigned ? StatsOrder.Signed32 : StatsOrder.Unsigned32)
                        : throw location.Error($"INT32 leaf '{path}' is annotated INTEGER({logical.BitWidth})");
                }

                if (logical?.Kind == LogicalKind.Date || converted == ConvertedType.Date)
                {
                    return (Date32Type.Default, null, StatsOrder.Signed32);
                }

                if ((logical?.Kind == LogicalKind.Time && logical.Unit == 1) || converted == ConvertedType.TimeMillis)
                {
                    return (TimeType.Millisecond, null, StatsOrder.Signed32);
                }

                return converted switch
                {
                    ConvertedType.Int8 => (Int8Type.Default, null, StatsOrder.Signed32),
                    ConvertedType.Int16 => (Int16Type.Default, null, StatsOrder.Signed32),
                    ConvertedType.UInt8 => (UInt8Type.Default, null, StatsOrder.Unsigned32),
                    ConvertedType.UInt16 => (UInt16Type.Default, null, StatsOrder.Unsigned32),
                    ConvertedType.UInt32 => (UInt32Type.Default, null, StatsOrder.Unsigned32),
                    _ => (Int32Type.Default, null, StatsOrder.Signed32),
                };
            case PhysicalType.Int64:
                if (logical?.Kind == LogicalKind.Integer)
                {
                    return (IntegerOf(logical.BitWidth, logical.IsSigned), null, logical.IsSigned ? StatsOrder.Signed64 : StatsOrder.Unsigned64);
                }

                if (logical?.Kind == LogicalKind.Timestamp)
                {
                    return (new TimestampType(ToUnit(logical.Unit), logical.IsAdjustedToUtc ? "UTC" : null), null, StatsOrder.Signed64);
                }

                if (logical?.Kind == LogicalKind.Time && logical.Unit != 1)
                {
                    return (new Time64Type(ToUnit(logical.Unit)), null, StatsOrder.Signed64);
                }

                return converted switch
                {
                    ConvertedType.TimestampMillis => (new TimestampType(TimeUnit.Millisecond, "UTC"), null, StatsOrder.Signed64),
                    ConvertedType.TimestampMicros => (new TimestampType(TimeUnit.Microsecond, "UTC"), null, StatsOrder.Signed64),
                    ConvertedType.TimeMicros => (TimeType.Microsecond, null, StatsOrder.Signed64),
                    ConvertedType.UInt64 => (UInt64Type.Default, null, StatsOrder.Unsigned64),
                    _ => (Int64Type.Default, null, StatsOrder.Signed64),
                };
            case PhysicalType.Float:
                return (FloatType.Default, null, StatsOrder.Float);
            case PhysicalType.Double:
                return (DoubleType.Default, null, StatsOrder.Double);
            case PhysicalType.ByteArray:
            {
                var text = logical?.Kind is LogicalKind.String or LogicalKind.Enum or LogicalKind.Json
                    || converted is ConvertedType.Utf8 or ConvertedType.Enum or ConvertedType.Json;
                return (text ? StringType.Default : BinaryType.Default, null, StatsOrder.UnsignedBytes);
            }

            case PhysicalType.FixedLenByteArray:
                if (logical?.Kind == LogicalKind.Float16)
                {
                    // FLOAT16 is defined only on two bytes; any other width is a broken annotation, not a value to guess at.
                    return typeLength == 2
                        ? (HalfFloatType.Default, null, StatsOrder.None)
                        : throw location.Error($"FLOAT16 leaf '{path}' has type_length {typeLength}; FLOAT16 needs 2");
                }

                return logical?.Kind == LogicalKind.Uuid && typeLength == 16
                    ? (new FixedSizeBinaryType(16), [new KeyValuePair<string, string>(ArrowTypes.ExtensionNameKey, "arrow.uuid")], StatsOrder.UnsignedBytes)
                    : (new FixedSizeBinaryType(typeLength), null, StatsOrder.UnsignedBytes);
            default:
                // Legacy Impala/Spark timestamps: nanoseconds of the day and a Julian day, read as UTC-less timestamps in
                // the unit the options ask for; nanoseconds by default, which cannot hold years before 1677 or after 2262.
                return (new TimestampType(options.Int96TimestampUnit ?? TimeUnit.Nanosecond, (string?)null), null, StatsOrder.None);
        }
    }

    private static TimeUnit ToUnit(int unit) => unit switch
    {
        1 => TimeUnit.Millisecond,
        2 => TimeUnit.Microsecond,
        _ => TimeUnit.Nanosecond,
    };

    private static IntegerType IntegerOf(int bitWidth, bool signed) => (bitWidth, signed) switch
    {
        (8, true) => Int8Type.Default,
        (16, true) => Int16Type.Default,
        (32, true) => Int32Type.Default,
        (64, true) => Int64Type.Default,
        (8, false) => UInt8Type.Default,
        (16, false) => UInt16Type.Default,
        (32, false) => UInt32Type.Default,
        _ => UInt64Type.Default,
    };

    /// <summary>How an Arrow field of this type is read from or written to a physical column, or null when it cannot be.</summary>
    public static LeafKind? LeafKindFor(Field field, int physical, int typeLength)
    {
        return (field.DataType, physical) switch
        {
            (DictionaryType { IndexType: IntegerType, ValueType: StringType or BinaryType }, PhysicalType.ByteArray) => LeafKind.DictionaryBinary,
            (DictionaryType, _) => null,
            (BooleanType, PhysicalType.Boolean) => LeafKind.Boolean,
            (IntegerType { BitWidth: 8, IsSigned: true }, PhysicalType.Int32) => LeafKind.Int8,
            (IntegerType { BitWidth: 16, IsSigned: true }, PhysicalType.Int32) => LeafKind.Int16,
            (IntegerType { BitWidth: 8 }, PhysicalType.Int32) => LeafKind.UInt8,
            (IntegerType { BitWidth: 16 }, PhysicalType.Int32) => LeafKind.UInt16,
            (IntegerType { BitWidth: 32 }, PhysicalType.Int32) => LeafKind.Copy4,
            (IntegerType { BitWidth: 64 }, PhysicalType.Int64) => LeafKind.Copy8,
            (FloatType, PhysicalType.Float) => LeafKind.Copy4,
            (DoubleType, PhysicalType.Double) => LeafKind.Copy8,
            (HalfFloatType, PhysicalType.FixedLenByteArray) when typeLength == 2 => LeafKind.FixedBinary,
            (Decimal128Type, PhysicalType.Int32) => LeafKind.DecimalInt32,
            (Decimal128Type, PhysicalType.Int64) => LeafKind.DecimalInt64,
            (Decimal128Type, PhysicalType.FixedLenByteArray) when typeLength <= 16 => LeafKind.DecimalFixed,
            (Decimal128Type, PhysicalType.ByteArray) => LeafKind.DecimalBinary,
            (Decimal128Type, _) => null,
            (StringType or BinaryType, PhysicalType.ByteArray) => LeafKind.Binary,
            (FixedSizeBinaryType { TypeId: ArrowTypeId.FixedSizedBinary } fsb, PhysicalType.FixedLenByteArray) when fsb.ByteWidth == typeLength => LeafKind.FixedBinary,
            (Date32Type, PhysicalType.Int32) => LeafKind.Copy4,
            (Time32Type, PhysicalType.Int32) => LeafKind.Copy4,
            (Time64Type, PhysicalType.Int64) => LeafKind.Copy8,
            (TimestampType, PhysicalType.Int64) => LeafKind.Copy8,
            (TimestampType, PhysicalType.Int96) => LeafKind.Int96Timestamp,
            (DurationType, PhysicalType.Int64) => LeafKind.Copy8,
            _ => null,
        };
    }

    private static bool HintMatches(Field hint, ColumnNode node)
    {
        var natural = node.Field;
        if (hint.Name != natural.Name || hint.IsNullable != natural.IsNullable)
        {
            return false;
        }

        switch (node.Kind)
        {
            case NodeKind.List when natural.DataType is MapType:
                return hint.DataType is MapType map && HintMatches(map.Fields[0], node.Element!, ignoreName: true);
            case NodeKind.List:
                return hint.DataType is ListType list && HintMatches(list.ValueField, node.Element!, ignoreName: true);
            case NodeKind.Struct:
                return hint.DataType is StructType st && st.Fields.Count == node.Children.Length
                    && st.Fields.Select((f, i) => HintMatches(f, node.Children[i])).All(m => m);
            default:
            {
                var leaf = node.Leaf!;
                if (LeafKindFor(hint, leaf.PhysicalType, leaf.TypeLength) is null)
                {
                    return false;
                }

                if (hint.DataType is DictionaryType dictionary)
                {
                    return natural.DataType is StringType or BinaryType && ArrowTypes.Equal(dictionary.ValueType, natural.DataType);
                }

                return (hint.DataType, natural.DataType) switch
                {
                    (DurationType, Int64Type) => true,
                    // INT96 holds nanoseconds over a range int64 nanoseconds cannot cover: the Arrow schema's unit
                    // (a writer's timestamp[us], say) is read exactly and reaches further.
                    (TimestampType h, TimestampType n) => h.Unit == n.Unit || leaf.PhysicalType == PhysicalType.Int96,
                    (StringType, BinaryType) => true,
                    var (h, n) => ArrowTypes.Equal(h, n),
                };
            }
        }
    }

    private static bool HintMatches(Field hint, ColumnNode node, bool ignoreName) =>
        ignoreName ? HintMatches(new Field(node.Field.Name, hint.DataType, hint.IsNullable, hint.HasMetadata ? hint.Metadata : null), node) : HintMatches(hint, node);

    private static void ApplyHint(Field hint, ColumnNode node)
    {
        switch (node.Kind)
        {
            case NodeKind.List when hint.DataType is MapType map:
                ApplyHint(map.Fields[0], node.Element!);
                break;
            case NodeKind.List:
                ApplyHint(((ListType)hint.DataType).ValueField, node.Element!);
                break;
            case NodeKind.Struct:
                var st = (StructType)hint.DataType;
                for (var i = 0; i < node.Children.Length; i++)
                {
                    ApplyHint(st.Fields[i], node.Children[i]);
                }

                break;
            default:
                node.Leaf!.Kind = LeafKindFor(hint, node.Leaf.PhysicalType, node.Leaf.TypeLength)!.Value;
                node.Leaf.TypedByArrowSchema = true;
                break;
        }

        node.Field = hint;
    }
}
