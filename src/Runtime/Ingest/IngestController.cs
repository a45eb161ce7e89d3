using System.Text;
using Bulwark.Records;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Ingest;

/// <summary>
/// The storage controller: visits append typed records, the controller caches them per table (noting which rows are
/// whose) and a <see cref="TimeProvider"/>-driven loop flushes them as atomic multi-table flushes (see <see cref="FlushWriter"/>).
/// Every visit it observes ends in exactly one <see cref="VisitOutcome"/>; a storage error never strands one.
/// </summary>
/// <remarks>
/// One lock guards the bookkeeping, and records are encoded under it (a record is microseconds of work); storage I/O
/// never runs under it. Flushes are cut and committed one at a time, in order, so a visit's completion mark, cut with
/// or after its last rows, commits only after every flush that holds its rows.
/// </remarks>
public sealed partial class IngestController : IAsyncDisposable
{
    // What a record's change to the held bytes may wait to reach before the cached_bytes instrument hears of it.
    private const long HeldPublishStep = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly IStorageBackend _backend;
    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IngestInstruments _instruments;
    private readonly StorageLock _lock;
    private readonly FlushWriter _writer;
    private readonly Dictionary<long, VisitEntry> _visits = [];
    private readonly Dictionary<string, TableBuffer> _tables = new(StringComparer.Ordinal);

    // The tables again, by a number each record type gets once per process: found without hashing the table name.
    private TableBuffer?[] _slots = [];
    private readonly List<long> _pendingCompleted = [];
    private readonly List<IncompleteVisit> _pendingIncomplete = [];
    private TaskCompletionSource _space = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Appends waiting on _space, and appends it woke that have not yet come back under the lock: until they do, their
    // continuations are queued on the thread pool and the controller is not at rest (see IsQuiescent).
    private int _waitingAppends;
    private int _wokenAppends;
    private long _uncutBytes;
    private DateTimeOffset? _oldestUncut;
    private DateTimeOffset _lastAppend;
    private long _unpublishedHeld;
    private long _recordTick = long.MinValue;
    private DateTimeOffset _recordTime;
    private bool _disposing;

    private IngestController(IStorageBackend backend, IngestOptions options, TimeProvider time, ILogger logger, StorageLock storageLock, RecoveryResult recovery)
    {
        _backend = backend;
        _options = options;
        _time = time;
        _logger = logger;
        _lock = storageLock;
        _instruments = IngestInstruments.Create(options.MeterFactory);
        _writer = new FlushWriter(backend);
        _nextFlush = recovery.NextFlush;
        var now = time.GetUtcNow();
        foreach (var visit in recovery.UnfinishedVisits)
        {
            _pendingIncomplete.Add(new IncompleteVisit(visit, $"the previous run of writer '{options.WriterId}' stopped before the visit ended"));
            _oldestUncut ??= now;
        }

        _loop = Task.Run(RunLoopAsync);
    }

    /// <summary>The <see cref="IngestOptions.WriterId"/> this controller writes as.</summary>
    public string WriterId => _options.WriterId;

