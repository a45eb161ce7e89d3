using Microsoft.Extensions.Logging;

namespace Bulwark.Shards;

/// <summary>A shard state and the consensus sequence number it was read at (or committed as).</summary>
internal sealed record ShardHead(long SeqNo, ShardState State);

/// <summary>
/// What a state transition decides when shown the current head: write <see cref="Next"/> (and mean
/// <see cref="Result"/> if that commits), or stop with <see cref="Result"/> because the head already answers it.
/// </summary>
internal readonly record struct Transition<TResult>(ShardState? Next, TResult Result)
{
    public static Transition<TResult> Write(ShardState next, TResult result) => new(next, result);

    public static Transition<TResult> Stop(TResult result) => new(null, result);
}

/// <summary>The end of <see cref="ShardStateStore.TransitionAsync{TResult}"/>: the head it ended on and what it means.</summary>
internal sealed record TransitionOutcome<TResult>(ShardHead Head, TResult Result, bool Wrote, bool MayHaveWritten);

/// <summary>
/// A shard's consensus key: reads and decodes the head, and runs state transitions. Every transition is a function of
/// the head that is idempotent — shown a head its own earlier attempt already produced, it stops — so a compare-and-set
/// whose outcome is unknown is resolved the same way as a lost race: read the head again and ask the function. Nothing
/// is ever concluded from an error alone.
/// </summary>
internal sealed class ShardStateStore
{
    private readonly IConsensus _consensus;
    private readonly ShardOptions _options;
    private readonly ILogger _logger;
    private readonly ShardInstruments _metrics;

    public ShardStateStore(string shardId, IConsensus consensus, ShardOptions options, ILogger logger)
    {
        ShardId = shardId;
        Key = ShardNames.ConsensusKey(shardId);
        _consensus = consensus;
        _options = options;
        _logger = logger;
        _metrics = ShardInstruments.Create(options.MeterFactory);
    }

    public ShardInstruments Metrics => _metrics;

    public string ShardId { get; }

    public string Key { get; }

    public IConsensus Consensus => _consensus;

    /// <summary>The head, or null for a key never written; failed reads are retried within <paramref name="budget"/>.</summary>
    public async Task<ShardHead?> TryReadHeadAsync(RetryBudget budget, CancellationToken ct)
    {
        while (true)
        {
            VersionedData? entry;
            try
            {
                entry = await _consensus.HeadAsync(Key, ct).ConfigureAwait(false);
            }
            catch (ConsensusException e) when (e.IsTransient)
            {
                ShardLog.ConsensusCallFailed(_logger, e, "read the head", ShardId, budget.Failures + 1);
                await budget.FailedAsync(e, ct).ConfigureAwait(false);
                continue;
            }
            catch (ConsensusException e)
            {
                throw new ShardUnavailableException(ShardId, "read the head", budget.Failures + 1, budget.MayHaveWritten, e);
            }

            return entry is null ? null : Decode(entry);
        }
    }

    public async Task<ShardHead> ReadHeadAsync(RetryBudget budget, CancellationToken ct) =>
        await TryReadHeadAsync(budget, ct).ConfigureAwait(false)
        ?? throw new ShardException(ShardId, $"Shard '{ShardId}': consensus key '{Key}' is empty; the shard was never created or its key was removed.");

    public ShardHead Decode(VersionedData entry) => new(entry.SeqNo, ShardStateCodec.Decode(ShardId, Key, entry, _options.MaxStateBytes));

