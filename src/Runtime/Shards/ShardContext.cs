using Bulwark.Records;
using Microsoft.Extensions.Logging;

namespace Bulwark.Shards;

/// <summary>What a shard handle shares with the writers and readers it opens: stores, options, clock and the newest state seen.</summary>
internal sealed class ShardContext<T>
    where T : IArrowRecord<T>
{
    private ShardHead _latest;
    private TaskCompletionSource _advanced = NewSignal();

    public ShardContext(ShardStateStore store, ShardPartStore<T> parts, ShardOptions options, ILogger logger, ShardHead initial)
    {
        Store = store;
        Parts = parts;
        Options = options;
        Logger = logger;
        _latest = initial;
    }

    public string ShardId => Store.ShardId;

    public ShardStateStore Store { get; }

    public ShardPartStore<T> Parts { get; }

    public ShardOptions Options { get; }

    public ILogger Logger { get; }

    public ShardInstruments Metrics => Store.Metrics;

    public ShardHead Latest => Volatile.Read(ref _latest);

    public long NowMs => Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    public long ExpiryMs => NowMs + (long)Options.LeaseDuration.TotalMilliseconds;

    public RetryBudget Budget(string operation) => new(Options, ShardId, operation);

    /// <summary>Reads the head (retrying within a fresh budget) and remembers it.</summary>
    public async Task<ShardHead> ReadHeadAsync(string operation, CancellationToken ct) =>
        Observe(await Store.ReadHeadAsync(Budget(operation), ct).ConfigureAwait(false));

    /// <summary>Remembers <paramref name="head"/> if it is newer than what was seen, and wakes listeners if the upper moved.</summary>
    public ShardHead Observe(ShardHead head)
    {
        while (true)
        {
            var seen = Volatile.Read(ref _latest);
            if (head.SeqNo <= seen.SeqNo)
            {
                return head;
            }

            if (Interlocked.CompareExchange(ref _latest, head, seen) == seen)
            {
                if (head.State.Upper > seen.State.Upper)
                {
                    Interlocked.Exchange(ref _advanced, NewSignal()).TrySetResult();
                }

                return head;
            }
        }
    }

    /// <summary>
    /// One consensus read, without retries, of the head and the lease <paramref name="leaseId"/> in it: for health
    /// checks, which report a failing store rather than wait out a retry budget.
    /// </summary>
    public async Task<(ShardHead Head, ShardLease? Lease)> ProbeLeaseAsync(Guid leaseId, CancellationToken ct)
    {
        var entry = await Store.Consensus.HeadAsync(Store.Key, ct).ConfigureAwait(false)
            ?? throw new ShardException(ShardId, $"Shard '{ShardId}': consensus key '{Store.Key}' is empty; the shard was never created or its key was removed.");
        var head = Observe(Store.Decode(entry));
        return (head, head.State.FindLease(leaseId));
    }

    /// <summary>Completes when this process next sees the upper advance (listeners wait on it as well as on their poll interval).</summary>
    public Task UpperAdvanced => Volatile.Read(ref _advanced).Task;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
