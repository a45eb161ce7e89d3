using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark checkpoints repair` over real stores whose catalog was lost, spoiled or names a damaged checkpoint.</summary>
public sealed class CheckpointsRepairTests : CliTestBase
{
    [Fact]
    public async Task The_dry_run_prints_the_plan_for_a_lost_catalog_and_writes_nothing()
    {
        var (first, second) = await CreateStoreAsync();
        File.Delete(Path.Combine(Store, Checkpointer.CatalogFileName));
        var before = Snapshot(Store);

        var (code, output, error) = await RunAsync("checkpoints", "repair", Store);

        Assert.Equal(1, code);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Equal(
            [
                "current catalog: missing",
                $"keep: {first:D}  created {await CreatedAtAsync(first)}",
                $"keep: {second:D}  created {await CreatedAtAsync(second)}",
            ],
            lines[..3]);
        Assert.StartsWith("new writer epoch: ", lines[3], StringComparison.Ordinal);
        Assert.True(long.Parse(lines[3]["new writer epoch: ".Length..], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("nothing was written; run again with --yes to write this catalog", lines[4]);
        Assert.Equal(5, lines.Length);
        Assert.Equal(before, Snapshot(Store));
        Assert.False(File.Exists(Path.Combine(Store, Checkpointer.CatalogFileName)));
    }

    [Theory]
    [InlineData(false, "current catalog: missing")]
    [InlineData(true, "current catalog: unreadable")]
    public async Task Yes_writes_a_catalog_the_checkpointer_then_opens_with_exactly_the_intact_checkpoints_in_order(bool spoil, string currentLine)
    {
        var (first, second) = await CreateStoreAsync();
        var catalog = Path.Combine(Store, Checkpointer.CatalogFileName);
        if (spoil)
        {
            await File.WriteAllTextAsync(catalog, "{\"formatVersion\": 1, \"checkp");
        }
        else
        {
            File.Delete(catalog);
        }

        var (code, output, error) = await RunAsync("checkpoints", "repair", Store, "--yes");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(currentLine, Lines(output)[0]);
        Assert.Equal("wrote the catalog: 2 checkpoint(s)", Lines(output)[^1]);
        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store));
        Assert.Equal([first, second], checkpointer.Checkpoints.Select(c => c.Id));
        Assert.Empty(checkpointer.DamagedCheckpoints);
        Assert.Equal(second, (await checkpointer.RestoreLatestAsync())!.Id);
    }

    [Fact]
    public async Task A_damaged_checkpoint_is_excluded_and_named_with_each_problem_and_its_directory_goes_at_the_next_open()
    {
        var (first, second) = await CreateStoreAsync();
        File.Delete(Path.Combine(Store, Checkpointer.CatalogFileName));
        var state = Path.Combine(Store, second.ToString("D"), "counter.state");
        var bytes = await File.ReadAllBytesAsync(state);
        bytes[^1] ^= 0x01;
        await File.WriteAllBytesAsync(state, bytes);
        File.Delete(Path.Combine(Store, "batch-2.arrow"));

        var (code, output, error) = await RunAsync("checkpoints", "repair", Store);

        Assert.Equal(1, code);
        var lines = Lines(output);
        Assert.Equal($"keep: {first:D}  created {await CreatedAtAsync(first)}", lines[1]);
        Assert.Equal($"exclude: {second:D}", lines[2]);
        Assert.Equal("problem: batch-2.arrow: the file is missing", lines[3]);
        Assert.StartsWith($"problem: {second:D}/counter.state: its CRC32C is ", lines[4], StringComparison.Ordinal);
        Assert.Equal("its directory will be removed when the store is next opened", lines[5]);
        Assert.DoesNotContain(lines, l => l.StartsWith($"keep: {second:D}", StringComparison.Ordinal));
        AssertNoStackTrace(output, error);

        (code, output, error) = await RunAsync("checkpoints", "repair", Store, "--yes");

        Assert.Equal(0, code);
        Assert.Equal("wrote the catalog: 1 checkpoint(s)", Lines(output)[^1]);
        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store));
        Assert.Equal([first], checkpointer.Checkpoints.Select(c => c.Id));
        Assert.False(Directory.Exists(Path.Combine(Store, second.ToString("D"))), "the plan said the excluded directory goes when the store is next opened");
        AssertNoStackTrace(output, error);
    }

    [Fact]
    public async Task A_catalogued_damaged_checkpoint_is_dropped_from_the_catalog()
    {
        var (first, second) = await CreateStoreAsync();
        File.Delete(Path.Combine(Store, second.ToString("D"), "counter.state"));

        var (code, output, _) = await RunAsync("checkpoints", "repair", Store);

        Assert.Equal(1, code);
        var lines = Lines(output);
        Assert.Equal($"current catalog: 2 checkpoint(s): {first:D}, {second:D}", lines[0]);
        Assert.Contains($"exclude: {second:D} (the current catalog lists it)", lines);
        Assert.Contains($"problem: {second:D}/counter.state: the file is missing", lines);
    }

    [Fact]
    public async Task A_healthy_store_has_nothing_to_repair_and_exits_0_unchanged()
    {
        var (first, second) = await CreateStoreAsync();
        var before = Snapshot(Store);

        var (code, output, error) = await RunAsync("checkpoints", "repair", Store, "--yes");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(
            [
                $"current catalog: 2 checkpoint(s): {first:D}, {second:D}",
                $"keep: {first:D}  created {await CreatedAtAsync(first)}",
                $"keep: {second:D}  created {await CreatedAtAsync(second)}",
                "the catalog already lists exactly the intact checkpoints; nothing to repair",
            ],
            Lines(output));
        Assert.Equal(before, Snapshot(Store));
    }

    [Fact]
    public async Task A_store_held_by_a_checkpointer_is_refused_with_one_line_naming_the_holder_and_nothing_is_written()
    {
        var (first, second) = await CreateStoreAsync();
        await using var holder = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store));
        File.Delete(Path.Combine(Store, second.ToString("D"), "counter.state"));
        var catalog = await File.ReadAllBytesAsync(Path.Combine(Store, Checkpointer.CatalogFileName));

        var (code, output, error) = await RunAsync("checkpoints", "repair", Store, "--yes");

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("error: The checkpoint store ", line, StringComparison.Ordinal);
        Assert.Contains($"in process {Environment.ProcessId} on host '{Environment.MachineName}'", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Lines(output), l => l.StartsWith("wrote", StringComparison.Ordinal));
        Assert.Equal(catalog, await File.ReadAllBytesAsync(Path.Combine(Store, Checkpointer.CatalogFileName)));
        Assert.Equal([first, second], holder.Checkpoints.Select(c => c.Id));
        AssertNoStackTrace(output, error);
    }

    [Fact]
    public async Task Not_a_directory_and_not_a_store_are_distinct_usage_errors_and_nothing_is_created()
    {
        var missing = Path.Combine(Work, "nope");
        var (code, _, error) = await RunAsync("checkpoints", "repair", missing, "--yes");
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{missing}' does not exist"], Lines(error));
        Assert.False(Directory.Exists(missing));

        Directory.CreateDirectory(Store);
        (code, _, error) = await RunAsync("checkpoints", "repair", Store, "--yes");
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{Store}' is not a checkpoint store: it has no catalog (checkpoints.json) and no checkpoint directories"], Lines(error));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Store));
    }
}