    /// <summary>
    /// Runs a transition: shows <paramref name="decide"/> the head; if it wants a new state, compare-and-sets it at the
    /// next sequence number; on a mismatch, a definite failure or an unknown outcome reads the head again and asks once
    /// more. Definite failures and unknown outcomes spend <see cref="ShardOptions.MaxAttempts"/>; lost races spend
    /// <see cref="ShardOptions.MaxContendedRounds"/>.
    /// </summary>
    public async Task<TransitionOutcome<TResult>> TransitionAsync<TResult>(string operation, Func<ShardHead, Transition<TResult>> decide, CancellationToken ct, ShardHead? head = null, RetryBudget? budget = null)
    {
        budget ??= new RetryBudget(_options, ShardId, operation);
        head ??= await ReadHeadAsync(budget, ct).ConfigureAwait(false);
        for (var rounds = 1; ; rounds++)
        {
            var transition = decide(head);
            if (transition.Next is not { } next)
            {
                return new TransitionOutcome<TResult>(head, transition.Result, Wrote: false, budget.MayHaveWritten);
            }

            var entry = Encode(next, head.SeqNo + 1);
            try
            {
                var result = await _consensus.CompareAndSetAsync(Key, head.SeqNo, entry, ct).ConfigureAwait(false);
                if (result.IsCommitted)
                {
                    _metrics.StateWrites.Add(1);
                    return new TransitionOutcome<TResult>(new ShardHead(entry.SeqNo, next), transition.Result, Wrote: true, budget.MayHaveWritten);
                }

                _metrics.LostRaces.Add(1);
                if (rounds >= _options.MaxContendedRounds)
                {
                    throw new ShardUnavailableException(ShardId, operation, rounds, budget.MayHaveWritten, new ShardException(ShardId, $"Shard '{ShardId}': {rounds} compare-and-sets in a row found a newer head."));
                }
            }
            catch (IndeterminateConsensusException e)
            {
                budget.MarkUnknownOutcome();
                ShardLog.UnknownOutcome(_logger, e, operation, ShardId, entry.SeqNo);
                await budget.FailedAsync(e, ct).ConfigureAwait(false);
            }
            catch (ConsensusException e) when (e.IsTransient)
            {
                ShardLog.ConsensusCallFailed(_logger, e, operation, ShardId, budget.Failures + 1);
                await budget.FailedAsync(e, ct).ConfigureAwait(false);
            }
            catch (ConsensusException e)
            {
                // A permanent failure took no effect; whether an earlier attempt of this operation did is in the flag.
                throw new ShardUnavailableException(ShardId, operation, budget.Failures + 1, budget.MayHaveWritten, e);
            }

            head = await ReadHeadAsync(budget, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The states from <paramref name="fromSeqNo"/> to the head, oldest first, read a page at a time; a page whose read
    /// fails is read again within <paramref name="budget"/>.
    /// </summary>
    public async Task<List<ShardHead>> ScanAllAsync(long fromSeqNo, RetryBudget budget, CancellationToken ct)
    {
        const int Page = 64;
        var states = new List<ShardHead>();
        var next = fromSeqNo;
        while (true)
        {
            var page = new List<VersionedData>(Page);
            try
            {
                await foreach (var entry in _consensus.ScanAsync(Key, next, Page, ct).ConfigureAwait(false))
                {
                    page.Add(entry);
                }
            }
            catch (ConsensusException e) when (e.IsTransient)
            {
                ShardLog.ConsensusCallFailed(_logger, e, "scan the states", ShardId, budget.Failures + 1);
                await budget.FailedAsync(e, ct).ConfigureAwait(false);
                continue;
            }

            states.AddRange(page.Select(Decode));
            if (page.Count < Page)
            {
                return states;
            }

            next = page[^1].SeqNo + 1;
        }
    }

    /// <summary>Encodes a state about to be written at <paramref name="seqNo"/>, refusing one that breaks an invariant or the size limit.</summary>
    private VersionedData Encode(ShardState next, long seqNo)
    {
        if (ShardStateRules.Check(next, ShardId, seqNo) is { } broken)
        {
            throw new InvalidOperationException($"Shard '{ShardId}': refusing to write a state that breaks an invariant: {broken}.");
        }

        var bytes = ShardStateCodec.Encode(next);
        if (bytes.Length > _options.MaxStateBytes)
        {
            throw new ShardException(ShardId, $"Shard '{ShardId}': the next state has {bytes.Length} bytes, more than MaxStateBytes ({_options.MaxStateBytes}); compact the shard or raise the limit.");
        }

        return new VersionedData(seqNo, bytes);
    }
}
