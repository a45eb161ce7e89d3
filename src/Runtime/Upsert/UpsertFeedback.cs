using Bulwark.Records;
using Bulwark.Shards;
using Microsoft.Extensions.Logging;

namespace Bulwark.Upsert;

/// <summary>
/// Reads the output shard back into the operator: the updates written from its frontier to the shard's upper (by
/// peers that won the race, or by an earlier run), or a snapshot to rehydrate from. It holds a reader lease whose
/// hold trails the operator's frontier, so the since does not pass what the next catch-up reads and no part it reads is
/// collected under it. A lease that expired while the process stood still (no heartbeat) is taken again.
/// </summary>
internal sealed class UpsertFeedback<TRow> : IAsyncDisposable
    where TRow : IArrowRecord<TRow>
{
    private readonly Shard<TRow> _shard;
    private readonly string _readerId;
    private readonly ILogger _logger;
    private ShardReader<TRow> _reader;

    private UpsertFeedback(Shard<TRow> shard, string readerId, ILogger logger, ShardReader<TRow> reader)
    {
        _shard = shard;
        _readerId = readerId;
        _logger = logger;
        _reader = reader;
    }

    public static async Task<UpsertFeedback<TRow>> OpenAsync(Shard<TRow> shard, string writerId, ILogger logger, CancellationToken ct)
    {
        var readerId = writerId + "/feedback";
        var reader = await shard.OpenReaderAsync(readerId, hold: null, ct).ConfigureAwait(false);
        return new UpsertFeedback<TRow>(shard, readerId, logger, reader);
    }

    /// <summary>The shard's upper and the consolidated updates in <c>[frontier, upper)</c>, in time order.</summary>
    /// <exception cref="ShardFrontierException">The since has passed <paramref name="frontier"/>: those updates may be compacted.</exception>
    public async Task<(long Upper, List<Update<TRow>> Updates)> ReadFromAsync(long frontier, CancellationToken ct)
    {
        try
        {
            return await _reader.ReadFromAsync(frontier, ct).ConfigureAwait(false);
        }
        catch (ShardLeaseLostException)
        {
            // A new lease holds only the since as it is now; if that passed the frontier, the read says so.
            await ReopenAsync(ct).ConfigureAwait(false);
            return await _reader.ReadFromAsync(frontier, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The shard's upper and its snapshot just below it (nothing when the upper is 0).</summary>
    /// <exception cref="ShardFrontierException">The since has reached the upper, so no time below the upper can be read.</exception>
    public async Task<(long Upper, IReadOnlyList<Update<TRow>> Snapshot)> SnapshotAsync(CancellationToken ct)
    {
        var frontiers = await _shard.GetFrontiersAsync(ct).ConfigureAwait(false);
        if (frontiers.Upper == 0)
        {
            return (0, []);
        }

        try
        {
            return (frontiers.Upper, await _reader.SnapshotAsync(frontiers.Upper - 1, ct).ConfigureAwait(false));
        }
        catch (ShardLeaseLostException)
        {
            await ReopenAsync(ct).ConfigureAwait(false);
            return (frontiers.Upper, await _reader.SnapshotAsync(frontiers.Upper - 1, ct).ConfigureAwait(false));
        }
    }

    /// <summary>The operator's state now reflects the shard below <paramref name="frontier"/>: the hold may follow (written by the next heartbeat).</summary>
    public void Follow(long frontier)
    {
        if (frontier > 0)
        {
            _reader.WantHold(frontier - 1);
        }
    }

    public ValueTask DisposeAsync() => _reader.DisposeAsync();

    private async Task ReopenAsync(CancellationToken ct)
    {
        UpsertLog.FeedbackLeaseLost(_logger, _readerId, _shard.ShardId);
        var reader = await _shard.OpenReaderAsync(_readerId, hold: null, ct).ConfigureAwait(false);
        await _reader.DisposeAsync().ConfigureAwait(false);
        _reader = reader;
    }
}
