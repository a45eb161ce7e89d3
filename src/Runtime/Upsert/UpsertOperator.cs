using System.Diagnostics.CodeAnalysis;
using Bulwark.Records;
using Bulwark.Shards;
using Microsoft.Extensions.Logging;

namespace Bulwark.Upsert;

/// <summary>
/// Keeps, per key, the latest row of a stream of <see cref="UpsertInput{TKey, TRow}"/> and writes the changes to an
/// output shard as retractions and insertions, reading the shard's upper back as feedback (DESIGN §7). Any number of
/// replicas may run it on one shard, each with its own writer id and the same input: whichever wins an interval's
/// compare-and-append writes it, the others read what it wrote and drop their own input for those times.
/// </summary>
/// <remarks>
/// <para>
/// Each buffered input at time <c>ts</c> is classified against the shard's upper: below it, a peer already wrote that
/// time, so the input is dropped; at it, the next append applies it (per key, the highest source offset of the time
/// wins); above it, it waits. Once <see cref="AdvanceInputAsync"/> moves the input frontier past the upper, the operator
/// compare-and-appends <c>[upper, input frontier)</c> — an empty batch if nothing changed, so the upper moves even
/// when no input arrived. If a peer moved the upper first, the operator reads the updates the peer wrote, applies them
/// to its state (the peer's output is the truth), drops its input below the new upper and tries again from there.
/// No input is ever kept below the upper, so <see cref="OutputFrontier"/> never falls behind the shard and no replica
/// can pin it: replicas converge, and none freezes the shard.
/// </para>
/// <para>
/// The calls of one operator run one at a time; the members that read its state (<see cref="TryGetRow"/>,
/// <see cref="KeyCount"/>) are for its caller between calls. A failed append (the shard unavailable, the call cancelled) changes no
/// state; the next call retries it with the same idempotency token first, so it is never in the shard twice.
/// </para>
/// </remarks>
public sealed partial class UpsertOperator<TKey, TRow> : IAsyncDisposable
    where TKey : notnull
    where TRow : class, IArrowRecord<TRow>
{
    private readonly Shard<TRow> _shard;
    private readonly ShardWriter<TRow> _writer;
    private readonly UpsertFeedback<TRow> _feedback;
    private readonly Func<TRow, TKey> _keyOf;
    private readonly UpsertOptions _options;
    private readonly ILogger _logger;
    private readonly UpsertInstruments _metrics;
    private readonly UpsertInputBuffer<TKey, TRow> _buffer = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly bool _twoWay;
    private UpsertState<TKey, TRow> _state;

    // The shard's upper as far as _state reflects it: _state is exactly the shard's collection below it.
    private long _frontier;
    private long _inputFrontier;
    private long _outputFrontier;
    private UpsertPlan<TKey, TRow>? _pending;
    private bool _disposed;

    public string ShardId => _shard.ShardId;

    public string WriterId => _writer.WriterId;

    /// <summary>
    /// Every update of this operator's output at a time below it is in the shard: the shard's upper as the operator last
    /// read or wrote it. It only moves forward; with a peer ahead it catches up at the next call.
    /// </summary>
    public long OutputFrontier => Interlocked.Read(ref _outputFrontier);

    /// <summary>The input frontier: no input at a time below it will be pushed (0 until <see cref="AdvanceInputAsync"/>).</summary>
    public long InputFrontier => Interlocked.Read(ref _inputFrontier);

    /// <summary>Where the per-key state came from when the operator opened.</summary>
    public UpsertStart StartedFrom { get; private set; }

    /// <summary>Live keys: those whose row is in the shard below <see cref="OutputFrontier"/>.</summary>
    public int KeyCount => _state.Count;

    /// <summary>Inputs waiting for the input frontier to pass their time (one per key and time).</summary>
    public int BufferedInputs => _buffer.Count;

    /// <summary>The row <paramref name="key"/> has in the shard below <see cref="OutputFrontier"/>; false if it has none.</summary>
    public bool TryGetRow(TKey key, [MaybeNullWhen(false)] out TRow row)
    {
        if (_state.TryGet(key, out var value))
        {
            row = value.Row;
            return true;
        }

        row = null;
        return false;
    }

    /// <summary>For tests: the live rows by key.</summary>
    internal IReadOnlyDictionary<TKey, TRow> Rows => _state.Entries.ToDictionary(e => e.Key, e => e.Value.Row);

    /// <summary>
    /// Buffers <paramref name="inputs"/>. Inputs below the output frontier are dropped at once (a peer wrote those
    /// times); the others wait for <see cref="AdvanceInputAsync"/>. The batch is checked as a whole before any of it is
    /// buffered.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// An input's time is negative or below the input frontier, or its row's key (by the key function) is not its key;
    /// the message names the input.
    /// </exception>
    public async Task PushAsync(IEnumerable<UpsertInput<TKey, TRow>> inputs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var batch = inputs as IReadOnlyList<UpsertInput<TKey, TRow>> ?? inputs.ToArray();
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var input in batch)
            {
                Validate(input);
            }

            long dropped = 0, superseded = 0;
            foreach (var input in batch)
            {
                if (UpsertClassifier.Classify(input.Time, _frontier, _twoWay) == UpsertClass.Drop)
                {
                    dropped++;
                }
                else if (_buffer.Add(input.Key, input.Row, input.Time, input.Offset))
                {
                    superseded++;
                }
            }

            _metrics.Inputs("dropped", dropped);
            _metrics.Inputs("superseded", superseded);
            PublishFrontier();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Moves the input frontier to <paramref name="inputFrontier"/> (no input below it will come) and brings the output
    /// up to it: appends <c>[upper, inputFrontier)</c> with the buffered inputs there, catching up with peers as often
    /// as they win; when the input frontier is not above the upper, reads what peers wrote instead. Calling it again
    /// with the same frontier is how a replica whose input has stopped follows the shard.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputFrontier"/> is below the current input frontier.</exception>
    /// <exception cref="ShardException">The shard failed; the state is unchanged and the next call retries.</exception>
    /// <exception cref="UpsertStateException">The shard holds updates an upsert could not have written.</exception>
    public async Task AdvanceInputAsync(long inputFrontier, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (inputFrontier < _inputFrontier)
            {
                throw new ArgumentOutOfRangeException(nameof(inputFrontier), inputFrontier, $"The input frontier of the upsert of shard '{ShardId}' is {_inputFrontier}; it cannot go back.");
            }

            Interlocked.Exchange(ref _inputFrontier, inputFrontier);
            await DriveAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            PublishFrontier();
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _feedback.DisposeAsync().ConfigureAwait(false);
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DriveAsync(CancellationToken ct)
    {
        while (true)
        {
            var plan = _pending ?? UpsertPlanner.Build(_state, _buffer, _frontier, _inputFrontier);
            if (plan is null)
            {
                // Nothing to append: follow what peers wrote, so the frontier keeps up with the shard.
                await CatchUpAsync(ct).ConfigureAwait(false);
                return;
            }

            // Kept until its outcome is known: whatever interrupts the append, the retry reuses the token.
            _pending = plan;
            AppendResult result;
            try
            {
                result = await _writer.CompareAndAppendAsync(plan.Updates, plan.ExpectedUpper, plan.NewUpper, plan.Token, ct).ConfigureAwait(false);
            }
            catch (ShardException e)
            {
                _metrics.Append("failed");
                UpsertLog.AppendFailed(_logger, e, WriterId, plan.ExpectedUpper, plan.NewUpper, ShardId);
                throw;
            }

            _pending = null;
            if (result.IsInShard)
            {
                _state.Apply(plan.Changes);
                _buffer.RemoveBelow(plan.NewUpper);
                Advance(plan.NewUpper);
                _metrics.Append(result.IsCommitted ? "committed" : "already_committed");
                _metrics.Written(plan.Updates.Count);
                _metrics.Inputs("written", plan.Inputs);
                UpsertLog.Appended(_logger, WriterId, plan.ExpectedUpper, plan.NewUpper, ShardId, plan.Updates.Count, plan.Inputs, result.ToString());
                continue;
            }

            _metrics.Append("upper_mismatch");
            UpsertLog.LostRace(_logger, WriterId, plan.ExpectedUpper, plan.NewUpper, ShardId, result.CurrentUpper);
            await CatchUpAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the updates written from the frontier to the shard's upper and applies them: the state then reflects the
    /// shard below its upper, and the buffered input below that upper is dropped. If the since has passed the frontier
    /// (someone compacted what this operator has not read), the state is rebuilt from a snapshot instead.
    /// </summary>
    private async Task CatchUpAsync(CancellationToken ct)
    {
        (long Upper, List<Update<TRow>> Updates) read;
        try
        {
            read = await _feedback.ReadFromAsync(_frontier, ct).ConfigureAwait(false);
        }
        catch (ShardFrontierException)
        {
            UpsertLog.SincePassedFrontier(_logger, WriterId, ShardId, _frontier);
            await RehydrateAsync(ct).ConfigureAwait(false);
            return;
        }

        if (read.Upper < _frontier)
        {
            throw new UpsertException(ShardId, $"Shard '{ShardId}' has upper {read.Upper}, below the {_frontier} the upsert '{WriterId}' already read: it was recreated or reset.");
        }

        if (read.Upper == _frontier)
        {
            return;
        }

        _state.ApplyShardUpdates(read.Updates);
        _metrics.Learned(read.Updates.Count);
        var from = _frontier;
        var dropped = Advance(read.Upper);
        UpsertLog.CaughtUp(_logger, WriterId, ShardId, from, read.Upper, read.Updates.Count, dropped);
    }

    /// <summary>Records that the state now reflects the shard below <paramref name="upper"/>; returns the inputs dropped below it.</summary>
    private int Advance(long upper)
    {
        _frontier = upper;
        _feedback.Follow(upper);
        var dropped = _buffer.Reclassify(upper, _twoWay);
        _metrics.Inputs("dropped", dropped);
        PublishFrontier();
        return dropped;
    }

    /// <summary>The output frontier: the upper, unless a buffered input below it (two-way deviation only) pins it lower.</summary>
    private void PublishFrontier() => Interlocked.Exchange(ref _outputFrontier, Math.Min(_frontier, _buffer.EarliestTime ?? long.MaxValue));

    private void Validate(UpsertInput<TKey, TRow> input)
    {
        var key = UpsertState<TKey, TRow>.Describe(input.Key);
        if (input.Time < 0)
        {
            throw new ArgumentException($"The input for key {key} at offset {input.Offset} has a negative time, {input.Time}.", "inputs");
        }

        if (input.Time < _inputFrontier)
        {
            throw new ArgumentException($"The input for key {key} at offset {input.Offset} has time {input.Time}, below the input frontier {_inputFrontier} of the upsert of shard '{ShardId}'.", "inputs");
        }

        if (input.Row is not null)
        {
            var derived = _keyOf(input.Row);
            if (!EqualityComparer<TKey>.Default.Equals(derived, input.Key))
            {
                throw new ArgumentException($"The input for key {key} at time {input.Time}, offset {input.Offset}, holds a row whose key is {UpsertState<TKey, TRow>.Describe(derived)}: the key function must map each row to its input's key.", "inputs");
            }
        }
    }
}
