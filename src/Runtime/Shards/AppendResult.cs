namespace Bulwark.Shards;

/// <summary>The three outcomes of <see cref="ShardWriter{T}.CompareAndAppendAsync"/>.</summary>
public enum AppendOutcome
{
    // No zero member: default(AppendResult) must not read as a success.

    /// <summary>This call appended the batch: the shard's upper is now the requested one.</summary>
    Committed = 1,

    /// <summary>
    /// The batch with this idempotency token was appended before — by an earlier call whose answer was lost, or by
    /// this call's own compare-and-set whose answer was lost. It is in the shard exactly once.
    /// </summary>
    AlreadyCommitted = 2,

    /// <summary>The shard's upper was not the expected one; nothing was appended. <see cref="AppendResult.CurrentUpper"/> is the upper found.</summary>
    UpperMismatch = 3,
}

/// <summary>
/// What a compare-and-append did, with the shard's upper as the writer last saw it. A writer that gets
/// <see cref="AppendOutcome.UpperMismatch"/> lost the race to a peer (or is behind): it must continue from
/// <see cref="CurrentUpper"/>, never from its own older expectation.
/// </summary>
public readonly record struct AppendResult
{
    private AppendResult(AppendOutcome outcome, long currentUpper)
    {
        Outcome = outcome;
        CurrentUpper = currentUpper;
    }

    public AppendOutcome Outcome { get; }

    /// <summary>
    /// The shard's upper: the new upper for <see cref="AppendOutcome.Committed"/>; the upper found for the other
    /// outcomes (for <see cref="AppendOutcome.AlreadyCommitted"/> at least the batch's new upper; peers may have
    /// advanced it further).
    /// </summary>
    public long CurrentUpper { get; }

    public bool IsCommitted => Outcome == AppendOutcome.Committed;

    public bool IsAlreadyCommitted => Outcome == AppendOutcome.AlreadyCommitted;

    public bool IsUpperMismatch => Outcome == AppendOutcome.UpperMismatch;

    /// <summary>True for <see cref="AppendOutcome.Committed"/> and <see cref="AppendOutcome.AlreadyCommitted"/>: the batch is in the shard, once.</summary>
    public bool IsInShard => Outcome is AppendOutcome.Committed or AppendOutcome.AlreadyCommitted;

    public static AppendResult Committed(long newUpper) => new(AppendOutcome.Committed, newUpper);

    public static AppendResult AlreadyCommitted(long currentUpper) => new(AppendOutcome.AlreadyCommitted, currentUpper);

    public static AppendResult UpperMismatch(long currentUpper) => new(AppendOutcome.UpperMismatch, currentUpper);

    public override string ToString() => Outcome switch
    {
        AppendOutcome.Committed => $"Committed(upper {CurrentUpper})",
        AppendOutcome.AlreadyCommitted => $"AlreadyCommitted(upper {CurrentUpper})",
        AppendOutcome.UpperMismatch => $"UpperMismatch(upper {CurrentUpper})",
        _ => "AppendResult(none)",
    };
}
