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
    /// <summary>Kills of the repeated test per CI run; BULWARK_CHECKPOINT_KILLS raises it (bench/kills.sh).</summary>
    private const int DefaultKills = 100;

    /// <summary>A kill comes after 0 to this many reported commits of the run, then often further into the next commit or collection.</summary>
    private const int MostCommitsBeforeKill = 6;

    [Fact]
    public async Task A_killed_worker_leaves_no_diagnostics_endpoint_in_the_temp_directory()
    {
        using var temp = new TempDirectory();
        await using var worker = WorkerProcess.Start(temp.Join("store"));
        await worker.WaitUntilOpenedAsync();

        // The runtime names its endpoints by pid and the process's start time (field 22 of /proc/PID/stat), so files
        // an earlier process with the same pid left behind do not count.
        var stat = await File.ReadAllTextAsync($"/proc/{worker.Pid}/stat");
        var startTime = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        var key = $"-{worker.Pid}-{startTime}-";
        await worker.KillAsync();

        var left = Directory.EnumerateFileSystemEntries(Path.GetTempPath())
            .Select(Path.GetFileName)
            .Where(name => name!.Contains(key, StringComparison.Ordinal)
                && (name.StartsWith("clr-debug-pipe-", StringComparison.Ordinal) || name.StartsWith("dotnet-diagnostic-", StringComparison.Ordinal)))
            .ToList();
        Assert.Empty(left);
    }

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
    public async Task SIGKILL_inside_commits_and_collections_never_loses_a_reported_checkpoint()
    {
        var (kills, seed, settings) = KillHarness.Settings("BULWARK_CHECKPOINT", DefaultKills);
        output.WriteLine(settings);
        var random = new Random(seed);
        using var temp = new TempDirectory();
        OutsideRoots.PlantSentinels(temp.Path);
        var store = temp.Join("store");

        // Named as the backend names a temporary of the store directory itself, one level up: outside the root.
        File.WriteAllText(temp.Join(".store.0123456789abcdef.tmp"), "beside the store, not its own");
        var outside = OutsideRoots.Take(temp.Path, store);
        var reported = new List<ReportedCommit>();
        var pids = new HashSet<int>();
        var totals = new Totals();
        var expectedRestore = "none";
        for (var kill = 1; kill <= kills; kill++)
        {
            var context = $"{settings}; kill {kill}";
            await using (var worker = WorkerProcess.Start(["checkpoint-loop", store, "0", "--observe"]))
            {
                await worker.WaitUntilOpenedAsync();
                Assert.True(expectedRestore == worker.RestoredState, $"{context}: restored {worker.RestoredState}, expected {expectedRestore}\n{worker.Transcript}");
                await worker.WaitForCommitsAsync(random.Next(MostCommitsBeforeKill + 1));
                await RunToStageAsync(worker, random.Next(4), random);
                await worker.KillAsync();
                pids.Add(worker.Pid);
                reported.AddRange(worker.Commits);
                totals.Count(worker);

                // The newest checkpoint is the last the worker reported, or the one it committed and had no time to report.
                var known = worker.Commits.Count > 0 ? worker.Commits[^1].State : worker.RestoredState!;
                var knownN = known == "none" ? 0 : ParseState(known).N;
                totals.Temporaries += HiddenTemporaries(store).Length;
                (expectedRestore, var oldest) = await CheckStoreAsync(store, reported, pids, [known, $"{worker.Pid}:{knownN + 1}"], $"{context}\n{worker.Transcript}");

                // Checkpoints older than the oldest catalogued one were collected and are no longer checked (one that
                // came back would break the order of the catalog's numbers): this keeps a long soak's checks short.
                totals.Reported += reported.RemoveAll(c => ParseState(c.State).N < oldest);
            }

            outside.AssertUnchanged(context);
        }

        // Whatever the kills interrupted, one more collection leaves exactly the retained checkpoints' directories.
        await using (var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(store)))
        {
            await checkpointer.CollectGarbageAsync(CheckpointLoop.Retain);
            Assert.Equal(Math.Min(CheckpointLoop.Retain, checkpointer.Checkpoints.Count), checkpointer.Checkpoints.Count);
            var catalogued = checkpointer.Checkpoints.Select(c => c.Id.ToString("D")).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(catalogued.Order(StringComparer.Ordinal), Directory.EnumerateDirectories(store).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal));
            Assert.Empty(HiddenTemporaries(store));
        }

        outside.AssertUnchanged("after the last collection");
        output.WriteLine($"{kills} SIGKILLs, 0 violations: {totals.AtOnce} right after a counted commit, {totals.InCommit} inside a commit (after one of its files or directory syncs), {totals.InCollection} inside a garbage collection (after {totals.Deletions} deletions in all); {totals.Reported + reported.Count} reported commits, {totals.Collected} checkpoints collected by the workers; store checked after every kill, {totals.Temporaries} hidden temporaries of interrupted writes or removals deleted by the reopens");
        Assert.True(totals.InCommit > 0 && totals.InCollection > 0 && totals.Collected > 0, "the kills never landed inside a commit or a collection, or nothing was collected");
    }

    /// <summary>Reads on to where the kill lands: 0 at once, 1 after a file of the next commit landed, 2 after a directory sync, 3 inside the next collection.</summary>
    private static async Task RunToStageAsync(WorkerProcess worker, int stage, Random random)
    {
        switch (stage)
        {
            case 1:
                while (!(await worker.NextLineAsync()).StartsWith("stored ", StringComparison.Ordinal))
                {
                }

                break;
            case 2:
                while (!(await worker.NextLineAsync()).StartsWith("synced ", StringComparison.Ordinal))
                {
                }

                break;
            case 3:
                while (await worker.NextLineAsync() != "collecting")
                {
                }

                // Then past up to a few of its steps (a collection ends after its own deletions and syncs).
                for (var steps = random.Next(6); steps > 0 && !(await worker.NextLineAsync()).StartsWith("collected ", StringComparison.Ordinal); steps--)
                {
                }

                break;
        }
    }

    /// <summary>
    /// Opens the store as the next writer would and checks it: every catalogued checkpoint restores exactly (see
    /// <see cref="VerifyEveryCheckpointAsync"/>), the newest is one of <paramref name="newest"/>, every reported
    /// checkpoint newer than the oldest catalogued one is still catalogued (garbage collection drops only the oldest),
    /// at least <see cref="CheckpointLoop.Retain"/> are kept, no state number repeats, and the open left no directory
    /// the catalog does not name. Returns the newest state, which the next worker must restore, and the oldest number kept.
    /// </summary>
    private static async Task<(string Newest, long Oldest)> CheckStoreAsync(string store, IReadOnlyList<ReportedCommit> reported, IReadOnlyCollection<int> pids, string[] newest, string context)
    {
        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(store));
        if (checkpointer.Checkpoints.Count == 0)
        {
            Assert.True(reported.Count == 0 && newest[0] == "none", $"{context}: the catalog is empty");
            return ("none", 0);
        }

        await VerifyEveryCheckpointAsync(checkpointer, reported, pids);
        var latest = StateOf(await checkpointer.RestoreAsync(checkpointer.Latest!.Id));
        Assert.True(newest.Contains(latest), $"{context}: the newest checkpoint holds {latest}, expected one of {string.Join(", ", newest)}");

        var catalogued = new Dictionary<long, Guid>();
        foreach (var info in checkpointer.Checkpoints)
        {
            var n = ParseState(StateOf(await checkpointer.RestoreAsync(info.Id))).N;
            Assert.True(catalogued.TryAdd(n, info.Id), $"{context}: checkpoint number {n} is catalogued twice");
        }

        var oldest = catalogued.Keys.Min();
        var lost = reported.Where(c => ParseState(c.State).N >= oldest && !catalogued.ContainsValue(c.Id)).ToArray();
        Assert.True(lost.Length == 0, $"{context}: reported checkpoints missing though newer than the oldest kept: {string.Join(", ", lost.Select(c => $"{c.Id} {c.State}"))}");
        var newestN = ParseState(latest).N;
        Assert.True(catalogued.Count >= Math.Min(CheckpointLoop.Retain, newestN), $"{context}: only {catalogued.Count} checkpoints kept of {newestN}");

        var directories = Directory.EnumerateDirectories(store).Select(d => Path.GetFileName(d)).Where(d => !checkpointer.Checkpoints.Any(c => c.Id.ToString("D") == d)).ToArray();
        Assert.True(directories.Length == 0, $"{context}: directories the catalog does not name survived the open: {string.Join(", ", directories)}");

        // A kill inside a commit or a directory's removal leaves the backend's hidden temporaries (".<name>.<random>.tmp"),
        // which no reader lists: the open must have deleted them, wherever in the store they were.
        var temporaries = HiddenTemporaries(store);
        Assert.True(temporaries.Length == 0, $"{context}: hidden temporaries survived the open: {string.Join(", ", temporaries)}");
        return (latest, oldest);
    }

    private static bool IsHiddenTemporary(string name) => name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal);

    private static string[] HiddenTemporaries(string store) =>
        [.. Directory.EnumerateFileSystemEntries(store, "*", SearchOption.AllDirectories).Where(e => IsHiddenTemporary(Path.GetFileName(e))).Select(e => Path.GetRelativePath(store, e))];

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

    private sealed class Totals
    {
        public int AtOnce { get; set; }

        public int InCommit { get; set; }

        public int InCollection { get; set; }

        public int Deletions { get; set; }

        public int Collected { get; set; }

        public int Temporaries { get; set; }

        public int Reported { get; set; }

        /// <summary>Where the kill landed, from the last lines the worker printed, and what its collections removed.</summary>
        public void Count(WorkerProcess worker)
        {
            var lines = worker.Lines;
            var lastEnd = lines.Select((l, i) => (l, i)).LastOrDefault(x => x.l.StartsWith("committed ", StringComparison.Ordinal) || x.l.StartsWith("collected ", StringComparison.Ordinal) || x.l.StartsWith("opened ", StringComparison.Ordinal)).i;
            var after = lines.Skip(lastEnd + 1).ToArray();
            if (after.Contains("collecting"))
            {
                InCollection++;
            }
            else if (after.Any(l => l.StartsWith("stored ", StringComparison.Ordinal) || l.StartsWith("synced ", StringComparison.Ordinal)))
            {
                InCommit++;
            }
            else
            {
                AtOnce++;
            }

            Deletions += lines.Count(l => l.StartsWith("deleted ", StringComparison.Ordinal));
            Collected += lines.Where(l => l.StartsWith("collected ", StringComparison.Ordinal)).Sum(l => int.Parse(l["collected ".Length..], CultureInfo.InvariantCulture));
        }
    }

    private static (int Pid, long N) ParseState(string state)
    {
        var parts = state.Split(':');
        Assert.True(parts.Length == 2, $"'{state}' is not <pid>:<n>.");
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
