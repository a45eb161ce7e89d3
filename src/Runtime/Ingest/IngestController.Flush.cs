using Microsoft.Extensions.Logging;

namespace Bulwark.Ingest;

/// <summary>Cutting, freezing and committing flushes, and resolving the visits a committed flush ends.</summary>
public sealed partial class IngestController
{
    private readonly List<(long Target, TaskCompletionSource Done)> _flushWaiters = [];
    private long _nextFlush;
    private FrozenFlush? _frozen;
    private bool _cutInProgress;
    private bool _cutRequested;
    private long _cutBytes;
    private long _cutReserve;
    private List<long> _cutToCopy = [];
    private DateTimeOffset? _cutOldest;
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _retryAt;
    private int _consecutiveFailures;
    private string? _lastError;

    /// <summary>
    /// Cuts everything cached now into a flush and waits until it is committed. Throws the error of a failed attempt
    /// (the loop keeps retrying it in the background); the rows stay cached and frozen either way.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposing, this);
            long target;
            if (_oldestUncut is not null)
            {
                target = _nextFlush;
            }
            else if (_frozen is not null || _cutInProgress)
            {
                target = _nextFlush - 1;
            }
            else
            {
                return;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add((target, done));
            _cutRequested = true;
            Wake();
        }

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private bool CutDue(DateTimeOffset now)
    {
        if (_frozen is not null || _cutInProgress || _oldestUncut is not { } oldest)
        {
            return false;
        }

        var aged = (_options.Deviations & IngestDeviation.IdleDebounce) != 0
            ? now - _lastAppend >= _options.FlushInterval
            : now - oldest >= _options.FlushInterval;
        return aged || _cutRequested || _disposing || _uncutBytes >= _options.MaxCachedBytes / 2
            || _tables.Values.Any(table => table.Rows >= _options.MaxRowsPerFile);
    }

    private DateTimeOffset? NextCutTime() => _oldestUncut is not { } oldest ? null
        : (_options.Deviations & IngestDeviation.IdleDebounce) != 0 ? _lastAppend + _options.FlushInterval
        : oldest + _options.FlushInterval;

    /// <summary>Takes every uncut row and terminal mark as flush N; the builders move out with them.</summary>
    private CutContent TakeCut(DateTimeOffset now)
    {
        var number = _nextFlush++;
        var tables = new List<TableCut>();
        foreach (var (_, buffer) in _tables.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (buffer.Take() is { } taken)
            {
                tables.Add(taken);
            }
        }

        var completed = _pendingCompleted.ToArray();
        var incomplete = _pendingIncomplete.ToArray();
        _pendingCompleted.Clear();
        _pendingIncomplete.Clear();
        foreach (var id in completed.Concat(incomplete.Select(v => v.VisitId)))
        {
            if (_visits.TryGetValue(id, out var entry))
            {
                entry.MarkerFlush = number;
            }
        }

        var cut = new CutContent(number, now, _oldestUncut ?? now, tables, completed, incomplete);
        _cutBytes = _uncutBytes;
        _cutToCopy = tables.Select(t => t.SourceBytes).ToList();
        _cutReserve = _cutToCopy.Count == 0 ? 0 : _cutToCopy.Max();
        _cutOldest = _oldestUncut;
        _uncutBytes = 0;
        _oldestUncut = null;
        _cutRequested = false;
        _cutInProgress = true;
        ReleaseSpace();
        return cut;
    }

