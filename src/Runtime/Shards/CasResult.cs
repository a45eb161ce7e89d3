namespace Bulwark.Shards;

/// <summary>The two outcomes of <see cref="IConsensus.CompareAndSetAsync"/>.</summary>
public enum CasOutcome
{
    // No zero member: default(CasResult) must not read as a success.

    /// <summary>The entry was written and is the new head.</summary>
    Committed = 1,

    /// <summary>The head was not the expected one; nothing was written.</summary>
    Mismatch = 2,
}

/// <summary>
/// What a compare-and-set did: <see cref="Committed"/> (the entry is the new head) or <see cref="Mismatch"/> (nothing
/// was written; <see cref="HeadSeqNo"/> is the head found, null if the key is empty). The head reported with a
/// mismatch was current when the store checked it; it may have moved on by the time the caller reads it.
/// </summary>
public readonly record struct CasResult
{
    private CasResult(CasOutcome outcome, long? headSeqNo)
    {
        Outcome = outcome;
        HeadSeqNo = headSeqNo;
    }

    public CasOutcome Outcome { get; }

    /// <summary>Committed: the sequence number just written. Mismatch: the head found, or null for an empty key.</summary>
    public long? HeadSeqNo { get; }

    public bool IsCommitted => Outcome == CasOutcome.Committed;

    public bool IsMismatch => Outcome == CasOutcome.Mismatch;

    public static CasResult Committed(long seqNo) => new(CasOutcome.Committed, seqNo);

    public static CasResult Mismatch(long? currentHeadSeqNo) => new(CasOutcome.Mismatch, currentHeadSeqNo);

    public override string ToString() => Outcome switch
    {
        CasOutcome.Committed => $"Committed({HeadSeqNo})",
        CasOutcome.Mismatch => HeadSeqNo is { } head ? $"Mismatch(head {head})" : "Mismatch(empty key)",
        _ => "CasResult(none)",
    };
}
