using System.Text;
using Bulwark.Records;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Ingest;

/// <summary>
/// The storage controller: visits append typed records, the controller caches them per visit and table and a
/// <see cref="TimeProvider"/>-driven loop flushes them as atomic multi-table flushes (see <see cref="FlushWriter"/>).
/// Every visit it observes ends in exactly one <see cref="VisitOutcome"/>; a storage error never strands one.
/// </summary>
/// <remarks>
/// One lock guards the bookkeeping, and records are encoded under it (a record is microseconds of work); storage I/O
/// never runs under it. Flushes are cut and committed one at a time, in order, so a visit's completion mark, cut with
/// or after its last rows, commits only after every flush that holds its rows.
/// </remarks>
public sealed partial class IngestController : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly IStorageBackend _backend;
    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IngestInstruments _instruments;
    private readonly StorageLock _lock;
    private readonly FlushWriter _writer;
    private readonly Dictionary<long, VisitEntry> _visits = [];
    private readonly Dictionary<string, Type> _tableTypes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _uncutRows = new(StringComparer.Ordinal);
    private readonly List<long> _pendingCompleted = [];
    private readonly List<IncompleteVisit> _pendingIncomplete = [];
    private TaskCompletionSource _space = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _uncutBytes;
    private DateTimeOffset? _oldestUncut;
    private DateTimeOffset _lastAppend;
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

    internal async ValueTask AppendAsync<T>(VisitEntry entry, T record, CancellationToken cancellationToken)
        where T : IArrowRecord<T>
    {
        while (true)
        {
            Task space;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposing, this);
                if (entry.Phase != VisitPhase.Open)
                {
                    throw new InvalidOperationException($"Visit {entry.Id} has already ended ({(entry.Phase == VisitPhase.Succeeded ? "finalized" : entry.Reason)}); it takes no more records.");
                }

                var table = RegisterTable<T>();
                if (HeldBytes < _options.MaxCachedBytes && _uncutRows.GetValueOrDefault(table) < _options.MaxRowsPerFile)
                {
                    Encode(entry, table, record);
                    return;
                }

                // Full: ask the loop to cut now, and wait for a cut (rows) or a commit (bytes) to make room.
                entry.WaitingAppends++;
                _cutRequested = true;
                space = _space.Task;
                Wake();
            }

            try
            {
                await space.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lock (_gate)
                {
                    entry.WaitingAppends--;
                    entry.LastActivity = _time.GetUtcNow();
                }
            }
        }
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
    private string RegisterTable<T>()
        where T : IArrowRecord<T>
    {
        var table = T.TableName;
        if (_tableTypes.TryGetValue(table, out var type))
        {
            return type == typeof(T) ? table : throw new InvalidOperationException($"Table '{table}' already takes records of {type.FullName}; {typeof(T).FullName} cannot share it.");
        }

        if (!CommitNames.IsValidTable(table) || (table == "incomplete_visits" && typeof(T) != typeof(IncompleteVisit)))
        {
            throw new ArgumentException($"Table name '{table}' of {typeof(T).FullName} cannot be an ingest table: it must be letters, digits, '_', '-' or '.', not start with '_', and not be 'incomplete_visits'.");
        }

        _tableTypes.Add(table, typeof(T));
        return table;
    }

    private void Encode<T>(VisitEntry entry, string table, T record)
        where T : IArrowRecord<T>
    {
        if (!entry.Tables.TryGetValue(table, out var rows))
        {
            rows = new VisitTable<T>();
            entry.Tables.Add(table, rows);
        }

        long added;
        try
        {
            added = ((VisitTable<T>)rows).Append(record);
        }
        catch (Exception exception)
        {
            // The builder may hold half the record: it and this visit's rows of the table go; nothing else shared it.
            entry.Tables.Remove(table);
            _uncutBytes -= rows.Bytes;
            _uncutRows[table] = _uncutRows.GetValueOrDefault(table) - rows.Rows;
            _instruments.CachedBytesChanged(-rows.Bytes);
            _instruments.EncodeFailed();
            rows.Dispose();
            Fail(entry, $"a record for table '{table}' could not be encoded ({Clean(exception.Message)}); its {rows.Rows} cached rows of that table were discarded");
            throw new IngestRecordException(entry.Id, table, exception);
        }

        var now = _time.GetUtcNow();
        _uncutBytes += added;
        _instruments.CachedBytesChanged(added);
        var count = _uncutRows[table] = _uncutRows.GetValueOrDefault(table) + 1;
        entry.LastActivity = now;
        _lastAppend = now;
        MarkUncut(now);
        if (count >= _options.MaxRowsPerFile || _uncutBytes >= _options.MaxCachedBytes / 2)
        {
            Wake();
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
            foreach (var rows in entry.Tables.Values)
            {
                rows.Dispose();
            }

            entry.Tables.Clear();
            _instruments.VisitResolved(state);
            entry.Outcome.TrySetResult(new VisitOutcome(entry.Id, state, reason));
        }
    }

    private void ReleaseSpace()
    {
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
