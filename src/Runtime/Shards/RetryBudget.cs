namespace Bulwark.Shards;

/// <summary>
/// The failed consensus calls one shard operation may spend (<see cref="ShardOptions.MaxAttempts"/>), with the
/// exponential backoff between them on the shard's <see cref="TimeProvider"/>. It also remembers whether any
/// compare-and-set of the operation ended with an unknown outcome, which decides what the operation may clean up.
/// </summary>
internal sealed class RetryBudget
{
    private readonly ShardOptions _options;
    private readonly string _shardId;
    private readonly string _operation;
    private int _failures;

    public RetryBudget(ShardOptions options, string shardId, string operation)
    {
        _options = options;
        _shardId = shardId;
        _operation = operation;
    }

    /// <summary>True once a compare-and-set of this operation had an unknown outcome: its entry may be in consensus.</summary>
    public bool MayHaveWritten { get; private set; }

    public int Failures => _failures;

    public void MarkUnknownOutcome() => MayHaveWritten = true;

    /// <summary>Counts a failed call and waits before the next; past the budget, throws <see cref="ShardUnavailableException"/>.</summary>
    public async Task FailedAsync(Exception failure, CancellationToken ct)
    {
        _failures++;
        if (_failures >= _options.MaxAttempts)
        {
            throw new ShardUnavailableException(_shardId, _operation, _failures, MayHaveWritten, failure);
        }

        var backoff = _options.InitialBackoff * Math.Pow(2, Math.Min(_failures - 1, 30));
        var delay = backoff < _options.MaxBackoff ? backoff : _options.MaxBackoff;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _options.TimeProvider, ct).ConfigureAwait(false);
        }
    }
}
