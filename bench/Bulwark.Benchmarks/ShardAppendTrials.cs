using System.Diagnostics;
using Bulwark.Shards;
using Bulwark.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Bulwark.Benchmarks;

/// <summary>How the writers of an append trial share shards.</summary>
internal enum AppendMode
{
    /// <summary>Each writer appends to a shard of its own: every compare-and-append should commit.</summary>
    OwnShard,

    /// <summary>All writers race on one shard: each tries to append the next interval; the losers learn the new upper and try again.</summary>
    Racing,
}

/// <summary>One timed append trial: committed appends, attempts, lost races, compactions, per-call latencies and the consensus calls made.</summary>
internal sealed record AppendTrial(int Writers, AppendMode Mode, bool MemoryBlob, double Seconds, long Committed, long Attempts, long Mismatches, long Compactions, List<double> CommittedMs, ConsensusCalls Calls)
{
    /// <summary>File and directory fsyncs the local backend made during the loop (Bulwark.Storage meter).</summary>
    public (long File, long Directory) Fsyncs { get; init; }

    /// <summary>The head entry of the first writer's shard after the loop, and that shard's id.</summary>
    public (string ShardId, VersionedData Entry)? Head { get; init; }

    public double PerSecond => Committed / Seconds;
}

/// <summary>One timed trial of plain single-row INSERTs over as many connections.</summary>
internal sealed record InsertTrial(int Connections, double Seconds, long Inserts, List<double> LatencyMs)
{
    public double PerSecond => Inserts / Seconds;
}

/// <summary>The trials of bench/compare-shards.sh part (a); each starts on fresh shards or rows and times only the loop.</summary>
internal static class ShardAppendTrials
{
    /// <summary>Every this many commits the shard's since is advanced to its upper and its parts compacted, which keeps the state entry small.</summary>
    public const int CompactEvery = 16;

    public const string InsertTable = "plain_inserts";

    private static int trials;

