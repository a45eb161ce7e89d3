using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Parquet;

// Parquet -> Arrow: schema elements to nodes, by the backward-compatibility rules for lists and maps.
internal static partial class ParquetSchema
{
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
}
