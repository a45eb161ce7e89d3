using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark ingest status` over datasets an IngestController wrote, healthy, left by a crash, and damaged.</summary>
public sealed class IngestStatusTests : CliTestBase
{
    private string Dataset => Path.Combine(Work, "dataset");

    [Fact]
    public async Task A_healthy_dataset_shows_commits_per_writer_rows_per_table_and_incomplete_visits_and_exits_0()
    {
        await IngestKit.BuildAsync(Dataset);

        var (code, output, error) = await RunAsync("ingest", "status", Dataset);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Equal(
            [
                $"dataset: {Dataset}",
                "commits: 2",
                "writer w1: 2 commit(s), last flush 2",
            ],
            lines[..3]);
        Assert.Matches(@"^table incomplete_visits: 1 part\(s\), 1 row\(s\), [\d,]+ bytes$", lines[3]);
        Assert.Matches(@"^table pages: 2 part\(s\), 6 row\(s\), [\d,]+ bytes$", lines[4]);
        Assert.Matches(@"^table requests: 1 part\(s\), 1 row\(s\), [\d,]+ bytes$", lines[5]);
        Assert.Equal(
            [
                "incomplete visits: 1",
                "incomplete visit 2 (writer w1): finalized as failed: crawler crashed",
                "orphans: 0",
                "healthy: 4 committed file(s) present with their recorded size and CRC32C",
            ],
            lines[6..]);
    }

    [Fact]
    public async Task Table_bytes_are_the_committed_parts_sizes()
    {
        await IngestKit.BuildAsync(Dataset);
        var pages = new FileInfo(Path.Combine(Dataset, "pages", "part-000000000001-w1.parquet")).Length
            + new FileInfo(Path.Combine(Dataset, "pages", "part-000000000002-w1.parquet")).Length;

        var (_, output, _) = await RunAsync("ingest", "status", Dataset);

        Assert.Contains($"table pages: 2 part(s), 6 row(s), {N(pages)} bytes", Lines(output));
    }

    [Fact]
    public async Task A_flush_cut_short_before_its_commit_record_is_an_orphan_that_does_not_fail_status_and_the_next_open_removes_it()
    {
        await IngestKit.BuildAsync(Dataset);

        // Visit 7's rows reach their parts, but no commit record can be written: the flush never commits, as after a crash.
        await IngestKit.ShutDownWhileDownAsync(
            Dataset,
            spill: null,
            async ingest => _ = (await IngestKit.VisitAsync(ingest, 7, pages: 1, requests: 1)).FinalizeAsync(true),
            faults => faults.FailWhen(StorageOperationKind.Create, p => p.StartsWith("_commits/", StringComparison.Ordinal), permanent: true));
        Assert.True(File.Exists(Path.Combine(Dataset, "pages", "part-000000000003-w1.parquet")), "the flush should have written its parts");

        var (code, output, error) = await RunAsync("ingest", "status", Dataset);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Contains("commits: 2", lines);
        Assert.Contains("orphans: 2", lines);
        Assert.Equal(
            [
                "orphan: pages/part-000000000003-w1.parquet: no commit record names it (removed on next open of writer 'w1')",
                "orphan: requests/part-000000000003-w1.parquet: no commit record names it (removed on next open of writer 'w1')",
            ],
            lines.Where(l => l.StartsWith("orphan: ", StringComparison.Ordinal)));
        Assert.StartsWith("healthy: ", lines[^1], StringComparison.Ordinal);

        await (await IngestController.OpenAsync(new LocalFileSystemBackend(Dataset), IngestKit.Options())).DisposeAsync();
        (code, output, _) = await RunAsync("ingest", "status", Dataset);
        Assert.Equal(0, code);
        Assert.Contains("orphans: 0", Lines(output));
    }

    [Fact]
    public async Task Rows_of_a_visit_that_never_ended_are_counted_as_hidden_and_the_visit_is_listed_as_unended()
    {
        // Visit 9's rows commit in flush 1; the mark that would end it never commits (the destination went down and nothing could be spilled).
        await IngestKit.ShutDownWhileDownAsync(
            Dataset,
            spill: null,
            async ingest =>
            {
                await IngestKit.VisitAsync(ingest, 9, pages: 2, requests: 0);
                await ingest.FlushAsync();
            },
            faults => faults.FailWhen(StorageOperationKind.Create, permanent: true));

        var (code, output, _) = await RunAsync("ingest", "status", Dataset);

        Assert.Equal(0, code);
        var lines = Lines(output);
        Assert.Matches(@"^table pages: 1 part\(s\), 2 row\(s\) \(0 visible to readers\), [\d,]+ bytes$", Assert.Single(lines, l => l.StartsWith("table pages", StringComparison.Ordinal)));
        Assert.Contains("unended visits: 1 (running, or left by a crash: their committed rows stay hidden from readers until they end)", lines);
        Assert.Contains("unended visit 9 (writer w1)", lines);
    }

    [Fact]
    public async Task More_incomplete_visits_than_shown_are_counted()
    {
        await using (var ingest = await IngestController.OpenAsync(new LocalFileSystemBackend(Dataset), IngestKit.Options()))
        {
            var outcomes = new List<Task<VisitOutcome>>();
            for (var id = 1; id <= IngestCommand.VisitsShown + 2; id++)
            {
                outcomes.Add((await IngestKit.VisitAsync(ingest, id, pages: 1, requests: 0)).FinalizeAsync(false, $"reason {id}"));
            }

            await ingest.FlushAsync();
            await Task.WhenAll(outcomes);
        }

        var (_, output, _) = await RunAsync("ingest", "status", Dataset);

        var lines = Lines(output);
        Assert.Contains($"incomplete visits: {IngestCommand.VisitsShown + 2}", lines);
        Assert.Equal(IngestCommand.VisitsShown, lines.Count(l => l.StartsWith("incomplete visit ", StringComparison.Ordinal)));
        Assert.Contains("incomplete visit 1 (writer w1): finalized as failed: reason 1", lines);
        Assert.Contains("incomplete visits not shown: 2 (all are in the incomplete_visits table)", lines);
    }

    [Fact]
    public async Task A_missing_committed_part_is_a_problem_naming_its_commit_record()
    {
        await IngestKit.BuildAsync(Dataset);
        File.Delete(Path.Combine(Dataset, "requests", "part-000000000001-w1.parquet"));

        var (code, output, error) = await RunAsync("ingest", "status", Dataset);

        Assert.Equal(1, code);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Equal(
            ["problem: requests/part-000000000001-w1.parquet: a committed part is missing (committed by _commits/000000000001-w1.json)"],
            lines.Where(l => l.StartsWith("problem: ", StringComparison.Ordinal)));
        Assert.Equal($"1 problem(s) found in {Dataset}", lines[^1]);
        Assert.Contains("orphans: 0", lines);
    }

    [Fact]
    public async Task A_truncated_part_and_a_flipped_byte_are_each_a_problem_with_the_sizes_and_checksums()
    {
        await IngestKit.BuildAsync(Dataset);
        var truncated = await IngestKit.CommittedFileAsync(Dataset, "pages", 1);
        var flipped = await IngestKit.CommittedFileAsync(Dataset, "pages", 2);
        var bytes = await File.ReadAllBytesAsync(Path.Combine(Dataset, truncated.Path));
        await File.WriteAllBytesAsync(Path.Combine(Dataset, truncated.Path), bytes[..^7]);
        bytes = await File.ReadAllBytesAsync(Path.Combine(Dataset, flipped.Path));
        bytes[bytes.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(Path.Combine(Dataset, flipped.Path), bytes);

        var (code, output, error) = await RunAsync("ingest", "status", Dataset);

        Assert.Equal(1, code);
        AssertNoStackTrace(output, error);
        var problems = Lines(output).Where(l => l.StartsWith("problem: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, problems.Length);
        Assert.StartsWith($"problem: {truncated.Path}: its {truncated.Bytes - 7} bytes (CRC32C ", problems[0], StringComparison.Ordinal);
        Assert.EndsWith($"differ from the {truncated.Bytes} bytes (CRC32C {truncated.Crc32C:x8}) its commit record lists (committed by _commits/000000000001-w1.json)", problems[0], StringComparison.Ordinal);
        Assert.StartsWith($"problem: {flipped.Path}: its {flipped.Bytes} bytes (CRC32C {Crc32C(bytes):x8}) differ from the {flipped.Bytes} bytes (CRC32C {flipped.Crc32C:x8})", problems[1], StringComparison.Ordinal);
        Assert.Equal($"2 problem(s) found in {Dataset}", Lines(output)[^1]);
    }

    [Fact]
    public async Task A_corrupt_commit_record_is_a_problem_and_its_parts_are_named_as_kept_orphans_while_the_rest_is_reported()
    {
        await IngestKit.BuildAsync(Dataset);
        var record = Path.Combine(Dataset, "_commits", "000000000002-w1.json");
        var text = await File.ReadAllBytesAsync(record);
        await File.WriteAllBytesAsync(record, text[..(text.Length / 2)]);

        var (code, output, error) = await RunAsync("ingest", "status", Dataset);

        Assert.Equal(1, code);
        AssertNoStackTrace(output, error);
        var lines = Lines(output);
        Assert.Contains("commits: 1", lines);
        Assert.Contains("writer w1: 1 commit(s), last flush 1", lines);
        var problem = Assert.Single(lines, l => l.StartsWith("problem: ", StringComparison.Ordinal));
        Assert.StartsWith("problem: _commits/000000000002-w1.json: not a valid commit record (", problem, StringComparison.Ordinal);
        Assert.EndsWith("the flush it commits is invisible to readers, and writer 'w1' refuses to open until the record is restored or removed", problem, StringComparison.Ordinal);
        Assert.Contains("orphan: pages/part-000000000002-w1.parquet: its commit record _commits/000000000002-w1.json is damaged; kept while writer 'w1' cannot open", lines);
        Assert.Equal($"1 problem(s) found in {Dataset}", lines[^1]);
    }

    [Fact]
    public async Task Status_changes_nothing_in_a_damaged_dataset()
    {
        await IngestKit.BuildAsync(Dataset);
        File.Delete(Path.Combine(Dataset, "pages", "part-000000000002-w1.parquet"));
        await File.WriteAllTextAsync(Path.Combine(Dataset, "_commits", "000000000001-w1.json"), "{");
        var before = Snapshot(Dataset);

        var (code, _, _) = await RunAsync("ingest", "status", Dataset);

        Assert.Equal(1, code);
        Assert.Equal(before, Snapshot(Dataset));
    }

    [Fact]
    public async Task A_path_that_is_not_a_dataset_or_not_a_directory_is_a_usage_error()
    {
        var missing = Path.Combine(Work, "nope");
        var (code, _, error) = await RunAsync("ingest", "status", missing);
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{missing}' does not exist"], Lines(error));
        Assert.False(Directory.Exists(missing));

        await CreateStoreAsync();
        (code, _, error) = await RunAsync("ingest", "status", Store);
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{Store}' is not an ingest dataset: it has no commit log (_commits/), no writer locks (_locks/) and no part files (TABLE/part-*)"], Lines(error));
    }
}
