using Bulwark.Runtime.Tests.Shards;
using Bulwark.Storage;
using Bulwark.Testing;
using Bulwark.Tests.UpsertWorker;
using Bulwark.Upsert;
using Xunit;
using Xunit.Abstractions;

namespace Bulwark.Shards.PostgreSql.Tests.Upsert;

/// <summary>
/// Upsert replicas as separate processes on one shard over PostgreSQL and a local blob directory, one of them starting
/// cold far behind the other: both converge to what a single writer writes, and the output never freezes. The bug the
/// three-way classification prevents kept a lagging replica's input below the shard's upper forever, which pinned its
/// output frontier there and stopped its appends for good.
/// </summary>
/// <remarks>
/// The processes pause only where the test says (a line on stdin), so the orders of events the assertions rely on are
/// fixed; between pauses they race freely. Nothing waits on the clock except hang guards.
/// </remarks>
[Collection(PostgresCollection.Name)]
public sealed class UpsertReplicaProcessTests(PostgresServer server, ITestOutputHelper output)
{
    private const int Seed = 7;
    private const int Keys = 40;
    private const long Times = 240;
    private const string ShardId = "keyed-values";

    /// <summary>Where A waits for the cold B to open: B starts this far behind.</summary>
    private const long Half = Times / 2;

    /// <summary>Where both first wait, so that they race from one upper.</summary>
    private const long Race = Times * 3 / 4;

    [ConsensusFact]
    public async Task AColdReplicaFarBehindAndARunningOneConvergeOnOneShardAndNeitherFreezes()
    {
        var blob = Directory.CreateTempSubdirectory("bulwark-upsert-");
        try
        {
            var run = new ReplicaRun(await server.CreateSchemaAsync(), blob.FullName, ShardId, Seed, Keys, Times);
            long[] barriers = [Race, Race + 15, Race + 30, Race + 45];
            await using var a = UpsertReplica.Start(run, "a", pauseAt: [Half, .. barriers]);
            await a.WaitUntilPausedAsync(Half);
            Assert.Equal(Half, a.Steps[^1].Output);

            // B has no record of its input position: it reads from time 0, all of it below the upper for a long while.
            await using var b = UpsertReplica.Start(run, "b", cold: true, pauseAt: barriers);
            await b.WaitUntilOpenedAsync();
            Assert.Equal((UpsertStart.Snapshot, Half), b.Opened);
            await a.ResumeAsync();

            // At each barrier both wait with their output at the upper, which neither passed; then they race from it
            // again, so that each gets chances to win an interval and to lose one.
            foreach (var barrier in barriers)
            {
                await Task.WhenAll(a.WaitUntilPausedAsync(barrier), b.WaitUntilPausedAsync(barrier));
                NeverBehind(a);
                NeverBehind(b);
                Assert.Equal((barrier, barrier), (a.Steps[^1].Output, b.Steps[^1].Output));
                await Task.WhenAll(a.ResumeAsync(), b.ResumeAsync());
            }

            await Task.WhenAll(a.RunToEndAsync(), b.RunToEndAsync());

            Assert.Equal(0, b.Steps[0].From);
            CaughtUpColdThroughDroppedInput(b, run);
            foreach (var replica in new[] { a, b })
            {
                NeverBehind(replica);
                Finished(replica, run);
            }

            await ShardHoldsTheSingleWriterOutputAsync(run);
        }
        finally
        {
            Delete(blob);
        }
    }

