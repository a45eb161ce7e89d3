using System.Diagnostics;
using System.Runtime.CompilerServices;
using Bulwark.Shards;

namespace Bulwark.Benchmarks;

/// <summary>
/// Passes every call to an inner <see cref="IConsensus"/> and counts it: calls, the time spent waiting for them, and the
/// bytes of the entries written. It shows how many round trips an append makes and how much of its time they take.
/// </summary>
internal sealed class TimedConsensus(IConsensus inner) : IConsensus
{
    private long heads;
    private long headTicks;
    private long sets;
    private long setTicks;
    private long setBytes;
    private long scans;
    private ReadOnlyMemory<byte> lastEntry;

    public ConsensusCalls Calls => new(
        Interlocked.Read(ref heads),
        Ms(Interlocked.Read(ref headTicks)),
        Interlocked.Read(ref sets),
        Ms(Interlocked.Read(ref setTicks)),
        Interlocked.Read(ref setBytes),
        Interlocked.Read(ref scans));

    /// <summary>The newest entry written through this wrapper (for timing its decoding).</summary>
    public VersionedData LastEntry => new(0, lastEntry);

    public async Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.HeadAsync(key, ct).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref heads);
            Interlocked.Add(ref headTicks, Stopwatch.GetTimestamp() - start);
        }
    }

    public async Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.CompareAndSetAsync(key, expectedSeqNo, next, ct).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref sets);
            Interlocked.Add(ref setTicks, Stopwatch.GetTimestamp() - start);
            Interlocked.Add(ref setBytes, next.Data.Length);
            lastEntry = next.Data;
        }
    }

    public async IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, [EnumeratorCancellation] CancellationToken ct = default)
    {
        Interlocked.Increment(ref scans);
        await foreach (var entry in inner.ScanAsync(key, fromSeqNo, limit, ct).ConfigureAwait(false))
        {
            yield return entry;
        }
    }

    public Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default) => inner.TruncateAsync(key, belowSeqNo, ct);

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>Consensus calls so far: head reads and compare-and-sets with the milliseconds spent in them, bytes written, scans.</summary>
internal readonly record struct ConsensusCalls(long Heads, double HeadMs, long Sets, double SetMs, long SetBytes, long Scans)
{
    public static ConsensusCalls operator +(ConsensusCalls a, ConsensusCalls b) =>
        new(a.Heads + b.Heads, a.HeadMs + b.HeadMs, a.Sets + b.Sets, a.SetMs + b.SetMs, a.SetBytes + b.SetBytes, a.Scans + b.Scans);

    public static ConsensusCalls operator -(ConsensusCalls a, ConsensusCalls b) =>
        new(a.Heads - b.Heads, a.HeadMs - b.HeadMs, a.Sets - b.Sets, a.SetMs - b.SetMs, a.SetBytes - b.SetBytes, a.Scans - b.Scans);
}
