namespace Bulwark.Shards;

/// <summary>
/// A shard's state machine as one consensus entry holds it (DESIGN §7): the frontiers, the parts that hold its updates,
/// each writer's most recent idempotency token, and the leases of live writers and readers. States are immutable; a
/// change is a new state compare-and-set at the next sequence number. <see cref="ShardStateCodec"/> encodes them.
/// </summary>
/// <param name="ShardId">The shard this state belongs to (checked against the key it was read from).</param>
/// <param name="RecordSchema">The record type's table name and Arrow schema, so a shard is never read as another type.</param>
/// <param name="Upper">Every update at a time below it is final.</param>
/// <param name="Since">Updates at times below it may have been advanced to it (compacted). <c>Since &lt;= Upper</c>.</param>
/// <param name="Parts">The parts, ordered by <see cref="ShardPart.Lower"/>, their intervals disjoint.</param>
/// <param name="Writers">One registration per writer id that has appended.</param>
/// <param name="Leases">The leases not yet removed (some may have expired).</param>
public sealed record ShardState(
    string ShardId,
    string RecordSchema,
    long Upper,
    long Since,
    IReadOnlyList<ShardPart> Parts,
    IReadOnlyList<WriterRegistration> Writers,
    IReadOnlyList<ShardLease> Leases)
{
    /// <summary>The state a new shard starts with: empty, both frontiers at 0.</summary>
    public static ShardState Initial(string shardId, string recordSchema) => new(shardId, recordSchema, 0, 0, [], [], []);

    public WriterRegistration? FindWriter(string writerId) => Writers.FirstOrDefault(w => w.WriterId == writerId);

    public ShardLease? FindLease(Guid leaseId) => Leases.FirstOrDefault(l => l.LeaseId == leaseId);

    /// <summary>The writer lease currently held for <paramref name="writerId"/>, if any (there is at most one).</summary>
    public ShardLease? FindWriterLease(string writerId) => Leases.FirstOrDefault(l => l.Kind == LeaseKind.Writer && l.HolderId == writerId);

    public bool References(string partKey) => Parts.Any(p => p.Key == partKey);
}

/// <summary>
/// One Parquet part in blob storage: its updates have times in <c>[MinTime, MaxTime]</c>; it was appended for the
/// interval <c>[Lower, Upper)</c> (a compacted part covers the union of the intervals it replaced, and its times were
/// advanced to the since it was compacted at, so they may lie at or above its <see cref="Upper"/>).
/// </summary>
public sealed record ShardPart(string Key, long Lower, long Upper, long MinTime, long MaxTime, long Rows, long Bytes, uint Crc32C);

/// <summary>
/// A writer's most recent committed append: the idempotency token, the upper it produced, the part it added (null
/// for an empty batch), the lease it held and the sequence number it was committed at.
/// </summary>
public sealed record WriterRegistration(string WriterId, Guid LeaseId, Guid Token, long Upper, string? PartKey, long SeqNo);

/// <summary>Who holds a lease.</summary>
public enum LeaseKind : byte
{
    Writer = 1,
    Reader = 2,
}

/// <summary>
/// A lease: its holder may read any state at sequence number <see cref="SeqNo"/> or later, so no part those states
/// reference is deleted while it lives. A reader's lease also holds <see cref="Hold"/>: the shard's since never passes
/// it. Leases expire at <see cref="ExpiresAtMs"/> (Unix milliseconds) unless renewed by a heartbeat. A writer numbers
/// the parts it writes under its lease; <see cref="SettledAttempts"/> is the highest number whose compare-and-sets can
/// no longer land (the head has moved past every entry they expected), so only parts numbered above it may be about to
/// be committed, and garbage collection judges the others by the states that reference them alone.
/// </summary>
public sealed record ShardLease(string HolderId, Guid LeaseId, LeaseKind Kind, long? Hold, long SeqNo, long ExpiresAtMs, long SettledAttempts = 0)
{
    public bool IsExpired(long nowMs) => ExpiresAtMs <= nowMs;
}
