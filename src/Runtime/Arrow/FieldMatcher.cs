using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Arrow;

/// <summary>Checks that array data has the physical shape a field declares, recursively through nested types.</summary>
internal static class FieldMatcher
{
    /// <summary>Checks every column of a batch against its schema: count, lengths, types, nullability.</summary>
    /// <exception cref="ArrowFormatException">A column disagrees with its field.</exception>
    public static void CheckBatch(Schema schema, IReadOnlyList<IArrowArray> columns, int length)
    {
        if (columns.Count != schema.FieldsList.Count)
        {
            throw new ArrowFormatException($"Record batch has {columns.Count} columns but its schema has {schema.FieldsList.Count} fields.");
        }

        for (var i = 0; i < columns.Count; i++)
        {
            var field = schema.FieldsList[i];
            if (columns[i].Length != length)
            {
                throw new ArrowFormatException($"Column '{field.Name}' has {columns[i].Length} rows; the batch has {length}.");
            }

            Check(field, columns[i].Data, field.Name);
        }
    }

    /// <exception cref="ArrowFormatException">The data does not have the field's type, nullability or dictionary encoding.</exception>
    public static void Check(Field field, ArrayData data, string path) => Check(field, data, path, null);

    private static void Check(Field field, ArrayData data, string path, ArrayData? parentStruct)
    {
        if (!field.IsNullable && data.GetNullCount() != 0 && !NullsUnderNullParent(data, parentStruct))
        {
            throw new ArrowFormatException($"Column '{path}' is declared non-nullable but holds {data.GetNullCount()} nulls.");
        }

        if (field.DataType is DictionaryType declared)
        {
            if (data.DataType is not DictionaryType actual || data.Dictionary is null || !ArrowTypes.Equal(declared.IndexType, actual.IndexType))
            {
                throw Mismatch(path, field.DataType, data);
            }

            CheckType(declared.ValueType, data.Dictionary, path + ".dictionary");
            return;
        }

        CheckType(field.DataType, data, path);
    }

    private static void CheckType(IArrowType type, ArrayData data, string path)
    {
        switch (type)
        {
            case ListType list when data.DataType is ListType && data.Children.Length == 1:
                Check(list.ValueField, data.Children[0], path + "." + list.ValueField.Name);
                return;
            case LargeListType largeList when data.DataType is LargeListType && data.Children.Length == 1:
                Check(largeList.ValueField, data.Children[0], path + "." + largeList.ValueField.Name);
                return;
            case MapType map when data.DataType is MapType actual && actual.KeySorted == map.KeySorted && data.Children.Length == 1:
                Check(map.Fields[0], data.Children[0], path + "." + map.Fields[0].Name);
                return;
            case StructType st when data.DataType is StructType && data.Children.Length == st.Fields.Count:
                for (var i = 0; i < st.Fields.Count; i++)
                {
                    // Apache slices a struct without slicing its children (its slot i is their slot Offset + i), so a
                    // child is checked over the struct's window only, and slot-aligned with it.
                    var child = data.Children[i];
                    if (child.Length < data.Offset + data.Length)
                    {
                        throw new ArrowFormatException($"Column '{path}.{st.Fields[i].Name}' has {child.Length} slots; its struct needs {data.Offset + data.Length}.");
                    }

                    if (data.Offset != 0 || child.Length != data.Length)
                    {
                        child = child.Slice(data.Offset, data.Length);
                    }

                    Check(st.Fields[i], child, path + "." + st.Fields[i].Name, data);
                }

                return;
            case ListType or LargeListType or MapType or StructType:
                throw Mismatch(path, type, data);
            default:
                if (!ArrowTypes.Equal(type, data.DataType))
                {
                    throw Mismatch(path, type, data);
                }

                return;
        }
    }

    private static ArrowFormatException Mismatch(string path, IArrowType declared, ArrayData data) =>
        new($"Column '{path}' is declared {ArrowTypes.Describe(declared)} but holds {ArrowTypes.Describe(data.DataType)}.");

    /// <summary>
    /// A struct slot that is null still has a slot in every child, and the struct builder fills it with a null even in
    /// a non-nullable child; such nulls are allowed as long as each one sits under a null struct slot.
    /// </summary>
    private static bool NullsUnderNullParent(ArrayData child, ArrayData? parent)
    {
        if (parent is null || parent.GetNullCount() == 0 || parent.Buffers.Length == 0 || child.Buffers.Length == 0)
        {
            return false;
        }

        var parentBits = parent.Buffers[0].Span;
        var childBits = child.Buffers[0].Span;
        var parentEnd = parent.Offset + parent.Length;
        var childEnd = child.Offset + child.Length;
        if (child.Length > parent.Length || parentBits.Length < BitUtil.BytesForBits(parentEnd) || childBits.Length < BitUtil.BytesForBits(childEnd))
        {
            return false;
        }

        for (var i = 0; i < child.Length; i++)
        {
            if (!BitUtil.GetBit(childBits, child.Offset + i) && BitUtil.GetBit(parentBits, parent.Offset + i))
            {
                return false;
            }
        }

        return true;
    }
}
