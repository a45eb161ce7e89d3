namespace Bulwark.Shards;

/// <summary>
/// A linearizable, per-key log of versioned entries: the store a shard's state machine lives in (DESIGN §7).
/// Each key holds entries with consecutive sequence numbers; the highest is the head. The first entry of a key is
/// <c>SeqNo 0</c>, written by a compare-and-set that expects <c>null</c> (an empty key); every later one is written
/// by a compare-and-set that expects the current head <c>S</c> and carries <c>S + 1</c>.
/// </summary>
/// <remarks>
/// <para>Implementations: <see cref="InMemoryConsensus"/>, <see cref="FileConsensus"/> (a local directory) and
/// <c>PostgresConsensus</c> (package Bulwark.Shards.PostgreSql).</para>
/// <para>Errors: arguments that break <see cref="ConsensusLimits"/> or the sequence-number rule throw
/// <see cref="ArgumentException"/> naming the parameter. A call that definitely took no effect throws
/// <see cref="ConsensusException"/> (or <see cref="OperationCanceledException"/>). A call that may or may not have
/// taken effect throws <see cref="IndeterminateConsensusException"/>: the caller must find out by reading, e.g. by
/// retrying with the same idempotency token recorded in its data.</para>
/// <para>A key, once written, is never empty again: truncation never removes the head.</para>
/// </remarks>
public interface IConsensus
{
    /// <summary>The entry with the highest sequence number, or null if the key has never been written.</summary>
    Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default);

    /// <summary>
    /// Appends <paramref name="next"/> if and only if the head of <paramref name="key"/> is
    /// <paramref name="expectedSeqNo"/> (null: the key is empty). <c>next.SeqNo</c> must be
    /// <c>expectedSeqNo + 1</c>, or 0 when <paramref name="expectedSeqNo"/> is null.
    /// </summary>
    /// <returns><see cref="CasResult.Committed"/>, or a <see cref="CasResult.Mismatch"/> carrying the head's sequence number.</returns>
    /// <exception cref="IndeterminateConsensusException">The entry may or may not have been written.</exception>
    [MustCheckResult]
    Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default);

    /// <summary>Up to <paramref name="limit"/> entries with <c>SeqNo &gt;= fromSeqNo</c>, in ascending order.</summary>
    IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, CancellationToken ct = default);

    /// <summary>
    /// Removes the entries with <c>SeqNo &lt; belowSeqNo</c>, except the head, which is never removed (a
    /// <paramref name="belowSeqNo"/> above the head removes everything below the head).
    /// </summary>
    /// <returns>How many entries were removed.</returns>
    Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default);
}
