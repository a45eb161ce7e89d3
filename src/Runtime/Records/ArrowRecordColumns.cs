using Apache.Arrow;
using Apache.Arrow.Types;
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
    public static TArray? Bind<TArray>(string recordType, IReadOnlyList<Field> fields, IReadOnlyList<IArrowArray> columns, Field expected, string path, bool required)
        where TArray : class, IArrowArray
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
                    $"Cannot read '{recordType}': column '{path}' has type {Describe(field)}, but the member expects {DescribeAccepted(expected)}.");
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
        where TArray : class, IArrowArray
    {
        ArgumentNullException.ThrowIfNull(list);
        return list.Values as TArray
            ?? throw new ArrowSchemaMismatchException($"Cannot read '{recordType}': the items of column '{path}' have type {ArrowTypes.Describe(list.Values.Data.DataType)}.");
    }

    /// <summary>The keys of a map column bound by <see cref="Bind{TArray}"/>, whose key type was checked there.</summary>
    public static TArray MapKeys<TArray>(string recordType, MapArray map, string path)
        where TArray : class, IArrowArray => MapChild<TArray>(recordType, map, 0, path);

    /// <summary>The values of a map column bound by <see cref="Bind{TArray}"/>, whose value type was checked there.</summary>
    public static TArray MapValues<TArray>(string recordType, MapArray map, string path)
        where TArray : class, IArrowArray => MapChild<TArray>(recordType, map, 1, path);

    /// <summary>The columns of <paramref name="batch"/> in schema order, for binding.</summary>
    public static IReadOnlyList<IArrowArray> Columns(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var columns = new IArrowArray[batch.ColumnCount];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = batch.Column(i);
        }

        return columns;
    }

    /// <summary>A null where the member cannot hold one.</summary>
    public static ArrowSchemaMismatchException NullValue(string recordType, string path, int row) =>
        new($"Cannot read '{recordType}': column '{path}' holds a null at row {row}, but the member cannot be null.");

    /// <summary>A null list item where the element type cannot hold one.</summary>
    public static ArrowSchemaMismatchException NullItem(string recordType, string path, int row, int item) =>
        new($"Cannot read '{recordType}': column '{path}' holds a null item at row {row} (item {item}), but the element type cannot be null.");

    /// <summary>A null value in a map whose value type cannot hold one.</summary>
    public static ArrowSchemaMismatchException NullMapValue(string recordType, string path, int row, int item) =>
        new($"Cannot read '{recordType}': column '{path}' holds a null value at row {row} (entry {item}), but the dictionary's value type cannot be null.");

    /// <summary>Appending a map with a null key (possible only through a custom dictionary implementation).</summary>
    public static ArgumentNullException NullMapKey(string recordType, string member, string path) =>
        new(member, $"'{recordType}.{member}' holds a null key; the keys of map column '{path}' cannot be null.");

    /// <summary>Appending a null value into a map whose value type is not nullable.</summary>
    public static ArgumentNullException NullMapValue(string recordType, string member, string path) =>
        new(member, $"'{recordType}.{member}' holds a null value, but the values of map column '{path}' are not nullable. Declare the value type nullable to store nulls.");

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
    /// Whether a column of <paramref name="actual"/>'s type can fill a member described by <paramref name="expected"/>
    /// (the field Bulwark itself writes for the member). Besides that exact type, the encodings other writers use for the
    /// same values are accepted: utf8 and binary with or without a dictionary (of any integer index type), enum names as
    /// plain utf8, timestamps, times and durations in any unit (timestamps with any time zone or none), date32 or date64,
    /// Decimal128 of any precision and scale, fixed_size_binary(16) with or without the <c>arrow.uuid</c> extension.
    /// Integers and floats must have the exact width. Nullability is checked per row and dictionary ids are file-specific,
    /// so neither is compared; struct children are bound by name by the nested record's reader. A map's keys and values
    /// are each held to the same rules; whether its keys are sorted does not matter.
    /// </summary>
    public static bool IsReadableAs(Field actual, Field expected)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        var actualType = actual.DataType is DictionaryType actualDictionary ? actualDictionary.ValueType : actual.DataType;
        if (expected.DataType is DictionaryType or StringType)
        {
            return actualType is StringType;
        }

        if (expected.DataType is BinaryType)
        {
            return actualType is BinaryType;
        }

        if (actual.DataType is DictionaryType)
        {
            return false;
        }

        return expected.DataType switch
        {
            ListType expectedList => actual.DataType is ListType actualList && IsReadableAs(actualList.ValueField, expectedList.ValueField),
            MapType expectedMap => actual.DataType is MapType actualMap
                && IsReadableAs(actualMap.KeyField, expectedMap.KeyField)
                && IsReadableAs(actualMap.ValueField, expectedMap.ValueField),
            StructType => actual.DataType is StructType,
            TimestampType => actual.DataType is TimestampType,
            DateType => actual.DataType is DateType,
            TimeType => actual.DataType is TimeType,
            DurationType => actual.DataType is DurationType,
            Decimal128Type => actual.DataType is Decimal128Type,
            _ => ArrowTypes.Equal(actual.DataType, expected.DataType),
        };
    }

    private static string Describe(Field field) => ArrowTypes.Describe(field.DataType);

    /// <summary>
    /// Child <paramref name="index"/> of a map's entries struct, aligned with the map's offsets: Apache slices a struct
    /// without slicing its children, so a child is sliced here when the entries carry an offset.
    /// </summary>
    private static TArray MapChild<TArray>(string recordType, MapArray map, int index, string path)
        where TArray : class, IArrowArray
    {
        ArgumentNullException.ThrowIfNull(map);
        var entries = map.Data.Children[0];
        var child = entries.Children[index];
        if (entries.Offset != 0 || child.Length != entries.Length)
        {
            child = child.Slice(entries.Offset, entries.Length);
        }

        return ArrowArrayFactory.BuildArray(child) as TArray
            ?? throw new ArrowSchemaMismatchException($"Cannot read '{recordType}': the {(index == 0 ? "keys" : "values")} of column '{path}' have type {ArrowTypes.Describe(child.DataType)}.");
    }

    /// <summary>What <see cref="IsReadableAs"/> accepts for <paramref name="expected"/>, for refusal messages.</summary>
    private static string DescribeAccepted(Field expected)
    {
        var type = ArrowTypes.Describe(expected.DataType);
        return expected.DataType switch
        {
            DictionaryType dictionary => $"dictionary<{ArrowTypes.Describe(dictionary.IndexType)}, utf8> (or any integer index, or plain utf8) of enum member names",
            StringType => "utf8 (or dictionary<any integer, utf8>)",
            BinaryType => "binary (or dictionary<any integer, binary>)",
            TimestampType => $"{type} (or timestamp in s, ms, us or ns, with any time zone or none)",
            DateType => $"{type} (or date64 holding whole days)",
            TimeType => $"{type} (or time32[s], time32[ms], time64[ns])",
            DurationType => $"{type} (or duration in s, ms or ns)",
            Decimal128Type => $"{type} (or decimal128 of any precision and scale whose values fit System.Decimal)",
            ListType list => $"list<{DescribeAccepted(list.ValueField)}>",
            MapType map => $"map<{DescribeAccepted(map.KeyField)}, {DescribeAccepted(map.ValueField)}>",
            _ => type,
        };
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

    public (int Start, int End) GetRange(int row) => (_array.ValueOffsets[row], _array.ValueOffsets[row + 1]);
}
