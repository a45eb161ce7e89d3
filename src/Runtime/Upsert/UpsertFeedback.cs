using Bulwark.Records;
using Bulwark.Shards;

namespace Bulwark.Upsert;

/// <summary>
/// Reads the output shard back into the operator: the updates written from its frontier to the shard's upper (by
/// peers that won the race, or by an earlier run), or a snapshot to rehydrate from. It holds a reader lease whose
/// hold trails the operator's frontier, so the since does not pass what the next catch-up reads and no part it reads is
/// collected under it.
/// </summary>
internal sealed class UpsertFeedback<TRow> : IAsyncDisposable
    where TRow : IArrowRecord<TRow>
{
    private readonly Shard<TRow> _shard;
    private readonly ShardReader<TRow> _reader;

    private UpsertFeedback(Shard<TRow> shard, ShardReader<TRow> reader)
    {
        _shard = shard;
        _reader = reader;
    }

    public static async Task<UpsertFeedback<TRow>> OpenAsync(Shard<TRow> shard, string writerId, CancellationToken ct)
    {
        var reader = await shard.OpenReaderAsync(writerId + "/feedback", hold: null, ct).ConfigureAwait(false);
        return new UpsertFeedback<TRow>(shard, reader);
    }

    /// <summary>The shard's upper and the consolidated updates in <c>[frontier, upper)</c>, in time order.</summary>
    /// <exception cref="ShardFrontierException">The since has passed <paramref name="frontier"/>: those updates may be compacted.</exception>
    public Task<(long Upper, List<Update<TRow>> Updates)> ReadFromAsync(long frontier, CancellationToken ct) => _reader.ReadFromAsync(frontier, ct);

    /// <summary>The shard's upper and its snapshot just below it (nothing when the upper is 0).</summary>
    /// <exception cref="ShardFrontierException">The since has reached the upper, so no time below the upper can be read.</exception>
    public async Task<(long Upper, IReadOnlyList<Update<TRow>> Snapshot)> SnapshotAsync(CancellationToken ct)
    {
        var frontiers = await _shard.GetFrontiersAsync(ct).ConfigureAwait(false);
        return frontiers.Upper == 0
            ? (0, [])
            : (frontiers.Upper, await _reader.SnapshotAsync(frontiers.Upper - 1, ct).ConfigureAwait(false));
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
}