    /// <summary>
    /// <paramref name="writers"/> ShardWriters, each on its own handle, append small batches in a loop: in
    /// <see cref="AppendMode.OwnShard"/> <paramref name="appends"/> each to a shard of its own; in
    /// <see cref="AppendMode.Racing"/> until one shard's upper reaches <paramref name="appends"/>.
    /// </summary>
    public static async Task<AppendTrial> AppendAsync(IConsensus store, string blobDirectory, IngestMeters meters, int writers, int appends, AppendMode mode, bool memoryBlob)
    {
        var run = "bench-" + Interlocked.Increment(ref trials).ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var directory = Path.Combine(blobDirectory, run);
        var consensus = new TimedConsensus(store);
        IStorageBackend blob = memoryBlob ? new InMemoryBackend() : new LocalFileSystemBackend(Directory.CreateDirectory(directory).FullName);
        var handles = new (Shard<ShardBenchRow> Shard, ShardWriter<ShardBenchRow> Writer)[writers];
        for (var i = 0; i < writers; i++)
        {
            var shard = await Shard<ShardBenchRow>.OpenAsync(mode == AppendMode.Racing ? run : $"{run}-{i}", consensus, blob);
            handles[i] = (shard, await shard.OpenWriterAsync($"writer-{i}"));
        }

        try
        {
            var before = consensus.Calls;
            meters.Reset();
            var watch = Stopwatch.StartNew();
            var loops = await Task.WhenAll(handles.Select((h, i) => Task.Run(() => mode == AppendMode.Racing
                ? RaceAsync(h.Shard, h.Writer, new ShardBatches(i), appends)
                : OwnAsync(h.Shard, h.Writer, new ShardBatches(i), appends))));
            watch.Stop();
            var calls = consensus.Calls - before;
            var fsyncs = (meters.FileSyncs, meters.DirectorySyncs);
            var shardId = handles[0].Shard.ShardId;
            var head = await store.HeadAsync(ShardNames.ConsensusKey(shardId));
            return new AppendTrial(
                writers,
                mode,
                memoryBlob,
                watch.Elapsed.TotalSeconds,
                loops.Sum(l => l.Committed),
                loops.Sum(l => l.Attempts),
                loops.Sum(l => l.Mismatches),
                loops.Sum(l => l.Compactions),
                loops.SelectMany(l => l.CommittedMs).ToList(),
                calls)
            {
                Head = head is null ? null : (shardId, head),
                Fsyncs = fsyncs,
            };
        }
        finally
        {
            foreach (var (_, writer) in handles)
            {
                await writer.DisposeAsync();
            }

            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>
    /// <paramref name="connections"/> connections, each held open, insert <paramref name="inserts"/> rows of
    /// <paramref name="payload"/> one statement (one implicit transaction) at a time into a table shaped like the
    /// consensus table: (text, bigint, bytea) with the first two as primary key.
    /// </summary>
    public static async Task<InsertTrial> InsertAsync(NpgsqlDataSource source, int connections, int inserts, byte[] payload)
    {
        var run = "insert-" + Interlocked.Increment(ref trials).ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var opened = new NpgsqlConnection[connections];
        for (var i = 0; i < connections; i++)
        {
            opened[i] = await source.OpenConnectionAsync();
        }

        try
        {
            var watch = Stopwatch.StartNew();
            var loops = await Task.WhenAll(opened.Select((c, i) => Task.Run(() => InsertLoopAsync(c, $"{run}-{i}", inserts, payload))));
            watch.Stop();
            return new InsertTrial(connections, watch.Elapsed.TotalSeconds, (long)connections * inserts, loops.SelectMany(l => l).ToList());
        }
        finally
        {
            foreach (var connection in opened)
            {
                await connection.DisposeAsync();
            }
        }
    }

    public static async Task CreateInsertTableAsync(NpgsqlDataSource source)
    {
        await using var command = source.CreateCommand($"CREATE TABLE IF NOT EXISTS {InsertTable} (writer text NOT NULL, seq bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (writer, seq))");
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<double>> InsertLoopAsync(NpgsqlConnection connection, string writer, int inserts, byte[] payload)
    {
        var latencies = new List<double>(inserts);
        for (var seq = 0; seq < inserts; seq++)
        {
            // A new command per row, parameters typed as the consensus store types them: what PostgresConsensus does per call.
            await using var command = new NpgsqlCommand($"INSERT INTO {InsertTable} (writer, seq, data) VALUES ($1, $2, $3)", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writer, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq, NpgsqlDbType = NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload, NpgsqlDbType = NpgsqlDbType.Bytea });
            var start = Stopwatch.GetTimestamp();
            await command.ExecuteNonQueryAsync();
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return latencies;
    }

    private static async Task<Loop> OwnAsync(Shard<ShardBenchRow> shard, ShardWriter<ShardBenchRow> writer, ShardBatches batches, int appends)
    {
        var loop = new Loop(appends);
        for (var upper = 0L; upper < appends; upper++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await writer.CompareAndAppendAsync(batches.Next(upper), upper, upper + 1, Guid.NewGuid());
            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            loop.Attempts++;
            if (!result.IsCommitted)
            {
                throw new InvalidOperationException($"writer {writer.WriterId} of its own shard {shard.ShardId} did not commit [{upper}, {upper + 1}): {result}");
            }

            loop.Committed++;
            loop.CommittedMs.Add(ms);
            batches.Commit();
            await MaybeCompactAsync(shard, writer, upper + 1, loop);
        }

        return loop;
    }

    private static async Task<Loop> RaceAsync(Shard<ShardBenchRow> shard, ShardWriter<ShardBenchRow> writer, ShardBatches batches, int target)
    {
        var loop = new Loop(target);
        for (var known = 0L; known < target;)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await writer.CompareAndAppendAsync(batches.Next(known), known, known + 1, Guid.NewGuid());
            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            loop.Attempts++;
            if (result.IsCommitted)
            {
                loop.Committed++;
                loop.CommittedMs.Add(ms);
                batches.Commit();
                known++;
                await MaybeCompactAsync(shard, writer, known, loop);
            }
            else if (result.IsUpperMismatch)
            {
                loop.Mismatches++;
                known = result.CurrentUpper;
            }
            else
            {
                throw new InvalidOperationException($"writer {writer.WriterId} got {result} with a token it never used before");
            }
        }

        return loop;
    }

    /// <summary>The writer whose commit made the upper a multiple of <see cref="CompactEvery"/> compacts everything below it.</summary>
    private static async Task MaybeCompactAsync(Shard<ShardBenchRow> shard, ShardWriter<ShardBenchRow> writer, long upper, Loop loop)
    {
        if (upper % CompactEvery == 0)
        {
            await shard.AdvanceSinceAsync(upper);
            await writer.CompactAsync();
            loop.Compactions++;
        }
    }

    private sealed class Loop(int capacity)
    {
        public long Committed { get; set; }

        public long Attempts { get; set; }

        public long Mismatches { get; set; }

        public long Compactions { get; set; }

        public List<double> CommittedMs { get; } = new(capacity);
    }
}
