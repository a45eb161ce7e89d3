using System.Diagnostics.Metrics;
using Bulwark.Parquet;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>A row type for the shard tests: a generated [ArrowRecord] with value equality.</summary>
[ArrowRecord("edges")]
public sealed partial record Edge(long Src, string Dst);

/// <summary>Another row type, to show a shard is never opened as a type it does not hold.</summary>
[ArrowRecord("edges")]
public sealed partial record OtherEdge(long Src, long Dst);

/// <summary>
/// A shard over in-memory consensus and blob storage with a FakeTimeProvider: nothing here waits on the wall clock.
/// Backoff is zero so retries run at once; leases only expire when a test advances <see cref="Time"/>.
/// </summary>
internal sealed class ShardTestKit
{
    public const string ShardId = "edges-1";

    private static readonly ShardOptions DefaultOptions = new();

    public ShardTestKit(double failRate = 0, double indeterminateRate = 0, int seed = 1)
    {
        Consensus = new UnreliableConsensus(Memory, failRate, indeterminateRate, seed);
        Recording = new RecordingConsensus(Consensus);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public InMemoryConsensus Memory { get; } = new();

    /// <summary>The faulty layer over <see cref="Memory"/>, where tests inject failures.</summary>
    public UnreliableConsensus Consensus { get; }

    /// <summary>What shards opened by <see cref="OpenAsync"/> talk to: a recorder over <see cref="Consensus"/>.</summary>
    public RecordingConsensus Recording { get; }

    public InMemoryBackend Blob { get; } = new();

    public string PartsDirectory => ShardNames.PartsDirectory(ShardId);

    public ShardOptions Options(ShardDeviation deviations = ShardDeviation.None, int maxAttempts = 50, TimeProvider? time = null, ShardLimits? limits = null, IMeterFactory? meters = null) => new()
    {
        TimeProvider = time ?? Time,
        MeterFactory = meters,
        InitialBackoff = TimeSpan.Zero,
        MaxBackoff = TimeSpan.Zero,
        MaxAttempts = maxAttempts,
        LeaseDuration = TimeSpan.FromSeconds(30),
        HeartbeatInterval = TimeSpan.FromSeconds(10),
        ListenPollInterval = TimeSpan.FromSeconds(1),
        Deviations = deviations,
        MaxContendedRounds = limits?.ContendedRounds ?? DefaultOptions.MaxContendedRounds,
        MaxLeases = limits?.Leases ?? DefaultOptions.MaxLeases,
        MaxWriterRegistrations = limits?.WriterRegistrations ?? DefaultOptions.MaxWriterRegistrations,
        MaxStateBytes = limits?.StateBytes ?? DefaultOptions.MaxStateBytes,
        PartReadOptions = limits?.PartRead ?? DefaultOptions.PartReadOptions,
    };

    /// <summary>The <see cref="ShardOptions"/> limits a test lowers to reach them; a null one keeps the option's default.</summary>
    public sealed record ShardLimits(int? ContendedRounds = null, int? Leases = null, int? WriterRegistrations = null, int? StateBytes = null, ParquetReadOptions? PartRead = null);

    public Task<Shard<Edge>> OpenAsync(ShardDeviation deviations = ShardDeviation.None, int maxAttempts = 50, TimeProvider? time = null) =>
        Shard<Edge>.OpenAsync(ShardId, Recording, Blob, Options(deviations, maxAttempts, time));

    public static Update<Edge> U(long src, string dst, long time, long diff = 1) => new(new Edge(src, dst), time, diff);

    /// <summary>A batch of <paramref name="count"/> distinct rows at <paramref name="time"/>, tagged so batches never share rows.</summary>
    public static Update<Edge>[] Batch(string tag, long time, int count = 2) =>
        Enumerable.Range(0, count).Select(i => U(i, $"{tag}/{i}", time)).ToArray();

    /// <summary>Appends <paramref name="count"/> batches through <paramref name="writer"/>, at times 0, 1, …, each its own interval and part.</summary>
    public static async Task AppendBatchesAsync(ShardWriter<Edge> writer, int count)
    {
        for (var t = 0; t < count; t++)
        {
            Assert.True((await writer.CompareAndAppendAsync(Batch($"b{t}", t), t, t + 1, Guid.NewGuid())).IsCommitted);
        }
    }

    public async Task<string[]> PartFilesAsync()
    {
        try
        {
            return (await Blob.ListAsync(PartsDirectory)).Where(e => !e.IsDirectory).Select(e => e.Path).Order(StringComparer.Ordinal).ToArray();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    public async Task<ShardState> StateAsync()
    {
        var head = await Memory.HeadAsync(ShardNames.ConsensusKey(ShardId));
        return ShardStateCodec.Decode(ShardId, ShardNames.ConsensusKey(ShardId), head!);
    }

    /// <summary>
    /// Writes the head's state again, changed by <paramref name="change"/>, at the next entry: what another process's
    /// transition does behind the shards a test opened.
    /// </summary>
    public async Task WriteHeadAsync(Func<ShardState, ShardState> change)
    {
        var key = ShardNames.ConsensusKey(ShardId);
        var head = (await Memory.HeadAsync(key))!;
        var next = change(ShardStateCodec.Decode(ShardId, key, head));
        Assert.True((await Memory.CompareAndSetAsync(key, head.SeqNo, new VersionedData(head.SeqNo + 1, ShardStateCodec.Encode(next)))).IsCommitted);
    }

    /// <summary>The parts the head references, sorted, to compare with <see cref="PartFilesAsync"/>.</summary>
    public async Task<string[]> ReferencedPartsAsync() =>
        (await StateAsync()).Parts.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();

    public static void Same(IEnumerable<Update<Edge>> expected, IEnumerable<Update<Edge>> actual) =>
        Assert.Equal(
            expected.OrderBy(u => u.Time).ThenBy(u => u.Row.Src).ThenBy(u => u.Row.Dst, StringComparer.Ordinal).ToArray(),
            actual.OrderBy(u => u.Time).ThenBy(u => u.Row.Src).ThenBy(u => u.Row.Dst, StringComparer.Ordinal).ToArray());

    /// <summary>
    /// Advances the fake clock in steps until <paramref name="task"/> completes: for code that waits on the clock from
    /// a background task, where one advance could land before the wait is set up. The short real pause only hands the
    /// two cores to the background work; no assertion depends on it.
    /// </summary>
    public async Task<T> PumpAsync<T>(Task<T> task, TimeSpan step)
    {
        for (var round = 0; !task.IsCompleted; round++)
        {
            Assert.True(round < 20_000, "the awaited operation never completed while the fake clock advanced");
            Time.Advance(step);
            await Task.WhenAny(task, Task.Delay(5));
        }

        return await task;
    }
}
