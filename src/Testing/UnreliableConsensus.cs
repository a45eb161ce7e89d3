using System.Runtime.CompilerServices;
using Bulwark.Shards;

namespace Bulwark.Testing;

/// <summary>The consensus operations <see cref="UnreliableConsensus"/> can fail.</summary>
public enum ConsensusOperation
{
    /// <summary><see cref="IConsensus.HeadAsync"/>.</summary>
    Head,

    /// <summary><see cref="IConsensus.CompareAndSetAsync"/>.</summary>
    CompareAndSet,

    /// <summary><see cref="IConsensus.ScanAsync"/>.</summary>
    Scan,

    /// <summary><see cref="IConsensus.TruncateAsync"/>.</summary>
    Truncate,
}

/// <summary>How an injected consensus fault behaves.</summary>
public enum ConsensusFault
{
    /// <summary>The call takes no effect and throws a transient <see cref="ConsensusException"/>.</summary>
    FailWithoutEffect,

    /// <summary>The call takes no effect and throws <see cref="IndeterminateConsensusException"/> (a request lost before it arrived).</summary>
    IndeterminateWithoutEffect,

    /// <summary>The call takes effect and then throws <see cref="IndeterminateConsensusException"/> (an answer lost on the way back).</summary>
    IndeterminateAfterEffect,
}

/// <summary>
/// An <see cref="IConsensus"/> decorator that fails calls on purpose: at random, from a seed (each call fails without
/// effect with probability <c>failRate</c>, or takes effect and then throws <see cref="IndeterminateConsensusException"/>
/// with probability <c>indeterminateRate</c>), and on demand with <see cref="Inject"/>, which can also run an action
/// between the effect and the error (a peer that moves the shard while an answer is lost). Arguments are checked and
/// cancellation observed before any fault is drawn, so invalid or cancelled calls fail exactly as on the wrapped
/// store. With both rates 0 and nothing injected it behaves as the wrapped store (it passes the same contract).
/// </summary>
public sealed class UnreliableConsensus : IConsensus
{
    private readonly IConsensus _inner;
    private readonly double _failRate;
    private readonly double _indeterminateRate;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private readonly List<Injection> _injections = [];
    private int _faultsFired;

