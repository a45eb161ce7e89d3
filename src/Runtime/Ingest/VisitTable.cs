using Apache.Arrow;
using Bulwark.Records;

namespace Bulwark.Ingest;

/// <summary>
/// One visit's cached rows of one table, encoded into a builder of the visit's own. A record the builder refuses may
/// leave it half-appended (some columns one row longer than others), so a failure poisons only this builder, which is
/// thrown away with the visit's rows; no other visit's rows ever share it.
/// </summary>
internal abstract class VisitTable : IDisposable
{
    public abstract string Table { get; }

    public int Rows { get; protected set; }

    /// <summary>The encoded bytes the builder holds (see <see cref="ColumnBuilder.EncodedBytes"/>).</summary>
    public long Bytes { get; protected set; }

    /// <summary>A cut that re-encodes visits' rows of this table into one batch.</summary>
    public abstract TableCut CreateCut();

    public abstract void Dispose();
}

internal sealed class VisitTable<T> : VisitTable
    where T : IArrowRecord<T>
{
    // A hand-written IArrowRecord without column builders cannot be measured; this is its per-row estimate.
    private const long UnmeasuredRowBytes = 256;

    private readonly IArrowBatchBuilder<T> _builder = T.CreateBatchBuilder();

    public override string Table => T.TableName;

    /// <summary>Encodes <paramref name="record"/>; returns the bytes it added. On an exception the builder is unusable.</summary>
    public long Append(in T record)
    {
        _builder.Append(in record);
        Rows++;
        var measured = _builder is IArrowStructWriter<T> columns ? ColumnBuilder.SumEncodedBytes(columns.Children) : Rows * UnmeasuredRowBytes;
        var added = measured - Bytes;
        Bytes = measured;
        return added;
    }

    /// <summary>The rows as a batch over the builder's pooled buffers; the caller disposes it.</summary>
    public RecordBatch Build() => _builder.Build();

    public override TableCut CreateCut() => new TableCut<T>();

    public override void Dispose() => _builder.Dispose();
}

/// <summary>
/// A table's rows in one flush: each visit's rows in one contiguous segment, so that the commit record can say which
/// rows belong to which visit and a reader can hide a visit that has not ended yet.
/// </summary>
internal abstract class TableCut : IDisposable
{
    private readonly List<VisitSegment> _segments = [];

    public abstract string Table { get; }

    public abstract Schema Schema { get; }

    public IReadOnlyList<VisitSegment> Segments => _segments;

    public int Rows { get; private set; }

    /// <summary>Moves <paramref name="rows"/> (and its ownership) into the cut as the segment of <paramref name="visitId"/>.</summary>
    public void Add(long visitId, VisitTable rows)
    {
        try
        {
            var added = AddRows(rows);
            _segments.Add(new VisitSegment(visitId, added));
            Rows += added;
        }
        finally
        {
            rows.Dispose();
        }
    }

    /// <summary>Appends rows that belong to no visit (the <c>incomplete_visits</c> table).</summary>
    public void AddUnowned(int count) => Rows += count;

    /// <summary>All rows as one batch; the caller disposes it.</summary>
    public abstract RecordBatch Build();

    public abstract void Dispose();

    private protected abstract int AddRows(VisitTable rows);
}

internal sealed class TableCut<T> : TableCut
    where T : IArrowRecord<T>
{
    private readonly IArrowBatchBuilder<T> _builder = T.CreateBatchBuilder();

    public override string Table => T.TableName;

    public override Schema Schema => T.ArrowSchema;

    /// <summary>Appends records that belong to no visit.</summary>
    public void AddRecords(IReadOnlyList<T> records)
    {
        foreach (var record in records)
        {
            _builder.Append(in record);
        }

        AddUnowned(records.Count);
    }

    public override RecordBatch Build() => _builder.Build();

    public override void Dispose() => _builder.Dispose();

    private protected override int AddRows(VisitTable rows)
    {
        // Read back and appended again: each row was encoded once already, by the same generated code, so it cannot
        // fail here, and the table's part gets one batch (one Parquet row group) instead of one per visit.
        using var batch = ((VisitTable<T>)rows).Build();
        var records = T.ReadBatch(batch);
        foreach (var record in records)
        {
            _builder.Append(in record);
        }

        return records.Length;
    }
}

/// <summary>A visit's contiguous rows in a part.</summary>
internal readonly record struct VisitSegment(long VisitId, int Rows);
