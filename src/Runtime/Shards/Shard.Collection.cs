namespace Bulwark.Shards;

/// <summary>What <see cref="Shard{T}.CollectGarbageAsync"/> did.</summary>
/// <param name="DeletedParts">Part files deleted.</param>
/// <param name="KeptParts">Part files kept: referenced by a state some lease may read, or possibly about to be committed by a live writer.</param>
/// <param name="TruncatedBelow">Consensus entries below this sequence number were removed.</param>
public readonly record struct ShardGarbage(int DeletedParts, int KeptParts, long TruncatedBelow);

public sealed partial class Shard<T>
{
    /// <summary>Readings of the head a collection makes before a missing leased entry counts as damage.</summary>
    private const int MaxCollectionAttempts = 3;

    /// <summary>
    /// Deletes part files no lease can need, then truncates consensus below the oldest entry a lease holds. Steps:
    /// remove expired leases (a compare-and-set, so the removal is durable before anything depends on it); take the
    /// oldest entry any remaining lease holds; keep every part a state from that entry to the head references (a
    /// reader that loaded an older state than the head may still read the parts it dropped), and every part a live
    /// writer numbered above its lease's <see cref="ShardLease.SettledAttempts"/> (an append or compaction may be about
    /// to reference it; a writer whose lease is gone can no longer commit, so its parts are judged by references
    /// alone); delete the rest. A part dropped by
    /// compaction is therefore deleted only after the compare-and-set that dropped it is committed in consensus and
    /// every lease has moved past it; a part of a lost race or a crashed writer once its writer's lease is gone. Any
    /// failure to read a state stops the collection before it deletes anything.
    /// </summary>
    public async Task<ShardGarbage> CollectGarbageAsync(CancellationToken ct = default)
    {
        ShardHead head;
        long oldest;
        HashSet<string>? keep;
        var attempt = 0;
        while (true)
        {
            var now = _context.NowMs;
            var pruned = await _context.Store.TransitionAsync(
                "remove expired leases",
                h => h.State.Leases.Any(l => l.IsExpired(now))
                    ? Transition<bool>.Write(ShardTransitions.WithoutExpiredLeases(h.State, now), true)
                    : Transition<bool>.Stop(false),
                ct).ConfigureAwait(false);
            head = _context.Observe(pruned.Head);
            oldest = (_context.Options.Deviations & ShardDeviation.GcIgnoresLeases) != 0
                ? head.SeqNo
                : ShardTransitions.OldestLeasedSeqNo(head.State, head.SeqNo);
            keep = await ReferencedSinceAsync(oldest, head, ct).ConfigureAwait(false);
            if (keep is not null)
            {
                break;
            }

            // A collection by another process removed the lease (expired by its clock, or given back) and truncated
            // after this head was read: start again from the newer head. A gap the head still holds a lease on is
            // damage, not a race, and stops the collection before it deletes anything.
            if (++attempt == MaxCollectionAttempts)
            {
                throw new ShardException(ShardId, $"Shard '{ShardId}': consensus entry {oldest} or one after it is missing though a lease holds it; garbage collection deleted nothing.");
            }
        }

        var ignoreLeases = (_context.Options.Deviations & ShardDeviation.GcIgnoresLeases) != 0;
        Dictionary<Guid, long> liveWriters = ignoreLeases
            ? []
            : head.State.Leases.Where(l => l.Kind == LeaseKind.Writer).ToDictionary(l => l.LeaseId, l => l.SettledAttempts);

        IReadOnlyList<Storage.StorageEntry> files;
        try
        {
            files = await _context.Parts.Blob.ListAsync(ShardNames.PartsDirectory(ShardId), ct).ConfigureAwait(false);
        }
        catch (DirectoryNotFoundException)
        {
            files = [];
        }

        var deleted = 0;
        var kept = 0;
        foreach (var file in files.Where(f => !f.IsDirectory))
        {
            if (ShardNames.ParsePart(file.Name) is not { } part)
            {
                ShardLog.ForeignFile(_context.Logger, ShardId, file.Path);
                continue;
            }

            var mayBeInFlight = liveWriters.TryGetValue(part.Lease, out var settled) && part.Attempt > settled;
            if (keep.Contains(file.Path) || mayBeInFlight)
            {
                kept++;
                continue;
            }

            await _context.Parts.Blob.DeleteAsync(file.Path, ct).ConfigureAwait(false);
            deleted++;
        }

        if (deleted > 0)
        {
            await _context.Parts.Blob.SyncDirectoryAsync(ShardNames.PartsDirectory(ShardId), ct).ConfigureAwait(false);
            _context.Metrics.PartsDeleted.Add(deleted);
        }

        await TruncateAsync(oldest, ct).ConfigureAwait(false);
        ShardLog.Collected(_context.Logger, ShardId, deleted, oldest);
        return new ShardGarbage(deleted, kept, oldest);
    }

    /// <summary>
    /// The parts referenced by every state from <paramref name="fromSeqNo"/> to the head; null when an entry in that
    /// range is gone (a gap would hide parts a lease may read, so nothing may be deleted from this reading).
    /// </summary>
    private async Task<HashSet<string>?> ReferencedSinceAsync(long fromSeqNo, ShardHead head, CancellationToken ct)
    {
        var keep = head.State.Parts.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var expected = fromSeqNo;
        foreach (var state in await _context.Store.ScanAllAsync(fromSeqNo, _context.Budget("read the leased states"), ct).ConfigureAwait(false))
        {
            if (state.SeqNo != expected)
            {
                return null;
            }

            keep.UnionWith(state.State.Parts.Select(p => p.Key));
            expected++;
        }

        if (expected <= head.SeqNo)
        {
            throw new ShardException(ShardId, $"Shard '{ShardId}': consensus entries {expected} to {head.SeqNo} could not be read; garbage collection deleted nothing.");
        }

        return keep;
    }

    private async Task TruncateAsync(long belowSeqNo, CancellationToken ct)
    {
        var budget = _context.Budget("truncate consensus");
        while (true)
        {
            try
            {
                // Truncation is idempotent, so an unknown outcome is simply tried again.
                await _context.Store.Consensus.TruncateAsync(_context.Store.Key, belowSeqNo, ct).ConfigureAwait(false);
                return;
            }
            catch (ConsensusException e) when (e.IsTransient)
            {
                await budget.FailedAsync(e, ct).ConfigureAwait(false);
            }
        }
    }
}
