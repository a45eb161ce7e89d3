namespace Bulwark.Shards;

/// <summary>The pure state changes the shard's operations are made of; each returns a new state and leaves its input alone.</summary>
internal static class ShardTransitions
{
    /// <summary>Drops the leases that expired by <paramref name="nowMs"/> (by the caller's clock: a lease is only as live as its holder's heartbeats).</summary>
    public static ShardState WithoutExpiredLeases(ShardState state, long nowMs) =>
        state.Leases.Any(l => l.IsExpired(nowMs)) ? state with { Leases = state.Leases.Where(l => !l.IsExpired(nowMs)).ToArray() } : state;

    /// <summary>
    /// Adds <paramref name="lease"/>, or replaces the lease with its id. A writer lease also replaces any other lease
    /// of the same writer id: the newest handle of a writer wins and the older one is fenced off.
    /// </summary>
    public static ShardState WithLease(ShardState state, ShardLease lease, int maxLeases)
    {
        var leases = state.Leases
            .Where(l => l.LeaseId != lease.LeaseId && !(lease.Kind == LeaseKind.Writer && l.Kind == LeaseKind.Writer && l.HolderId == lease.HolderId))
            .Append(lease)
            .ToArray();
        if (leases.Length > maxLeases)
        {
            throw new ShardException(state.ShardId, $"Shard '{state.ShardId}' already has {maxLeases} leases (ShardOptions.MaxLeases); close unused writers and readers or let their leases expire.");
        }

        return state with { Leases = leases };
    }

    public static ShardState WithoutLease(ShardState state, Guid leaseId) =>
        state with { Leases = state.Leases.Where(l => l.LeaseId != leaseId).ToArray() };

    /// <summary>
    /// The append itself: the new upper, the part (if the batch had rows), the writer's registration with its token,
    /// and its lease renewed. Registrations beyond <paramref name="maxWriters"/> are dropped, oldest first, among
    /// writers that hold no lease (a leased writer's registration is what makes its retries exact).
    /// </summary>
    public static ShardState WithAppend(ShardState state, long newUpper, ShardPart? part, WriterRegistration registration, ShardLease renewed, int maxWriters)
    {
        var writers = state.Writers.Where(w => w.WriterId != registration.WriterId).Append(registration).ToList();
        if (writers.Count > maxWriters)
        {
            var leased = state.Leases.Where(l => l.Kind == LeaseKind.Writer).Select(l => l.HolderId).ToHashSet(StringComparer.Ordinal);
            var droppable = writers.Where(w => !leased.Contains(w.WriterId) && w != registration).OrderBy(w => w.SeqNo).Take(writers.Count - maxWriters).ToHashSet();
            writers.RemoveAll(droppable.Contains);
        }

        return state with
        {
            Upper = newUpper,
            Parts = part is null ? state.Parts : state.Parts.Append(part).ToArray(),
            Writers = writers,
            Leases = state.Leases.Select(l => l.LeaseId == renewed.LeaseId ? renewed : l).ToArray(),
        };
    }

    /// <summary>The highest since the leases allow right now: the least reader hold, and never past the upper.</summary>
    public static long SinceLimit(ShardState state) =>
        state.Leases.Where(l => l.Kind == LeaseKind.Reader).Select(l => l.Hold!.Value).Append(state.Upper).Min();

    /// <summary>The oldest state any lease may still read: garbage collection keeps what states from here on reference.</summary>
    public static long OldestLeasedSeqNo(ShardState state, long headSeqNo) =>
        state.Leases.Select(l => l.SeqNo).Append(headSeqNo).Min();

    /// <summary>Replaces the parts named in <paramref name="replaced"/> by <paramref name="compacted"/> (null when they cancelled out).</summary>
    public static ShardState WithCompaction(ShardState state, IReadOnlySet<string> replaced, ShardPart? compacted)
    {
        var parts = state.Parts.Where(p => !replaced.Contains(p.Key)).ToList();
        if (compacted is not null)
        {
            parts.Add(compacted);
            parts.Sort(static (a, b) => a.Lower.CompareTo(b.Lower));
        }

        return state with { Parts = parts };
    }
}
