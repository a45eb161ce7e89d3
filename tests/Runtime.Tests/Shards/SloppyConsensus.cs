using System.Runtime.CompilerServices;
using Bulwark.Shards;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// A broken consensus store for negative controls: with probability <c>skipRate</c> a compare-and-set ignores its
/// expectation and makes its entry the head anyway — the lost-update bug of a store that checks and writes in two
/// steps. The linearizability checker and the shard tests must both catch it. Racing callers need not collide on a
/// loaded machine, so <see cref="CollideNextTwo"/> makes one collision certain: the next two compare-and-sets on a key
/// meet, the first is applied, and the second writes over it whatever it expected.
/// </summary>
public sealed class SloppyConsensus : IConsensus
{
    private readonly Dictionary<string, List<VersionedData>> _keys = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly double _skipRate;
    private readonly Random _random;
    private string? _collisionKey;
    private TaskCompletionSource? _secondArrived;
    private TaskCompletionSource? _firstApplied;

    public SloppyConsensus(double skipRate, int seed = 0)
    {
        _skipRate = skipRate;
        _random = new Random(seed);
    }

    /// <summary>How many compare-and-sets skipped their check and wrote over a head they did not expect.</summary>
    public int SkippedChecks { get; private set; }

    /// <summary>
    /// Makes the next two compare-and-sets on <paramref name="key"/> meet: the first waits for the second, so neither
    /// saw the other's write; the first is applied, then the second skips its check if it no longer matches.
    /// </summary>
    public void CollideNextTwo(string key)
    {
        lock (_lock)
        {
            _collisionKey = key;
            _secondArrived = null;
            _firstApplied = null;
        }
    }

    public Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_keys.TryGetValue(key, out var log) && log.Count > 0 ? log[^1] : null);
        }
    }

    public async Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        ConsensusArguments.ValidateCompareAndSet(key, expectedSeqNo, next);

        // Yield so that racing callers interleave between their reads and their writes, as over a network.
        await Task.Yield();
        var forceSkip = false;
        TaskCompletionSource? applied = null;
        TaskCompletionSource? wait = null;
        lock (_lock)
        {
            if (_collisionKey == key && _secondArrived is null)
            {
                _secondArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _firstApplied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _secondArrived;
                applied = _firstApplied;
            }
            else if (_collisionKey == key)
            {
                _collisionKey = null;
                _secondArrived!.SetResult();
                wait = _firstApplied;
                forceSkip = true;
            }
        }

        if (wait is not null)
        {
            await wait.Task.WaitAsync(ct);
        }

        try
        {
            return Apply(key, expectedSeqNo, next, forceSkip);
        }
        finally
        {
            applied?.SetResult();
        }
    }

    private CasResult Apply(string key, long? expectedSeqNo, VersionedData next, bool forceSkip)
    {
        lock (_lock)
        {
            if (!_keys.TryGetValue(key, out var log))
            {
                _keys[key] = log = [];
            }

            long? head = log.Count == 0 ? null : log[^1].SeqNo;
            if (head == expectedSeqNo)
            {
                log.Add(new VersionedData(next.SeqNo, next.Data.ToArray()));
                return CasResult.Committed(next.SeqNo);
            }

            if (forceSkip || _random.NextDouble() < _skipRate)
            {
                SkippedChecks++;
                log.Add(new VersionedData(next.SeqNo, next.Data.ToArray()));
                return CasResult.Committed(next.SeqNo);
            }

            return CasResult.Mismatch(head);
        }
    }

    public async IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, [EnumeratorCancellation] CancellationToken ct = default)
    {
        VersionedData[] found;
        lock (_lock)
        {
            found = _keys.TryGetValue(key, out var log) ? log.Where(e => e.SeqNo >= fromSeqNo).Take(limit).ToArray() : [];
        }

        foreach (var entry in found)
        {
            yield return entry;
        }

        await Task.CompletedTask;
    }

    public Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default) => Task.FromResult(0L);
}
