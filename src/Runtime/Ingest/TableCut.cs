using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Records;

namespace Bulwark.Ingest;

/// <summary>
/// A table's rows in one flush: each visit's rows in one contiguous segment, so that the commit record can say which
/// rows belong to which visit and a reader can hide a visit that has not ended yet.
/// </summary>
internal abstract class TableCut : IDisposable
{
    public abstract string Table { get; }

    public abstract Schema Schema { get; }

    public abstract IReadOnlyList<VisitSegment> Segments { get; }

    public abstract int Rows { get; }

    /// <summary>The encoded bytes the cut holds until <see cref="Build"/> has copied them out (counted as held until then).</summary>
    public abstract long SourceBytes { get; }

    /// <summary>All rows as one batch, in segment order; the caller disposes it. The cut's own buffers are freed.</summary>
    public abstract RecordBatch Build();

    public abstract void Dispose();

    /// <summary>The bytes of <paramref name="batch"/>'s buffers, children included (shared dictionaries not).</summary>
    public static long BufferBytes(RecordBatch batch)
    {
        long total = 0;
        for (var i = 0; i < batch.ColumnCount; i++)
        {
            total += BufferBytes(batch.Column(i).Data);
        }

        return total;
    }

    private static long BufferBytes(ArrayData data)
    {
        long total = 0;
        foreach (var buffer in data.Buffers)
        {
            total += buffer.Length;
        }

        // Apache.Arrow's own builders leave a childless array's Children null, and hand-written records use them.
        foreach (var child in data.Children ?? [])
        {
            total += BufferBytes(child);
        }

        return total;
    }
}

/// <summary>Records that belong to no visit (the <c>incomplete_visits</c> table), encoded when the flush is cut.</summary>
internal sealed class RecordsCut<T> : TableCut
    where T : IArrowRecord<T>
{
    private readonly IArrowBatchBuilder<T> _builder = T.CreateBatchBuilder();
    private int _rows;

    public override string Table => T.TableName;

    public override Schema Schema => T.ArrowSchema;

    public override IReadOnlyList<VisitSegment> Segments => [];

    public override int Rows => _rows;

    public override long SourceBytes => 0;

    public void AddRecords(IReadOnlyList<T> records)
    {
        foreach (var record in records)
        {
            _builder.Append(in record);
        }

        _rows += records.Count;
    }

    public override RecordBatch Build() => _builder.Build();

    public override void Dispose() => _builder.Dispose();
}

/// <summary>
/// The rows a <see cref="TableBuffer{T}"/> held at the cut: its builders ("sources") and which runs of their rows are
/// whose. <see cref="Build"/> copies the runs column by column into one batch, visit by visit in id order and each
/// visit's runs in the order it appended them.
/// </summary>
internal sealed class GatheredCut<T> : TableCut
    where T : IArrowRecord<T>
{
    private readonly Source[] _sources;
    private readonly List<VisitRun> _runs;
    private GatherRange[]? _ranges;
    private List<VisitSegment>? _segments;
    private int _rows;
    private bool _disposed;

    /// <remarks>Taken under the controller's lock, so the regrouping waits for the first use, on the flush loop.</remarks>
    public GatheredCut(Source[] sources, List<VisitRun> runs, long bytes)
    {
        _sources = sources;
        _runs = runs;
        SourceBytes = bytes;
    }

    public override string Table => T.TableName;

    public override Schema Schema => T.ArrowSchema;

    public override IReadOnlyList<VisitSegment> Segments => Order().Segments;

    public override int Rows => Order().Rows;

    public override long SourceBytes { get; }

    public override RecordBatch Build()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var batches = new RecordBatch?[_sources.Length];
        try
        {
            foreach (var range in Order().Ranges)
            {
                batches[range.Source] ??= _sources[range.Source].Build();
            }

            return Gather(batches) ?? Reencode(batches);
        }
        finally
        {
            foreach (var batch in batches)
            {
                batch?.Dispose();
            }

            Dispose();
        }
    }

    public override void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            foreach (var source in _sources)
            {
                source.Builder.Dispose();
            }
        }
    }

    /// <summary>The runs visit by visit (ascending id), each visit's in the order it appended them, and the segments they make.</summary>
    private (GatherRange[] Ranges, List<VisitSegment> Segments, int Rows) Order()
    {
        if (_ranges is null || _segments is null)
        {
            var runs = _runs;
            var order = new int[runs.Count];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            System.Array.Sort(order, (a, b) => runs[a].Visit.Id != runs[b].Visit.Id ? runs[a].Visit.Id.CompareTo(runs[b].Visit.Id) : a.CompareTo(b));
            var ranges = new GatherRange[order.Length];
            var segments = new List<VisitSegment>();
            var rows = 0;
            for (var i = 0; i < order.Length; i++)
            {
                var run = runs[order[i]];
                ranges[i] = new GatherRange(run.Piece, run.Start, run.Count);
                if (segments.Count > 0 && segments[^1].VisitId == run.Visit.Id)
                {
                    segments[^1] = segments[^1] with { Rows = segments[^1].Rows + run.Count };
                }
                else
                {
                    segments.Add(new VisitSegment(run.Visit.Id, run.Count));
                }

                rows += run.Count;
            }

            (_ranges, _segments, _rows) = (ranges, segments, rows);
        }

        return (_ranges, _segments, _rows);
    }

    /// <summary>Column by column; null when a column's layout is not one <see cref="ArrayGather"/> copies.</summary>
    private RecordBatch? Gather(RecordBatch?[] batches)
    {
        var present = batches.Where(b => b is not null).Select(b => b!).ToArray();
        if (present.Length == 0)
        {
            return ColumnBuilder.BuildBatch(T.ArrowSchema, [], 0);
        }

        // The gather indexes sources by piece; a piece with no run in the cut is never read.
        var schema = present[0].Schema;
        var columns = new ArrayData[schema.FieldsList.Count][];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = batches.Select(b => b?.Column(c).Data ?? present[0].Column(c).Data).ToArray();
            if (!ArrayGather.CanGather(schema.FieldsList[c].DataType, columns[c]))
            {
                return null;
            }
        }

        var lease = new BufferLease();
        try
        {
            var arrays = new IArrowArray[columns.Length];
            for (var c = 0; c < arrays.Length; c++)
            {
                arrays[c] = ArrowArrayFactory.BuildArray(ArrayGather.Gather(schema.FieldsList[c].DataType, columns[c], _ranges!, lease));
            }

            return new PooledRecordBatch(schema, arrays, _rows, lease);
        }
        catch
        {
            lease.Return();
            throw;
        }
    }

    /// <summary>The slow way, for layouts the gather does not know: rows read back as records and encoded again.</summary>
    private RecordBatch Reencode(RecordBatch?[] batches)
    {
        var records = batches.Select(b => b is null ? null : T.ReadBatch(b)).ToArray();
        using var builder = T.CreateBatchBuilder();
        foreach (var range in _ranges!)
        {
            var source = records[range.Source]!;
            for (var i = range.Start; i < range.Start + range.Count; i++)
            {
                builder.Append(in source[i]);
            }
        }

        return builder.Build();
    }

    /// <summary>A builder the table buffer handed over, with its row count.</summary>
    internal sealed record Source(IArrowBatchBuilder<T> Builder, IReadOnlyList<ColumnBuilder>? Columns, int Rows)
    {
        public RecordBatch Build() => Columns is { } columns ? ColumnBuilder.BuildBatch(T.ArrowSchema, columns, Rows) : Builder.Build();
    }
}

/// <summary>A visit's contiguous rows in a part.</summary>
internal readonly record struct VisitSegment(long VisitId, int Rows);
