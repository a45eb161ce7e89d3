namespace Bulwark.Parquet;

/// <summary>
/// A Parquet file is truncated, corrupt, hostile or uses a feature Bulwark does not read. The message names the file,
/// and where known the column, row group and page, and the reason; the same parts are exposed as properties.
/// </summary>
public sealed class ParquetFormatException : DataFormatException
{
    public ParquetFormatException(string message)
        : base(message)
    {
        Reason = message;
    }

    public ParquetFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    internal ParquetFormatException(string? source, string? column, int? rowGroup, int? page, string reason, Exception? inner = null)
        : base(Format(source, column, rowGroup, page, reason), inner)
    {
        Source = source;
        Column = column;
        RowGroup = rowGroup;
        Page = page;
        Reason = reason;
    }

    /// <summary>The file name or stream description.</summary>
    public new string? Source { get; }

    /// <summary>The dotted column path, when the problem is inside one column.</summary>
    public string? Column { get; }

    public int? RowGroup { get; }

    public int? Page { get; }

    public string Reason { get; }

    private static string Format(string? source, string? column, int? rowGroup, int? page, string reason)
    {
        var text = new System.Text.StringBuilder("Parquet file");
        text.Append(source is null ? " (stream)" : $" '{source}'");
        if (column is not null)
        {
            text.Append($", column '{column}'");
        }

        if (rowGroup is { } group)
        {
            text.Append($", row group {group}");
        }

        if (page is { } p)
        {
            text.Append($", page {p}");
        }

        return text.Append(": ").Append(reason).Append('.').ToString();
    }
}

/// <summary>Where a reader is, so that every error names file, column, row group and page.</summary>
internal sealed class ParquetLocation
{
    public ParquetLocation(string? source) => Source = source;

    public string? Source { get; }

    public string? Column { get; set; }

    public int? RowGroup { get; set; }

    public int? Page { get; set; }

    public ParquetFormatException Error(string reason, Exception? inner = null) => new(Source, Column, RowGroup, Page, reason, inner);
}
