namespace Bulwark.Shards;

public sealed partial class ShardWriter<T>
{
    /// <summary>
    /// Merges the parts whose intervals lie entirely below the since into one consolidated part (times advanced to the
    /// since, equal rows summed, zeros dropped), so the parts list stays bounded. The new part is written and made
    /// durable first; then one compare-and-set replaces the old parts by it. The old parts stay in blob storage until
    /// <see cref="Shard{T}.CollectGarbageAsync"/> finds that no lease can still read a state that references them.
    /// </summary>
    /// <returns>How many parts were replaced (0 when there was nothing to merge or a peer compacted them first).</returns>
    public async Task<int> CompactAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await CompactCoreAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> CompactCoreAsync(CancellationToken ct)
    {
        var budget = _context.Budget("compact");
        var head = _context.Observe(await _context.Store.ReadHeadAsync(budget, ct).ConfigureAwait(false));
        head = await EnsureLeaseAsync(head, ct).ConfigureAwait(false);
        var since = head.State.Since;
        var eligible = head.State.Parts.Where(p => p.Upper <= since).ToList();
        if (eligible.Count == 0 || (eligible.Count == 1 && eligible[0].MinTime >= since))
        {
            return 0;
        }

        // This writer's lease holds an entry at or below the head, so no part of the head is deleted while it reads.
        var updates = new List<Update<T>>();
        foreach (var old in eligible)
        {
            updates.AddRange(await _context.Parts.ReadAsync(old, ct).ConfigureAwait(false));
        }

        var merged = Consolidation.Consolidate(updates, since);
        ShardPart? part = null;
        if (merged.Count > 0)
        {
            var key = ShardNames.CompactedPartKey(ShardId, LeaseId, Interlocked.Increment(ref _attempt));
            part = await _context.Parts.WriteAsync(key, eligible.Min(p => p.Lower), eligible.Max(p => p.Upper), merged, ct).ConfigureAwait(false);
            _context.Metrics.PartsWritten.Add(1);
        }

        var replaced = eligible.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        if ((_context.Options.Deviations & ShardDeviation.CompactionDeletesBeforeCas) != 0)
        {
            foreach (var key in replaced)
            {
                await _context.Parts.DeleteAsync(key, ct).ConfigureAwait(false);
            }
        }

        TransitionOutcome<int> outcome;
        try
        {
            outcome = await _context.Store.TransitionAsync("compact", h => DecideCompaction(h, replaced, part, budget), ct, head, budget).ConfigureAwait(false);
        }
        catch (Exception) when (part is not null && !budget.MayHaveWritten)
        {
            await TryDeletePartAsync(part.Key).ConfigureAwait(false);
            throw;
        }

        _context.Observe(outcome.Head);
        if (part is not null && !outcome.Wrote && !budget.MayHaveWritten && !outcome.Head.State.References(part.Key))
        {
            // A peer compacted first and no attempt of ours can have landed: the part is in no state.
            await TryDeletePartAsync(part.Key).ConfigureAwait(false);
        }

        if (outcome.Wrote)
        {
            ShardLog.Compacted(_context.Logger, ShardId, replaced.Count, since, merged.Count, outcome.Head.SeqNo);
        }

        return outcome.Result;
    }

    private Transition<int> DecideCompaction(ShardHead head, IReadOnlySet<string> replaced, ShardPart? part, RetryBudget budget)
    {
        if (head.State.FindLease(LeaseId) is not { } lease)
        {
            throw new ShardLeaseLostException(ShardId, WriterId, LeaseId, replaced: head.State.FindWriterLease(WriterId) is not null);
        }

        if (part is not null && head.State.References(part.Key))
        {
            return Transition<int>.Stop(replaced.Count);
        }

        if (replaced.Any(key => !head.State.References(key)))
        {
            // Another compaction replaced some of them (or, for a batch that cancelled out, an unknown outcome of ours did).
            return Transition<int>.Stop(part is null && budget.MayHaveWritten && replaced.All(key => !head.State.References(key)) ? replaced.Count : 0);
        }

        // Once this commits, the writer is done with the parts it replaced (its lease need only cover the new entry),
        // and no compare-and-set of an earlier part number can land any more (this one passed the entries they expected).
        var renewed = lease with { SeqNo = head.SeqNo + 1, ExpiresAtMs = Math.Max(lease.ExpiresAtMs, _context.ExpiryMs), SettledAttempts = Volatile.Read(ref _attempt) };
        var next = ShardTransitions.WithLease(ShardTransitions.WithCompaction(head.State, replaced, part), renewed, _context.Options.MaxLeases);
        return Transition<int>.Write(next, replaced.Count);
    }
}
