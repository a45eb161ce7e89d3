namespace Bulwark.Arrow;

/// <summary>Equal-length columns described by a <see cref="Arrow.Schema"/>. Disposing returns pooled column memory.</summary>
public sealed class RecordBatch : IDisposable
{
    private readonly ArrowArray[] _columns;

    /// <exception cref="ArrowFormatException">A column's length or type disagrees with the schema.</exception>
    public RecordBatch(Schema schema, IReadOnlyList<ArrowArray> columns, int length)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (columns.Count != schema.Fields.Count)
        {
            throw new ArrowFormatException($"Record batch has {columns.Count} columns but its schema has {schema.Fields.Count} fields.");
        }

        _columns = columns.ToArray();
        for (var i = 0; i < _columns.Length; i++)
        {
            var field = schema.Fields[i];
            if (_columns[i].Length != length)
            {
                throw new ArrowFormatException($"Column '{field.Name}' has {_columns[i].Length} rows; the batch has {length}.");
            }

            FieldMatcher.Check(field, _columns[i].Data, field.Name);
        }

        Schema = schema;
        Length = length;
    }

    public Schema Schema { get; }

    public int Length { get; }

    public int ColumnCount => _columns.Length;

    public IReadOnlyList<ArrowArray> Columns => _columns;

    public ArrowArray Column(int index) => _columns[index];

    /// <exception cref="KeyNotFoundException">No column has this name.</exception>
    public ArrowArray Column(string name)
    {
        var index = Schema.IndexOf(name);
        return index >= 0 ? _columns[index] : throw new KeyNotFoundException($"The record batch has no column '{name}'.");
    }

    public void Dispose()
    {
        foreach (var column in _columns)
        {
            column.Dispose();
        }
    }
}

/// <summary>Checks that array data has the physical shape a field declares, recursively through nested types.</summary>
public static class FieldMatcher
{
    /// <exception cref="ArrowFormatException">The data does not have the field's type, nullability or dictionary encoding.</exception>
    public static void Check(Field field, ArrayData data, string path) => Check(field, data, path, null);

    private static void Check(Field field, ArrayData data, string path, ArrayData? parentStruct)
    {
        if (!field.IsNullable && data.NullCount != 0 && !NullsUnderNullParent(data, parentStruct))
        {
            throw new ArrowFormatException($"Column '{path}' is declared non-nullable but holds {data.NullCount} nulls.");
        }

        if (field.Dictionary is { } encoding)
        {
            if (data.Dictionary is null || data.Type != encoding.IndexType)
            {
                throw new ArrowFormatException($"Column '{path}' is declared dictionary<{encoding.IndexType}, {field.Type}> but holds {Describe(data)}.");
            }

            CheckType(field.Type, data.Dictionary, path + ".dictionary");
            return;
        }

        if (data.Dictionary is not null)
        {
            throw new ArrowFormatException($"Column '{path}' is declared {field.Type} but holds {Describe(data)}.");
        }

        CheckType(field.Type, data, path);
    }

    private static void CheckType(ArrowType type, ArrayData data, string path)
    {
        switch (type)
        {
            case ListType list when data.Type is ListType && data.Children.Length == 1:
                Check(list.ValueField, data.Children[0], path + "." + list.ValueField.Name);
                return;
            case StructType st when data.Type is StructType && data.Children.Length == st.Fields.Count:
                for (var i = 0; i < st.Fields.Count; i++)
                {
                    Check(st.Fields[i], data.Children[i], path + "." + st.Fields[i].Name, data);
                }

                return;
            case ListType or StructType:
                throw new ArrowFormatException($"Column '{path}' is declared {type} but holds {Describe(data)}.");
            default:
                if (type != data.Type)
                {
                    throw new ArrowFormatException($"Column '{path}' is declared {type} but holds {Describe(data)}.");
                }

                return;
        }
    }

    /// <summary>
    /// A struct slot that is null still has a slot in every child, and StructBuilder fills it with a null even in a
    /// non-nullable child; such nulls are allowed as long as each one sits under a null struct slot.
    /// </summary>
    private static bool NullsUnderNullParent(ArrayData child, ArrayData? parent)
    {
        if (parent is null || parent.NullCount == 0 || parent.Buffers.Length == 0 || child.Buffers.Length == 0)
        {
            return false;
        }

        var parentBits = parent.Buffers[0].Span;
        var childBits = child.Buffers[0].Span;
        if (child.Length > parent.Length || parentBits.Length < BitUtil.BytesForBits(parent.Length) || childBits.Length < BitUtil.BytesForBits(child.Length))
        {
            return false;
        }

        for (var i = 0; i < child.Length; i++)
        {
            if (!BitUtil.GetBit(childBits, i) && BitUtil.GetBit(parentBits, i))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(ArrayData data) =>
        data.Dictionary is null ? data.Type.ToString() : $"dictionary<{data.Type}, {data.Dictionary.Type}>";
}
