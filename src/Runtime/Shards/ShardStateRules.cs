namespace Bulwark.Shards;

/// <summary>
/// The invariants every shard state keeps. The decoder checks them on every state it reads, and the shard checks
/// every state it is about to write, so a bug that would break one is refused before it reaches consensus.
/// </summary>
internal static class ShardStateRules
{
    /// <summary>The first broken invariant of <paramref name="state"/> read at <paramref name="seqNo"/>, or null.</summary>
    public static string? Check(ShardState state, string expectedShardId, long seqNo)
    {
        if (state.ShardId != expectedShardId)
        {
            return $"it belongs to shard '{state.ShardId}'";
        }

        if (state.Since < 0 || state.Upper < state.Since)
        {
            return $"its frontiers are out of order (since {state.Since}, upper {state.Upper})";
        }

        return CheckParts(state) ?? CheckWriters(state, seqNo) ?? CheckLeases(state, seqNo);
    }

    private static string? CheckParts(ShardState state)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        long previousUpper = 0;
        foreach (var part in state.Parts)
        {
            var name = $"part '{part.Key}'";
            if (!ShardNames.IsPartKeyOf(state.ShardId, part.Key))
            {
                return $"{name} is not a part file of this shard";
            }

            if (!keys.Add(part.Key))
            {
                return $"{name} is listed twice";
            }

            if (part.Lower < previousUpper || part.Lower >= part.Upper || part.Upper > state.Upper)
            {
                return $"{name} has the interval [{part.Lower}, {part.Upper}), which is empty, overlaps the previous part or passes the upper {state.Upper}";
            }

            // Appended times lie in [Lower, Upper); compaction advances them to a since, which may reach Upper but
            // never the shard's current since (since only grows).
            if (part.MinTime < part.Lower || part.MinTime > part.MaxTime || (part.MaxTime >= part.Upper && part.MaxTime > state.Since))
            {
                return $"{name} has times [{part.MinTime}, {part.MaxTime}] outside its interval [{part.Lower}, {part.Upper}) and the since {state.Since}";
            }

            if (part.Rows <= 0 || part.Bytes <= 0)
            {
                return $"{name} has {part.Rows} rows in {part.Bytes} bytes";
            }

            previousUpper = part.Upper;
        }

        return null;
    }

    private static string? CheckWriters(ShardState state, long seqNo)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var writer in state.Writers)
        {
            if (ShardNames.CheckHolderId(writer.WriterId) is { } reason)
            {
                return $"a writer id is refused: {reason}";
            }

            if (!ids.Add(writer.WriterId))
            {
                return $"writer '{writer.WriterId}' is registered twice";
            }

            if (writer.Token == Guid.Empty || writer.LeaseId == Guid.Empty)
            {
                return $"writer '{writer.WriterId}' has an empty token or lease id";
            }

            if (writer.Upper > state.Upper || writer.SeqNo < 0 || writer.SeqNo > seqNo)
            {
                return $"writer '{writer.WriterId}' records upper {writer.Upper} at entry {writer.SeqNo}, past the state's upper {state.Upper} or entry {seqNo}";
            }

            if (writer.PartKey is { } key && !ShardNames.IsPartKeyOf(state.ShardId, key))
            {
                return $"writer '{writer.WriterId}' records '{key}', which is not a part file of this shard";
            }
        }

        return null;
    }

    private static string? CheckLeases(ShardState state, long seqNo)
    {
        var ids = new HashSet<Guid>();
        var writers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lease in state.Leases)
        {
            if (ShardNames.CheckHolderId(lease.HolderId) is { } reason)
            {
                return $"a lease holder id is refused: {reason}";
            }

            if (lease.LeaseId == Guid.Empty || !ids.Add(lease.LeaseId))
            {
                return $"lease {lease.LeaseId} is empty or listed twice";
            }

            if (lease.SeqNo < 0 || lease.SeqNo > seqNo)
            {
                return $"lease {lease.LeaseId} holds entry {lease.SeqNo}, past this entry {seqNo}";
            }

            switch (lease.Kind)
            {
                case LeaseKind.Writer when lease.Hold is not null:
                    return $"writer lease {lease.LeaseId} holds a since";
                case LeaseKind.Writer when !writers.Add(lease.HolderId):
                    return $"writer '{lease.HolderId}' holds two leases";
                case LeaseKind.Reader when lease.Hold is not { } hold || hold < state.Since:
                    return $"reader lease {lease.LeaseId} holds {lease.Hold?.ToString() ?? "nothing"}, below the since {state.Since}";
                case LeaseKind.Writer or LeaseKind.Reader:
                    break;
                default:
                    return $"lease {lease.LeaseId} has the unknown kind {(int)lease.Kind}";
            }
        }

        return null;
    }
}
