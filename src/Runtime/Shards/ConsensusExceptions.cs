namespace Bulwark.Shards;

/// <summary>
/// A consensus operation failed and took no effect. <see cref="IsTransient"/> tells whether trying again may succeed
/// (a lost connection, a deadlock victim) or not (a broken store, missing permissions).
/// </summary>
public class ConsensusException : Exception
{
    public ConsensusException(string message, bool isTransient = false, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <summary>True when the same call may succeed if tried again.</summary>
    public bool IsTransient { get; }
}

/// <summary>
/// A compare-and-set or truncation may or may not have taken effect: the request reached the store (or began
/// publishing) and then its answer was lost — a connection dropped, a timeout, a directory fsync that failed after the
/// entry was linked. Do not assume either outcome: read the head (or retry with the same idempotency token stored in
/// the entry's data) to learn which happened.
/// </summary>
public sealed class IndeterminateConsensusException : ConsensusException
{
    public IndeterminateConsensusException(string message, Exception? innerException = null)
        : base(message, isTransient: true, innerException)
    {
    }
}
