using Bulwark.Arrow;

namespace Bulwark.Records;

/// <summary>
/// Column binding and error construction shared by generated readers and builders, so that every record type reports
/// schema mismatches and invalid values with the same wording.
/// </summary>
public static class ArrowRecordColumns
{
    /// <summary>
    /// Finds the column named <paramref name="expected"/>.Name among <paramref name="fields"/> and checks that its type can be
    /// read as <paramref name="expected"/> describes.
    /// </summary>
    /// <returns>The column, or null when it is missing and <paramref name="required"/> is false.</returns>
    /// <exception cref="ArrowSchemaMismatchException">The column is missing but required, or holds another type.</exception>
    public static TArray? Bind<TArray>(string recordType, IReadOnlyList<Field> fields, IReadOnlyList<ArrowArray> columns, Field expected, string path, bool required)
        where TArray : ArrowArray
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(expected);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            if (!string.Equals(field.Name, expected.Name, StringComparison.Ordinal))
            {
                continue;
            }

            if (!IsReadableAs(field, expected) || columns[i] is not TArray array)
            {
                throw new ArrowSchemaMismatchException(
                    $"Cannot read '{recordType}': column '{path}' has type {Describe(field)}, but the member expects {Describe(expected)}.");
            }

            return array;
        }

        if (required)
        {
            throw new ArrowSchemaMismatchException(
                $"Cannot read '{recordType}': the batch has no column '{path}', and the member it fills cannot be null.");
        }

        return null;
    }

    /// <summary>The values of a list column bound by <see cref="Bind{TArray}"/>, whose element type was checked there.</summary>
    public static TArray ListValues<TArray>(string recordType, ListArray list, string path)
        where TArray : ArrowArray
    {
        ArgumentNullException.ThrowIfNull(list);
        return list.Values as TArray
            ?? throw new ArrowSchemaMismatchException($"Cannot read '{recordType}': the items of column '{path}' have type {list.Values.Type}.");
    }

    /// <summary>A null where the member cannot hold one.</summary>
    public static ArrowSchemaMismatchException NullValue(string recordType, string path, int row) =>
        new($"Cannot read '{recordType}': column '{path}' holds a null at row {row}, but the member cannot be null.");

    /// <summary>A null list item where the element type cannot hold one.</summary>
    public static ArrowSchemaMismatchException NullItem(string recordType, string path, int row, int item) =>
        new($"Cannot read '{recordType}': column '{path}' holds a null item at row {row} (item {item}), but the element type cannot be null.");

    /// <summary>Appending null into a member whose column is not nullable.</summary>
    public static ArgumentNullException NullMember(string recordType, string member, string path) =>
        new(member, $"'{recordType}.{member}' is null, but column '{path}' is not nullable. Declare the member nullable to store nulls.");

    /// <summary>Appending a null item into a list whose element type is not nullable.</summary>
    public static ArgumentNullException NullListItem(string recordType, string member, string path) =>
        new(member, $"'{recordType}.{member}' holds a null item, but the items of column '{path}' are not nullable. Declare the element type nullable to store nulls.");

    /// <summary>Appending an enum value that is none of the named members, which the dictionary of names cannot hold.</summary>
    public static ArgumentException UndefinedEnumValue<TEnum>(string path, TEnum value)
        where TEnum : struct, Enum =>
        new($"Column '{path}': {value} is not a named member of {typeof(TEnum).FullName}, so it has no name to store.", nameof(value));

    /// <summary>A builder whose previous <c>Append</c> failed after some columns took their value.</summary>
    public static InvalidOperationException Faulted(string recordType) =>
        new($"A previous Append of '{recordType}' failed part-way, so the columns no longer line up. Call Clear() before appending again.");

    /// <summary>
    /// Whether a column of <paramref name="actual"/>'s type can fill a member described by <paramref name="expected"/>.
    /// Nullability is checked per row and dictionary ids are file-specific, so neither is compared; struct children are
    /// bound by name by the nested record's reader.
    /// </summary>
    public static bool IsReadableAs(Field actual, Field expected)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        if (expected.Dictionary is not null)
        {
            return actual.Dictionary is not null && actual.Type is Utf8Type;
        }

        if (actual.Dictionary is not null)
        {
            return false;
        }

        return expected.Type switch
        {
            ListType expectedList => actual.Type is ListType actualList && IsReadableAs(actualList.ValueField, expectedList.ValueField),
            StructType => actual.Type is StructType,
            _ => actual.Type == expected.Type,
        };
    }

    private static string Describe(Field field) =>
        field.Dictionary is null ? field.Type.ToString() : $"dictionary<{field.Dictionary.IndexType}, {field.Type}>";
}

