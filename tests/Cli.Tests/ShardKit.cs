using Bulwark.Shards;
using Bulwark.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Cli.Tests;

[ArrowRecord("edges")]
public sealed partial record Edge(long Src, string Dst);

/// <summary>
/// A shard over a FileConsensus directory and a local blob directory, on a fake clock that only the test moves (so
/// no heartbeat fires and a lease expires exactly when the test says). Retries do not wait.
/// </summary>
internal sealed class ShardKit
{
    public const string ShardId = "edges-1";

    public ShardKit(string work)
    {
        ConsensusDirectory = Path.Combine(work, "consensus");
        BlobDirectory = Path.Combine(work, "blob");
    }

    public string ConsensusDirectory { get; }

    public string BlobDirectory { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public static TimeSpan LeaseDuration => TimeSpan.FromSeconds(30);

    public ShardOptions Options => new()
    {
        TimeProvider = Time,
        LeaseDuration = LeaseDuration,
        HeartbeatInterval = TimeSpan.FromSeconds(10),
        InitialBackoff = TimeSpan.Zero,
        MaxBackoff = TimeSpan.Zero,
        MaxAttempts = 3,
    };

    public Task<Shard<Edge>> OpenAsync(IConsensus? consensus = null, string shardId = ShardId, IStorageBackend? blob = null) =>
        Shard<Edge>.OpenAsync(shardId, consensus ?? new FileConsensus(ConsensusDirectory), blob ?? new LocalFileSystemBackend(BlobDirectory), Options);

    public static Update<Edge>[] Batch(string tag, long time, int count) =>
        Enumerable.Range(0, count).Select(i => new Update<Edge>(new Edge(i, $"{tag}/{i}"), time, 1)).ToArray();

    /// <summary>
    /// Writer w1 appends 2 rows for [0, 10) and 3 rows for [10, 20) and stays open; reader r1 holds the since at 5 and
    /// stays open; writer w2's append writes its part but every compare-and-set has an unknown outcome, so the part
    /// stays, and once w2 is closed no state references it and no live writer can commit it: an orphan.
    /// </summary>
    public async Task<ShardScene> BuildAsync(IConsensus? consensus = null, IStorageBackend? blob = null)
    {
        var flaky = new FlakyConsensus(consensus ?? new FileConsensus(ConsensusDirectory));
        var shard = await OpenAsync(flaky, blob: blob);
        var writer = await shard.OpenWriterAsync("w1");
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0, 2), 0, 10, Guid.NewGuid())).IsCommitted);
        Assert.True((await writer.CompareAndAppendAsync(Batch("b", 10, 3), 10, 20, Guid.NewGuid())).IsCommitted);
        var reader = await shard.OpenReaderAsync("r1", hold: 5);

        await using (var loser = await shard.OpenWriterAsync("w2"))
        {
            flaky.Fail = true;
            var failure = await Assert.ThrowsAsync<ShardUnavailableException>(() => loser.CompareAndAppendAsync(Batch("c", 20, 4), 20, 30, Guid.NewGuid()));
            Assert.True(failure.OutcomeUnknown);
            flaky.Fail = false;
        }

        return new ShardScene(shard, writer, reader);
    }

    /// <summary>The head state as the consensus directory holds it.</summary>
    public async Task<(long SeqNo, ShardState State)> HeadAsync(IConsensus? consensus = null)
    {
        var head = await (consensus ?? new FileConsensus(ConsensusDirectory)).HeadAsync(ShardNames.ConsensusKey(ShardId));
        return (head!.SeqNo, ShardStateCodec.Decode(ShardId, ShardNames.ConsensusKey(ShardId), head));
    }

    /// <summary>The file of entry <paramref name="seqNo"/> of the shard's key in the FileConsensus directory.</summary>
    public string EntryFile(long seqNo) =>
        Path.Combine(ConsensusDirectory, Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(ShardNames.ConsensusKey(ShardId))), seqNo.ToString("D20", System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>The open handles of a built shard; disposing closes them (their leases are released).</summary>
internal sealed record ShardScene(Shard<Edge> Shard, ShardWriter<Edge> Writer, ShardReader<Edge> Reader) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Reader.DisposeAsync();
        await Writer.DisposeAsync();
    }
}

/// <summary>Forwards to another consensus; while <see cref="Fail"/> is set, every compare-and-set has an unknown outcome and takes no effect.</summary>
internal sealed class FlakyConsensus(IConsensus inner) : IConsensus
{
    public bool Fail { get; set; }

    public Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default) => inner.HeadAsync(key, ct);

    public Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default) =>
        Fail ? throw new IndeterminateConsensusException("the answer was lost") : inner.CompareAndSetAsync(key, expectedSeqNo, next, ct);

    public IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, CancellationToken ct = default) => inner.ScanAsync(key, fromSeqNo, limit, ct);

    public Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default) => inner.TruncateAsync(key, belowSeqNo, ct);
}
