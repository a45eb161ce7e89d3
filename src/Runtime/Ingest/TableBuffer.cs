using System.Runtime.InteropServices;
using Bulwark.Records;

namespace Bulwark.Ingest;

/// <summary>
/// A table's rows cached since the last cut. Visits encode into shared builders ("pieces", one per appending thread),
/// as a plain writer would, and the buffer notes which runs of rows belong to which visit; the cut regroups them visit
/// by visit, copying column by column (<see cref="GatheredCut{T}"/>). Shared builders keep the table's memory in a few
/// large pooled buffers instead of thousands of small ones.
/// </summary>
/// <remarks>
/// A record the builder rejects may leave it half-appended; the builder's columns are then cut back to the rows before
/// it (<see cref="ColumnBuilder"/>'s truncation), so no other visit's row is touched, and the piece is sealed: the
/// next record starts a new piece. A hand-written <see cref="IArrowRecord{T}"/> whose builder exposes no columns
/// cannot be cut back, so each visit gets a piece of its own, thrown away whole if a record poisons it.
/// Guarded by the controller's lock.
/// </remarks>
internal abstract class TableBuffer
{
    public abstract string Table { get; }

    public abstract Type RecordType { get; }

    /// <summary>Rows the cut will write: every appended row but those of dropped visits.</summary>
    public int Rows { get; private protected set; }

    /// <summary>The encoded bytes the builders hold (<see cref="ColumnBuilder.EncodedBytes"/>), dropped rows included until the cut frees them.</summary>
    public long Bytes { get; private protected set; }

    /// <summary>Leaves <paramref name="visit"/>'s rows out of the cut; returns how many.</summary>
    public abstract int Drop(VisitEntry visit);

    /// <summary>Moves every row out (its builders' ownership with them); null when there are none. The buffer is empty afterwards.</summary>
    public abstract TableCut? Take();
}

