using Bulwark.Storage;

namespace Bulwark.Ingest;

/// <summary>The flush loop, and shutdown: a bounded drain, then a spill of whatever the destination would not take.</summary>
public sealed partial class IngestController
{
    // After ShutdownTimeout the loop is cancelled; this long more is allowed for it to notice before spilling anyway.
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _abort = new();

    // Cancelled when a caller of ShutdownAsync stops waiting for the drain: what is not committed by then is spilled.
    private readonly CancellationTokenSource _drainCut = new();
    private readonly Task _loop;
    private TaskCompletionSource? _wake;
    private bool _wakeRequested;
    private DateTimeOffset? _parkedUntil;

    // False between parking and the moment its timer exists: the timer's delay is relative to the clock reading taken
    // just before, so a clock that moved in between would make it fire late. Quiescence waits for it.
    private bool _parkArmed;
    private Task? _disposal;

    /// <summary>
    /// Stops taking records, ends every unfinalized visit as Incomplete, and drains: flushes keep being retried until
    /// everything is committed or <see cref="IngestOptions.ShutdownTimeout"/> passes. What is left is then spilled to
    /// <see cref="IngestOptions.SpillDirectory"/> and its visits resolve Incomplete naming the spill. Never hangs on the
    /// destination: the wait is bounded by the timeout (plus a short grace for a cancelled write to return).
    /// </summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposal ??= DisposeCoreAsync();
            return new ValueTask(_disposal);
        }
    }

    /// <summary>
    /// Shuts down as <see cref="DisposeAsync"/> does, and ends the drain early when <paramref name="cancellationToken"/>
    /// fires (a host's shutdown token, say): whatever is not committed by then is spilled at once, exactly as after
    /// <see cref="IngestOptions.ShutdownTimeout"/>. Cancelling never abandons the shutdown, so the returned task still
    /// completes only once every visit has its outcome and the writer's lock is released.
    /// </summary>
    public Task ShutdownAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            // The registration lives as long as the token's source; cutting a finished drain does nothing.
            cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _drainCut);
        }

        return DisposeAsync().AsTask();
    }

    /// <summary>
    /// For tests: the loop is parked, its timer exists, neither a wake-up nor a timer due by now is pending, and no
    /// append that was woken to try again is still on its way back — the moment a test may move a fake clock without
    /// the loop's timer firing later than it asked, or time passing while a woken append waits for a thread.
    /// </summary>
    internal bool IsQuiescent
    {
        get
        {
            lock (_gate)
            {
                return (_wake is { Task.IsCompleted: false } && _parkArmed && (_parkedUntil is null || _parkedUntil > _time.GetUtcNow()) && !_wakeRequested && _wokenAppends == 0) || _loop.IsCompleted;
            }
        }
    }

    internal string DebugState
    {
        get
        {
            lock (_gate)
            {
                return $"wake={_wake?.Task.Status} parkedUntil={_parkedUntil} parkArmed={_parkArmed} wakeRequested={_wakeRequested} loop={_loop.Status} frozen={_frozen?.Number} cutInProgress={_cutInProgress} retryAt={_retryAt} disposing={_disposing} now={_time.GetUtcNow()} oldestUncut={_oldestUncut} uncut={_uncutBytes} cut={_cutBytes} frozenBytes={_frozen?.Bytes} cutRequested={_cutRequested} hasRoom={HasRoom} waitingAppends={_waitingAppends} wokenAppends={_wokenAppends}";
            }
        }
    }

    /// <summary>Callers hold <see cref="_gate"/>.</summary>
    private void Wake()
    {
        if (_wake is not null)
        {
            _wake.TrySetResult();
        }
        else
        {
            _wakeRequested = true;
        }
    }

    /// <summary>Wakes the loop if it sleeps past <paramref name="due"/>, so that it reschedules. Callers hold <see cref="_gate"/>.</summary>
    private void WakeIfParkedPast(DateTimeOffset due)
    {
        if (_wake is null || _parkedUntil is null || _parkedUntil > due)
        {
            Wake();
        }
    }

    private async Task RunLoopAsync()
    {
        while (!_abort.IsCancellationRequested)
        {
            try
            {
                if (!await StepAsync().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception exception)
            {
                // StepAsync handles storage errors itself; whatever else arrives must not end the loop either.
                IngestLog.LoopError(_logger, exception, WriterId);
                await ParkAsync(_time.GetUtcNow() + _options.RetryDelay).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One decision of the loop; false once draining found nothing left (or the loop was cancelled).</summary>
    private async Task<bool> StepAsync()
    {
        FrozenFlush? write = null;
        CutContent? cut = null;
        DateTimeOffset? until;
        lock (_gate)
        {
            if (_abort.IsCancellationRequested)
            {
                return false;
            }

            var now = _time.GetUtcNow();
            var timeout = ApplyTimeouts(now);
            if (_frozen is not null)
            {
                if (_retryAt is { } retry && retry > now)
                {
                    until = retry;
                }
                else
                {
                    write = _frozen;
                    until = null;
                }
            }
            else if (CutDue(now))
            {
                cut = TakeCut(now);
                until = null;
            }
            else if (_disposing && !_cutInProgress)
            {
                return false;
            }
            else
            {
                var next = NextCutTime();
                until = next is null || (timeout is not null && timeout < next) ? timeout : next;
            }
        }

        if (write is not null)
        {
            await WriteFrozenAsync(write).ConfigureAwait(false);
        }
        else if (cut is not null)
        {
            await CutAndFreezeAsync(cut).ConfigureAwait(false);
        }
        else
        {
            await ParkAsync(until).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Waits for a wake-up or the time <paramref name="until"/> (forever when null), by the controller's clock.</summary>
    private async Task ParkAsync(DateTimeOffset? until)
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            if (_wakeRequested)
            {
                _wakeRequested = false;
                return;
            }

            wake = _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _parkedUntil = until;
            _parkArmed = false;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        var delay = until is { } due
            ? Task.Delay(DelayUntil(due, _time.GetUtcNow()), _time, stop.Token)
            : Task.Delay(Timeout.Infinite, stop.Token);
        lock (_gate)
        {
            _parkArmed = true;
        }

        await Task.WhenAny(wake.Task, delay).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _wake = null;
            _parkedUntil = null;
            _parkArmed = false;
            _wakeRequested = false;
        }
    }

    private async Task DisposeCoreAsync()
    {
        lock (_gate)
        {
            _disposing = true;
            foreach (var entry in _visits.Values.Where(v => v.Phase == VisitPhase.Open).ToArray())
            {
                Fail(entry, "the controller was disposed before the visit was finalized");
            }

            ReleaseSpace();
            Wake();
        }

        if (!await CompletesWithinAsync(_loop, _options.ShutdownTimeout, _drainCut.Token).ConfigureAwait(false))
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await CompletesWithinAsync(_loop, CancelGrace, CancellationToken.None).ConfigureAwait(false);
        }

        await SpillRemainingAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var entry in _visits.Values.ToArray())
            {
                ResolveIncomplete(entry.Id, "the controller was disposed before the visit could be written");
            }

            foreach (var (_, done) in _flushWaiters)
            {
                done.TrySetException(new ObjectDisposedException(nameof(IngestController), "The controller was disposed before the flush committed."));
            }

            _flushWaiters.Clear();
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        await _lock.DisposeAsync().ConfigureAwait(false);
    }

    private async Task SpillRemainingAsync()
    {
        var flushes = new List<FrozenFlush>();
        CutContent? rest = null;
        lock (_gate)
        {
            if (_frozen is not null)
            {
                flushes.Add(_frozen);
            }

            if (_oldestUncut is not null)
            {
                rest = TakeCut(_time.GetUtcNow());
            }
        }

        if (rest is not null)
        {
            await CutAndFreezeAsync(rest).ConfigureAwait(false);
            lock (_gate)
            {
                if (_frozen is not null && !flushes.Contains(_frozen))
                {
                    flushes.Add(_frozen);
                }
            }
        }

        foreach (var flush in flushes)
        {
            // An attempt that reported failure may have landed its commit record: then nothing is to be spilled, and
            // the visits it ends are Committed, not Incomplete.
            if (await _writer.TookEffectAsync(flush, CancellationToken.None).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    OnCommitted(flush);
                }

                continue;
            }

            string reason;
            if (_options.SpillDirectory is null)
            {
                reason = $"lost: the destination did not take flush {flush.Number} within ShutdownTimeout ({_options.ShutdownTimeout}) and no SpillDirectory is configured (last error: {_lastError})";
                IngestLog.Lost(_logger, null, flush.Number, WriterId, reason);
            }
            else
            {
                try
                {
                    var spill = new LocalFileSystemBackend(_options.SpillDirectory);
                    (var path, reason) = await IngestSpill.WriteAsync(spill, flush, WriterId, _time.GetUtcNow(), $"the destination did not take it within ShutdownTimeout ({_options.ShutdownTimeout}); last error: {_lastError}", CancellationToken.None).ConfigureAwait(false);
                    _instruments.Spilled();
                    IngestLog.Spilled(_logger, flush.Number, WriterId, _options.ShutdownTimeout, path);
                }
                catch (Exception exception)
                {
                    reason = $"lost: flush {flush.Number} could not be committed by shutdown nor spilled to '{_options.SpillDirectory}': {exception.Message}";
                    IngestLog.Lost(_logger, exception, flush.Number, WriterId, reason);
                }
            }

            lock (_gate)
            {
                foreach (var visit in flush.Visits)
                {
                    ResolveIncomplete(visit, Clean(reason));
                }

                if (_frozen == flush)
                {
                    _frozen = null;
                }

                CountHeld(-flush.Bytes);
            }
        }
    }

    /// <summary>True if <paramref name="task"/> completes within <paramref name="timeout"/> by the controller's clock and before <paramref name="cut"/>.</summary>
    private async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout, CancellationToken cut)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cut);
        var delay = Task.Delay(timeout, _time, stop.Token);
        var first = await Task.WhenAny(task, delay).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        return first == task;
    }

    /// <summary>
    /// The delay to <paramref name="due"/> in whole milliseconds, rounded up. Task.Delay drops a delay's fraction of a
    /// millisecond, so a deadline 0.3 ms away would be no delay at all: the loop would find it not yet due, park and
    /// wake again without the clock moving — a spin, and on a stopped fake clock one that never ends (seen as a test
    /// run stuck at full CPU inside FakeTimeProvider.Advance, a retry due 282.5 µs after the clock's time).
    /// </summary>
    internal static TimeSpan DelayUntil(DateTimeOffset due, DateTimeOffset now)
    {
        var ticks = (due - now).Ticks;
        return ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds((ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
    }
}
