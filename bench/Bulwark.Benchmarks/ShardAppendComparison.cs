using System.Diagnostics;
using System.Globalization;
using Bulwark.Shards;
using Bulwark.Shards.PostgreSql;
using Npgsql;

namespace Bulwark.Benchmarks;

/// <summary>
/// bench/compare-shards.sh part (a): ShardWriter compare-and-append over PostgresConsensus against the floor of plain
/// single-row INSERTs of the same payload size over as many connections, with 1, 2 and 4 writers, in one run. Writers
/// either each append to a shard of their own (the throughput comparison) or all race on one shard (mismatch rate).
/// A breakdown shows where an append's time goes: consensus round trips, the state encoding, and the part written to
/// blob storage (a run with parts in memory next to one on local disk).
/// </summary>
internal static class ShardAppendComparison
{
    private static readonly int[] WriterCounts = [1, 2, 4];

    public static async Task RunAsync(string connectionString, int appends, int rounds, string directory)
    {
        await using var store = new PostgresConsensus(connectionString);
        await using var source = NpgsqlDataSource.Create(connectionString);
        await ShardAppendTrials.CreateInsertTableAsync(source);
        var server = await DescribeServerAsync(source);
        Directory.CreateDirectory(directory);
        using var meters = new IngestMeters();

        // Warm-up of every path (JIT tiers, connection pools, the server's caches); its consensus entries give the
        // INSERT payload the size of a mean entry, compactions and lease writes included.
        var warmUp = await ShardAppendTrials.AppendAsync(store, directory, meters, 1, Math.Min(appends, 160) + (ShardAppendTrials.CompactEvery / 2), AppendMode.OwnShard, memoryBlob: false);
        var payload = new byte[(int)(warmUp.Calls.SetBytes / warmUp.Calls.Sets)];
        new Random(1).NextBytes(payload);
        foreach (var writers in WriterCounts)
        {
            await ShardAppendTrials.AppendAsync(store, directory, meters, writers, 48, AppendMode.OwnShard, memoryBlob: false);
            await ShardAppendTrials.AppendAsync(store, directory, meters, writers, 48, AppendMode.OwnShard, memoryBlob: true);
            await ShardAppendTrials.AppendAsync(store, directory, meters, writers, 48, AppendMode.Racing, memoryBlob: false);
            await ShardAppendTrials.InsertAsync(source, writers, 48, payload);
        }

        var own = WriterCounts.ToDictionary(n => n, _ => new List<AppendTrial>());
        var memory = WriterCounts.ToDictionary(n => n, _ => new List<AppendTrial>());
        var racing = WriterCounts.ToDictionary(n => n, _ => new List<AppendTrial>());
        var inserts = WriterCounts.ToDictionary(n => n, _ => new List<InsertTrial>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var writers in WriterCounts)
            {
                var turns = new Func<Task>[]
                {
                    async () => own[writers].Add(await ShardAppendTrials.AppendAsync(store, directory, meters, writers, appends, AppendMode.OwnShard, memoryBlob: false)),
                    async () => inserts[writers].Add(await ShardAppendTrials.InsertAsync(source, writers, appends, payload)),
                    async () => memory[writers].Add(await ShardAppendTrials.AppendAsync(store, directory, meters, writers, appends, AppendMode.OwnShard, memoryBlob: true)),
                    async () => racing[writers].Add(await ShardAppendTrials.AppendAsync(store, directory, meters, writers, appends, AppendMode.Racing, memoryBlob: false)),
                };
                for (var k = 0; k < turns.Length; k++)
                {
                    await turns[(round + k) % turns.Length]();
                }
            }
        }

