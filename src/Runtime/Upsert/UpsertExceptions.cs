namespace Bulwark.Upsert;

/// <summary>The base of every error the upsert operator raises on purpose; the message names the shard and the reason.</summary>
public class UpsertException : Exception
{
    public UpsertException(string shardId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ShardId = shardId;
    }

    /// <summary>The output shard.</summary>
    public string ShardId { get; }
}

/// <summary>
/// The output shard holds updates an upsert operator could not have written: a retraction of a row its key does not
/// hold, a second live row for one key, or a diff other than +1 or -1. Another kind of writer shares the shard, or
/// replicas disagree on their key function. Nothing of the offending interval was applied.
/// </summary>
public sealed class UpsertStateException : UpsertException
{
    public UpsertStateException(string shardId, long time, string key, string reason)
        : base(shardId, $"Shard '{shardId}' is not the output of an upsert with this key function: at time {time}, key {key}: {reason}.")
    {
        Time = time;
        Key = key;
        Reason = reason;
    }

    /// <summary>The time of the offending update (for a snapshot, the time it was consolidated at).</summary>
    public long Time { get; }

    /// <summary>The offending key, as text.</summary>
    public string Key { get; }

    public string Reason { get; }
}

/// <summary>
/// A checkpoint cannot be restored into this operator: it belongs to another shard or record type, it is ahead of the
/// shard (the shard was recreated), or its rows are not a valid upsert state.
/// </summary>
public sealed class UpsertCheckpointException : UpsertException
{
    public UpsertCheckpointException(string shardId, Guid checkpointId, string operatorId, string reason, Exception? innerException = null)
        : base(shardId, $"Checkpoint {checkpointId:D}: the state of operator '{operatorId}' cannot be restored into the upsert of shard '{shardId}': {reason}.", innerException)
    {
        CheckpointId = checkpointId;
        OperatorId = operatorId;
        Reason = reason;
    }

    public Guid CheckpointId { get; }

    public string OperatorId { get; }

    public string Reason { get; }
}
