namespace Bulwark.Shards;

/// <summary>
/// What <see cref="ShardReader{T}.ListenAsync"/> yields: first one <see cref="Snapshot"/>, then, as the shard's upper
/// advances, an <see cref="Updates"/> batch (when the new interval holds any) followed by a <see cref="Progress"/>.
/// </summary>
public abstract record ShardEvent<T>
{
    private ShardEvent()
    {
    }

    /// <summary>The consolidated collection at <paramref name="AsOf"/> (see <see cref="ShardReader{T}.SnapshotAsync"/>).</summary>
    public sealed record Snapshot(long AsOf, IReadOnlyList<Update<T>> Contents) : ShardEvent<T>;

    /// <summary>The consolidated updates at times in <c>[Lower, Upper)</c>, in time order.</summary>
    public sealed record Updates(long Lower, long Upper, IReadOnlyList<Update<T>> Contents) : ShardEvent<T>;

    /// <summary>The shard's upper advanced to <paramref name="Upper"/>: every update at a time below it has been yielded.</summary>
    public sealed record Progress(long Upper) : ShardEvent<T>;
}
