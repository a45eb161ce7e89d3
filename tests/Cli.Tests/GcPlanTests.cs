using System.Text.Json.Nodes;
using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests;

/// <summary>
/// `bulwark gc --plan` predicts, without writing, exactly what opening the store and CollectGarbageAsync then delete:
/// every scenario runs the plan, then the real collection, and compares.
/// </summary>
public sealed class GcPlanTests : CliTestBase
{
    public enum Scenario
    {
        Healthy,
        InterruptedCommit,
        DamagedOldCheckpoint,
    }

    [Theory]
    [InlineData(Scenario.Healthy, 1)]
    [InlineData(Scenario.Healthy, 2)]
    [InlineData(Scenario.Healthy, 3)]
    [InlineData(Scenario.InterruptedCommit, 1)]
    [InlineData(Scenario.InterruptedCommit, 2)]
    [InlineData(Scenario.DamagedOldCheckpoint, 1)]
    [InlineData(Scenario.DamagedOldCheckpoint, 2)]
    public async Task The_plan_names_exactly_what_collection_deletes_and_changes_nothing(Scenario scenario, int retain)
    {
        var ids = await BuildAsync(scenario);
        var before = Snapshot(Store);
        var rootBefore = RootEntries();

        var (code, output, error) = await RunAsync("gc", "--plan", Store, "--retain", retain.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(before, Snapshot(Store));
        var lines = Lines(output);
        var planned = lines.Where(l => l.StartsWith("deletes ", StringComparison.Ordinal)).Select(l => l["deletes ".Length..l.IndexOf(": ", StringComparison.Ordinal)]).ToHashSet();

        await using (var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store)))
        {
            await checkpointer.CollectGarbageAsync(retain);
        }

