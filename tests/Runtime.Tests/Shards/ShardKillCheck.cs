using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Tests.Worker;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// Opens the shard of <see cref="ShardProcessKillTests"/> from the test process and checks it against the
/// <see cref="ShardKillLedger"/>. After every kill (a writer may still be running): the shard opens, the upper never
/// went back, every append reported in the shard is in a snapshot whole and once, no referenced part is one a
/// collection deleted. Snapshots are kept; at quiescence (no writer running, every line read) each row of each is
/// checked to belong to an announced append at the announced times, the batches of the newest tile [0, upper), and a
/// collection with every lease expired leaves exactly the parts the head references.
/// </summary>
internal sealed class ShardKillCheck(string root, ShardKillLedger ledger)
{
    private readonly List<(long Upper, long Since, IReadOnlyList<Update<ShardRow>> Rows)> _snapshots = [];

    /// <summary>Per writer, whether the append a kill left unanswered was in the shard at the last check.</summary>
    private readonly Dictionary<AppendKey, bool> _pendingIn = [];

    public long Upper { get; private set; }

    public int Snapshots { get; private set; }

    public int Orphans { get; private set; }

    public int RetriesAlreadyIn { get; private set; }

    public async Task CheckAsync(bool quiescent, string context)
    {
        var consensus = new FileConsensus(ShardWorkload.ConsensusDirectory(root));
        var blob = new LocalFileSystemBackend(ShardWorkload.BlobDirectory(root));
        var shard = await Shard<ShardRow>.OpenAsync(ShardWorkload.ShardId, consensus, blob, ShardWorkload.Options());
        var (upper, since, rows) = await SnapshotAsync(shard);
        Snapshots++;
        Assert.True(upper >= Upper, $"{context}: the upper went back from {Upper} to {upper}");
        Upper = upper;

        var found = new Dictionary<AppendKey, List<Update<ShardRow>>>();
        foreach (var update in rows)
        {
            Assert.True(update.Diff == 1, $"{context}: {update} is in the shard {update.Diff} times");
            var key = AppendKey.Of(update.Row);
            if (!found.TryGetValue(key, out var list))
            {
                found[key] = list = [];
            }

            Assert.DoesNotContain(list, u => u.Row.Index == update.Row.Index);
            list.Add(update);
        }

        var missing = ledger.InShard.Where(k => ledger.Attempts[k].NewUpper <= upper && !found.ContainsKey(k)).ToArray();
        Assert.True(missing.Length == 0, $"{context}: appends reported in the shard are missing: {string.Join(", ", missing)}");
        foreach (var (_, pending) in ledger.Pending)
        {
            _pendingIn[pending] = found.ContainsKey(pending);
        }

        var head = ShardStateCodec.Decode(ShardWorkload.ShardId, ShardNames.ConsensusKey(ShardWorkload.ShardId), (await consensus.HeadAsync(ShardNames.ConsensusKey(ShardWorkload.ShardId)))!);
        var resurrected = head.Parts.Select(p => p.Key).Where(ledger.Deleted.Contains).ToArray();
        Assert.True(resurrected.Length == 0, $"{context}: parts a collection deleted are referenced: {string.Join(", ", resurrected)}");
        _snapshots.Add((upper, since, rows));
        if (quiescent)
        {
            CheckSnapshots(context);
            CheckTiling(found, upper, context);
            await CollectAsync(consensus, blob, context);
        }
    }

    /// <summary>A restarted writer's retry of its unanswered append: AlreadyCommitted exactly when the batch was found in the shard.</summary>
    public void CheckRetry(AppendKey key, string outcome, string context)
    {
        Assert.True(_pendingIn.TryGetValue(key, out var wasIn), $"{context}: a retry of {key}, which no check saw pending");
        Assert.True(wasIn ? outcome == "already" : outcome is "committed" or "mismatch", $"{context}: the retry of {key} answered {outcome}, but the batch was {(wasIn ? "" : "not ")}in the shard");
        RetriesAlreadyIn += wasIn ? 1 : 0;
    }

