using System.Globalization;
using System.Text;
using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Tests.Worker;
using Xunit;
using Xunit.Abstractions;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// Store ownership and durability with real processes and real SIGKILLs: the worker (tests/Workers) commits in a loop
/// and reports each checkpoint only after its commit returned, so every reported checkpoint must survive any kill.
/// Nothing here waits on a clock: a worker is killed after a number of reported lines, and the only time limit is the
/// worker's hang guard.
/// </summary>
public sealed class ProcessKillTests(ITestOutputHelper output)
{
    /// <summary>Kills of the repeated test; raise it for a longer soak.</summary>
    private const int Kills = 20;

    [Fact]
    public async Task Two_processes_one_store_the_second_waits_for_the_lock_and_takes_over_after_SIGKILL()
    {
        using var temp = new TempDirectory();
        var store = temp.Join("store");
        await using var a = WorkerProcess.Start(store);
        await a.WaitUntilOpenedAsync();
        Assert.Equal("none", a.RestoredState);
        await a.WaitForCommitsAsync(3);

        await using var b = WorkerProcess.Start(store, waitForLock: true);
        Assert.Equal(LockedBy(a), await b.NextLineAsync());
        Assert.Null(b.RestoredState);

        // A goes on committing while B is refused: a refused open must neither disturb nor fence the holder (a fenced
        // commit would end A with an error line, which fails the test when A's output is read to its end).
        await a.WaitForCommitsAsync(a.Commits.Count + 3);
        await a.KillAsync();
        var lastOfA = a.Commits[^1];

        // B may have been refused a few more times before A died; always by A.
        Assert.All(await b.WaitUntilOpenedAsync(), line => Assert.Equal(LockedBy(a), line));

        // B restores A's last reported checkpoint, or the one after it if A was killed between committing and printing.
        var (pidOfA, nOfA) = ParseState(lastOfA.State);
        Assert.Contains(b.RestoredState ?? "(not opened)", new[] { lastOfA.State, $"{pidOfA}:{nOfA + 1}" });

        await b.WaitForCommitsAsync(3);
        await b.KillAsync();
        Assert.NotEqual(a.Pid, b.Pid);

        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(store));
        Assert.Contains(b.Commits[^1].Id, checkpointer.Checkpoints.Select(c => c.Id));
        var verified = await VerifyEveryCheckpointAsync(checkpointer, [.. a.Commits, .. b.Commits], [a.Pid, b.Pid]);
        output.WriteLine($"A {a.Pid} reported {a.Commits.Count} commits, B {b.Pid} reported {b.Commits.Count}; {verified} catalogued checkpoints restored.");
    }

    [Fact]
    public async Task Repeated_SIGKILLs_never_lose_a_reported_commit()
    {
        using var temp = new TempDirectory();
        var store = temp.Join("store");

        // Seeded: the kill moments vary with the number of lines awaited, never with time, and a failure replays.
        var random = new Random(20_261_202);
        var reported = new List<ReportedCommit>();
        var pids = new HashSet<int>();
        var expectedRestore = "none";
        var verified = 0;
        for (var kill = 1; kill <= Kills; kill++)
        {
            ReportedCommit last;
            await using (var worker = WorkerProcess.Start(store))
            {
                await worker.WaitUntilOpenedAsync();
                Assert.Equal(expectedRestore, worker.RestoredState);
                await worker.WaitForCommitsAsync(random.Next(1, 9));
                await worker.KillAsync();
                pids.Add(worker.Pid);
                reported.AddRange(worker.Commits);
                last = worker.Commits[^1];
            }

            await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(store));
            Assert.True(
                checkpointer.Checkpoints.Any(c => c.Id == last.Id),
                $"Kill {kill}: the last reported checkpoint {last.Id} ({last.State}) is not in the catalog.");
            verified += await VerifyEveryCheckpointAsync(checkpointer, reported, pids);

            // Only the newest checkpoint may be one the worker committed but had no time to report.
            var latest = StateOf(await checkpointer.RestoreAsync(checkpointer.Latest!.Id));
            var (pid, n) = ParseState(last.State);
            Assert.Contains(latest, new[] { last.State, $"{pid}:{n + 1}" });
            expectedRestore = latest;
        }

        output.WriteLine($"{Kills} SIGKILLs, {reported.Count} reported commits, {verified} catalogued checkpoints restored and verified.");
    }

    private static string LockedBy(WorkerProcess holder) =>
        $"locked {holder.Pid.ToString(CultureInfo.InvariantCulture)} {Environment.MachineName}";

    /// <summary>
    /// Restores every catalogued checkpoint: its state must be "pid:n" from one of the workers, the numbers must grow
    /// along the catalog, a checkpoint a worker reported must hold the state it reported, and every shared file must
    /// read back with its CRC and the exact bytes the worker wrote.
    /// </summary>
    private static async Task<int> VerifyEveryCheckpointAsync(Checkpointer checkpointer, IReadOnlyList<ReportedCommit> reported, IReadOnlyCollection<int> pids)
    {
        Assert.Empty(checkpointer.DamagedCheckpoints);
        Assert.NotEmpty(checkpointer.Checkpoints);
        var reportedStates = reported.ToDictionary(c => c.Id, c => c.State);
        var previousN = 0L;
        foreach (var info in checkpointer.Checkpoints)
        {
            var restored = await checkpointer.RestoreAsync(info.Id);
            var state = StateOf(restored);
            var (pid, n) = ParseState(state);
            Assert.Contains(pid, pids);
            Assert.True(n > previousN, $"Checkpoint {info.Id} holds {state} after number {previousN}: the catalog went backwards.");
            previousN = n;
            if (reportedStates.TryGetValue(info.Id, out var expected))
            {
                Assert.Equal(expected, state);
            }

            foreach (var shared in restored.SharedFiles)
            {
                // batch-<pid>-<n>.bin; ReadSharedFileAsync checks the size and CRC, the comparison the bytes themselves.
                var parts = shared.Path.Split('-', '.');
                var (batchPid, batchN) = (int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
                Assert.Equal(WorkerBatch.Name(batchPid, batchN), shared.Path);
                Assert.Equal(WorkerBatch.Contents(batchPid, batchN), await restored.ReadSharedFileAsync(shared.Path));
            }
        }

        return checkpointer.Checkpoints.Count;
    }

    private static string StateOf(RestoredCheckpoint restored)
    {
        Assert.True(restored.TryGetState("loop", out var bytes), $"Checkpoint {restored.Id} has no state for the worker's operator.");
        return Encoding.UTF8.GetString(bytes.Span);
    }

    private static (int Pid, long N) ParseState(string state)
    {
        var parts = state.Split(':');
        Assert.True(parts.Length == 2, $"'{state}' is not <pid>:<n>.");
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