    [ConsensusFact]
    public async Task AReplicaKilledMidRunAndRestartedUnderItsWriterIdConvergesWithAColdOne()
    {
        const long killAfter = Times * 13 / 16;
        const long late = Times * 15 / 16;
        var blob = Directory.CreateTempSubdirectory("bulwark-upsert-");
        try
        {
            var run = new ReplicaRun(await server.CreateSchemaAsync(), blob.FullName, ShardId, Seed, Keys, Times);
            await using var a = UpsertReplica.Start(run, "a", pauseAt: [Half, Race, late]);
            await a.WaitUntilPausedAsync(Half);
            await using var b = UpsertReplica.Start(run, "b", cold: true, pauseAt: [Race, late]);
            await b.WaitUntilOpenedAsync();
            Assert.Equal((UpsertStart.Snapshot, Half), b.Opened);
            await a.ResumeAsync();
            await Task.WhenAll(a.WaitUntilPausedAsync(Race), b.WaitUntilPausedAsync(Race));
            NeverBehind(b);
            Assert.Equal((Race, Race), (a.Steps[^1].Output, b.Steps[^1].Output));

            // A is killed wherever it is once past killAfter, racing B; at the latest it waits at `late`, so it is alive
            // when the signal comes. B goes on alone to `late`, which A never wrote past.
            await Task.WhenAll(a.ResumeAsync(), b.ResumeAsync());
            await a.ReadUntilAsync(r => r.PausedAt is not null || r.Steps[^1].To >= killAfter);
            await a.KillAsync();
            Assert.Null(a.Done);
            output.WriteLine($"replica 'a' (pid {a.Pid}) killed after reporting input {a.Steps[^1].To} (paused: {a.PausedAt?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"})");
            NeverBehind(a);
            await b.WaitUntilPausedAsync(late);
            Assert.Equal(late, b.Steps[^1].Output);

            // Restarted under its writer id, it rehydrates and, as the usage contract asks, pushes its input again from
            // the output frontier it opened at; then it races B over the rest.
            await using var restarted = UpsertReplica.Start(run, "a");
            await restarted.WaitUntilOpenedAsync();
            Assert.Equal((UpsertStart.Snapshot, late), restarted.Opened);
            await b.ResumeAsync();
            await Task.WhenAll(restarted.RunToEndAsync(), b.RunToEndAsync());

            Assert.Equal(late, restarted.Steps[0].From);
            CaughtUpColdThroughDroppedInput(b, run);
            foreach (var replica in new[] { restarted, b })
            {
                NeverBehind(replica);
                Finished(replica, run);
            }

            await ShardHoldsTheSingleWriterOutputAsync(run);
        }
        finally
        {
            Delete(blob);
        }
    }

    /// <summary>
    /// Liveness, step by step: once AdvanceInputAsync(b) returns, the output frontier is at least b (the input has
    /// passed it) and at least the upper read just before the call (the replica caught up with whatever a peer had
    /// written), and never beyond the upper read just after. The frozen replica of the historical bug fails the first
    /// two at its first step below the upper, and keeps failing them.
    /// </summary>
    private static void NeverBehind(UpsertReplica replica)
    {
        Assert.NotEmpty(replica.Steps);
        foreach (var step in replica.Steps)
        {
            Assert.True(
                step.Output >= step.To && step.Output >= step.UpperBefore && step.Output <= step.UpperAfter,
                $"Replica '{replica.WriterId}' after AdvanceInputAsync({step.To}): output frontier {step.Output}, shard upper {step.UpperBefore} before the call and {step.UpperAfter} after.\n{replica.Transcript}");
        }
    }

    /// <summary>The cold replica opened at <see cref="Half"/> and pushed every input below it: each one was dropped, none kept.</summary>
    private void CaughtUpColdThroughDroppedInput(UpsertReplica cold, ReplicaRun run)
    {
        var below = UpsertSource.Generate(run.Seed, run.Keys, run.Times).Count(i => i.Time < Half);
        Assert.True(below > 0 && cold.Count("inputs.dropped") >= below, $"{below} inputs lie below {Half}; the cold replica dropped {cold.Count("inputs.dropped")}.\n{cold.Transcript}");
    }

    /// <summary>The replica ended with its output frontier at the shard's upper, both at the end of the input, and the source's final rows as its state.</summary>
    private void Finished(UpsertReplica replica, ReplicaRun run)
    {
        output.WriteLine($"replica '{replica.WriterId}' (pid {replica.Pid}): {replica.Steps.Count} steps, {string.Join(' ', replica.Counts?.Select(c => $"{c.Key}={c.Value}") ?? [])}");
        Assert.Equal((run.Times, run.Times), replica.Done);
        var (_, live) = UpsertReference.Run(UpsertSource.Generate(run.Seed, run.Keys, run.Times), run.Times);
        Assert.Equal(live.ToDictionary(kv => kv.Key, kv => kv.Value.Value), replica.State);
    }

    /// <summary>
    /// The shard, read from this process: upper at the end of the input, every time's updates exactly those a single
    /// writer writes, and so its collection the latest row of each key with deletes applied — one copy, at most one per key.
    /// </summary>
    private static async Task ShardHoldsTheSingleWriterOutputAsync(ReplicaRun run)
    {
        var (history, live) = UpsertReference.Run(UpsertSource.Generate(run.Seed, run.Keys, run.Times), run.Times);
        await using var consensus = new PostgresConsensus(run.ConnectionString);
        var shard = await Shard<KeyedValue>.OpenAsync(run.ShardId, consensus, new LocalFileSystemBackend(run.BlobDirectory));
        var frontiers = await shard.GetFrontiersAsync();
        Assert.Equal((0, run.Times), (frontiers.Since, frontiers.Upper));

        var snapshot = await shard.SnapshotAsync(run.Times - 1);
        Assert.Equal(UpdateOrder.Sorted(history), UpdateOrder.Sorted(snapshot));

        var collection = snapshot.GroupBy(u => u.Row).Select(g => (Row: g.Key, Diff: g.Sum(u => u.Diff))).Where(r => r.Diff != 0).ToArray();
        Assert.All(collection, r => Assert.Equal(1, r.Diff));
        Assert.All(collection.GroupBy(r => r.Row.Key), key => Assert.Single(key));
        Assert.Equal(live.OrderBy(kv => kv.Key).Select(kv => kv.Value), collection.Select(r => r.Row).OrderBy(r => r.Key));
    }

    private static void Delete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test that produced it.
        }
    }
}
