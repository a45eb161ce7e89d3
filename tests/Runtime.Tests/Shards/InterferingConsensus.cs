using System.Runtime.CompilerServices;
using Bulwark.Shards;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// A consensus store another party acts on: before each compare-and-set, between a head read and its answer, in scans
/// that stop short or fail, and by removing keys.
/// </summary>
internal sealed class InterferingConsensus(IConsensus inner) : IConsensus
{
    private Func<Task>? _afterNextHead;

    public Func<Task>? BeforeCompareAndSet { get; set; }

    /// <summary>Runs once, after the next head read and before its answer returns: a read overtaken by another commit.</summary>
    public Func<Task>? AfterNextHead
    {
        get => Volatile.Read(ref _afterNextHead);
        set => Volatile.Write(ref _afterNextHead, value);
    }

    /// <summary>Scans yield nothing, as a store that lost its entries' tail would answer.</summary>
    public bool ScansEndEarly { get; set; }

    /// <summary>Scans stop before this sequence number, as a store that lost only its last entries would answer.</summary>
    public long? ScansStopBefore { get; set; }

    /// <summary>Scans fail with a transient error, as a store that cannot be reached for now would.</summary>
    public bool ScansFail { get; set; }

    /// <summary>Heads read as missing, as a store whose key was removed would answer.</summary>
    public bool KeysVanish { get; set; }

    public async Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default)
    {
        if (KeysVanish)
        {
            return null;
        }

        var head = await inner.HeadAsync(key, ct);
        if (Interlocked.Exchange(ref _afterNextHead, null) is { } after)
        {
            await after();
        }

        return head;
    }

    public async Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        if (BeforeCompareAndSet is { } before)
        {
            await before();
        }

        return await inner.CompareAndSetAsync(key, expectedSeqNo, next, ct);
    }

    public async IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (ScansFail)
        {
            throw new ConsensusException("the consensus store cannot be reached", isTransient: true);
        }

        if (ScansEndEarly)
        {
            yield break;
        }

        await foreach (var entry in inner.ScanAsync(key, fromSeqNo, limit, ct))
        {
            if (entry.SeqNo >= ScansStopBefore)
            {
                yield break;
            }

            yield return entry;
        }
    }

    public Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default) => inner.TruncateAsync(key, belowSeqNo, ct);
}
