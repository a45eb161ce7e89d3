using Bulwark.Checkpoints;
using Bulwark.Shards;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Upsert;

public sealed partial class UpsertOperator<TKey, TRow>
{
    private UpsertOperator(Shard<TRow> shard, ShardWriter<TRow> writer, UpsertFeedback<TRow> feedback, Func<TRow, TKey> keyOf, UpsertOptions options)
    {
        _shard = shard;
        _writer = writer;
        _feedback = feedback;
        _keyOf = keyOf;
        _options = options;
        _twoWay = (options.Deviations & UpsertDeviation.TwoWayClassification) != 0;
        _logger = Logger(options);
        _metrics = UpsertInstruments.Create(options.MeterFactory);
        _state = new UpsertState<TKey, TRow>(shard.ShardId, keyOf);
    }

    /// <summary>
    /// Opens the upsert of <paramref name="output"/> as writer <paramref name="writerId"/> (unique among the replicas;
    /// a restarted replica reuses its id, which fences off its old handle). The per-key state is rehydrated from a
    /// consolidated snapshot of the shard just below its upper. The key function <paramref name="keyOf"/> must be the
    /// same for every replica of one shard.
    /// </summary>
    public static Task<UpsertOperator<TKey, TRow>> OpenAsync(Shard<TRow> output, string writerId, Func<TRow, TKey> keyOf, CancellationToken ct = default) =>
        OpenAsync(output, writerId, keyOf, new UpsertOptions(), ct);

    /// <summary>
    /// Opens the upsert of <paramref name="output"/> as writer <paramref name="writerId"/>. The per-key state comes from
    /// the checkpoint <paramref name="options"/> names (<see cref="UpsertOptions.RestoreFrom"/>, or the newest intact one
    /// of <see cref="UpsertOptions.Checkpointer"/>) plus the shard's updates from its frontier on; without one, from a
    /// consolidated snapshot of the shard. Either way <see cref="OutputFrontier"/> starts at the shard's upper; push
    /// the input from there on (earlier times are dropped anyway).
    /// </summary>
    /// <exception cref="UpsertCheckpointException">The checkpoint is of another shard or record type, ahead of the shard, or not a valid state.</exception>
    /// <exception cref="UpsertStateException">The shard holds updates an upsert with this key function could not have written.</exception>
    public static async Task<UpsertOperator<TKey, TRow>> OpenAsync(Shard<TRow> output, string writerId, Func<TRow, TKey> keyOf, UpsertOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(keyOf);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var writer = await output.OpenWriterAsync(writerId, ct).ConfigureAwait(false);
        UpsertFeedback<TRow>? feedback = null;
        try
        {
            feedback = await UpsertFeedback<TRow>.OpenAsync(output, writerId, Logger(options), ct).ConfigureAwait(false);
            var upsert = new UpsertOperator<TKey, TRow>(output, writer, feedback, keyOf, options);
            await upsert.StartAsync(ct).ConfigureAwait(false);
            return upsert;
        }
        catch
        {
            if (feedback is not null)
            {
                await feedback.DisposeAsync().ConfigureAwait(false);
            }

            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Adds this operator's state (its frontier and every live key's row) to <paramref name="draft"/> under
    /// <see cref="UpsertOptions.OperatorId"/>, for a checkpoint the caller commits with its other operators' state.
    /// The state is consistent by construction: it is exactly the shard's collection below <see cref="OutputFrontier"/>.
    /// </summary>
    public async Task SaveStateAsync(CheckpointDraft draft, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var saved = await UpsertCheckpoint.CaptureAsync(_state, _frontier, ShardId, ct).ConfigureAwait(false);
            draft.SetState(_options.OperatorId, saved);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Commits a checkpoint holding this operator's state through <see cref="UpsertOptions.Checkpointer"/>.</summary>
    /// <exception cref="InvalidOperationException">The options name no checkpointer.</exception>
    public async Task<CheckpointInfo> CheckpointAsync(CancellationToken ct = default)
    {
        var checkpointer = _options.Checkpointer
            ?? throw new InvalidOperationException($"The upsert of shard '{ShardId}' has no UpsertOptions.Checkpointer; add its state to your own draft with SaveStateAsync.");
        var draft = checkpointer.CreateDraft();
        await SaveStateAsync(draft, ct).ConfigureAwait(false);
        return await checkpointer.CommitAsync(draft, ct).ConfigureAwait(false);
    }

    private static ILogger Logger(UpsertOptions options) =>
        (ILogger?)options.LoggerFactory?.CreateLogger("Bulwark.Upsert.UpsertOperator") ?? NullLogger.Instance;

    private async Task StartAsync(CancellationToken ct)
    {
        var checkpoint = _options.RestoreFrom
            ?? (_options.Checkpointer is { } checkpointer ? (await checkpointer.RestoreLatestHealthyAsync(ct).ConfigureAwait(false)).Checkpoint : null);
        if (checkpoint is not null && checkpoint.TryGetState<UpsertCheckpoint>(_options.OperatorId, out var saved) && await RestoreAsync(checkpoint.Id, saved, ct).ConfigureAwait(false))
        {
            StartedFrom = UpsertStart.Checkpoint;
        }
        else
        {
            await RehydrateAsync(ct).ConfigureAwait(false);
            StartedFrom = _frontier == 0 ? UpsertStart.Empty : UpsertStart.Snapshot;
        }

        _metrics.Started(StartedFrom);
        UpsertLog.Started(_logger, WriterId, ShardId, StartedFrom, _frontier, _state.Count);
    }

    /// <summary>
    /// Restores the checkpointed state and applies the shard's updates from its frontier to the upper. False when the
    /// since has passed the checkpoint's frontier (the updates there may be compacted): the caller rehydrates instead.
    /// </summary>
    private async Task<bool> RestoreAsync(Guid checkpointId, UpsertCheckpoint saved, CancellationToken ct)
    {
        var state = await saved.RestoreAsync(ShardId, checkpointId, _options.OperatorId, _keyOf, ct).ConfigureAwait(false);
        (long Upper, List<Update<TRow>> Updates) read;
        try
        {
            read = await _feedback.ReadFromAsync(saved.Frontier, ct).ConfigureAwait(false);
        }
        catch (ShardFrontierException)
        {
            UpsertLog.SincePassedFrontier(_logger, WriterId, ShardId, saved.Frontier);
            return false;
        }

        if (read.Upper < saved.Frontier)
        {
            throw new UpsertCheckpointException(ShardId, checkpointId, _options.OperatorId, $"its frontier {saved.Frontier} is above the shard's upper {read.Upper}: the shard was recreated since");
        }

        state.ApplyShardUpdates(read.Updates);
        _metrics.Learned(read.Updates.Count);
        _state = state;
        Advance(read.Upper);
        return true;
    }

    /// <summary>Rebuilds the state from a consolidated snapshot just below the shard's upper.</summary>
    private async Task RehydrateAsync(CancellationToken ct)
    {
        var (upper, snapshot) = await _feedback.SnapshotAsync(ct).ConfigureAwait(false);
        _state = UpsertState<TKey, TRow>.FromSnapshot(ShardId, _keyOf, snapshot, upper - 1);
        Advance(upper);
    }
}
