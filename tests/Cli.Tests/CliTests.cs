using System.Text.Json.Nodes;
using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark checkpoints list` and `bulwark verify` over real stores, healthy and damaged in each way the store can be.</summary>
public sealed class CliTests : CliTestBase
{
    [Fact]
    public async Task Verify_reports_a_healthyStore_and_exits_0()
    {
        var (first, second) = await CreateStoreAsync();
        var (code, output, error) = await RunAsync("verify", Store);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(["healthy: 2 checkpoint(s), 4 file(s) verified"], Lines(output));
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Verify_does_not_report_theStore_lock_or_its_owner_record_even_while_held()
    {
        await CreateStoreAsync();
        await using var holder = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store));
        Assert.True(File.Exists(Path.Combine(Store, "checkpoints.lock.owner")), "the held lock should have its owner record beside it");

        var (code, output, error) = await RunAsync("verify", Store);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(["healthy: 2 checkpoint(s), 4 file(s) verified"], Lines(output));
    }

    [Fact]
    public async Task List_prints_one_line_per_checkpoint_oldest_first()
    {
        var (first, second) = await CreateStoreAsync();
        var (code, output, _) = await RunAsync("checkpoints", "list", Store);
        Assert.Equal(0, code);
        var lines = Lines(output);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("2 checkpoint(s)", lines[0], StringComparison.Ordinal);
        Assert.StartsWith(first.ToString("D"), lines[1], StringComparison.Ordinal);
        Assert.Contains("operators: counter", lines[1], StringComparison.Ordinal);
        Assert.StartsWith(second.ToString("D"), lines[2], StringComparison.Ordinal);
        Assert.Contains("3 files", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_files_are_each_named_on_their_own_line()
    {
        var (first, second) = await CreateStoreAsync();
        File.Delete(Path.Combine(Store, second.ToString("D"), "counter.state"));
        File.Delete(Path.Combine(Store, "batch-2.arrow"));

        var (code, output, error) = await RunAsync("verify", Store);

        Assert.Equal(1, code);
        Assert.Equal("", error);
        var problems = Lines(output).Where(l => l.StartsWith("problem: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, problems.Length);
        Assert.Contains(problems, p => p.StartsWith($"problem: {second:D}/counter.state: ", StringComparison.Ordinal) && p.Contains("missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("problem: batch-2.arrow: ", StringComparison.Ordinal) && p.Contains("shared batch file", StringComparison.Ordinal));
        Assert.Equal("2 problem(s) found in " + Store, Lines(output)[^1]);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task A_flipped_byte_is_a_checksum_problem_and_a_truncated_file_a_size_problem()
    {
        await CreateStoreAsync();
        var batch1 = Path.Combine(Store, "batch-1.arrow");
        var bytes = await File.ReadAllBytesAsync(batch1);
        bytes[3] ^= 0x40;
        await File.WriteAllBytesAsync(batch1, bytes);
        var batch2 = Path.Combine(Store, "batch-2.arrow");
        var bytes2 = await File.ReadAllBytesAsync(batch2);
        await File.WriteAllBytesAsync(batch2, bytes2[..^5]);

        var (code, output, _) = await RunAsync("verify", Store);

        Assert.Equal(1, code);
        var lines = Lines(output);
        Assert.Contains(lines, l => l.StartsWith("problem: batch-1.arrow: its CRC32C is", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"problem: batch-2.arrow: it is {bytes2.Length - 5} bytes;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_state_file_that_matches_its_manifest_but_is_not_a_state_is_reported_by_its_header()
    {
        var (_, second) = await CreateStoreAsync();
        var statePath = Path.Combine(Store, second.ToString("D"), "counter.state");
        var garbage = new byte[48];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(statePath, garbage);
        await RewriteManifestEntryAsync(second, $"{second:D}/counter.state", entry =>
        {
            entry["length"] = garbage.Length;
            entry["crc32C"] = Crc32C(garbage);
        });

        var (code, output, _) = await RunAsync("verify", Store);

        Assert.Equal(1, code);
        var problem = Assert.Single(Lines(output), l => l.StartsWith("problem: ", StringComparison.Ordinal));
        Assert.StartsWith($"problem: {second:D}/counter.state: the state of operator 'counter' is not a valid checkpoint state:", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_catalog_beside_checkpoint_directories_names_them()
    {
        var (first, second) = await CreateStoreAsync();
        File.Delete(Path.Combine(Store, Checkpointer.CatalogFileName));

        var (code, output, _) = await RunAsync("verify", Store);

        Assert.Equal(1, code);
        var problem = Assert.Single(Lines(output), l => l.StartsWith("problem: ", StringComparison.Ordinal));
        Assert.StartsWith("problem: checkpoints.json: the catalog is missing while 2 checkpoint directories exist", problem, StringComparison.Ordinal);
        Assert.Contains(first.ToString("D"), problem, StringComparison.Ordinal);
        Assert.Contains(second.ToString("D"), problem, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(Store, first.ToString("D"))), "verify must never delete");
    }

    [Fact]
    public async Task A_manifest_naming_a_pathOutside_theStore_is_refused_and_nothingOutside_is_read_or_touched()
    {
        var (_, second) = await CreateStoreAsync();
        await RewriteManifestEntryAsync(second, "batch-1.arrow", entry => entry["path"] = "../outside.txt");

        var (code, output, _) = await RunAsync("verify", Store);

        Assert.Equal(1, code);
        Assert.Contains(Lines(output), l => l.StartsWith($"problem: {second:D}/manifest.json: it lists a refused path", StringComparison.Ordinal));
        Assert.Equal("must survive", await File.ReadAllTextAsync(Outside));
    }

    [Fact]
    public async Task A_truncated_manifest_and_a_corrupt_catalog_are_typed_lines_not_stack_traces()
    {
        var (first, _) = await CreateStoreAsync();
        var manifest = Path.Combine(Store, first.ToString("D"), Checkpointer.ManifestFileName);
        var text = await File.ReadAllBytesAsync(manifest);
        await File.WriteAllBytesAsync(manifest, text[..(text.Length / 2)]);

        var (code, output, error) = await RunAsync("verify", Store);
        Assert.Equal(1, code);
        Assert.Contains(Lines(output), l => l.StartsWith($"problem: {first:D}/manifest.json: it is not valid manifest JSON", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);

        await File.WriteAllTextAsync(Path.Combine(Store, Checkpointer.CatalogFileName), "{\"formatVersion\": 1, \"checkpoints\": [\"../../etc\"]}");
        (code, output, error) = await RunAsync("verify", Store);
        Assert.Equal(1, code);
        Assert.Contains(Lines(output), l => l.StartsWith("problem: checkpoints.json: '../../etc' is not a checkpoint id", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_changes_nothing_in_a_damagedStore()
    {
        var (_, second) = await CreateStoreAsync();
        Directory.CreateDirectory(Path.Combine(Store, Guid.CreateVersion7().ToString("D")));
        File.Delete(Path.Combine(Store, second.ToString("D"), "counter.state"));
        var before = Snapshot(Store);

        var (code, output, _) = await RunAsync("verify", Store);

        Assert.Equal(1, code);
        Assert.Contains(Lines(output), l => l.StartsWith("note: ", StringComparison.Ordinal) && l.Contains("interrupted commit", StringComparison.Ordinal));
        Assert.Equal(before, Snapshot(Store));
    }

    [Theory]
    [InlineData("")]
    [InlineData("verify")]
    [InlineData("checkpoints")]
    [InlineData("checkpoints list")]
    [InlineData("frobnicate x")]
    [InlineData("verify a b")]
    [InlineData("checkpoints drop x")]
    [InlineData("checkpoints drop x y z")]
    [InlineData("checkpoints repair")]
    [InlineData("checkpoints repair x --force")]
    [InlineData("ingest")]
    [InlineData("ingest status")]
    [InlineData("ingest status a b")]
    [InlineData("ingest replay a")]
    [InlineData("ingest replay a b --format csv")]
    [InlineData("shard")]
    [InlineData("shard inspect --consensus a")]
    [InlineData("shard inspect a b --blob c")]
    [InlineData("verify a --yes")]
    public async Task Usage_errors_exit_2_with_a_usage_line(string commandLine)
    {
        var (code, output, error) = await RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(
            "usage: bulwark cat FILE [--format table|csv|jsonl] [--limit N] | bulwark schema FILE"
            + " | bulwark checkpoints list DIR | bulwark checkpoints drop DIR ID [--yes] | bulwark checkpoints repair DIR [--yes]"
            + " | bulwark gc --plan DIR [--retain N] [--except ID]..."
            + " | bulwark ingest status DATASET | bulwark ingest replay SPILL DEST [--format parquet|arrow]"
            + " | bulwark shard inspect [SHARD_ID] (--consensus DIR | --postgres CONNECTION_STRING) --blob DIR"
            + " | bulwark verify PATH [--blob DIR] [--consensus DIR | --postgres CONNECTION_STRING]"
            + " | bulwark COMMAND --help",
            error,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help", "checkpoints")]
    [InlineData("ingest --help", "replay")]
    [InlineData("ingest replay --help", "--format <arrow|parquet>")]
    [InlineData("shard inspect --help", "--postgres <CONNECTION_STRING>")]
    [InlineData("verify --help", "--consensus <DIR>")]
    [InlineData("--help", "cat")]
    [InlineData("--help", "schema")]
    [InlineData("cat --help", "--format <csv|jsonl|table>")]
    [InlineData("cat --help", "--limit <N>")]
    [InlineData("schema --help", "row groups")]
    [InlineData("gc --help", "Plan-only")]
    [InlineData("gc --help", "--retain <N>")]
    public async Task Help_exits_0_and_describes_the_commands_and_options(string commandLine, string mentioned)
    {
        var (code, output, error) = await RunAsync(commandLine.Split(' '));
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains(mentioned, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_exits_0_and_prints_a_version()
    {
        var (code, output, error) = await RunAsync("--version");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Matches(@"^\d+\.\d+", output);
    }

    [Fact]
    public async Task A_directory_that_does_not_exist_is_a_usage_error_and_is_not_created()
    {
        var missing = Path.Combine(Work, "nope");
        var (code, _, error) = await RunAsync("verify", missing);
        Assert.Equal(2, code);
        Assert.Contains($"'{missing}' does not exist", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task A_directory_that_is_no_store_is_a_usage_error_saying_what_was_looked_for()
    {
        Directory.CreateDirectory(Store);
        File.WriteAllText(Path.Combine(Store, "notes.txt"), "not a store");
        var (code, output, error) = await RunAsync("verify", Store);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal(
            [
                $"error: '{Store}' is not a store bulwark knows; it looked for a checkpoint store (checkpoints.json or checkpoint directories), "
                + "an ingest dataset (_commits/, _locks/ or TABLE/part-* files), a shard consensus directory (FileConsensus key directories of shard states) "
                + "or a shard blob directory (shards/SHARD_ID/parts/)",
            ],
            Lines(error));
    }
}
