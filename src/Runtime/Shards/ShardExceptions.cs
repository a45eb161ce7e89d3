namespace Bulwark.Shards;

/// <summary>The base of every error a shard raises on purpose; the message names the shard and what was refused.</summary>
public class ShardException : Exception
{
    public ShardException(string shardId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ShardId = shardId;
    }

    public string ShardId { get; }
}

/// <summary>
/// A consensus entry of a shard is not a valid shard state: a wrong magic or format version, a bad checksum, a
/// truncated or oversized field, or values that break the state's invariants. Nothing is guessed from such bytes.
/// </summary>
public sealed class ShardStateException : ShardException
{
    public ShardStateException(string shardId, string key, long seqNo, string reason)
        : base(shardId, $"Shard '{shardId}': consensus entry {seqNo} of key '{key}' is not a valid shard state: {reason}.")
    {
        Key = key;
        SeqNo = seqNo;
        Reason = reason;
    }

    /// <summary>The consensus key the entry was read from.</summary>
    public string Key { get; }

    /// <summary>The entry's sequence number.</summary>
    public long SeqNo { get; }

    public string Reason { get; }
}

/// <summary>A read asked for a time the shard cannot answer for: not in <c>[Since, Upper)</c>.</summary>
public sealed class ShardFrontierException : ShardException
{
    public ShardFrontierException(string shardId, long asOf, long since, long upper, string? detail = null)
        : base(shardId, $"Shard '{shardId}' cannot be read as of {asOf}: only times in [since {since}, upper {upper}) can be{(detail is null ? string.Empty : "; " + detail)}.")
    {
        AsOf = asOf;
        Since = since;
        Upper = upper;
    }

    public long AsOf { get; }

    public long Since { get; }

    public long Upper { get; }
}

/// <summary>
/// The consensus store kept failing: <see cref="Attempts"/> calls in a row failed or had unknown outcomes. When an
/// append was under way, <see cref="OutcomeUnknown"/> says whether its batch may be in the shard; retrying with the
/// same idempotency token finds out (it reports <see cref="AppendOutcome.AlreadyCommitted"/> if it is).
/// </summary>
public sealed class ShardUnavailableException : ShardException
{
    public ShardUnavailableException(string shardId, string operation, int attempts, bool outcomeUnknown, Exception innerException)
        : base(shardId, $"Shard '{shardId}': {operation} gave up after {attempts} failed consensus calls{(outcomeUnknown ? "; whether it took effect is unknown, retry with the same idempotency token to find out" : "; it took no effect")}: {innerException.Message}", innerException)
    {
        Operation = operation;
        Attempts = attempts;
        OutcomeUnknown = outcomeUnknown;
    }

    public string Operation { get; }

    public int Attempts { get; }

    /// <summary>True when a compare-and-set of this operation may have taken effect.</summary>
    public bool OutcomeUnknown { get; }
}

/// <summary>
/// A writer's or reader's lease is gone from the shard state: it expired and was removed, or another handle opened
/// with the same id and replaced it. A writer whose lease is gone may not append (that is what lets garbage collection
/// delete the parts of a dead writer); <see cref="OutcomeUnknown"/> says whether the interrupted append may be in the
/// shard. Opening the writer or reader again takes a new lease.
/// </summary>
public sealed class ShardLeaseLostException : ShardException
{
    public ShardLeaseLostException(string shardId, string holderId, Guid leaseId, bool replaced, bool outcomeUnknown = false)
        : base(shardId, $"Shard '{shardId}': the lease {leaseId} of '{holderId}' is gone ({(replaced ? "another handle opened with the same id" : "it expired and was removed")}){(outcomeUnknown ? "; whether the interrupted append took effect is unknown, retry with the same idempotency token on a new writer to find out" : string.Empty)}.")
    {
        HolderId = holderId;
        LeaseId = leaseId;
        Replaced = replaced;
        OutcomeUnknown = outcomeUnknown;
    }

    public string HolderId { get; }

    public Guid LeaseId { get; }

    /// <summary>True if another handle took the id over; false if the lease expired.</summary>
    public bool Replaced { get; }

    public bool OutcomeUnknown { get; }
}

/// <summary>A part the shard state references is missing, or its bytes do not match the length and CRC32C the state recorded.</summary>
public sealed class ShardPartException : ShardException
{
    public ShardPartException(string shardId, string partKey, string reason, Exception? innerException = null)
        : base(shardId, $"Shard '{shardId}': part '{partKey}' {reason}.", innerException)
    {
        PartKey = partKey;
    }

    public string PartKey { get; }
}
