using System.Globalization;
using Bulwark.Runtime.Tests.Checkpoints;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Tests.Worker;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// Two real writer processes (tests/Workers, <c>shard-loop</c>) race to append to one shard over a
/// <see cref="FileConsensus"/> and a local blob directory, each advancing the since, compacting and collecting garbage
/// every few appends; one of them is killed with SIGKILL at a counted moment — after a number of answered appends,
/// often further: after a part landed and before its compare-and-set, inside a compaction, or inside a garbage
/// collection between its deletions — while the other keeps writing. After every kill the shard is opened and read
/// from this process (see <see cref="ShardKillCheck"/>): every append a writer reported in the shard is there, whole
/// and once; the upper never went back; no part a collection deleted is referenced. The killed writer restarts and
/// retries the append the kill left unanswered with the same token: it must answer AlreadyCommitted exactly when the
/// batch was found in the shard. Every few kills both writers are down and the whole shard is checked: the batches
/// found are appends the writers announced, their intervals tile [0, upper), and a collection with every lease
/// expired leaves exactly the referenced parts. Nothing outside the shard's root changes. No clock decides anything.
/// </summary>
public sealed class ShardProcessKillTests(ITestOutputHelper output)
{
    private const int DefaultKills = 100;

    /// <summary>Kills on one shard before a fresh one starts.</summary>
    private const int KillsPerDataset = 50;

    /// <summary>Both writers are stopped and the whole shard checked after every this many kills.</summary>
    private const int KillsPerQuiescence = 10;

    /// <summary>A kill comes after 0 to this many answered appends of the victim, then often further (see <see cref="RunToStageAsync"/>).</summary>
    private const int MostAnswersBeforeKill = 6;

    private static readonly string[] Writers = ["writer-a", "writer-b"];

    [Fact]
    public async Task SIGKILL_of_either_of_two_writers_never_loses_duplicates_or_invents_an_append()
    {
        var (kills, seed, settings) = KillHarness.Settings("BULWARK_SHARD", DefaultKills);
        output.WriteLine(settings);
        var random = new Random(seed);
        using var temp = new TempDirectory();
        OutsideRoots.PlantSentinels(temp.Path);
        var datasets = new List<(ShardKillLedger Ledger, ShardKillCheck Check)>();
        string root = null!;
        ShardKillLedger ledger = null!;
        ShardKillCheck check = null!;
        OutsideRoots outside = null!;
        var workers = new (WorkerProcess Process, int Run)?[Writers.Length];
        var nextRun = 1;
        var stages = new int[5];
        var quiescences = 0;
        try
        {
            for (var kill = 1; kill <= kills; kill++)
            {
                var context = $"{settings}; kill {kill}";
                if (kill % KillsPerDataset == 1)
                {
                    // A fresh shard now and then keeps the checks of a long soak short; the earlier ones are outside
                    // the new root, so they must not change either.
                    root = temp.Join($"shard-{datasets.Count}");
                    ledger = new ShardKillLedger();
                    check = new ShardKillCheck(root, ledger);
                    datasets.Add((ledger, check));
                    outside = OutsideRoots.Take(temp.Path, root);
                }

                for (var w = 0; w < Writers.Length; w++)
                {
                    workers[w] ??= await StartAsync(Writers[w], nextRun++, root, ledger, check, context);
                }

                var victim = random.Next(Writers.Length);
                var (process, run) = workers[victim]!.Value;
                stages[await RunToStageAsync(process, random)]++;
                await process.KillAsync();
                ledger.Absorb(process, Writers[victim], run, context);
                await process.DisposeAsync();
                workers[victim] = null;

                var quiesce = kill % KillsPerQuiescence == 0 || kill % KillsPerDataset == 0 || kill == kills;
                if (quiesce)
                {
                    // The survivor dies wherever it is: one more uncounted kill.
                    var peer = 1 - victim;
                    var (survivor, survivorRun) = workers[peer]!.Value;
                    await survivor.KillAsync();
                    ledger.Absorb(survivor, Writers[peer], survivorRun, context);
                    await survivor.DisposeAsync();
                    workers[peer] = null;
                    quiescences++;
                }
                else
                {
                    var (survivor, survivorRun) = workers[1 - victim]!.Value;
                    ledger.Absorb(survivor, Writers[1 - victim], survivorRun, context);
                }

                await check.CheckAsync(quiesce, context);
                outside.AssertUnchanged(context);
            }
        }
        finally
        {
            foreach (var worker in workers)
            {
                if (worker is { } w)
                {
                    await w.Process.DisposeAsync();
                }
            }
        }

        output.WriteLine($"{kills} SIGKILLs of a writer while the other wrote ({stages[0]} right after an answered append, {stages[1]} after a part landed before its compare-and-set, {stages[2]} inside a compaction, {stages[3]} inside a garbage collection, {stages[4]} right after the writer opened) and {quiescences} of the survivor to stop both, over {datasets.Count} shards; 0 violations");
        output.WriteLine($"{datasets.Sum(d => d.Ledger.Attempts.Count)} appends announced, {datasets.Sum(d => d.Ledger.Committed)} committed, {datasets.Sum(d => d.Ledger.Mismatches)} lost a race, {datasets.Sum(d => d.Ledger.Retries)} retried after a kill ({datasets.Sum(d => d.Check.RetriesAlreadyIn)} of them found already in); {datasets.Sum(d => d.Ledger.Compactions)} compactions, {datasets.Sum(d => d.Ledger.Collections)} collections deleting {datasets.Sum(d => d.Ledger.Deleted.Count)} parts; {datasets.Sum(d => d.Check.Orphans)} orphaned parts found at quiescence and removed by a collection; {datasets.Sum(d => d.Check.Snapshots)} snapshots checked");
        Assert.True(stages[1] > 0 && stages[2] + stages[3] > 0 && datasets.Sum(d => d.Ledger.Deleted.Count) > 0, "the kills never landed between a part and its compare-and-set or inside maintenance, or nothing was collected");
    }

