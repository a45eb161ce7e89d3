using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Bulwark.Shards;

/// <summary>
/// An <see cref="IConsensus"/> in this process's memory: linearizable (every operation on a key runs under that key's
/// lock), thread-safe, and gone with the process. For tests and single-process pipelines that need no durability.
/// </summary>
public sealed class InMemoryConsensus : IConsensus
{
    private const string Store = "memory";

    private readonly ConcurrentDictionary<string, KeyLog> keys = new(StringComparer.Ordinal);
    private readonly ConsensusInstruments instruments;

    /// <param name="meterFactory">Creates the <see cref="ConsensusMetrics.MeterName"/> meter; without one a process-wide meter is used.</param>
    public InMemoryConsensus(IMeterFactory? meterFactory = null)
    {
        instruments = ConsensusInstruments.Create(meterFactory);
    }

    public Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default)
    {
        ConsensusArguments.ValidateKey(key);
        ct.ThrowIfCancellationRequested();
        if (!keys.TryGetValue(key, out var log))
        {
            return Task.FromResult<VersionedData?>(null);
        }

        lock (log)
        {
            return Task.FromResult<VersionedData?>(log.Entries.Count == 0 ? null : log.Entries[^1]);
        }
    }

    public Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        ConsensusArguments.ValidateCompareAndSet(key, expectedSeqNo, next);
        ct.ThrowIfCancellationRequested();

        // Copied so that the caller can reuse its buffer, and so that what is stored is what a reader gets back.
        var stored = new VersionedData(next.SeqNo, next.Data.ToArray());
        var log = keys.GetOrAdd(key, static _ => new KeyLog());
        CasResult result;
        lock (log)
        {
            long? head = log.Entries.Count == 0 ? null : log.Entries[^1].SeqNo;
            if (head == expectedSeqNo)
            {
                log.Entries.Add(stored);
                result = CasResult.Committed(stored.SeqNo);
            }
            else
            {
                result = CasResult.Mismatch(head);
            }
        }

        instruments.Recorded(Store, result);
        return Task.FromResult(result);
    }

    public async IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ConsensusArguments.ValidateScan(key, fromSeqNo, limit);
        ct.ThrowIfCancellationRequested();
        VersionedData[] found = [];
        if (keys.TryGetValue(key, out var log))
        {
            lock (log)
            {
                // Entries are consecutive, so the first wanted one is found by arithmetic rather than a search.
                if (log.Entries.Count > 0)
                {
                    var first = log.Entries[0].SeqNo;
                    var start = (int)Math.Min(Math.Max(fromSeqNo - first, 0), log.Entries.Count);
                    found = log.Entries.GetRange(start, Math.Min(limit, log.Entries.Count - start)).ToArray();
                }
            }
        }

        foreach (var entry in found)
        {
            ct.ThrowIfCancellationRequested();
            yield return entry;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default)
    {
        ConsensusArguments.ValidateTruncate(key, belowSeqNo);
        ct.ThrowIfCancellationRequested();
        if (!keys.TryGetValue(key, out var log))
        {
            return Task.FromResult(0L);
        }

        int removed;
        lock (log)
        {
            if (log.Entries.Count == 0)
            {
                return Task.FromResult(0L);
            }

            // Never the head: at most Count - 1 entries go, whatever belowSeqNo says.
            var first = log.Entries[0].SeqNo;
            removed = (int)Math.Clamp(belowSeqNo - first, 0, log.Entries.Count - 1);
            log.Entries.RemoveRange(0, removed);
        }

        instruments.Truncated(Store, removed);
        return Task.FromResult((long)removed);
    }

    private sealed class KeyLog
    {
        public List<VersionedData> Entries { get; } = [];
    }
}
