using Bulwark.Shards;

namespace Bulwark.Tests.Worker;

/// <summary>A row of the shard worker: which writer, run and append put it there, and its index in the batch.</summary>
[ArrowRecord("kill_rows")]
public sealed partial record ShardRow(string Writer, int Run, long Append, int Index);

/// <summary>
/// The shard worker's workload, public so that a test recomputes what every append carried: a batch is a pure function
/// of (writer, run, append number) and the upper it was appended at, and a run number is never reused for one writer,
/// so a row seen twice, or a row of an append the worker never announced, is always a defect.
/// </summary>
public static class ShardWorkload
{
    public const string ShardId = "kills";

    /// <summary>Maintenance (advance the since, compact, collect garbage) after every this many appends of a writer.</summary>
    public const int MaintainEvery = 4;

    /// <summary>The pause between two appends of a writer (the two still overlap: an append takes longer).</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(10);

    /// <summary>Consensus lives in ROOT/consensus, parts in ROOT/blob.</summary>
    public static string ConsensusDirectory(string root) => Path.Join(root, "consensus");

    public static string BlobDirectory(string root) => Path.Join(root, "blob");

    /// <summary>
    /// Real clocks in the workers: leases outlive any stall of a loaded machine (a restarted writer fences its old
    /// lease at once, so nothing waits for an expiry), backoff is short and the retry budget generous.
    /// </summary>
    public static ShardOptions Options() => new()
    {
        LeaseDuration = TimeSpan.FromMinutes(10),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
        MaxAttempts = 1000,
    };

    /// <summary>The idempotency token of one append: the same on a retry by a restarted writer, unique otherwise.</summary>
    public static Guid Token(string writer, int run, long append)
    {
        var bytes = new byte[16];
        bytes[0] = (byte)writer[^1];
        BitConverter.TryWriteBytes(bytes.AsSpan(4), run);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), append);
        return new Guid(bytes);
    }

    /// <summary>How far an append moves the upper: 1 to 3.</summary>
    public static long Width(long append) => 1 + (append % 3);

    /// <summary>The batch of an append at <paramref name="upper"/>: 1 to 4 rows, spread over its interval.</summary>
    public static Update<ShardRow>[] Batch(string writer, int run, long append, long upper)
    {
        var width = Width(append);
        return [.. Enumerable.Range(0, 1 + (int)((append * 7) % 4)).Select(i => new Update<ShardRow>(new ShardRow(writer, run, append, i), upper + (i % width), 1))];
    }
}
