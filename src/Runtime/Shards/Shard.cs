using System.Runtime.CompilerServices;
using Bulwark.Records;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Shards;

/// <summary>The frontiers of a shard at one consensus entry.</summary>
/// <param name="Since">Updates below it may have been compacted: reads must be as of a time at or above it.</param>
/// <param name="Upper">Every update at a time below it is final: reads must be as of a time below it.</param>
/// <param name="SeqNo">The consensus entry they were read from.</param>
public readonly record struct ShardFrontiers(long Since, long Upper, long SeqNo);

/// <summary>
/// A durable, timestamped collection of <see cref="Update{T}"/>s that any number of writers race on (DESIGN §7). The
/// state machine lives in an <see cref="IConsensus"/> key; the updates in Parquet parts in an
/// <see cref="IStorageBackend"/>. <typeparamref name="T"/> needs value equality (see <see cref="Update{T}"/>).
/// </summary>
/// <remarks>
/// Open a <see cref="ShardWriter{T}"/> to append with <see cref="ShardWriter{T}.CompareAndAppendAsync"/>, a
/// <see cref="ShardReader{T}"/> to hold the since while reading, or use <see cref="SnapshotAsync"/> and
/// <see cref="ListenAsync"/>, which hold a reader lease of their own while they run. Maintenance:
/// <see cref="AdvanceSinceAsync"/>, <see cref="ShardWriter{T}.CompactAsync"/>, <see cref="CollectGarbageAsync"/>.
/// </remarks>
public sealed partial class Shard<T>
    where T : IArrowRecord<T>
{
    private readonly ShardContext<T> _context;

    private Shard(ShardContext<T> context) => _context = context;

    public string ShardId => _context.ShardId;

    /// <summary>The upper of the newest state this handle has seen (refresh with <see cref="GetFrontiersAsync"/>).</summary>
    public long Upper => _context.Latest.State.Upper;

    /// <summary>The since of the newest state this handle has seen.</summary>
    public long Since => _context.Latest.State.Since;

    /// <summary>
    /// Opens shard <paramref name="shardId"/>, creating it (entry 0: empty, since and upper 0) if its consensus key is
    /// empty. Two processes creating it at once both succeed: the one whose first entry loses reads the winner's.
    /// </summary>
    /// <exception cref="ShardException">The shard holds another record type.</exception>
    /// <exception cref="ShardStateException">Its head entry is not a valid shard state.</exception>
    public static async Task<Shard<T>> OpenAsync(string shardId, IConsensus consensus, IStorageBackend blob, ShardOptions? options = null, CancellationToken ct = default)
    {
        ShardNames.ValidateShardId(shardId);
        ArgumentNullException.ThrowIfNull(consensus);
        ArgumentNullException.ThrowIfNull(blob);
        options ??= new ShardOptions();
        options.Validate();
        var logger = (ILogger?)options.LoggerFactory?.CreateLogger("Bulwark.Shards.Shard") ?? NullLogger.Instance;
        var parts = new ShardPartStore<T>(shardId, blob, options);
        var store = new ShardStateStore(shardId, consensus, options, logger);
        var schema = ShardPartFormat.Describe<T>();
        var head = await CreateOrReadAsync(store, options, logger, schema, ct).ConfigureAwait(false);
        if (head.State.RecordSchema != schema)
        {
            throw new ShardException(shardId, $"Shard '{shardId}' holds {head.State.RecordSchema}, not {schema} ({typeof(T).Name}).");
        }

        return new Shard<T>(new ShardContext<T>(store, parts, options, logger, head));
    }

    /// <summary>Reads the current frontiers from consensus.</summary>
    public async Task<ShardFrontiers> GetFrontiersAsync(CancellationToken ct = default)
    {
        var head = await _context.ReadHeadAsync("read the frontiers", ct).ConfigureAwait(false);
        return new ShardFrontiers(head.State.Since, head.State.Upper, head.SeqNo);
    }

    /// <summary>One consensus read, without retries, of the head (for health checks).</summary>
    internal Task<(ShardHead Head, ShardLease? Lease)> ProbeAsync(CancellationToken ct) => _context.ProbeLeaseAsync(Guid.Empty, ct);

    /// <summary>
    /// Opens a writer: takes a writer lease for <paramref name="writerId"/>, renewed by a heartbeat until the writer is
    /// disposed. A live handle with the same id is fenced off (its next append raises <see cref="ShardLeaseLostException"/>),
    /// so a restarted process takes its writer over without waiting for the old lease to expire.
    /// </summary>
    public Task<ShardWriter<T>> OpenWriterAsync(string writerId, CancellationToken ct = default)
    {
        ShardNames.ValidateHolderId(writerId, nameof(writerId));
        return ShardWriter<T>.OpenAsync(_context, writerId, ct);
    }

    /// <summary>
    /// Opens a reader whose lease holds the since at or below <paramref name="hold"/> (default: the current since)
    /// until it is disposed or moves its hold with <see cref="ShardReader{T}.DowngradeSinceAsync"/>.
    /// </summary>
    /// <exception cref="ShardFrontierException">The since has already passed <paramref name="hold"/>.</exception>
    public Task<ShardReader<T>> OpenReaderAsync(string readerId, long? hold = null, CancellationToken ct = default)
    {
        ShardNames.ValidateHolderId(readerId, nameof(readerId));
        return ShardReader<T>.OpenAsync(_context, readerId, hold, ct);
    }

    /// <summary>
    /// The collection as of <paramref name="asOf"/>, which must lie in <c>[Since, Upper)</c>: every update at a time at
    /// or below it, times below the since advanced to the since, consolidated (equal row and time summed, zeros
    /// dropped), ordered by time. A reader lease holds the since for the duration of the read.
    /// </summary>
    /// <exception cref="ShardFrontierException"><paramref name="asOf"/> is below the since or at or above the upper.</exception>
    public async Task<IReadOnlyList<Update<T>>> SnapshotAsync(long asOf, CancellationToken ct = default)
    {
        var reader = await ShardReader<T>.OpenAsync(_context, "snapshot-" + Guid.NewGuid().ToString("N"), asOf, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.SnapshotAsync(asOf, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A snapshot as of <paramref name="asOf"/>, then every later update as the upper advances (see
    /// <see cref="ShardEvent{T}"/>), under a reader lease whose hold follows the listener. Ends when the upper reaches
    /// <see cref="long.MaxValue"/> (the shard is closed) or <paramref name="ct"/> is cancelled.
    /// </summary>
    public async IAsyncEnumerable<ShardEvent<T>> ListenAsync(long asOf, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var reader = await ShardReader<T>.OpenAsync(_context, "listen-" + Guid.NewGuid().ToString("N"), asOf, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            await foreach (var item in reader.ListenAsync(asOf, ct).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// Advances the since toward <paramref name="target"/>: to the least of it, the upper and every live reader's hold,
    /// if that is above the current since (expired leases are removed first). Returns the since now in force.
    /// </summary>
    public async Task<long> AdvanceSinceAsync(long target, CancellationToken ct = default)
    {
        var now = _context.NowMs;
        var outcome = await _context.Store.TransitionAsync(
            "advance the since",
            head =>
            {
                var state = ShardTransitions.WithoutExpiredLeases(head.State, now);
                var since = Math.Min(target, ShardTransitions.SinceLimit(state));
                return since <= state.Since
                    ? Transition<long>.Stop(head.State.Since)
                    : Transition<long>.Write(state with { Since = since }, since);
            },
            ct).ConfigureAwait(false);
        _context.Observe(outcome.Head);
        return outcome.Result;
    }

    private static async Task<ShardHead> CreateOrReadAsync(ShardStateStore store, ShardOptions options, ILogger logger, string schema, CancellationToken ct)
    {
        var budget = new RetryBudget(options, store.ShardId, "create the shard");
        while (true)
        {
            if (await store.TryReadHeadAsync(budget, ct).ConfigureAwait(false) is { } head)
            {
                return head;
            }

            var initial = ShardState.Initial(store.ShardId, schema);
            try
            {
                // A mismatch means another process created the shard first: the loop reads its entry.
                var result = await store.Consensus.CompareAndSetAsync(store.Key, null, new VersionedData(0, ShardStateCodec.Encode(initial)), ct).ConfigureAwait(false);
                if (result.IsCommitted)
                {
                    ShardLog.Created(logger, store.ShardId, schema);
                    return new ShardHead(0, initial);
                }
            }
            catch (ConsensusException e) when (e.IsTransient)
            {
                // Unknown or failed: the next read shows whether an entry 0 exists, whoever wrote it.
                await budget.FailedAsync(e, ct).ConfigureAwait(false);
            }
        }
    }
}