    /// <summary>Starts writer <paramref name="writer"/>, which first retries the append its last kill left unanswered (and must answer as the last check found it).</summary>
    private static async Task<(WorkerProcess, int)> StartAsync(string writer, int run, string root, ShardKillLedger ledger, ShardKillCheck check, string context)
    {
        List<string> arguments = ["shard-loop", root, writer, run.ToString(CultureInfo.InvariantCulture)];
        var pending = ledger.Pending.TryGetValue(writer, out var key) ? key : (AppendKey?)null;
        if (pending is { } p)
        {
            arguments.AddRange(["--retry", p.Run.ToString(CultureInfo.InvariantCulture), p.Append.ToString(CultureInfo.InvariantCulture), ledger.Attempts[p].Expected.ToString(CultureInfo.InvariantCulture)]);
        }

        var process = WorkerProcess.Start(arguments);
        await process.WaitUntilOpenedAsync();
        if (pending is { } retried)
        {
            string line;
            while (!(line = await process.NextLineAsync()).StartsWith("retried ", StringComparison.Ordinal))
            {
            }

            check.CheckRetry(retried, line.Split(' ')[3], $"{context}\n{process.Transcript}");
        }

        ledger.Absorb(process, writer, run, context);
        return (process, run);
    }

    /// <summary>
    /// Reads on to the kill: a number of answered appends, then 1 the next part that lands (an append's or a
    /// compaction's, before its compare-and-set), 2 inside the next compaction, 3 inside the next collection (past
    /// some of its deletions), or 0 at once. Returns the stage.
    /// </summary>
    private static async Task<int> RunToStageAsync(WorkerProcess worker, Random random)
    {
        if (random.Next(20) == 0)
        {
            return 4; // at once after it opened (and answered its retry)
        }

        for (var answers = random.Next(MostAnswersBeforeKill + 1); answers > 0;)
        {
            var line = await worker.NextLineAsync();
            answers -= line.StartsWith("committed ", StringComparison.Ordinal) || line.StartsWith("mismatch ", StringComparison.Ordinal) || line.StartsWith("already ", StringComparison.Ordinal) ? 1 : 0;
        }

        var stage = random.Next(4);
        switch (stage)
        {
            case 1:
                await ReadUntilAsync(worker, l => l.StartsWith("stored ", StringComparison.Ordinal));
                break;
            case 2:
                await ReadUntilAsync(worker, l => l == "compacting");
                await ReadSomeAsync(worker, random.Next(3), "compacted ");
                break;
            case 3:
                await ReadUntilAsync(worker, l => l == "collecting");
                await ReadSomeAsync(worker, random.Next(4), "collected ");
                break;
        }

        return stage;
    }

    private static async Task ReadUntilAsync(WorkerProcess worker, Func<string, bool> stop)
    {
        while (!stop(await worker.NextLineAsync()))
        {
        }
    }

    /// <summary>Reads up to <paramref name="lines"/> more lines, stopping early at the one that ends the step.</summary>
    private static async Task ReadSomeAsync(WorkerProcess worker, int lines, string end)
    {
        for (; lines > 0 && !(await worker.NextLineAsync()).StartsWith(end, StringComparison.Ordinal); lines--)
        {
        }
    }
}