        Report(server, directory, appends, rounds, payload.Length, own, memory, racing, inserts);
        ReportCodec(warmUp);
    }

    private static void Report(string server, string directory, int appends, int rounds, int payload, Dictionary<int, List<AppendTrial>> own, Dictionary<int, List<AppendTrial>> memory, Dictionary<int, List<AppendTrial>> racing, Dictionary<int, List<InsertTrial>> inserts)
    {
        var timed = own.Values.SelectMany(t => t).Select(t => t.Calls).ToArray();
        Console.WriteLine($"(a) compare-and-append over PostgresConsensus against plain single-row INSERTs — {server}");
        Console.WriteLine($"ShardWriter.CompareAndAppendAsync of 4 updates (2 keys, each a retraction and an insertion) per call; every {ShardAppendTrials.CompactEvery} commits the since is advanced and the parts compacted (in the timed loop, not in the latencies); parts on local disk in {directory} unless said");
        Console.WriteLine(Invariant($"INSERT INTO {ShardAppendTrials.InsertTable} (text, bigint, bytea; primary key on the first two, as the consensus table) of {payload} bytes: the warm-up's mean consensus entry (timed runs: {timed.Sum(c => c.SetBytes) / (double)timed.Sum(c => c.Sets):0} bytes), one statement per row, each connection held open"));
        Console.WriteLine($"own shard: each writer {appends} appends to a shard of its own; racing: all writers on one shard, each appending [its known upper, +1) and continuing from the upper a mismatch reports, until the upper is {appends}; INSERTs: {appends} per connection");
        Console.WriteLine($"median of {rounds} rounds, the four trials of a writer count taking turns, after a warm-up; latencies pooled over all rounds; {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine($"{"writers",7}  {"mode",-30} {"appends/s",10} {"p50 ms",7} {"p99 ms",7}   {"INSERTs/s",10} {"p50 ms",7} {"p99 ms",7}   {"ratio",6}");
        foreach (var n in own.Keys)
        {
            var insert = Median(inserts[n].Select(t => t.PerSecond));
            var insertMs = inserts[n].SelectMany(t => t.LatencyMs).ToList();
            Row(n, "own shard each", own[n], insert, insertMs);
            Row(n, "own shard each, parts in memory", memory[n], insert, insertMs);
        }

        Console.WriteLine("  ratio: median appends/s over median INSERTs/s of as many connections, same run (goal >= 0.8x for own shard, parts on disk)");
        Console.WriteLine();
        Console.WriteLine($"{"writers",7}  {"racing on one shard",-30} {"commits/s",10} {"p50 ms",7} {"p99 ms",7}   {"attempts/s",10} {"lost",7}   {"ratio",6}");
        foreach (var n in racing.Keys)
        {
            var trials = racing[n];
            var ms = trials.SelectMany(t => t.CommittedMs).ToList();
            var lost = trials.Sum(t => t.Mismatches) / (double)trials.Sum(t => t.Attempts);
            var ratio = Median(trials.Select(t => t.PerSecond)) / Median(inserts[n].Select(t => t.PerSecond));
            Console.WriteLine(Invariant($"{n,7}  {"racing",-30} {Median(trials.Select(t => t.PerSecond)),10:N0} {Percentile(ms, 0.50),7:0.00} {Percentile(ms, 0.99),7:0.00}   {Median(trials.Select(t => t.Attempts / t.Seconds)),10:N0} {lost,7:P1}   {ratio,5:0.00}x"));
        }

        Console.WriteLine("  lost: compare-and-appends that found the upper moved by a peer (mismatch rate); p50/p99 of the calls that committed; ratio against the INSERTs of as many connections");
        Console.WriteLine();
        Console.WriteLine("where an append's time goes (own shard; per committed append, means over all timed rounds, its share of compactions included):");
        Console.WriteLine($"{"writers",7}  {"parts",-7} {"loop ms",8} {"head reads",10} {"ms each",8} {"CASes",6} {"ms each",8} {"rest ms",8} {"fsyncs",11}   {"INSERT ms",9}");
        foreach (var n in own.Keys)
        {
            var insertMean = inserts[n].SelectMany(t => t.LatencyMs).Average();
            Breakdown(n, "disk", own[n], insertMean);
            Breakdown(n, "memory", memory[n], insertMean);
        }

        Console.WriteLine("  loop ms: a writer's time per committed append (trial time x writers / appends); head reads, CASes: consensus calls per append");
        Console.WriteLine("  and the mean wait for one; rest: loop ms minus those waits — encoding the part and the state and, parts on disk, writing");
        Console.WriteLine("  the part (file write + fsync + rename + directory fsync); fsyncs: file + directory fsyncs of the blob per append (Bulwark.Storage");
        Console.WriteLine("  meter; the server's WAL flush at each commit comes on top); INSERT ms: the mean plain INSERT of as many connections");
    }

    private static void Row(int writers, string mode, List<AppendTrial> trials, double insertsPerSecond, List<double> insertMs)
    {
        var ms = trials.SelectMany(t => t.CommittedMs).ToList();
        var perSecond = Median(trials.Select(t => t.PerSecond));
        Console.WriteLine(Invariant($"{writers,7}  {mode,-30} {perSecond,10:N0} {Percentile(ms, 0.50),7:0.00} {Percentile(ms, 0.99),7:0.00}   {insertsPerSecond,10:N0} {Percentile(insertMs, 0.50),7:0.00} {Percentile(insertMs, 0.99),7:0.00}   {perSecond / insertsPerSecond,5:0.00}x"));
    }

    private static void Breakdown(int writers, string parts, List<AppendTrial> trials, double insertMean)
    {
        double committed = trials.Sum(t => t.Committed);
        var loopMs = trials.Sum(t => t.Seconds * 1000 * t.Writers) / committed;
        var calls = trials.Select(t => t.Calls).Aggregate((a, b) => a + b);
        var headMs = calls.HeadMs / committed;
        var setMs = calls.SetMs / committed;
        var fsyncs = Invariant($"{trials.Sum(t => t.Fsyncs.File) / committed:0.00}+{trials.Sum(t => t.Fsyncs.Directory) / committed:0.00}");
        Console.WriteLine(Invariant($"{writers,7}  {parts,-7} {loopMs,8:0.00} {calls.Heads / committed,10:0.00} {calls.HeadMs / calls.Heads,8:0.00} {calls.Sets / committed,6:0.00} {calls.SetMs / calls.Sets,8:0.00} {loopMs - headMs - setMs,8:0.00} {fsyncs,11}   {insertMean,9:0.00}"));
    }

    /// <summary>Times decoding and encoding a state entry, which an append does once each (the warm-up shard's head entry).</summary>
    private static void ReportCodec(AppendTrial warmUp)
    {
        if (warmUp.Head is not { } head)
        {
            return;
        }

        var key = ShardNames.ConsensusKey(head.ShardId);
        var state = ShardStateCodec.Decode(head.ShardId, key, head.Entry);
        const int Repeats = 20_000;
        for (var i = 0; i < 1000; i++)
        {
            ShardStateCodec.Encode(ShardStateCodec.Decode(head.ShardId, key, head.Entry));
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Repeats; i++)
        {
            state = ShardStateCodec.Decode(head.ShardId, key, head.Entry);
        }

        var decodeUs = watch.Elapsed.TotalMicroseconds / Repeats;
        watch.Restart();
        for (var i = 0; i < Repeats; i++)
        {
            ShardStateCodec.Encode(state);
        }

        var encodeUs = watch.Elapsed.TotalMicroseconds / Repeats;
        Console.WriteLine(Invariant($"  state encoding: an entry of {head.Entry.Data.Length} bytes ({state.Parts.Count} parts, {state.Writers.Count} writer registrations, {state.Leases.Count} leases) decodes in {decodeUs:0.0} µs and encodes in {encodeUs:0.0} µs (an append does each once; compare-and-set's rule check not included)"));
    }

    private static async Task<string> DescribeServerAsync(NpgsqlDataSource source)
    {
        await using var command = source.CreateCommand("SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), inet_server_port()");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return $"PostgreSQL {reader.GetString(0)} on 127.0.0.1:{reader.GetInt32(3)}, fsync {reader.GetString(1)}, synchronous_commit {reader.GetString(2)}";
    }

    /// <summary>The 1, 5 and 15 minute load averages (Linux), to tell a busy machine's run from a quiet one's.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    internal static double Median(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    internal static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