internal sealed class TableBuffer<T> : TableBuffer
    where T : IArrowRecord<T>
{
    // A hand-written IArrowRecord without column builders cannot be measured; this is its per-row estimate.
    private const long UnmeasuredRowBytes = 256;

    private List<Piece> _pieces = [];
    private List<VisitRun> _runs = [];
    private HashSet<VisitEntry>? _dropped;
    private Piece?[] _shared = new Piece?[ThreadShards.Count];
    private Dictionary<VisitEntry, Piece>? _own;
    private bool? _measured;

    public override string Table => T.TableName;

    public override Type RecordType => typeof(T);

    /// <summary>Encodes <paramref name="record"/> for <paramref name="visit"/>; returns the bytes it added.</summary>
    /// <remarks>On an exception nothing of the record is kept and every other row is intact; the caller drops the visit.</remarks>
    public long Append(VisitEntry visit, in T record)
    {
        var piece = _shared[ThreadShards.Current] ?? PieceFor(visit);
        var start = piece.Rows;
        try
        {
            piece.Builder.Append(in record);
        }
        catch
        {
            piece.Reject();
            var shard = System.Array.IndexOf(_shared, piece);
            if (shard >= 0)
            {
                _shared[shard] = null;
            }

            throw;
        }

        piece.Rows = start + 1;
        var added = piece.Measure();
        Bytes += added;
        Rows++;

        // The piece's last run grows while the same visit appends to it, whatever other visits appended to other
        // pieces meanwhile. A run the visit starts here closes its runs in every other piece: a visit whose thread
        // changed and changed back must not extend its older run, or the cut, which copies run by run, would put the
        // rows it appended last before those it appended in between.
        if (piece.RunVisit == visit)
        {
            CollectionsMarshal.AsSpan(_runs)[piece.LastRun].Count++;
        }
        else
        {
            foreach (var other in _shared)
            {
                if (other is not null && other.RunVisit == visit)
                {
                    other.RunVisit = null;
                }
            }

            piece.RunVisit = visit;
            piece.LastRun = _runs.Count;
            _runs.Add(new VisitRun(visit, piece.Index, start, 1));
        }

        return added;
    }

    public override int Drop(VisitEntry visit)
    {
        if (!(_dropped ??= []).Add(visit))
        {
            return 0;
        }

        var rows = 0;
        foreach (var run in _runs)
        {
            if (run.Visit == visit)
            {
                rows += run.Count;
            }
        }

        Rows -= rows;
        return rows;
    }

    public override TableCut? Take()
    {
        if (_pieces.Count == 0)
        {
            return null;
        }

        // Rows of a visit that was dropped, or already resolved (its rows could no longer be written), stay out.
        var runs = new List<VisitRun>(_runs.Count);
        foreach (var run in _runs)
        {
            if (!run.Visit.Released && _dropped?.Contains(run.Visit) != true)
            {
                runs.Add(run);
            }
        }

        var cut = new GatheredCut<T>(_pieces.Select(p => p.Take()).ToArray(), runs, Bytes);
        _pieces = [];
        _runs = new List<VisitRun>(_runs.Count);
        _dropped = null;
        Array.Clear(_shared);
        _own = null;
        Rows = 0;
        Bytes = 0;
        return cut;
    }

    private Piece PieceFor(VisitEntry visit)
    {
        if (_own is not null && _own.TryGetValue(visit, out var own))
        {
            return own;
        }

        var piece = new Piece(_pieces.Count, T.CreateBatchBuilder());
        _pieces.Add(piece);
        if (_measured ??= piece.Columns is not null)
        {
            _shared[ThreadShards.Current] = piece;
        }
        else
        {
            (_own ??= []).Add(visit, piece);
        }

        return piece;
    }

    private sealed class Piece(int index, IArrowBatchBuilder<T> builder)
    {
        public int Index { get; } = index;

        public IArrowBatchBuilder<T> Builder { get; } = builder;

        /// <summary>The builder's columns, when it is a generated one.</summary>
        public ColumnBuilder[]? Columns { get; } = (builder as IArrowStructWriter<T>)?.Children.ToArray();

        public int Rows { get; set; }

        /// <summary>Whose rows the piece's latest run holds (it ends at the piece's last row); null before the first.</summary>
        public VisitEntry? RunVisit { get; set; }

        /// <summary>Where in the buffer's runs the piece's latest run is.</summary>
        public int LastRun { get; set; }

        public long Bytes { get; private set; }

        public long Measure()
        {
            long measured;
            if (Columns is { } columns)
            {
                measured = 0;
                foreach (var column in columns)
                {
                    measured += column.EncodedBytes;
                }
            }
            else
            {
                measured = Rows * UnmeasuredRowBytes;
            }

            var added = measured - Bytes;
            Bytes = measured;
            return added;
        }

        /// <summary>
        /// After a rejected record: back to the rows before it. A hand-written builder has no columns to cut back and
        /// may hold half the record; its piece is its visit's own, dropped with the visit, so no cut builds it.
        /// </summary>
        public void Reject()
        {
            if (Columns is null)
            {
                return;
            }

            foreach (var column in Columns)
            {
                column.Truncate(Rows);
            }
        }

        public GatheredCut<T>.Source Take() => new(Builder, Columns, Rows);
    }
}

/// <summary>
/// A small number per thread. Visits run on a few threads, each a while at a time, so a piece per thread keeps a
/// visit's rows in long runs even when threads append at once — and the cut copies run by run.
/// </summary>
internal static class ThreadShards
{
    public const int Count = 8;

    [ThreadStatic]
    private static int t_shard;

    private static int s_next;

    public static int Current
    {
        get
        {
            var shard = t_shard;
            if (shard == 0)
            {
                t_shard = shard = Interlocked.Increment(ref s_next);
            }

            return shard & (Count - 1);
        }
    }
}

/// <summary>Rows [<see cref="Start"/>, Start + <see cref="Count"/>) of piece <see cref="Piece"/> are <see cref="Visit"/>'s, in its order.</summary>
internal record struct VisitRun(VisitEntry Visit, int Piece, int Start, int Count);
