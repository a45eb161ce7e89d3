using System.Security.Cryptography;
using Bulwark.Shards;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// The consensus of a shard at one moment: its entries' bytes by sequence number, the head and the first entry not
/// truncated. Consensus here is durable the moment a compare-and-set returns (as FileConsensus and PostgreSQL are), so
/// a simulated power loss drops nothing from it: only the blob side loses unsynced writes and renames.
/// </summary>
internal sealed class ConsensusImage(IReadOnlyList<byte[]> data, long head, long first)
{
    private string? _key;

    public static ConsensusImage Empty { get; } = new([], -1, 0);

    public IReadOnlyList<byte[]> Data => data;

    public long Head => head;

    public long First => first;

    /// <summary>A fingerprint of the retained entries: equal keys, equal consensus.</summary>
    public string Key => _key ??= head < 0 ? "empty" : Convert.ToHexString(SHA256.HashData(data.Skip((int)first).Take((int)(head - first + 1)).SelectMany(d => BitConverter.GetBytes(d.Length).Concat(d)).ToArray()));

    /// <summary>A fresh in-memory consensus holding exactly these entries.</summary>
    public async Task<InMemoryConsensus> BuildAsync()
    {
        var consensus = new InMemoryConsensus();
        var key = ShardNames.ConsensusKey(ShardTestKit.ShardId);
        for (var seqNo = 0L; seqNo <= head; seqNo++)
        {
            await consensus.CompareAndSetAsync(key, seqNo == 0 ? null : seqNo - 1, new VersionedData(seqNo, data[(int)seqNo]));
        }

        await consensus.TruncateAsync(key, first);
        return consensus;
    }
}

/// <summary>
/// An in-memory consensus that records, against the blob trace, when it changed: <see cref="ImageAt"/> gives the
/// consensus a crash after any prefix of the trace finds. <see cref="BeforeNextCompareAndSet"/> lets a test slip a
/// peer's append in just before a writer's compare-and-set, so that writer loses the race with its part written.
/// </summary>
internal sealed class TimelineConsensus : IConsensus
{
    private readonly InMemoryConsensus _inner;
    private readonly CrashSimulatingBackend _blob;
    private readonly List<byte[]> _data;
    private readonly List<(int Position, ConsensusImage Image)> _timeline = [];
    private readonly List<(int Position, ConsensusImage Image, CrashState Blob)> _boundaries = [];
    private long _head;
    private long _first;

    private TimelineConsensus(InMemoryConsensus inner, CrashSimulatingBackend blob, ConsensusImage initial)
    {
        _inner = inner;
        _blob = blob;
        _data = [.. initial.Data.Take((int)(initial.Head + 1))];
        _head = initial.Head;
        _first = initial.First;
        _timeline.Add((0, initial));
    }

    public Func<Task>? BeforeNextCompareAndSet { get; set; }

    public static async Task<TimelineConsensus> StartAsync(CrashSimulatingBackend blob, ConsensusImage initial) =>
        new(await initial.BuildAsync(), blob, initial);

    /// <summary>
    /// The blob's durable and visible states just after each change of consensus, with it. The enumeration of a trace
    /// merges states by their blob content, so a crash right after a compare-and-set (the part synced, the state
    /// committed) is otherwise met only with the consensus from before it.
    /// </summary>
    public IReadOnlyList<(int Position, ConsensusImage Image, CrashState Blob)> Boundaries => _boundaries;

    /// <summary>The consensus as of the moment the first <paramref name="prefix"/> blob operations had happened.</summary>
    public ConsensusImage ImageAt(int prefix) => _timeline.Last(t => t.Position <= prefix).Image;

    public Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default) => _inner.HeadAsync(key, ct);

    public async Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        if (BeforeNextCompareAndSet is { } peer)
        {
            BeforeNextCompareAndSet = null;
            await peer();
        }

        var result = await _inner.CompareAndSetAsync(key, expectedSeqNo, next, ct);
        if (result.IsCommitted)
        {
            _data.Add(next.Data.ToArray());
            _head = next.SeqNo;
            Record();
        }

        return result;
    }

    public IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, CancellationToken ct = default) =>
        _inner.ScanAsync(key, fromSeqNo, limit, ct);

    public async Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default)
    {
        var removed = await _inner.TruncateAsync(key, belowSeqNo, ct);
        if (removed > 0)
        {
            _first += removed;
            Record();
        }

        return removed;
    }

    private void Record()
    {
        var image = new ConsensusImage([.. _data], _head, _first);
        _timeline.Add((_blob.TraceCount, image));
        _boundaries.Add((_blob.TraceCount, image, _blob.CaptureDurableState()));
        _boundaries.Add((_blob.TraceCount, image, _blob.CaptureVisibleState()));
    }
}

/// <summary>An append of the sweep's workload and where in the blob trace it started and answered.</summary>
internal sealed record SweptAppend(string Writer, int Run, int Number, long Expected, long NewUpper, int Started)
{
    public int Answered { get; set; } = int.MaxValue;

    public AppendResult Result { get; set; }

    public Guid Token => new(Run, (short)Number, (short)Writer[0], [0, 0, 0, 0, 0, 0, 0, 1]);

    public string Tag => $"{Writer}/{Run}/{Number}";