        var deleted = rootBefore.Except(RootEntries()).ToHashSet();
        Assert.Equal(deleted.Order(StringComparer.Ordinal), planned.Order(StringComparer.Ordinal));
        Assert.Equal($"{planned.Count} path(s) would be deleted", lines.Single(l => l.EndsWith(" would be deleted", StringComparison.Ordinal)));
        var removed = ids.Take(Math.Max(0, 3 - retain)).Select(i => i.ToString("D")).ToArray();
        Assert.Equal(
            removed.Length == 0 ? "removes 0 checkpoint(s) from the catalog" : $"removes {removed.Length} checkpoint(s) from the catalog: {string.Join(", ", removed)}",
            lines.Single(l => l.StartsWith("removes ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_reasons_name_the_rule_behind_each_deletion()
    {
        var ids = await BuildAsync(Scenario.InterruptedCommit);

        var (code, output, _) = await RunAsync("gc", "--plan", Store);

        Assert.Equal(0, code);
        Assert.Equal(
            [
                $"plan for {Store} with --retain 1 (nothing was changed)",
                $"keeps 1 checkpoint(s): {ids[2]:D}",
                $"removes 2 checkpoint(s) from the catalog: {ids[0]:D}, {ids[1]:D}",
                $"deletes s4.arrow: a shared file of {ids[3]:D} that no kept checkpoint references",
                $"deletes {ids[3]:D}/: opening the store removes it: no catalog lists it (an interrupted commit)",
                $"deletes s1.arrow: a shared file of {ids[0]:D} that no kept checkpoint references",
                $"deletes s2.arrow: a shared file of {ids[0]:D} that no kept checkpoint references",
                $"deletes {ids[0]:D}/: checkpoint {ids[0]:D} is older than the newest 1 kept",
                $"deletes {ids[1]:D}/: checkpoint {ids[1]:D} is older than the newest 1 kept",
                "6 path(s) would be deleted",
            ],
            Lines(output));
    }

    [Fact]
    public async Task A_kept_checkpoint_that_cannot_be_read_makes_the_plan_a_refusal_as_collection_refuses()
    {
        var ids = await BuildAsync(Scenario.Healthy);
        var manifest = Path.Combine(Store, ids[2].ToString("D"), Checkpointer.ManifestFileName);
        await File.WriteAllTextAsync(manifest, "{ not json");
        var before = Snapshot(Store);

        var (code, output, _) = await RunAsync("gc", "--plan", Store);

        Assert.Equal(1, code);
        Assert.Equal(
            [
                $"plan for {Store} with --retain 1 (nothing was changed)",
                $"refused: collection refuses and deletes nothing: the manifest of kept checkpoint(s) {ids[2]:D} cannot be read, so which shared files they need is unknown; `bulwark checkpoints drop` removes a damaged checkpoint",
            ],
            Lines(output));
        await using (var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store)))
        {
            await Assert.ThrowsAnyAsync<CheckpointException>(async () => await checkpointer.CollectGarbageAsync(1));
        }

        Assert.Equal(before.Split('\n').Where(l => !l.StartsWith("checkpoints", StringComparison.Ordinal)), Snapshot(Store).Split('\n').Where(l => !l.StartsWith("checkpoints", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Except_keeps_an_older_checkpoint_and_an_unknown_id_is_a_note()
    {
        var ids = await BuildAsync(Scenario.Healthy);
        var unknown = Guid.CreateVersion7();

        var (code, output, _) = await RunAsync("gc", "--plan", Store, "--except", ids[0].ToString("D"), "--except", unknown.ToString("D"));

        Assert.Equal(0, code);
        var lines = Lines(output);
        Assert.Contains($"keeps 2 checkpoint(s): {ids[0]:D}, {ids[2]:D}", lines);
        Assert.Contains($"deletes {ids[1]:D}/: checkpoint {ids[1]:D} is older than the newest 1 kept", lines);
        Assert.Contains($"note: {unknown:D} (--except) is not in the catalog; keeping it changes nothing", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("deletes s", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("gc {0}", "error: gc is plan-only: run `bulwark gc --plan DIR`")]
    [InlineData("gc --plan {0} --retain 0", "error: --retain must be 1 or more")]
    [InlineData("gc --plan {0} --except nope", "error: --except 'nope' is not a checkpoint id")]
    public async Task Without_plan_or_with_bad_options_gc_is_a_usage_error_and_changes_nothing(string commandLine, string expected)
    {
        await BuildAsync(Scenario.InterruptedCommit);
        var before = Snapshot(Store);

        var (code, output, error) = await RunAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, commandLine, Store).Split(' '));

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(Store));
    }

    /// <summary>
    /// Checkpoints 1 (adds s1, s2), 2 (references s1, adds s3), 3 (references s3); with an interrupted commit, a 4th
    /// (adds s4) the catalog no longer lists; with a damaged old checkpoint, the manifest of 1 is cut short.
    /// </summary>
    private async Task<Guid[]> BuildAsync(Scenario scenario)
    {
        var ids = new List<Guid>();
        await using (var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store)))
        {
            var tally = new Tally();
            ids.Add((await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("counter", tally).AddSharedFile("s1.arrow", new byte[10]).AddSharedFile("s2.arrow", new byte[20]))).Id);
            ids.Add((await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("counter", tally).ReferenceSharedFile("s1.arrow").AddSharedFile("s3.arrow", new byte[30]))).Id);
            ids.Add((await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("counter", tally).ReferenceSharedFile("s3.arrow"))).Id);
            if (scenario == Scenario.InterruptedCommit)
            {
                ids.Add((await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("counter", tally).AddSharedFile("s4.arrow", new byte[40]))).Id);
            }
        }

        if (scenario == Scenario.InterruptedCommit)
        {
            var catalogPath = Path.Combine(Store, Checkpointer.CatalogFileName);
            var catalog = JsonNode.Parse(await File.ReadAllTextAsync(catalogPath))!.AsObject();
            catalog["checkpoints"]!.AsArray().RemoveAt(3);
            await File.WriteAllTextAsync(catalogPath, catalog.ToJsonString());
        }

        if (scenario == Scenario.DamagedOldCheckpoint)
        {
            var manifest = Path.Combine(Store, ids[0].ToString("D"), Checkpointer.ManifestFileName);
            var bytes = await File.ReadAllBytesAsync(manifest);
            await File.WriteAllBytesAsync(manifest, bytes[..(bytes.Length / 2)]);
        }

        return [.. ids];
    }

    private HashSet<string> RootEntries() =>
        Directory.EnumerateFileSystemEntries(Store)
            .Select(p => Directory.Exists(p) ? Path.GetFileName(p) + "/" : Path.GetFileName(p))
            .Where(n => !n.StartsWith("checkpoints", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
}