    /// <summary>Encodes a cut into its final bytes: from here on every attempt writes exactly these.</summary>
    private async Task<FrozenFlush> FreezeAsync(CutContent cut)
    {
        // A table whose every row was dropped with a rejected record gets no part.
        foreach (var table in cut.Tables.Where(t => t.Rows == 0))
        {
            table.Dispose();
        }

        return await FrozenFlush.PrepareAsync(cut.Number, WriterId, cut.CutAt, cut.Oldest, cut.Tables.Where(t => t.Rows > 0).ToArray(), cut.Completed, cut.Incomplete, _options.Format, HoldCutBytes, OnTableCopying, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// A table of the cut is about to be copied into its batch: the room kept free for it is now counted as held, and
    /// the room kept for copies is the largest one still to come.
    /// </summary>
    private void OnTableCopying(TableCut table)
    {
        lock (_gate)
        {
            _cutToCopy.Remove(table.SourceBytes);
            _cutReserve = _cutToCopy.Count == 0 ? 0 : _cutToCopy.Max();
            _cutBytes += table.SourceBytes;
            CountHeld(table.SourceBytes);
        }
    }

    /// <summary>While a cut is encoded, what it holds changes: gathered copies and encoded parts come, builders go.</summary>
    private void HoldCutBytes(long change)
    {
        lock (_gate)
        {
            _cutBytes += change;
            CountHeld(change);
            if (change < 0)
            {
                ReleaseSpace();
            }
        }
    }

    private async Task CutAndFreezeAsync(CutContent cut)
    {
        try
        {
            var frozen = await FreezeAsync(cut).ConfigureAwait(false);
            lock (_gate)
            {
                _frozen = frozen;
                CountHeld(frozen.Bytes - _cutBytes);
                _cutBytes = 0;
                _cutReserve = 0;
                _cutToCopy = [];
                _cutOldest = null;
                _cutInProgress = false;
                ReleaseSpace();
            }
        }
        catch (Exception exception)
        {
            // Every row was encoded once already, so this is a bug or exhaustion, not bad data; the visits in the cut
            // still get their one outcome.
            lock (_gate)
            {
                CountHeld(-_cutBytes);
                _cutBytes = 0;
                _cutReserve = 0;
                _cutToCopy = [];
                _cutOldest = null;
                _cutInProgress = false;
                var reason = $"flush {cut.Number} could not be encoded: {Clean(exception.Message)}";
                IngestLog.Lost(_logger, exception, cut.Number, WriterId, reason);
                foreach (var visit in cut.Tables.SelectMany(t => t.Segments.Select(s => s.VisitId)).Concat(cut.Completed).Concat(cut.Incomplete.Select(v => v.VisitId)).Distinct())
                {
                    ResolveIncomplete(visit, reason);
                }

                ReleaseSpace();
            }
        }
    }

    private async Task WriteFrozenAsync(FrozenFlush flush)
    {
        try
        {
            await _writer.WriteAsync(flush, _abort.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (!_abort.IsCancellationRequested)
        {
            lock (_gate)
            {
                _consecutiveFailures++;
                _lastError = exception.Message;
                var delay = Backoff(_consecutiveFailures);
                _retryAt = _time.GetUtcNow() + delay;
                _instruments.FlushFailed();
                IngestLog.FlushFailed(_logger, exception, flush.Number, WriterId, _consecutiveFailures, delay);
                foreach (var (_, done) in _flushWaiters)
                {
                    done.TrySetException(exception);
                }

                _flushWaiters.Clear();
            }

            return;
        }

        lock (_gate)
        {
            OnCommitted(flush);
        }
    }

    /// <summary>Flush N reached its commit point: resolve the visits it ends, release its bytes and the waiters. Callers hold <see cref="_gate"/>.</summary>
    private void OnCommitted(FrozenFlush flush)
    {
        if (_frozen == flush)
        {
            _frozen = null;
        }

        _retryAt = null;
        _lastSuccess = _time.GetUtcNow();
        _consecutiveFailures = 0;
        _lastError = null;
        CountHeld(-flush.Bytes);
        _instruments.FlushCommitted(flush.Rows, flush.Bytes);
        IngestLog.Committed(_logger, flush.Number, WriterId, flush.Parts.Count, flush.Rows, flush.Bytes);
        foreach (var id in flush.Commit.CompletedVisits)
        {
            if (_visits.TryGetValue(id, out var entry) && entry.MarkerFlush == flush.Number)
            {
                Resolve(entry, VisitState.Committed, null);
            }
        }

        foreach (var visit in flush.Commit.IncompleteVisits)
        {
            if (_visits.TryGetValue(visit.VisitId, out var entry) && entry.MarkerFlush == flush.Number)
            {
                Resolve(entry, VisitState.Incomplete, entry.Reason);
            }
        }

        _flushWaiters.RemoveAll(waiter =>
        {
            if (waiter.Target <= flush.Number)
            {
                waiter.Done.TrySetResult();
                return true;
            }

            return false;
        });
        ReleaseSpace();
    }

    /// <summary>Exponential in the failures, capped, with jitter in [½, 1] of the delay so that many writers do not retry in step.</summary>
    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 30);
        var ticks = Math.Min((double)_options.MaxRetryDelay.Ticks, _options.RetryDelay.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)(ticks * (0.5 + (0.5 * Random.Shared.NextDouble()))));
    }

    /// <summary>Ends a visit as Incomplete at once, wherever it is (used when its rows can no longer be written).</summary>
    private void ResolveIncomplete(long visit, string reason)
    {
        if (_visits.TryGetValue(visit, out var entry))
        {
            // A visit that had already failed keeps its own reason in front: "finalized as failed: x; spilled to ...".
            reason = entry.Phase == VisitPhase.Failed && entry.Reason is { } earlier ? $"{earlier}; {reason}" : reason;
            entry.Phase = VisitPhase.Failed;
            entry.Reason = reason;
            Resolve(entry, VisitState.Incomplete, reason);
        }
    }

    /// <summary>Marks open visits idle past VisitTimeout as Incomplete; returns when the next one would time out.</summary>
    private DateTimeOffset? ApplyTimeouts(DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var entry in _visits.Values)
        {
            if (entry.Phase != VisitPhase.Open || entry.WaitingAppends > 0)
            {
                continue;
            }

            var due = entry.LastActivity + _options.VisitTimeout;
            if (due <= now)
            {
                Fail(entry, $"not finalized within VisitTimeout ({_options.VisitTimeout}) of its last activity at {entry.LastActivity:O}");
            }
            else if (next is null || due < next)
            {
                next = due;
            }
        }

        return next;
    }

    private sealed record CutContent(
        long Number,
        DateTimeOffset CutAt,
        DateTimeOffset Oldest,
        IReadOnlyList<TableCut> Tables,
        IReadOnlyList<long> Completed,
        IReadOnlyList<IncompleteVisit> Incomplete);
}
