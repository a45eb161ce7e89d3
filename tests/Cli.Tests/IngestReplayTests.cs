using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark ingest replay` over spills an IngestController wrote when its destination stayed down at shutdown.</summary>
public sealed class IngestReplayTests : CliTestBase
{
    private string Dataset => Path.Combine(Work, "dataset");

    private string Spill => Path.Combine(Work, "spill");

    [Fact]
    public async Task Replay_commits_a_spill_once_and_a_second_run_finds_nothing_and_adds_no_row()
    {
        await SpillAsync();
        var spilled = Assert.Single(Directory.GetDirectories(Spill));
        var spillId = Path.GetFileName(spilled)[^16..];

        var (code, output, error) = await RunAsync("ingest", "replay", Spill, Dataset);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var identity = $"w1.spill-{spillId}";
        Assert.Equal(
            [
                $"dataset {Dataset}: 1 commit(s) before the replay",
                $"replayed: flush 2 of writer w1, committed as _commits/000000000002-{identity}.json",
                $"table incomplete_visits: 3 row(s) in incomplete_visits/part-000000000002-{identity}.parquet",
                $"table pages: 3 row(s) in pages/part-000000000002-{identity}.parquet",
                $"table requests: 1 row(s) in requests/part-000000000002-{identity}.parquet",
                "visits: 3 (11, 12, 13), listed in incomplete_visits as spilled",
                "replayed 1 spill(s), 0 already there, 0 skipped",
            ],
            Lines(output));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Spill));
        var pages = await IngestKit.ReadAsync<PageRow>(Dataset);
        Assert.Equal([10L, 11, 11, 12], pages.Select(p => p.VisitId).Order());
        var afterFirst = Snapshot(Dataset);

        (code, output, error) = await RunAsync("ingest", "replay", Spill, Dataset);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(
            [
                $"dataset {Dataset}: 2 commit(s) before the replay",
                $"nothing to replay: {Spill} holds no spill (a replayed spill is removed once its commit is durable)",
            ],
            Lines(output));
        Assert.Equal(afterFirst, Snapshot(Dataset));
        Assert.Equal(4, (await IngestKit.ReadAsync<PageRow>(Dataset)).Count);
    }

    [Fact]
    public async Task A_replay_cut_short_after_its_commit_point_is_finished_without_committing_twice()
    {
        await SpillAsync();
        var spilled = Assert.Single(Directory.GetDirectories(Spill));
        var copy = Path.Combine(Work, "spill-copy");
        CopyDirectory(spilled, Path.Combine(copy, Path.GetFileName(spilled)));
        Assert.Equal(0, (await RunAsync("ingest", "replay", Spill, Dataset)).Code);
        var afterFirst = Snapshot(Dataset);

        // As if the first replay had crashed after its commit point, before it removed the spill.
        CopyDirectory(Path.Combine(copy, Path.GetFileName(spilled)), spilled);
        var (code, output, error) = await RunAsync("ingest", "replay", Spill, Dataset);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.StartsWith("already there: flush 2 of writer w1: an earlier replay committed it as _commits/000000000002-w1.spill-", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("; nothing was committed again, the spill was removed", lines[1], StringComparison.Ordinal);
        Assert.Equal("replayed 0 spill(s), 1 already there, 0 skipped", lines[^1]);
        Assert.Equal(afterFirst, Snapshot(Dataset));
        Assert.Equal(4, (await IngestKit.ReadAsync<PageRow>(Dataset)).Count);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Spill));
    }

    [Fact]
    public async Task A_replay_cut_short_after_its_commit_point_and_rerun_in_another_format_commits_nothing_twice()
    {
        await SpillAsync();
        var spilled = Assert.Single(Directory.GetDirectories(Spill));
        var copy = Path.Combine(Work, "spill-copy");
        CopyDirectory(spilled, Path.Combine(copy, Path.GetFileName(spilled)));
        Assert.Equal(0, (await RunAsync("ingest", "replay", Spill, Dataset)).Code);
        var afterFirst = Snapshot(Dataset);

        // The first replay wrote Parquet and stopped before it removed the spill; the operator re-runs it with Arrow.
        CopyDirectory(Path.Combine(copy, Path.GetFileName(spilled)), spilled);
        var (code, output, error) = await RunAsync("ingest", "replay", Spill, Dataset, "--format", "arrow");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal("replayed 0 spill(s), 1 already there, 0 skipped", Lines(output)[^1]);
        Assert.Equal(afterFirst, Snapshot(Dataset));
        Assert.Equal(4, (await IngestKit.ReadAsync<PageRow>(Dataset)).Count);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Spill));
    }

    [Fact]
    public async Task Parts_of_a_replay_cut_short_before_its_commit_point_are_orphans_that_the_next_replay_commits()
    {
        await SpillAsync();
        var flaky = new FaultInjectingBackend(new LocalFileSystemBackend(Dataset));
        flaky.FailWhen(StorageOperationKind.Create, p => p.StartsWith("_commits/", StringComparison.Ordinal));
        await Assert.ThrowsAsync<InjectedFaultException>(() => IngestSpill.ReplayAsync(Spill, flaky));

        var (code, output, _) = await RunAsync("ingest", "status", Dataset);

        Assert.Equal(0, code);
        var orphans = Lines(output).Where(l => l.StartsWith("orphan: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, orphans.Length);
        Assert.All(orphans, o => Assert.EndsWith(
            ".parquet: no commit record names it (left by a spill replay cut short: replaying that spill again with this part's format commits it; no writer removes it)", o, StringComparison.Ordinal));

        (code, output, _) = await RunAsync("ingest", "replay", Spill, Dataset);
        Assert.Equal(0, code);
        Assert.Equal("replayed 1 spill(s), 0 already there, 0 skipped", Lines(output)[^1]);
        (code, output, _) = await RunAsync("ingest", "status", Dataset);
        Assert.Equal(0, code);
        Assert.Contains("orphans: 0", Lines(output));
        Assert.Equal(4, (await IngestKit.ReadAsync<PageRow>(Dataset)).Count);
    }

    [Fact]
    public async Task A_spill_whose_flush_took_effect_is_reported_as_already_there_and_its_rows_are_not_doubled()
    {
        // The commit record lands but every attempt reports failure and nothing can be read back: shutdown spills a flush that is committed.
        await IngestKit.ShutDownWhileDownAsync(
            Dataset,
            Spill,
            async ingest => _ = (await IngestKit.VisitAsync(ingest, 21, pages: 2, requests: 0)).FinalizeAsync(true),
            faults =>
            {
                faults.FailWhen(StorageOperationKind.Rename, p => p.StartsWith("_commits/", StringComparison.Ordinal), permanent: true, timing: FaultTiming.After);
                faults.FailWhen(StorageOperationKind.Read, permanent: true);
                faults.FailWhen(StorageOperationKind.GetEntry, permanent: true);
            });
        var spilled = Path.GetFileName(Assert.Single(Directory.GetDirectories(Spill)));

        var (code, output, error) = await RunAsync("ingest", "replay", Spill, Dataset);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Contains($"already there: spill {spilled}: its original flush is already committed in the dataset, so it was not committed again; the spill was removed", lines);
        Assert.Equal("replayed 0 spill(s), 1 already there, 0 skipped", lines[^1]);
        Assert.Equal(2, (await IngestKit.ReadAsync<PageRow>(Dataset)).Count);
    }

    [Fact]
    public async Task Format_arrow_writes_arrow_parts_that_read_back()
    {
        await SpillAsync();

        var (code, output, _) = await RunAsync("ingest", "replay", Spill, Dataset, "--format", "arrow");

        Assert.Equal(0, code);
        Assert.Contains(Lines(output), l => l.StartsWith("table pages: 3 row(s) in pages/part-000000000002-w1.spill-", StringComparison.Ordinal) && l.EndsWith(".arrow", StringComparison.Ordinal));
        Assert.Equal(4, (await IngestKit.ReadAsync<PageRow>(Dataset)).Count);
        Assert.Equal(0, (await RunAsync("verify", Dataset)).Code);
    }

    [Fact]
    public async Task A_spill_without_its_manifest_is_left_in_place_and_exits_1()
    {
        await SpillAsync();
        var spilled = Assert.Single(Directory.GetDirectories(Spill));
        File.Delete(Path.Combine(spilled, "manifest.json"));

        var (code, output, error) = await RunAsync("ingest", "replay", Spill, Dataset);

        Assert.Equal(1, code);
        Assert.Equal("", error);
        Assert.Contains($"skipped: {spilled}: it has no manifest (the spill was cut short by a crash); left in place", Lines(output));
        Assert.Equal("replayed 0 spill(s), 0 already there, 1 skipped", Lines(output)[^1]);
        Assert.True(Directory.Exists(spilled));
    }

    [Fact]
    public async Task A_damaged_spill_manifest_is_one_error_line()
    {
        await SpillAsync();
        var spilled = Assert.Single(Directory.GetDirectories(Spill));
        await File.WriteAllTextAsync(Path.Combine(spilled, "manifest.json"), "{\"format\": 1, \"wri");

        var (code, output, error) = await RunAsync("ingest", "replay", Spill, Dataset);

        Assert.Equal(1, code);
        AssertNoStackTrace(output, error);
        var lines = Lines(error);
        Assert.StartsWith($"error: Ingest file '{Path.Combine(spilled, "manifest.json")}' is damaged: not a valid spill manifest", lines[0], StringComparison.Ordinal);
        Assert.True(Directory.Exists(spilled));
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_write_nothing()
    {
        await SpillAsync();
        var before = Snapshot(Work);

        var missing = Path.Combine(Work, "nope");
        var (code, _, error) = await RunAsync("ingest", "replay", missing, Dataset);
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{missing}' does not exist"], Lines(error));

        (code, _, error) = await RunAsync("ingest", "replay", Spill, missing);
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{missing}' does not exist"], Lines(error));

        await CreateStoreAsync();
        before = Snapshot(Work);
        (code, _, error) = await RunAsync("ingest", "replay", Spill, Store);
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{Store}' is not an ingest dataset: it has files, but no commit log (_commits/), no writer locks (_locks/) and no part files (TABLE/part-*)"], Lines(error));

        (code, _, error) = await RunAsync("ingest", "replay", Spill, Dataset, "--format", "csv");
        Assert.Equal(2, code);
        Assert.Contains("csv", error, StringComparison.Ordinal);
        Assert.Contains(BulwarkCommand.Usage, error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(Work));
    }

    /// <summary>
    /// Flush 1 of writer w1 commits visit 10 (1 page); then the destination goes down for good: visits 11 (2 pages,
    /// 1 request, completed), 12 (1 page, failed) and 13 (never finalized) are spilled as flush 2.
    /// </summary>
    private Task SpillAsync() => IngestKit.ShutDownWhileDownAsync(
        Dataset,
        Spill,
        async ingest =>
        {
            _ = (await IngestKit.VisitAsync(ingest, 10, pages: 1, requests: 0)).FinalizeAsync(true);
            await ingest.FlushAsync();
            _ = (await IngestKit.VisitAsync(ingest, 11, pages: 2, requests: 1)).FinalizeAsync(true);
            _ = (await IngestKit.VisitAsync(ingest, 12, pages: 1, requests: 0)).FinalizeAsync(false, "crawler crashed");
            await IngestKit.VisitAsync(ingest, 13, pages: 0, requests: 0);
        },
        faults => faults.FailWhen(StorageOperationKind.Create, permanent: true));

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