    /// <summary>Wraps <paramref name="inner"/>, which performs every call that is not failed before it runs.</summary>
    /// <param name="inner">The store that performs the calls.</param>
    /// <param name="failRate">The probability that a call fails without effect (a transient <see cref="ConsensusException"/>).</param>
    /// <param name="indeterminateRate">The probability that a call takes effect and then throws <see cref="IndeterminateConsensusException"/>.</param>
    /// <param name="seed">The seed of the random draws: one seed, one sequence of faults for one sequence of calls.</param>
    public UnreliableConsensus(IConsensus inner, double failRate = 0, double indeterminateRate = 0, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(failRate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(indeterminateRate, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(failRate + indeterminateRate, 1);
        _inner = inner;
        _failRate = failRate;
        _indeterminateRate = indeterminateRate;
        _random = new Random(seed);
    }

    /// <summary>The store that performs the calls.</summary>
    public IConsensus Inner => _inner;

    /// <summary>Faults fired so far, random and injected.</summary>
    public int FaultsFired => Volatile.Read(ref _faultsFired);

    /// <summary>While false, only injected faults fire (set up a scenario reliably, then turn the randomness on).</summary>
    public bool RandomFaultsEnabled { get; set; } = true;

    /// <summary>
    /// Fails the next call of <paramref name="operation"/> (that <paramref name="when"/> accepts, if given) with
    /// <paramref name="fault"/>; <paramref name="between"/> runs after the effect (if any) and before the error.
    /// </summary>
    public UnreliableConsensus Inject(ConsensusOperation operation, ConsensusFault fault, Func<Task>? between = null, Func<string, VersionedData?, bool>? when = null)
    {
        lock (_lock)
        {
            _injections.Add(new Injection(operation, fault, between, when));
        }

        return this;
    }

    /// <summary>Injected faults not yet fired.</summary>
    public int PendingInjections
    {
        get
        {
            lock (_lock)
            {
                return _injections.Count;
            }
        }
    }

    /// <inheritdoc/>
    public async Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default)
    {
        ConsensusArguments.ValidateKey(key);
        ct.ThrowIfCancellationRequested();
        var fault = Draw(ConsensusOperation.Head, key, null);
        return await RunAsync(fault, () => _inner.HeadAsync(key, ct)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        // Arguments are refused exactly as the inner store refuses them, never turned into a fault.
        ConsensusArguments.ValidateCompareAndSet(key, expectedSeqNo, next);
        ct.ThrowIfCancellationRequested();
        var fault = Draw(ConsensusOperation.CompareAndSet, key, next);
        return await RunAsync(fault, () => _inner.CompareAndSetAsync(key, expectedSeqNo, next, ct)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ConsensusArguments.ValidateScan(key, fromSeqNo, limit);
        ct.ThrowIfCancellationRequested();
        // A scan fails before it yields anything: a half-delivered scan would look like a truncated key.
        var fault = Draw(ConsensusOperation.Scan, key, null);
        var entries = new List<VersionedData>();
        await RunAsync(fault, async () =>
        {
            await foreach (var entry in _inner.ScanAsync(key, fromSeqNo, limit, ct).ConfigureAwait(false))
            {
                entries.Add(entry);
            }

            return true;
        }).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            // As every store does: a caller that cancels while it reads gets no further entry.
            ct.ThrowIfCancellationRequested();
            yield return entry;
        }
    }

    /// <inheritdoc/>
    public async Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default)
    {
        ConsensusArguments.ValidateTruncate(key, belowSeqNo);
        ct.ThrowIfCancellationRequested();
        var fault = Draw(ConsensusOperation.Truncate, key, null);
        return await RunAsync(fault, () => _inner.TruncateAsync(key, belowSeqNo, ct)).ConfigureAwait(false);
    }

    private async Task<TResult> RunAsync<TResult>(Injection? fault, Func<Task<TResult>> call)
    {
        // Every call leaves its caller's thread, as a network call would, so concurrent callers interleave between
        // their reads and their writes instead of running each append to its end in one synchronous stretch.
        await Task.Yield();
        if (fault is null)
        {
            return await call().ConfigureAwait(false);
        }

        Interlocked.Increment(ref _faultsFired);
        if (fault.Fault == ConsensusFault.IndeterminateAfterEffect)
        {
            await call().ConfigureAwait(false);
        }

        if (fault.Between is not null)
        {
            await fault.Between().ConfigureAwait(false);
        }

        throw fault.Fault == ConsensusFault.FailWithoutEffect
            ? new ConsensusException($"Injected failure of {fault.Operation}; it took no effect.", isTransient: true)
            : new IndeterminateConsensusException($"Injected unknown outcome of {fault.Operation} ({(fault.Fault == ConsensusFault.IndeterminateAfterEffect ? "it took effect" : "it took no effect")}).");
    }

    private Injection? Draw(ConsensusOperation operation, string key, VersionedData? next)
    {
        lock (_lock)
        {
            var index = _injections.FindIndex(i => i.Operation == operation && (i.When is null || i.When(key, next)));
            if (index >= 0)
            {
                var injected = _injections[index];
                _injections.RemoveAt(index);
                return injected;
            }

            if (!RandomFaultsEnabled)
            {
                return null;
            }

            var draw = _random.NextDouble();
            return draw < _failRate ? new Injection(operation, ConsensusFault.FailWithoutEffect, null, null)
                : draw < _failRate + _indeterminateRate ? new Injection(operation, ConsensusFault.IndeterminateAfterEffect, null, null)
                : null;
        }
    }

    private sealed record Injection(ConsensusOperation Operation, ConsensusFault Fault, Func<Task>? Between, Func<string, VersionedData?, bool>? When);
}