/// <summary>A dictionary-encoded column of enum member names, mapped to <typeparamref name="TEnum"/> values once per batch.</summary>
public sealed class EnumColumn<TEnum>
    where TEnum : struct, Enum
{
    private readonly DictionaryArray _array;
    private readonly int[] _map;
    private readonly TEnum[] _values;
    private readonly string _recordType;
    private readonly string _path;

    /// <summary>Maps the names in the dictionary of <paramref name="array"/> to members of <typeparamref name="TEnum"/>.</summary>
    /// <param name="array">The bound column.</param>
    /// <param name="names">The member names, as the generated schema lists them in the dictionary.</param>
    /// <param name="values">The member values, in the order of <paramref name="names"/>.</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    public EnumColumn(DictionaryArray array, IReadOnlyList<string> names, TEnum[] values, string recordType, string path)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        _array = array;
        _values = values;
        _recordType = recordType;
        _path = path;

        // Map by name rather than by index: another writer may order the dictionary differently.
        var dictionary = array.Dictionary as StringArray
            ?? throw new ArrowSchemaMismatchException($"Cannot read '{recordType}': the dictionary of column '{path}' holds {array.Dictionary.Type}, not utf8.");
        _map = new int[dictionary.Length];
        for (var i = 0; i < _map.Length; i++)
        {
            _map[i] = -1;
            var name = dictionary.GetString(i);
            for (var j = 0; j < names.Count; j++)
            {
                if (string.Equals(names[j], name, StringComparison.Ordinal))
                {
                    _map[i] = j;
                    break;
                }
            }
        }
    }

    public bool IsNull(int row) => _array.IsNull(row);

    /// <exception cref="ArrowSchemaMismatchException">The row holds a name that is not a member of <typeparamref name="TEnum"/>.</exception>
    public TEnum GetValue(int row)
    {
        var index = _array.GetIndex(row);
        var member = _map[index];
        if (member < 0)
        {
            var name = ((StringArray)_array.Dictionary).GetString(index);
            throw new ArrowSchemaMismatchException(
                $"Cannot read '{_recordType}': column '{_path}' holds '{name}' at row {row}, which is not a member of {typeof(TEnum).FullName}.");
        }

        return _values[member];
    }
}

/// <summary>A struct column holding a nested <c>[ArrowRecord]</c> type, with its children bound once per batch.</summary>
public sealed class StructColumn<T>
    where T : IArrowStructRecord<T>
{
    private readonly StructArray _array;
    private readonly IArrowStructReader<T> _reader;

    public StructColumn(StructArray array, string path)
    {
        ArgumentNullException.ThrowIfNull(array);
        _array = array;
        _reader = T.CreateStructReader(array, path);
    }

    public bool IsNull(int row) => _array.IsNull(row);

    public T GetValue(int row) => _reader.Read(row);
}

/// <summary>A list column bound together with its typed items, so readers hold one field per column.</summary>
public sealed class ListColumn<TItems>
    where TItems : class
{
    private readonly ListArray _array;

    public ListColumn(ListArray array, TItems items)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(items);
        _array = array;
        Items = items;
    }

    /// <summary>The items of every row; <see cref="GetRange"/> says which belong to a row.</summary>
    public TItems Items { get; }

    public bool IsNull(int row) => _array.IsNull(row);

    public (int Start, int End) GetRange(int row) => _array.GetRange(row);
}
