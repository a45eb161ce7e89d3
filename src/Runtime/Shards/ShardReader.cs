using Bulwark.Records;

namespace Bulwark.Shards;

/// <summary>
/// Reads a shard under a reader lease (see <see cref="Shard{T}.OpenReaderAsync"/>). The lease holds the since at or
/// below <see cref="Hold"/>, and no part of a state the reader may be reading is deleted while it lives. A heartbeat
/// renews it; dispose the reader to give it back.
/// </summary>
public sealed partial class ShardReader<T> : IAsyncDisposable
    where T : IArrowRecord<T>
{
    private readonly ShardContext<T> _context;
    private readonly Guid _leaseId = Guid.NewGuid();
    private readonly Lock _lock = new();

    // Entries that reads in progress pinned: the heartbeat never moves the lease's entry past the least of them.
    private readonly List<long> _pins = [];
    private LeaseHeartbeat? _heartbeat;
    private long _hold;
    private long _wantedHold;
    private long _leaseSeqNo;
    private int _disposed;

    private ShardReader(ShardContext<T> context, string readerId)
    {
        _context = context;
        ReaderId = readerId;
    }

    public string ReaderId { get; }

    public string ShardId => _context.ShardId;

    public Guid LeaseId => _leaseId;

    /// <summary>The time this reader's lease holds the since at or below (as last written to consensus).</summary>
    public long Hold => Interlocked.Read(ref _hold);

    internal static async Task<ShardReader<T>> OpenAsync(ShardContext<T> context, string readerId, long? hold, CancellationToken ct)
    {
        var reader = new ShardReader<T>(context, readerId);
        var now = context.NowMs;
        var expiry = context.ExpiryMs;
        var outcome = await context.Store.TransitionAsync(
            "take a reader lease",
            h =>
            {
                if (h.State.FindLease(reader._leaseId) is { } taken)
                {
                    return Transition<ShardLease>.Stop(taken);
                }

                var position = hold ?? h.State.Since;
                if (position < h.State.Since)
                {
                    throw new ShardFrontierException(context.ShardId, position, h.State.Since, h.State.Upper, "the since has already passed it");
                }

                var lease = new ShardLease(readerId, reader._leaseId, LeaseKind.Reader, position, h.SeqNo, expiry);
                var state = ShardTransitions.WithoutExpiredLeases(h.State, now);
                return Transition<ShardLease>.Write(ShardTransitions.WithLease(state, lease, context.Options.MaxLeases), lease);
            },
            ct).ConfigureAwait(false);
        context.Observe(outcome.Head);
        reader._hold = reader._wantedHold = outcome.Result.Hold!.Value;
        reader._leaseSeqNo = outcome.Result.SeqNo;
        reader._heartbeat = new LeaseHeartbeat(context.Options, context.Logger, context.ShardId, readerId, () => reader._leaseId, reader.RenewAsync);
        return reader;
    }

    /// <summary>
    /// The collection as of <paramref name="asOf"/>: every update at a time at or below it, times below the since
    /// advanced to the since, consolidated, ordered by time (see <see cref="Shard{T}.SnapshotAsync"/>).
    /// </summary>
    /// <exception cref="ShardFrontierException"><paramref name="asOf"/> is below this reader's hold or at or above the upper.</exception>
    /// <exception cref="ShardLeaseLostException">The lease expired and was removed: parts the read needs may be gone.</exception>
    public async Task<IReadOnlyList<Update<T>>> SnapshotAsync(long asOf, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var pin = Pin();
        var head = await _context.ReadHeadAsync("snapshot", ct).ConfigureAwait(false);
        var state = RequireLease(head).State;
        if (asOf < Hold || asOf < state.Since || asOf >= state.Upper)
        {
            throw new ShardFrontierException(ShardId, asOf, state.Since, state.Upper, asOf < Hold ? $"reader '{ReaderId}' holds the since only at or below {Hold}" : null);
        }

        var updates = await ReadPartsAsync(head, state.Parts, ct).ConfigureAwait(false);
        return Consolidation.Consolidate(updates.Where(u => u.Time <= asOf), state.Since);
    }

    /// <summary>
    /// Moves this reader's hold forward to <paramref name="hold"/>, letting the since advance that far. A hold never
    /// moves back; a smaller value changes nothing.
    /// </summary>
    public async Task DowngradeSinceAsync(long hold, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var outcome = await _context.Store.TransitionAsync(
            "move a reader's hold",
            h => RequireLease(h).State.FindLease(_leaseId) is { Hold: { } held } lease && held < hold
                ? Transition<long>.Write(ShardTransitions.WithLease(h.State, lease with { Hold = hold }, _context.Options.MaxLeases), hold)
                : Transition<long>.Stop(h.State.FindLease(_leaseId)!.Hold!.Value),
            ct).ConfigureAwait(false);
        _context.Observe(outcome.Head);
        RaiseHold(outcome.Result);
    }

    /// <summary>One read of the head and this reader's lease in it (see <see cref="ShardContext{T}.ProbeLeaseAsync"/>).</summary>
    internal Task<(ShardHead Head, ShardLease? Lease)> ProbeLeaseAsync(CancellationToken ct) => _context.ProbeLeaseAsync(_leaseId, ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_heartbeat is not null)
        {
            await _heartbeat.DisposeAsync().ConfigureAwait(false);
        }

        await ShardWriter<T>.ReleaseLeaseAsync(_context, _leaseId, ReaderId).ConfigureAwait(false);
    }

    /// <summary>Reads parts of <paramref name="head"/>; a missing part with the lease gone means the lease expired under the read.</summary>
    private async Task<List<Update<T>>> ReadPartsAsync(ShardHead head, IEnumerable<ShardPart> parts, CancellationToken ct)
    {
        var updates = new List<Update<T>>();
        foreach (var part in parts)
        {
            try
            {
                updates.AddRange(await _context.Parts.ReadAsync(part, ct).ConfigureAwait(false));
            }
            catch (ShardPartException e) when (e.InnerException is FileNotFoundException)
            {
                // Reading the head again either shows the lease gone (thrown as such) or the part is really lost.
                RequireLease(await _context.ReadHeadAsync("snapshot", ct).ConfigureAwait(false));
                throw;
            }
        }

        return updates;
    }

    private ShardHead RequireLease(ShardHead head)
    {
        if (head.State.FindLease(_leaseId) is null)
        {
            ShardLog.LeaseLost(_context.Logger, _leaseId, ReaderId, ShardId, "a read found it gone");
            throw new ShardLeaseLostException(ShardId, ReaderId, _leaseId, replaced: false);
        }

        return head;
    }

    /// <summary>Records that a read is about to load a state, so the heartbeat keeps the lease's entry at or below it.</summary>
    private PinHandle Pin()
    {
        lock (_lock)
        {
            var seqNo = Interlocked.Read(ref _leaseSeqNo);
            _pins.Add(seqNo);
            return new PinHandle(this, seqNo);
        }
    }

    private void Unpin(long seqNo)
    {
        lock (_lock)
        {
            _pins.Remove(seqNo);
        }
    }

    private void RaiseHold(long hold)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _hold)) < hold && Interlocked.CompareExchange(ref _hold, hold, seen) != seen)
        {
        }
    }

    private readonly struct PinHandle(ShardReader<T> reader, long seqNo) : IDisposable
    {
        public void Dispose() => reader.Unpin(seqNo);
    }
}