    public long Width => NewUpper - Expected;

    public Update<Edge>[] Batch() =>
        [.. Enumerable.Range(0, 1 + (Number % 3)).Select(i => ShardTestKit.U(i, $"{Tag}/{i}", Expected + (i % Width)))];
}

/// <summary>
/// One run of the sweep's workload, two writers on one shard over a crash-simulating blob and a
/// <see cref="TimelineConsensus"/>, from a crash state and the consensus that crash left. A first run does
/// <c>rounds</c> rounds of: writer a appends; writer b writes a part and loses its compare-and-set to an append of a
/// slipped in just before it (its part is deleted); b appends; the since advances; a compacts; garbage is collected.
/// A run after a crash starts a day later (every old lease has expired): it collects garbage, reopens both writers,
/// retries each writer's append the crash left unanswered with its token, then does its rounds.
/// </summary>
internal sealed class ShardCrashWorkload
{
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public List<SweptAppend> Appends { get; } = [];

    public List<(SweptAppend Append, AppendResult Result, bool WasIn, int Answered)> Retries { get; } = [];

    public IReadOnlyList<StorageOperation> Trace { get; private set; } = [];

    public TimelineConsensus Consensus { get; private set; } = null!;

    public static ShardOptions Options(TimeProvider time, ShardDeviation deviations = ShardDeviation.None) => new()
    {
        TimeProvider = time,
        InitialBackoff = TimeSpan.Zero,
        MaxBackoff = TimeSpan.Zero,
        LeaseDuration = TimeSpan.FromSeconds(30),
        HeartbeatInterval = TimeSpan.FromSeconds(10),
        Deviations = deviations,
    };

    public static async Task<ShardCrashWorkload> RunAsync(CrashState blobState, ConsensusImage consensusImage, int run, int rounds, IReadOnlyList<SweptAppend> unanswered, ShardDeviation deviations)
    {
        var blob = CrashSimulatingBackend.FromState(blobState);
        var w = new ShardCrashWorkload { Consensus = await TimelineConsensus.StartAsync(blob, consensusImage) };
        var time = new FakeTimeProvider(Start.AddDays(run));
        var shard = await Shard<Edge>.OpenAsync(ShardTestKit.ShardId, w.Consensus, blob, Options(time, deviations));
        if (run > 0)
        {
            await shard.CollectGarbageAsync();
        }

        await using var a = await shard.OpenWriterAsync("a");
        await using var b = await shard.OpenWriterAsync("b");
        foreach (var append in unanswered)
        {
            // Retried with the same token: it must answer AlreadyCommitted exactly when its rows are in the shard.
            var upper = (await shard.GetFrontiersAsync()).Upper;
            var wasIn = upper > 0 && (await shard.SnapshotAsync(upper - 1)).Any(u => u.Row.Dst.StartsWith(append.Tag + "/", StringComparison.Ordinal));
            var result = await (append.Writer == "a" ? a : b).CompareAndAppendAsync(append.Batch(), append.Expected, append.NewUpper, append.Token);
            w.Retries.Add((append, result, wasIn, blob.TraceCount));
        }

        var number = 0;
        for (var round = 0; round < rounds; round++)
        {
            await w.AppendAsync(shard, a, blob, run, number++);
            var upper = (await shard.GetFrontiersAsync()).Upper;
            w.Consensus.BeforeNextCompareAndSet = () => w.AppendAsync(shard, a, blob, run, number++, upper);
            await w.AppendAsync(shard, b, blob, run, number++, upper);
            await w.AppendAsync(shard, b, blob, run, number++);
            await shard.AdvanceSinceAsync((await shard.GetFrontiersAsync()).Upper - 1);
            await a.CompactAsync();
            await shard.CollectGarbageAsync();
        }

        w.Trace = blob.Trace;
        return w;
    }

    /// <summary>The appends reported in the shard once the first <paramref name="prefix"/> blob operations had happened.</summary>
    public IEnumerable<SweptAppend> ReportedInShard(int prefix) =>
        Appends.Where(x => x.Answered <= prefix && x.Result.IsInShard)
            .Concat(Retries.Where(r => r.Answered <= prefix && r.Result.IsInShard).Select(r => r.Append));

    /// <summary>
    /// Per writer, its latest append started and not answered before <paramref name="prefix"/>: one answered just at
    /// it counts too, for the power may have failed after its compare-and-set and before the answer reached the caller.
    /// </summary>
    public IReadOnlyList<SweptAppend> UnansweredAt(int prefix) =>
        [.. Appends.Where(x => x.Started <= prefix && x.Answered >= prefix).GroupBy(x => x.Writer).Select(g => g.MaxBy(x => x.Started)!)];

    private async Task AppendAsync(Shard<Edge> shard, ShardWriter<Edge> writer, CrashSimulatingBackend blob, int run, int number, long? expected = null)
    {
        var upper = expected ?? (await shard.GetFrontiersAsync()).Upper;
        var append = new SweptAppend(writer.WriterId, run, number, upper, upper + 1 + (number % 2), blob.TraceCount);
        Appends.Add(append);
        append.Result = await writer.CompareAndAppendAsync(append.Batch(), append.Expected, append.NewUpper, append.Token);
        append.Answered = blob.TraceCount;
    }
}