    /// <summary>A snapshot of the controller's health.</summary>
    public IngestHealth Health
    {
        get
        {
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                DateTimeOffset? oldest = _frozen?.OldestItem ?? _cutOldest;
                if (_oldestUncut is { } uncut && (oldest is null || uncut < oldest))
                {
                    oldest = uncut;
                }

                return new IngestHealth(_lastSuccess, _consecutiveFailures, _lastError, now - oldest, HeldBytes, _visits.Count, _nextFlush, _options.MaxAge);
            }
        }
    }

    private long HeldBytes => _uncutBytes + _cutBytes + (_frozen?.Bytes ?? 0);

    /// <summary>
    /// Whether an append fits within MaxCachedBytes, counting the copies cuts will make: a cut copies its tables one at
    /// a time into the batch a part is encoded from, so a table's bytes are held twice for a while. The cut being
    /// encoded needs room for the largest table it has still to copy, and the uncut rows, once cut (only after the
    /// flush before them is committed, so the two never overlap), room for their own largest table.
    /// </summary>
    private bool HasRoom
    {
        get
        {
            if (HeldBytes + _cutReserve >= _options.MaxCachedBytes)
            {
                return false;
            }

            // No table holds more than all of them: the common case needs no look at each.
            if (2 * _uncutBytes < _options.MaxCachedBytes)
            {
                return true;
            }

            long largest = 0;
            foreach (var table in _tables.Values)
            {
                largest = Math.Max(largest, table.Bytes);
            }

            return _uncutBytes + largest < _options.MaxCachedBytes;
        }
    }

    /// <summary>
    /// Opens the dataset on <paramref name="backend"/> as writer <see cref="IngestOptions.WriterId"/>: takes the writer's
    /// lock, reads its commit log, removes its uncommitted parts, and starts the flush loop.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid; the exception names it.</exception>
    /// <exception cref="StorageLockedException">Another controller with this writer id holds the dataset.</exception>
    /// <exception cref="IngestDataException">One of the writer's commit records is damaged; nothing was removed.</exception>
    public static async Task<IngestController> OpenAsync(IStorageBackend backend, IngestOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        options ??= new IngestOptions();
        options.Validate();
        timeProvider ??= TimeProvider.System;
        var logger = (ILogger?)loggerFactory?.CreateLogger("Bulwark.Ingest") ?? NullLogger.Instance;
        var owner = StorageLockOwner.Current($"ingest writer '{options.WriterId}'", timeProvider);
        var storageLock = await backend.AcquireLockAsync($"{CommitNames.LockDirectory}/{options.WriterId}.lock", owner, cancellationToken).ConfigureAwait(false);
        try
        {
            var recovery = await IngestRecovery.RunAsync(backend, options, cancellationToken).ConfigureAwait(false);
            foreach (var path in recovery.RemovedParts)
            {
                IngestLog.OrphanRemoved(logger, path, options.WriterId);
            }

            IngestLog.Opened(logger, options.WriterId, backend.Description, recovery.NextFlush, recovery.RemovedParts.Count, recovery.UnfinishedVisits.Count);
            return new IngestController(backend, options, timeProvider, logger, storageLock, recovery);
        }
        catch
        {
            await storageLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The visit <paramref name="visitId"/>, started now if it is not running; the same object while it is.</summary>
    /// <remarks>Once a visit's outcome has resolved its bookkeeping is released, and the id would start a new visit.</remarks>
    /// <exception cref="ObjectDisposedException">The controller is shutting down.</exception>
    public IngestVisit StartVisit(long visitId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposing, this);
            if (!_visits.TryGetValue(visitId, out var entry))
            {
                var now = _time.GetUtcNow();
                entry = new VisitEntry(visitId, now);
                entry.Handle = new IngestVisit(this, entry);
                _visits.Add(visitId, entry);
                _instruments.VisitOpened();
                WakeIfParkedPast(now + _options.VisitTimeout);
            }

            return entry.Handle!;
        }
    }

    /// <summary>Appends to visit <paramref name="visitId"/>, starting it if needed (see <see cref="IngestVisit.AppendAsync{T}"/>).</summary>
    public ValueTask AppendAsync<T>(long visitId, T record, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> => StartVisit(visitId).AppendAsync(record, cancellationToken);

    internal ValueTask AppendAsync<T>(VisitEntry entry, T record, CancellationToken cancellationToken)
        where T : IArrowRecord<T>
    {
        // Synchronous while there is room: no state machine on the path every record takes. Errors still come
        // through the returned task, as they would from an async method.
        Task space;
        try
        {
            lock (_gate)
            {
                if (TryAppend(entry, record, out space))
                {
                    return default;
                }
            }
        }
        catch (Exception exception)
        {
            return ValueTask.FromException(exception);
        }

        return WaitThenAppendAsync(entry, record, space, cancellationToken);
    }

    private async ValueTask WaitThenAppendAsync<T>(VisitEntry entry, T record, Task space, CancellationToken cancellationToken)
        where T : IArrowRecord<T>
    {
        while (true)
        {
            try
            {
                await space.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                lock (_gate)
                {
                    StopWaiting(entry, space);
                }

                throw;
            }

            // Leaving the wait and trying again are one step, so no one sees the append neither waiting nor done.
            lock (_gate)
            {
                StopWaiting(entry, space);
                if (TryAppend(entry, record, out space))
                {
                    return;
                }
            }
        }
    }

    /// <summary>An append stops waiting for <paramref name="space"/> (woken or cancelled). Callers hold <see cref="_gate"/>.</summary>
    private void StopWaiting(VisitEntry entry, Task space)
    {
        entry.WaitingAppends--;
        entry.LastActivity = _time.GetUtcNow();
        if (space.IsCompleted)
        {
            _wokenAppends--;
        }
        else
        {
            _waitingAppends--;
        }
    }

    /// <summary>
    /// Encodes <paramref name="record"/> if there is room; otherwise asks the loop to cut now and returns the task a cut
    /// (rows) or a commit (bytes) completes when it makes room, with the append counted as waiting. Callers hold <see cref="_gate"/>.
    /// </summary>
    private bool TryAppend<T>(VisitEntry entry, T record, out Task space)
        where T : IArrowRecord<T>
    {
        ObjectDisposedException.ThrowIf(_disposing, this);
        if (entry.Phase != VisitPhase.Open)
        {
            throw new InvalidOperationException($"Visit {entry.Id} has already ended ({(entry.Phase == VisitPhase.Succeeded ? "finalized" : entry.Reason)}); it takes no more records.");
        }

        var table = RegisterTable<T>();
        if (HasRoom && table.Rows < _options.MaxRowsPerFile)
        {
            Encode(entry, table, record);
            space = Task.CompletedTask;
            return true;
        }

        entry.WaitingAppends++;
        _waitingAppends++;
        _cutRequested = true;
        space = _space.Task;
        Wake();
        return false;
    }

    internal Task<VisitOutcome> FinalizeVisit(VisitEntry entry, bool success, string? reason)
    {
        lock (_gate)
        {
            if (entry.Phase == VisitPhase.Open)
            {
                if (success)
                {
                    entry.Phase = VisitPhase.Succeeded;
                    _pendingCompleted.Add(entry.Id);
                    MarkUncut(_time.GetUtcNow());
                }
                else
                {
                    Fail(entry, reason is null ? "finalized as failed" : $"finalized as failed: {Clean(reason)}");
                }
            }

            return entry.Outcome.Task;
        }
    }

    /// <summary>Takes the same path for every table name: a directory of the dataset, refused if it could collide.</summary>
    private TableBuffer<T> RegisterTable<T>()
        where T : IArrowRecord<T>
    {
        var slot = TableSlot<T>.Index;
        if (slot < _slots.Length && _slots[slot] is TableBuffer<T> known)
        {
            return known;
        }

        var table = T.TableName;
        if (_tables.TryGetValue(table, out var buffer))
        {
            return buffer as TableBuffer<T> ?? throw new InvalidOperationException($"Table '{table}' already takes records of {buffer.RecordType.FullName}; {typeof(T).FullName} cannot share it.");
        }

        if (!CommitNames.IsValidTable(table) || (table == "incomplete_visits" && typeof(T) != typeof(IncompleteVisit)))
        {
            throw new ArgumentException($"Table name '{table}' of {typeof(T).FullName} cannot be an ingest table: it must be letters, digits, '_', '-' or '.', not start with '_', and not be 'incomplete_visits'.");
        }

        var created = new TableBuffer<T>();
        _tables.Add(table, created);
        if (slot >= _slots.Length)
        {
            Array.Resize(ref _slots, Math.Max(slot + 1, _slots.Length * 2));
        }

        _slots[slot] = created;
        return created;
    }

    private void Encode<T>(VisitEntry entry, TableBuffer<T> table, T record)
        where T : IArrowRecord<T>
    {
        long added;
        try
        {
            added = table.Append(entry, record);
        }
        catch (Exception exception)
        {
            // Only this record was undone; the visit's other cached rows of the table are left out of the cut.
            var dropped = table.Drop(entry);
            _instruments.EncodeFailed();
            Fail(entry, $"a record for table '{table.Table}' could not be encoded ({Clean(exception.Message)}); its {dropped} cached rows of that table were discarded");
            throw new IngestRecordException(entry.Id, table.Table, exception);
        }

        var now = RecordTime();
        _uncutBytes += added;
        CountHeld(added, batched: true);
        entry.LastActivity = now;
        _lastAppend = now;
        MarkUncut(now);
        if (table.Rows >= _options.MaxRowsPerFile || _uncutBytes >= _options.MaxCachedBytes / 2)
        {
            Wake();
        }
    }

    /// <summary>
    /// The time an appended record is stamped with (the visit's last activity, the oldest uncut row). On the system
    /// clock it is read at most once per tick of the coarse millisecond counter: reading it for every record cost more
    /// than the bookkeeping it serves, and a timestamp a few milliseconds old changes no timeout or flush materially.
    /// Any other <see cref="TimeProvider"/> (a test's fake clock) is read every time. Callers hold <see cref="_gate"/>.
    /// </summary>
    private DateTimeOffset RecordTime()
    {
        if (!ReferenceEquals(_time, TimeProvider.System))
        {
            return _time.GetUtcNow();
        }

        var tick = Environment.TickCount64;
        if (tick != _recordTick)
        {
            _recordTick = tick;
            _recordTime = _time.GetUtcNow();
        }

        return _recordTime;
    }

    /// <summary>
    /// Tells the cached_bytes instrument of a change in what is held. A record's few bytes are gathered until they make
    /// <see cref="HeldPublishStep"/> (a listener called for every record cost as much as caching it); anything else
    /// (a cut, a commit, a spill) publishes at once, with what was gathered. Callers hold <see cref="_gate"/>.
    /// </summary>
    private void CountHeld(long change, bool batched = false)
    {
        _unpublishedHeld += change;
        if (!batched || Math.Abs(_unpublishedHeld) >= HeldPublishStep)
        {
            _instruments.CachedBytesChanged(_unpublishedHeld);
            _unpublishedHeld = 0;
        }
    }

    /// <summary>Ends <paramref name="entry"/> as Incomplete; its uncut rows stay and are written, labelled by incomplete_visits.</summary>
    private void Fail(VisitEntry entry, string reason)
    {
        entry.Phase = VisitPhase.Failed;
        entry.Reason = reason;
        _pendingIncomplete.Add(new IncompleteVisit(entry.Id, reason));
        MarkUncut(_time.GetUtcNow());
        IngestLog.VisitIncomplete(_logger, entry.Id, reason);
    }

    /// <summary>Notes the first uncut item since the last cut, and makes the loop schedule its cut.</summary>
    private void MarkUncut(DateTimeOffset now)
    {
        if (_oldestUncut is null)
        {
            _oldestUncut = now;
            WakeIfParkedPast(((_options.Deviations & IngestDeviation.IdleDebounce) != 0 ? _lastAppend : now) + _options.FlushInterval);
        }
        else if ((_options.Deviations & IngestDeviation.IdleDebounce) != 0)
        {
            Wake();
        }
    }

    private void Resolve(VisitEntry entry, VisitState state, string? reason)
    {
        if (_visits.Remove(entry.Id))
        {
            entry.Released = true;
            _instruments.VisitResolved(state);
            entry.Outcome.TrySetResult(new VisitOutcome(entry.Id, state, reason));
        }
    }

    private void ReleaseSpace()
    {
        _wokenAppends += _waitingAppends;
        _waitingAppends = 0;
        var space = _space;
        _space = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        space.TrySetResult();
    }

    /// <summary>Reasons become Arrow strings: a lone surrogate (from a caller or an exception message) would be unencodable.</summary>
    private static string Clean(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }
}

/// <summary>A number of <typeparamref name="T"/>'s own, for <see cref="IngestController"/>'s table lookups.</summary>
internal static class TableSlot<T>
{
    public static readonly int Index = TableSlots.Next();
}

internal static class TableSlots
{
    private static int s_next = -1;

    public static int Next() => Interlocked.Increment(ref s_next);
}
