using System.Runtime.CompilerServices;
using Bulwark.Shards;

namespace Bulwark.Testing.Tests;

/// <summary>
/// The client side of a retry protocol over a store that loses answers: a call that failed without effect is retried;
/// an indeterminate compare-and-set is resolved by reading the entry at its sequence number (the contract's writers
/// all write distinct data, so finding its bytes there means it committed, and any other answer means it did not: no
/// contract test truncates an entry its writer may still be resolving, since each is the head until its writer writes
/// again), and is otherwise retried; an indeterminate truncation's count is the
/// number of entries below the bound before the first attempt (sound because no contract test truncates one key from
/// two callers at once and asserts the count). Every fault it absorbed is counted.
/// </summary>
internal sealed class ResolvingConsensus(IConsensus inner) : IConsensus
{
    // A fault rate of 1/3 gives 3^-64 odds of a call failing this many times in a row: a hang guard, not a time limit.
    private const int MaxAttempts = 64;

    private int _faultsSeen;

    public int FaultsSeen => Volatile.Read(ref _faultsSeen);

    public Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default) =>
        RetryAsync(() => inner.HeadAsync(key, ct));

    public async Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await inner.CompareAndSetAsync(key, expectedSeqNo, next, ct);
            }
            catch (IndeterminateConsensusException) when (attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _faultsSeen);
                var found = await RetryAsync(() => FirstAtOrAboveAsync(key, next.SeqNo, ct));
                if (found is not null && found.SeqNo == next.SeqNo && found.Data.Span.SequenceEqual(next.Data.Span))
                {
                    return CasResult.Committed(next.SeqNo);
                }

            }
            catch (ConsensusException e) when (e.IsTransient && attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _faultsSeen);
            }
        }
    }

    public async IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, [EnumeratorCancellation] CancellationToken ct = default)
    {
        // The double fails a scan before it yields anything, so a whole scan is retried.
        var entries = await RetryAsync(() => ReadAsync(key, fromSeqNo, limit, ct));
        foreach (var entry in entries)
        {
            ct.ThrowIfCancellationRequested();
            yield return entry;
        }
    }

    public async Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default)
    {
        var before = await RetryAsync(() => CountRemovableAsync(key, belowSeqNo, ct));
        var indeterminate = false;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var removed = await inner.TruncateAsync(key, belowSeqNo, ct);
                return indeterminate ? before : removed;
            }
            catch (ConsensusException e) when (e.IsTransient && attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _faultsSeen);
                indeterminate |= e is IndeterminateConsensusException;
            }
        }
    }

    private async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (ConsensusException e) when (e.IsTransient && attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _faultsSeen);
            }
        }
    }

    private async Task<VersionedData?> FirstAtOrAboveAsync(string key, long seqNo, CancellationToken ct)
    {
        var entries = await ReadAsync(key, seqNo, 1, ct);
        return entries.Count == 0 ? null : entries[0];
    }

    private async Task<List<VersionedData>> ReadAsync(string key, long fromSeqNo, int limit, CancellationToken ct)
    {
        var entries = new List<VersionedData>();
        await foreach (var entry in inner.ScanAsync(key, fromSeqNo, limit, ct))
        {
            entries.Add(entry);
        }

        return entries;
    }

    private async Task<long> CountRemovableAsync(string key, long belowSeqNo, CancellationToken ct)
    {
        var entries = await ReadAsync(key, 0, int.MaxValue, ct);
        return entries.Count == 0 ? 0 : entries.Count(e => e.SeqNo < belowSeqNo && e.SeqNo != entries[^1].SeqNo);
    }
}
