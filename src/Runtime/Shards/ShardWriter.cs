using Bulwark.Records;

namespace Bulwark.Shards;

/// <summary>
/// Appends to a shard under a writer lease (see <see cref="Shard{T}.OpenWriterAsync"/>). Appends of one writer run one
/// at a time; dispose it to stop its heartbeat and give its lease back.
/// </summary>
public sealed partial class ShardWriter<T> : IAsyncDisposable
    where T : IArrowRecord<T>
{
    private readonly ShardContext<T> _context;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _leaseLock = new();
    private LeaseHeartbeat? _heartbeat;
    private Guid _leaseId;
    private int _attempt;
    private bool _disposed;

    private ShardWriter(ShardContext<T> context, string writerId)
    {
        _context = context;
        WriterId = writerId;
    }

    public string WriterId { get; }

    public string ShardId => _context.ShardId;

    /// <summary>The lease this writer holds (a new one after its old lease expired and an append took another).</summary>
    public Guid LeaseId
    {
        get
        {
            // A Guid is not written atomically; the heartbeat reads it while an append may replace it.
            lock (_leaseLock)
            {
                return _leaseId;
            }
        }

        private set
        {
            lock (_leaseLock)
            {
                _leaseId = value;
            }
        }
    }

    internal static async Task<ShardWriter<T>> OpenAsync(ShardContext<T> context, string writerId, CancellationToken ct)
    {
        var writer = new ShardWriter<T>(context, writerId);
        await writer.TakeLeaseAsync(head: null, ct).ConfigureAwait(false);
        writer._heartbeat = new LeaseHeartbeat(context.Options, context.Logger, context.ShardId, writerId, () => writer.LeaseId, writer.RenewAsync);
        return writer;
    }

    /// <summary>
    /// Appends <paramref name="updates"/> as the interval <c>[expectedUpper, newUpper)</c> if and only if the shard's
    /// upper is <paramref name="expectedUpper"/>; on success the upper becomes <paramref name="newUpper"/>. The updates
    /// are written as a Parquet part first, then the new state is compare-and-set; a part that ends up in no state is
    /// deleted. Retrying with the same <paramref name="idempotencyToken"/> after any failure is safe: if the batch is
    /// already in the shard the answer is <see cref="AppendOutcome.AlreadyCommitted"/> and nothing is appended twice.
    /// </summary>
    /// <returns>
    /// <see cref="AppendOutcome.Committed"/>; <see cref="AppendOutcome.AlreadyCommitted"/> when this writer's state
    /// records the token; otherwise <see cref="AppendOutcome.UpperMismatch"/> with the upper found.
    /// </returns>
    /// <exception cref="ArgumentException">The bounds are not increasing, a time lies outside them, or a row is null.</exception>
    /// <exception cref="ShardUnavailableException">Consensus kept failing; <see cref="ShardUnavailableException.OutcomeUnknown"/> says whether the batch may be in.</exception>
    /// <exception cref="ShardLeaseLostException">The writer was fenced off by another handle with its id, or its lease expired during the append.</exception>
    [MustCheckResult]
    public async Task<AppendResult> CompareAndAppendAsync(IReadOnlyCollection<Update<T>> updates, long expectedUpper, long newUpper, Guid idempotencyToken, CancellationToken ct = default)
    {
        Validate(updates, expectedUpper, newUpper, idempotencyToken);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var result = await AppendAsync(Consolidation.Consolidate(updates), expectedUpper, newUpper, idempotencyToken, ct).ConfigureAwait(false);
            _context.Metrics.Appended(result);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_heartbeat is not null)
            {
                await _heartbeat.DisposeAsync().ConfigureAwait(false);
            }

            // The registration stays: a new handle of this writer that retries a token must still find it.
            await ReleaseLeaseAsync(_context, LeaseId, WriterId).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Gives a lease back; on failure it is left to expire (a lease that outlives its holder only delays GC).</summary>
    internal static async Task ReleaseLeaseAsync(ShardContext<T> context, Guid leaseId, string holderId)
    {
        try
        {
            var outcome = await context.Store.TransitionAsync(
                "release a lease",
                head => head.State.FindLease(leaseId) is null
                    ? Transition<bool>.Stop(false)
                    : Transition<bool>.Write(ShardTransitions.WithoutLease(head.State, leaseId), true),
                CancellationToken.None).ConfigureAwait(false);
            context.Observe(outcome.Head);
        }
        catch (ShardException e)
        {
            ShardLog.HeartbeatFailed(context.Logger, e, leaseId, holderId, context.ShardId);
        }
    }

    private async Task<AppendResult> AppendAsync(List<Update<T>> updates, long expectedUpper, long newUpper, Guid token, CancellationToken ct)
    {
        var budget = _context.Budget("append");
        var head = _context.Observe(await _context.Store.ReadHeadAsync(budget, ct).ConfigureAwait(false));

        // Nothing of this call has been tried yet, so the head alone may answer it, before any part is written.
        if (head.State.FindWriter(WriterId)?.Token == token && (_context.Options.Deviations & ShardDeviation.AppendIgnoresToken) == 0)
        {
            return Report(AppendResult.AlreadyCommitted(head.State.Upper), expectedUpper);
        }

        if (head.State.Upper != expectedUpper)
        {
            return Report(AppendResult.UpperMismatch(head.State.Upper), expectedUpper);
        }

        head = await EnsureLeaseAsync(head, ct).ConfigureAwait(false);
        ShardPart? part = null;
        if (updates.Count > 0)
        {
            var key = ShardNames.AppendPartKey(ShardId, LeaseId, token, Interlocked.Increment(ref _attempt));
            part = await _context.Parts.WriteAsync(key, expectedUpper, newUpper, updates, ct).ConfigureAwait(false);
            _context.Metrics.PartsWritten.Add(1);
        }

        TransitionOutcome<AppendResult> outcome;
        try
        {
            outcome = await _context.Store.TransitionAsync("append", h => Decide(h, part, expectedUpper, newUpper, token, budget), ct, head, budget).ConfigureAwait(false);
        }
        catch (Exception) when (part is not null && !budget.MayHaveWritten)
        {
            // No compare-and-set of this append can have taken effect, so no state references the part.
            await TryDeletePartAsync(part.Key).ConfigureAwait(false);
            throw;
        }

        _context.Observe(outcome.Head);
        if (part is not null && !outcome.Wrote && !(outcome.Result.IsAlreadyCommitted && outcome.Head.State.FindWriter(WriterId)?.PartKey == part.Key))
        {
            // Decide stops only when the head proves this attempt never committed (see its comments), so the part is
            // in no state and nobody can read it: delete it now rather than leave it to garbage collection.
            await TryDeletePartAsync(part.Key).ConfigureAwait(false);
        }

        if (outcome.Wrote)
        {
            ShardLog.Appended(_context.Logger, WriterId, updates.Count, ShardId, expectedUpper, newUpper, outcome.Head.SeqNo);
        }

        return Report(outcome.Result, expectedUpper);
    }

    /// <summary>
    /// Decides the append against a head. The order matters: the token first (the batch may be in already), then the
    /// lease (without it this attempt may not commit, and the registration may not tell its whole story), then the upper.
    /// </summary>
    private Transition<AppendResult> Decide(ShardHead head, ShardPart? part, long expectedUpper, long newUpper, Guid token, RetryBudget budget)
    {
        var state = head.State;
        var registration = state.FindWriter(WriterId);
        if (registration?.Token == token && (_context.Options.Deviations & ShardDeviation.AppendIgnoresToken) == 0)
        {
            return Transition<AppendResult>.Stop(AppendResult.AlreadyCommitted(state.Upper));
        }

        if (state.FindLease(LeaseId) is not { } lease)
        {
            // Every state this writer's lease was in holds all of its commits; once the lease is gone, another handle
            // may have registered a newer token, so a missing token proves nothing unless no attempt could have landed.
            var knownNotIn = !budget.MayHaveWritten || registration?.LeaseId == LeaseId;
            throw new ShardLeaseLostException(ShardId, WriterId, LeaseId, replaced: state.FindWriterLease(WriterId) is not null, outcomeUnknown: !knownNotIn);
        }

        // The lease is here, so no other handle of this writer has committed since it was taken: the registration is
        // this handle's latest commit, and a token not in it was not committed.
        if (state.Upper != expectedUpper)
        {
            return Transition<AppendResult>.Stop(AppendResult.UpperMismatch(state.Upper));
        }

        var registered = new WriterRegistration(WriterId, LeaseId, token, newUpper, part?.Key, head.SeqNo + 1);
        // An append reads no parts, so the lease need only cover the entry it writes; once it commits, no
        // compare-and-set of this or an earlier part number can land any more (it passed the entries they expected).
        var renewed = lease with { SeqNo = head.SeqNo + 1, ExpiresAtMs = Math.Max(lease.ExpiresAtMs, _context.ExpiryMs), SettledAttempts = Volatile.Read(ref _attempt) };
        var next = ShardTransitions.WithAppend(state, newUpper, part, registered, renewed, _context.Options.MaxWriterRegistrations);
        return Transition<AppendResult>.Write(next, AppendResult.Committed(newUpper));
    }

    private AppendResult Report(AppendResult result, long expectedUpper)
    {
        if (!result.IsCommitted)
        {
            ShardLog.AppendNotCommitted(_context.Logger, WriterId, ShardId, result, expectedUpper);
        }

        return result;
    }

    private async Task TryDeletePartAsync(string key)
    {
        try
        {
            await _context.Parts.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            _context.Metrics.PartsDeleted.Add(1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ShardLog.PartNotDeleted(_context.Logger, e, key, ShardId);
        }
    }

    private void Validate(IReadOnlyCollection<Update<T>> updates, long expectedUpper, long newUpper, Guid token)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedUpper);
        if (newUpper <= expectedUpper)
        {
            throw new ArgumentException($"The new upper {newUpper} must be above the expected upper {expectedUpper}.", nameof(newUpper));
        }

        if (token == Guid.Empty)
        {
            throw new ArgumentException("The idempotency token must not be empty.", nameof(token));
        }

        foreach (var update in updates)
        {
            if (update.Row is null)
            {
                throw new ArgumentException("An update's row must not be null.", nameof(updates));
            }

            if (update.Time < expectedUpper || update.Time >= newUpper)
            {
                throw new ArgumentException($"An update at time {update.Time} lies outside the appended interval [{expectedUpper}, {newUpper}).", nameof(updates));
            }
        }
    }
}
