using Bulwark.Records;

namespace Bulwark.Ingest;

/// <summary>
/// A unit of work (a crawled page, a request, an upload) whose records go to the dataset together: its rows become
/// visible to readers only once it has ended, and it ends in exactly one <see cref="VisitOutcome"/>.
/// </summary>
public sealed class IngestVisit
{
    private readonly IngestController _controller;

    internal IngestVisit(IngestController controller, VisitEntry entry)
    {
        _controller = controller;
        Entry = entry;
    }

    public long VisitId => Entry.Id;

    /// <summary>Resolves once, when the visit is Committed (all its rows durable) or Incomplete.</summary>
    public Task<VisitOutcome> Outcome => Entry.Outcome.Task;

    internal VisitEntry Entry { get; }

    /// <summary>
    /// Caches <paramref name="record"/> in its table, encoded at once into the table's builder. Waits while the
    /// controller holds <see cref="IngestOptions.MaxCachedBytes"/> or the table <see cref="IngestOptions.MaxRowsPerFile"/>
    /// uncut rows (backpressure).
    /// </summary>
    /// <exception cref="IngestRecordException">The record cannot be encoded; the visit is now Incomplete, other visits are unaffected.</exception>
    /// <exception cref="InvalidOperationException">The visit has already ended (finalized, timed out, failed).</exception>
    /// <exception cref="ObjectDisposedException">The controller is shutting down.</exception>
    public ValueTask AppendAsync<T>(T record, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> => _controller.AppendAsync(Entry, record, cancellationToken);

    /// <summary>
    /// Ends the visit. With <paramref name="success"/> the returned task resolves Committed once every row is durable
    /// (or Incomplete if that became impossible); without, it resolves Incomplete with <paramref name="reason"/> once the
    /// visit is listed in <c>incomplete_visits</c>. A visit that already ended returns its outcome unchanged.
    /// </summary>
    public Task<VisitOutcome> FinalizeAsync(bool success, string? reason = null) => _controller.FinalizeVisit(Entry, success, reason);
}

/// <summary>The controller's bookkeeping of one visit, from its start until its outcome resolves; guarded by the controller's lock.</summary>
internal sealed class VisitEntry(long id, DateTimeOffset now)
{
    public long Id { get; } = id;

    public VisitPhase Phase { get; set; }

    public string? Reason { get; set; }

    /// <summary>Set once the outcome resolved: rows the visit still has in a table's buffer are not written.</summary>
    public bool Released { get; set; }

    public DateTimeOffset LastActivity { get; set; } = now;

    /// <summary>Appends waiting for space: the visit is active, so it must not time out meanwhile.</summary>
    public int WaitingAppends { get; set; }

    public TaskCompletionSource<VisitOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IngestVisit? Handle { get; set; }

    /// <summary>The flush that carries the visit's terminal mark, once cut.</summary>
    public long? MarkerFlush { get; set; }
}

internal enum VisitPhase
{
    /// <summary>Accepting records.</summary>
    Open,

    /// <summary>Finalized with success; waits for the flush carrying its completion mark.</summary>
    Succeeded,

    /// <summary>Ended as Incomplete; waits for the flush that lists it in incomplete_visits.</summary>
    Failed,
}
