using System.Runtime.CompilerServices;

namespace Bulwark.Shards;

public sealed partial class ShardReader<T>
{
    /// <summary>
    /// Yields a <see cref="ShardEvent{T}.Snapshot"/> as of <paramref name="asOf"/>, then, each time the upper advances,
    /// the updates of the new interval (if any) and a <see cref="ShardEvent{T}.Progress"/>. The head is polled every
    /// <see cref="ShardOptions.ListenPollInterval"/> on the shard's clock, and at once when this process commits. The
    /// reader's hold follows the listener (one below the upper it reported), written by the next heartbeat.
    /// </summary>
    public async IAsyncEnumerable<ShardEvent<T>> ListenAsync(long asOf, [EnumeratorCancellation] CancellationToken ct = default)
    {
        yield return new ShardEvent<T>.Snapshot(asOf, await SnapshotAsync(asOf, ct).ConfigureAwait(false));

        // Everything below `frontier` has been yielded. The loop ends when the shard is closed (upper long.MaxValue).
        var frontier = asOf + 1;
        while (frontier < long.MaxValue)
        {
            var advanced = _context.UpperAdvanced;
            var (upper, batch) = await ReadFromAsync(frontier, ct).ConfigureAwait(false);
            if (upper <= frontier)
            {
                await WaitForUpperAsync(advanced, ct).ConfigureAwait(false);
                continue;
            }

            if (batch.Count > 0)
            {
                yield return new ShardEvent<T>.Updates(frontier, upper, batch);
            }

            // Moved before the yield: code after it runs only when the consumer asks for the next event.
            frontier = upper;
            WantHold(frontier - 1);
            yield return new ShardEvent<T>.Progress(frontier);
        }
    }

    /// <summary>
    /// The consolidated updates at times in <c>[frontier, upper)</c>, in time order, where <c>upper</c> is the current
    /// upper (returned with them; nothing is read when it is not above <paramref name="frontier"/>). The since must not
    /// be above <paramref name="frontier"/>: compacted parts end at or below the since, so the parts that overlap
    /// <c>[frontier, upper)</c> were appended there and hold their original times. A listener's hold keeps it so; the
    /// upsert operator, which reads its output shard this way after losing a race, checks it.
    /// </summary>
    /// <exception cref="ShardFrontierException">The since is above <paramref name="frontier"/>: the updates there may have been compacted.</exception>
    internal async Task<(long Upper, List<Update<T>> Updates)> ReadFromAsync(long frontier, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ShardHead head;
        List<Update<T>> updates;
        using (Pin())
        {
            head = RequireLease(await _context.ReadHeadAsync("listen", ct).ConfigureAwait(false));
            var upper = head.State.Upper;
            if (upper <= frontier)
            {
                return (upper, []);
            }

            if (head.State.Since > frontier)
            {
                throw new ShardFrontierException(ShardId, frontier, head.State.Since, upper, "the updates from there on may have been compacted");
            }

            var overlapping = head.State.Parts.Where(p => p.Upper > frontier && p.Lower < upper);
            updates = await ReadPartsAsync(head, overlapping, ct).ConfigureAwait(false);
        }

        return (head.State.Upper, Consolidation.Consolidate(updates.Where(u => u.Time >= frontier && u.Time < head.State.Upper)));
    }

    /// <summary>Waits for the poll interval, or less if this process sees the upper advance first.</summary>
    private async Task WaitForUpperAsync(Task advanced, CancellationToken ct)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(_context.Options.ListenPollInterval, _context.Options.TimeProvider, poll.Token);
        await Task.WhenAny(advanced, delay).ConfigureAwait(false);
        await poll.CancelAsync().ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Asks the next heartbeat to move this reader's hold forward to <paramref name="hold"/> (never back).</summary>
    internal void WantHold(long hold)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _wantedHold)) < hold && Interlocked.CompareExchange(ref _wantedHold, hold, seen) != seen)
        {
        }
    }

    /// <summary>
    /// The heartbeat: pushes the expiry forward, moves the hold to what the listener wants, and moves the lease's entry
    /// up to the least one a read in progress pinned (or the head, when none is).
    /// </summary>
    private async Task RenewAsync(CancellationToken ct)
    {
        var expiry = _context.ExpiryMs;
        var wanted = Interlocked.Read(ref _wantedHold);
        var outcome = await _context.Store.TransitionAsync(
            "renew a reader lease",
            h =>
            {
                if (h.State.FindLease(_leaseId) is not { } lease)
                {
                    return Transition<ShardLease?>.Stop(null);
                }

                if (lease.ExpiresAtMs >= expiry && lease.Hold >= wanted)
                {
                    return Transition<ShardLease?>.Stop(lease);
                }

                // The pins are read after `h`: a read that pins later loads a head at or after h, which the new entry covers.
                var renewed = lease with
                {
                    ExpiresAtMs = Math.Max(expiry, lease.ExpiresAtMs),
                    Hold = Math.Max(lease.Hold!.Value, wanted),
                    SeqNo = Math.Max(lease.SeqNo, Math.Min(LeastPin() ?? h.SeqNo, h.SeqNo)),
                };
                return Transition<ShardLease?>.Write(ShardTransitions.WithLease(h.State, renewed, _context.Options.MaxLeases), renewed);
            },
            ct).ConfigureAwait(false);
        _context.Observe(outcome.Head);
        if (outcome.Result is { } held)
        {
            RaiseHold(held.Hold!.Value);
            Interlocked.Exchange(ref _leaseSeqNo, Math.Max(Interlocked.Read(ref _leaseSeqNo), held.SeqNo));
        }
        else
        {
            ShardLog.LeaseLost(_context.Logger, _leaseId, ReaderId, ShardId, "the heartbeat found it gone");
        }
    }

    private long? LeastPin()
    {
        lock (_lock)
        {
            return _pins.Count == 0 ? null : _pins.Min();
        }
    }
}
