using System.IO.Hashing;
using System.Runtime.CompilerServices;
using Bulwark.Shards;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>A consensus call as the register model sees it: a head read, or a compare-and-set of one entry.</summary>
public sealed record RegisterInput(bool IsCompareAndSet, long? Expected, long NextSeqNo, ulong NextData)
{
    public static RegisterInput Head() => new(false, null, 0, 0);

    public override string ToString() => IsCompareAndSet ? $"cas({Expected?.ToString() ?? "empty"} -> {NextSeqNo}:{NextData:x16})" : "head";
}

/// <summary>An answer: the head read (seqno and data hash, or none) or the compare-and-set result.</summary>
public sealed record RegisterOutput(long? SeqNo, ulong Data, bool Committed)
{
    public override string ToString() => $"{(Committed ? "committed" : "seen")} {SeqNo?.ToString() ?? "empty"}:{Data:x16}";
}

/// <summary>The register state: the head's sequence number and a hash of its bytes (null for an empty key).</summary>
public readonly record struct RegisterState(long? SeqNo, ulong Data);

/// <summary>
/// The sequential specification of one consensus key: a compare-and-set commits iff the head is the expected one, and
/// reports the head it found otherwise; a read reports the head. An unanswered compare-and-set takes effect exactly
/// when the head matches at the point it is linearized (placed last, it changes nothing anyone observed).
/// </summary>
public sealed class ConsensusRegisterModel : ILinearizabilityModel<RegisterState, RegisterInput, RegisterOutput>
{
    public RegisterState Initial => new(null, 0);

    public bool Step(RegisterState state, RegisterInput input, RegisterOutput? output, out RegisterState next)
    {
        next = state;
        if (!input.IsCompareAndSet)
        {
            return output is null || (output.SeqNo == state.SeqNo && output.Data == state.Data);
        }

        var matches = state.SeqNo == input.Expected;
        if (matches)
        {
            next = new RegisterState(input.NextSeqNo, input.NextData);
        }

        return output is null || (output.Committed ? matches && output.SeqNo == input.NextSeqNo : !matches && output.SeqNo == state.SeqNo);
    }
}

/// <summary>
/// Records every head read and compare-and-set that passes through it as a history for
/// <see cref="LinearizabilityChecker"/>: the call before it reaches the store, the answer when it comes back. A call
/// that throws <see cref="IndeterminateConsensusException"/> stays open (its outcome is unknown); one that fails
/// definitely took no effect and is left out. Times come from one counter, never from a clock.
/// </summary>
public sealed class RecordingConsensus : IConsensus
{
    private readonly IConsensus _inner;
    private readonly Lock _lock = new();
    private readonly List<Pending> _operations = [];
    private long _clock;

    public RecordingConsensus(IConsensus inner) => _inner = inner;

    /// <summary>The history so far, for one key.</summary>
    public IReadOnlyList<HistoryOperation<RegisterInput, RegisterOutput>> History(string key)
    {
        lock (_lock)
        {
            return _operations.Where(o => o.Key == key && !o.Discarded)
                .Select(o => new HistoryOperation<RegisterInput, RegisterOutput>(o.Client, o.Input, o.Call, o.Output, o.Return))
                .ToList();
        }
    }

    public async Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default)
    {
        var pending = Invoke(key, RegisterInput.Head());
        try
        {
            var head = await _inner.HeadAsync(key, ct).ConfigureAwait(false);
            Complete(pending, new RegisterOutput(head?.SeqNo, head is null ? 0 : Hash(head.Data), Committed: false));
            return head;
        }
        catch (Exception e)
        {
            Fail(pending, e);
            throw;
        }
    }

    public async Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        var pending = Invoke(key, new RegisterInput(true, expectedSeqNo, next.SeqNo, Hash(next.Data)));
        try
        {
            var result = await _inner.CompareAndSetAsync(key, expectedSeqNo, next, ct).ConfigureAwait(false);
            Complete(pending, new RegisterOutput(result.HeadSeqNo, 0, result.IsCommitted));
            return result;
        }
        catch (Exception e)
        {
            Fail(pending, e);
            throw;
        }
    }

    public IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, CancellationToken ct = default) =>
        _inner.ScanAsync(key, fromSeqNo, limit, ct);

    public Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default) =>
        _inner.TruncateAsync(key, belowSeqNo, ct);

    public static ulong Hash(ReadOnlyMemory<byte> data) => XxHash64.HashToUInt64(data.Span);

    private Pending Invoke(string key, RegisterInput input)
    {
        var pending = new Pending(key, input, Environment.CurrentManagedThreadId);
        lock (_lock)
        {
            pending.Call = ++_clock;
            _operations.Add(pending);
        }

        return pending;
    }

    private void Complete(Pending pending, RegisterOutput output)
    {
        lock (_lock)
        {
            // A mismatch tells the head's number only; its data is whatever the model holds for it.
            pending.Output = output;
            pending.Return = ++_clock;
        }
    }

    private void Fail(Pending pending, Exception e)
    {
        if (e is IndeterminateConsensusException)
        {
            return;
        }

        lock (_lock)
        {
            pending.Discarded = true;
        }
    }

    private sealed class Pending(string key, RegisterInput input, int client)
    {
        public string Key { get; } = key;

        public RegisterInput Input { get; } = input;

        public int Client { get; } = client;

        public long Call { get; set; }

        public RegisterOutput? Output { get; set; }

        public long? Return { get; set; }

        public bool Discarded { get; set; }
    }
}
