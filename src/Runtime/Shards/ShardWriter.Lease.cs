namespace Bulwark.Shards;

public sealed partial class ShardWriter<T>
{
    /// <summary>One read of the head and this writer's lease in it (see <see cref="ShardContext{T}.ProbeLeaseAsync"/>).</summary>
    internal Task<(ShardHead Head, ShardLease? Lease)> ProbeLeaseAsync(CancellationToken ct) => _context.ProbeLeaseAsync(LeaseId, ct);

    internal ShardOptions Options => _context.Options;

    /// <summary>
    /// Takes a new writer lease, replacing any other lease of this writer id. A fresh lease id each time: a lease that
    /// is gone never comes back, which is what lets garbage collection delete the parts written under it.
    /// </summary>
    private async Task<ShardHead> TakeLeaseAsync(ShardHead? head, CancellationToken ct)
    {
        var leaseId = Guid.NewGuid();
        var now = _context.NowMs;
        var expiry = _context.ExpiryMs;
        var outcome = await _context.Store.TransitionAsync(
            "take a writer lease",
            h => h.State.FindLease(leaseId) is not null
                ? Transition<bool>.Stop(true)
                : Transition<bool>.Write(
                    ShardTransitions.WithLease(
                        ShardTransitions.WithoutExpiredLeases(h.State, now),
                        new ShardLease(WriterId, leaseId, LeaseKind.Writer, null, h.SeqNo, expiry, Volatile.Read(ref _attempt)),
                        _context.Options.MaxLeases),
                    true),
            ct,
            head).ConfigureAwait(false);
        LeaseId = leaseId;
        return _context.Observe(outcome.Head);
    }

    /// <summary>
    /// Makes sure this writer holds its lease before it writes a part: takes a new one if the old one expired and was
    /// removed, and refuses if another handle of the same writer id took over.
    /// </summary>
    private async Task<ShardHead> EnsureLeaseAsync(ShardHead head, CancellationToken ct)
    {
        if (head.State.FindLease(LeaseId) is not null)
        {
            return head;
        }

        if (head.State.FindWriterLease(WriterId) is not null)
        {
            ShardLog.LeaseLost(_context.Logger, LeaseId, WriterId, ShardId, "another handle opened with the same writer id");
            throw new ShardLeaseLostException(ShardId, WriterId, LeaseId, replaced: true);
        }

        ShardLog.LeaseLost(_context.Logger, LeaseId, WriterId, ShardId, "it expired and was removed; taking a new one");
        return await TakeLeaseAsync(head, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The heartbeat: pushes the lease's expiry forward and, when no append or compaction is running, its entry to the
    /// head, so an idle writer holds back no garbage collection (a running compaction may be reading an older state's
    /// parts, so its entry stays where it is).
    /// </summary>
    private async Task RenewAsync(CancellationToken ct)
    {
        var idle = await _gate.WaitAsync(0, ct).ConfigureAwait(false);
        try
        {
            var leaseId = LeaseId;
            var expiry = _context.ExpiryMs;
            var outcome = await _context.Store.TransitionAsync(
                "renew a writer lease",
                h => h.State.FindLease(leaseId) switch
                {
                    null => Transition<bool>.Stop(false),
                    { ExpiresAtMs: var at } when at >= expiry => Transition<bool>.Stop(true),
                    { } lease => Transition<bool>.Write(
                        ShardTransitions.WithLease(h.State, idle ? lease with { ExpiresAtMs = expiry, SeqNo = h.SeqNo + 1, SettledAttempts = Volatile.Read(ref _attempt) } : lease with { ExpiresAtMs = expiry }, _context.Options.MaxLeases),
                        true),
                },
                ct).ConfigureAwait(false);
            _context.Observe(outcome.Head);
            if (!outcome.Result)
            {
                // The next append takes a new lease (or reports that another handle took over).
                ShardLog.LeaseLost(_context.Logger, leaseId, WriterId, ShardId, "the heartbeat found it gone");
            }
        }
        finally
        {
            if (idle)
            {
                _gate.Release();
            }
        }
    }
}