    /// <summary>A snapshot as of upper - 1, retried if a writer advanced the since past it meanwhile; and the since after it.</summary>
    private static async Task<(long Upper, long Since, IReadOnlyList<Update<ShardRow>> Rows)> SnapshotAsync(Shard<ShardRow> shard)
    {
        for (var attempt = 0; ; attempt++)
        {
            var frontiers = await shard.GetFrontiersAsync();
            if (frontiers.Upper == 0)
            {
                return (0, 0, []);
            }

            try
            {
                var rows = await shard.SnapshotAsync(frontiers.Upper - 1);
                return (frontiers.Upper, (await shard.GetFrontiersAsync()).Since, rows);
            }
            catch (ShardFrontierException) when (attempt < 100)
            {
                // The since moved past the read time between the two calls; read the newer frontiers.
            }
        }
    }

    /// <summary>Every row of every snapshot is of an announced append, at its time or advanced to at most the since; a batch below the read upper is whole.</summary>
    private void CheckSnapshots(string context)
    {
        foreach (var (upper, since, rows) in _snapshots)
        {
            foreach (var group in rows.GroupBy(u => AppendKey.Of(u.Row)))
            {
                Assert.True(ledger.Attempts.TryGetValue(group.Key, out var attempt), $"{context}: rows of {group.Key}, an append never announced, are in the shard");
                var batch = ShardWorkload.Batch(group.Key.Writer, group.Key.Run, group.Key.Append, attempt.Expected).ToDictionary(u => u.Row.Index);
                foreach (var update in group)
                {
                    Assert.True(batch.TryGetValue(update.Row.Index, out var original) && original.Row == update.Row, $"{context}: {update} is not a row its append carried");
                    Assert.True(update.Time == original.Time || (update.Time > original.Time && update.Time <= since), $"{context}: {update} should be at time {original.Time} (or advanced to at most the since {since})");
                }

                Assert.True(attempt.NewUpper > upper || group.Count() == batch.Count, $"{context}: {group.Key} is in the shard in part: {group.Count()} of {batch.Count} rows");
            }
        }

        _snapshots.Clear();
    }

    /// <summary>With no writer running, the batches in the shard are appends whose intervals follow each other from 0 to the upper.</summary>
    private void CheckTiling(Dictionary<AppendKey, List<Update<ShardRow>>> found, long upper, string context)
    {
        var next = 0L;
        foreach (var key in found.Keys.OrderBy(k => ledger.Attempts[k].Expected))
        {
            var (expected, newUpper) = ledger.Attempts[key];
            Assert.True(expected == next, $"{context}: {key} was appended at {expected}, but the batches before it end at {next}");
            next = newUpper;
        }

        Assert.True(next == upper, $"{context}: the batches end at {next}, the upper is {upper}");
    }

    /// <summary>
    /// A collection from a clock past every lease: the parts left must be exactly those the head references (every
    /// orphan a kill left is removed, no referenced part is).
    /// </summary>
    private async Task CollectAsync(FileConsensus consensus, IStorageBackend blob, string context)
    {
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(1));
        var options = ShardWorkload.Options();
        var shard = await Shard<ShardRow>.OpenAsync(ShardWorkload.ShardId, consensus, blob, new ShardOptions
        {
            TimeProvider = later,
            LeaseDuration = options.LeaseDuration,
            HeartbeatInterval = options.HeartbeatInterval,
            InitialBackoff = options.InitialBackoff,
            MaxBackoff = options.MaxBackoff,
            MaxAttempts = options.MaxAttempts,
        });
        var before = await PartFilesAsync(blob);
        var garbage = await shard.CollectGarbageAsync();
        var head = ShardStateCodec.Decode(ShardWorkload.ShardId, ShardNames.ConsensusKey(ShardWorkload.ShardId), (await consensus.HeadAsync(ShardNames.ConsensusKey(ShardWorkload.ShardId)))!);
        var referenced = head.Parts.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
        var after = await PartFilesAsync(blob);
        Assert.True(referenced.SequenceEqual(after), $"{context}: after a collection with every lease expired the part files are [{string.Join(", ", after)}], the head references [{string.Join(", ", referenced)}]");
        Assert.Equal(before.Length - after.Length, garbage.DeletedParts);
        Orphans += garbage.DeletedParts;
    }

    private static async Task<string[]> PartFilesAsync(IStorageBackend blob)
    {
        try
        {
            return [.. (await blob.ListAsync(ShardNames.PartsDirectory(ShardWorkload.ShardId))).Where(e => !e.IsDirectory).Select(e => e.Path).Order(StringComparer.Ordinal)];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }
}
