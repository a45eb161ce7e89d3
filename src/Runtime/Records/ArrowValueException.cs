using Bulwark.Arrow;

namespace Bulwark.Records;

/// <summary>
/// A value in a batch cannot become its member's value: a timestamp outside the range of <see cref="DateTime"/>, a
/// Decimal128 value too large for <see cref="decimal"/>, bytes that are not valid UTF-8, an enum name that is not a
/// member of the enum, a date64 that is not a whole day. The message names the record type, the column, the row and the
/// reason; <see cref="Exception.InnerException"/> is the conversion's own failure when there was one
/// (<see cref="ArgumentOutOfRangeException"/>, <see cref="OverflowException"/>, <see cref="System.Text.DecoderFallbackException"/> for bytes that are not UTF-8).
/// </summary>
public sealed class ArrowValueException : ArrowSchemaMismatchException
{
    public ArrowValueException(string recordType, string column, int row, int? item, string reason, Exception? innerException)
        : base(FormatMessage(recordType, column, row, item, reason), innerException)
    {
        RecordType = recordType;
        Column = column;
        Row = row;
        Item = item;
    }

    /// <summary>The record type being read.</summary>
    public string RecordType { get; }

    /// <summary>The column path, e.g. <c>address.zip</c>, or <c>tags.item</c> for the items of a list.</summary>
    public string Column { get; }

    /// <summary>The row of the batch (for a nested record inside a list: the index of the list item).</summary>
    public int Row { get; }

    /// <summary>For the items of a list column, the position of the item within the row's list; otherwise null.</summary>
    public int? Item { get; }

    private static string FormatMessage(string recordType, string column, int row, int? item, string reason) =>
        item is null
            ? $"Cannot read '{recordType}': column '{column}' at row {row}: {reason}"
            : $"Cannot read '{recordType}': column '{column}' at row {row} (item {item}): {reason}";
}
