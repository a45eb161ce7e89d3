using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark checkpoints drop` over real stores: what the dry run predicts is what --yes then does.</summary>
public sealed class CheckpointsDropTests : CliTestBase
{
    [Fact]
    public async Task The_dry_run_describes_a_damaged_checkpoint_and_what_would_be_deleted_and_changes_nothing()
    {
        var (_, second) = await CreateStoreAsync();
        var stateLength = await StateLengthAsync(second);
        File.Delete(Path.Combine(Store, second.ToString("D"), "counter.state"));
        var before = Snapshot(Store);

        var (code, output, error) = await RunAsync("checkpoints", "drop", Store, second.ToString("D"));

        Assert.Equal(1, code);
        Assert.Equal("", error);
        Assert.Equal(
            [
                $"checkpoint {second:D}: created {await CreatedAtAsync(second)}, 3 file(s), {109 + stateLength} bytes",
                $"damaged: {second:D}/counter.state: the file is missing",
                $"drop removes it from the catalog durably, then deletes its directory {second:D}/",
                "deletes shared file batch-2.arrow (100 bytes): no other checkpoint references it",
                "nothing was changed; run again with --yes to drop it",
            ],
            Lines(output));
        Assert.Equal(before, Snapshot(Store));
    }

    [Fact]
    public async Task Yes_drops_a_damaged_newest_checkpoint_and_the_store_then_restores_the_older_one()
    {
        var (first, second) = await CreateStoreAsync();
        File.Delete(Path.Combine(Store, second.ToString("D"), "counter.state"));

        var (code, output, error) = await RunAsync("checkpoints", "drop", Store, second.ToString("D"), "--yes");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Contains($"dropped checkpoint {second:D} from the catalog", lines);
        Assert.Equal(["deleted: batch-2.arrow", $"deleted: {second:D}"], lines.Where(l => l.StartsWith("deleted: ", StringComparison.Ordinal)));
        Assert.Equal("1 checkpoint(s) remain", lines[^1]);
        Assert.False(Directory.Exists(Path.Combine(Store, second.ToString("D"))));
        Assert.False(File.Exists(Path.Combine(Store, "batch-2.arrow")));
        Assert.True(File.Exists(Path.Combine(Store, "batch-1.arrow")), "the older checkpoint still needs batch-1.arrow");

        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store));
        Assert.Equal([first], checkpointer.Checkpoints.Select(c => c.Id));
        Assert.Empty(checkpointer.DamagedCheckpoints);
        var restored = await checkpointer.RestoreLatestAsync();
        Assert.NotNull(restored);
        Assert.Equal(first, restored.Id);
        Assert.True(restored.TryGetState<Tally>("counter", out var tally));
        Assert.Equal(3, tally.Counts["a.example"]);
        Assert.False(tally.Counts.ContainsKey("b.example"));
    }

    [Fact]
    public async Task While_another_catalogued_manifest_is_unreadable_no_shared_file_is_deleted_as_the_dry_run_said()
    {
        var (first, second) = await CreateStoreAsync();
        var manifest = Path.Combine(Store, first.ToString("D"), Checkpointer.ManifestFileName);
        var bytes = await File.ReadAllBytesAsync(manifest);
        await File.WriteAllBytesAsync(manifest, bytes[..(bytes.Length / 2)]);

        var (code, output, error) = await RunAsync("checkpoints", "drop", Store, second.ToString("D"));

        Assert.Equal(1, code);
        Assert.Contains("intact: its manifest and every file it lists have their recorded size and CRC32C", Lines(output));
        Assert.Contains($"no shared file is deleted while damaged checkpoints exist: {first:D}", Lines(output));
        Assert.DoesNotContain(Lines(output), l => l.StartsWith("deletes shared file", StringComparison.Ordinal));
        AssertNoStackTrace(output, error);

        (code, output, error) = await RunAsync("checkpoints", "drop", Store, second.ToString("D"), "--yes");

        Assert.Equal(0, code);
        Assert.Equal([$"deleted: {second:D}"], Lines(output).Where(l => l.StartsWith("deleted: ", StringComparison.Ordinal)));
        Assert.True(File.Exists(Path.Combine(Store, "batch-2.arrow")));
        AssertNoStackTrace(output, error);
    }

    [Fact]
    public async Task A_checkpoint_whose_manifest_is_unreadable_is_described_as_such()
    {
        var (_, second) = await CreateStoreAsync();
        await File.WriteAllTextAsync(Path.Combine(Store, second.ToString("D"), Checkpointer.ManifestFileName), "{");

        var (code, output, error) = await RunAsync("checkpoints", "drop", Store, second.ToString("D"));

        Assert.Equal(1, code);
        var lines = Lines(output);
        Assert.Equal($"checkpoint {second:D}: its manifest cannot be read, so its creation time, files and size are unknown", lines[0]);
        Assert.StartsWith($"damaged: {second:D}/manifest.json: it is not valid manifest JSON", lines[1], StringComparison.Ordinal);
        Assert.Contains("no shared file is deleted: its manifest cannot be read, so which shared files only it references is unknown", lines);
        AssertNoStackTrace(output, error);
    }

    [Fact]
    public async Task A_catalogued_checkpoint_whose_directory_is_gone_is_damaged_and_can_be_dropped()
    {
        var (first, second) = await CreateStoreAsync();
        Directory.Delete(Path.Combine(Store, second.ToString("D")), recursive: true);

        var (code, output, error) = await RunAsync("checkpoints", "drop", Store, second.ToString("D"));

        Assert.Equal(1, code);
        Assert.Equal($"damaged: {second:D}/manifest.json: checkpoint {second:D} is in the catalog but its manifest is missing", Lines(output)[1]);
        Assert.DoesNotContain(Lines(output), l => l.StartsWith("intact", StringComparison.Ordinal));
        AssertNoStackTrace(output, error);

        (code, output, error) = await RunAsync("checkpoints", "drop", Store, second.ToString("D"), "--yes");

        Assert.Equal(0, code);
        Assert.Equal("1 checkpoint(s) remain", Lines(output)[^1]);
        AssertNoStackTrace(output, error);
        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store));
        Assert.Equal([first], checkpointer.Checkpoints.Select(c => c.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unknown_id_is_a_usage_error_and_changes_nothing(bool yes)
    {
        await CreateStoreAsync();
        var unknown = Guid.CreateVersion7();
        var before = Snapshot(Store);

        var (code, output, error) = await RunAsync(yes ? ["checkpoints", "drop", Store, unknown.ToString("D"), "--yes"] : ["checkpoints", "drop", Store, unknown.ToString("D")]);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal([$"error: checkpoint {unknown:D} is not in the catalog of {Store}; `bulwark checkpoints list {Store}` prints the ids"], Lines(error));
        Assert.Equal(before, Snapshot(Store));
    }

    [Fact]
    public async Task Without_a_readable_catalog_nothing_is_dropped_and_repair_is_named()
    {
        var (_, second) = await CreateStoreAsync();
        File.Delete(Path.Combine(Store, Checkpointer.CatalogFileName));
        var before = Snapshot(Store);

        var (code, output, error) = await RunAsync("checkpoints", "drop", Store, second.ToString("D"), "--yes");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal([$"error: the catalog of {Store} is missing or unreadable, so nothing can be dropped from it; `bulwark checkpoints repair {Store}` rebuilds it"], Lines(error));
        Assert.Equal(before, Snapshot(Store));
    }

    [Fact]
    public async Task A_malformed_id_is_a_usage_error()
    {
        await CreateStoreAsync();

        var (code, output, error) = await RunAsync("checkpoints", "drop", Store, "not-a-guid", "--yes");

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal([$"error: 'not-a-guid' is not a checkpoint id; `bulwark checkpoints list {Store}` prints the ids"], Lines(error));
    }

    [Fact]
    public async Task A_store_held_by_a_checkpointer_is_refused_with_one_line_naming_the_holder()
    {
        var (first, second) = await CreateStoreAsync();
        await using (var holder = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store)))
        {
            var (code, output, error) = await RunAsync("checkpoints", "drop", Store, second.ToString("D"), "--yes");

            Assert.Equal(1, code);
            var line = Assert.Single(Lines(error));
            Assert.StartsWith("error: The checkpoint store ", line, StringComparison.Ordinal);
            Assert.Contains($"in process {Environment.ProcessId} on host '{Environment.MachineName}'", line, StringComparison.Ordinal);
            Assert.DoesNotContain(Lines(output), l => l.StartsWith("dropped", StringComparison.Ordinal));
            AssertNoStackTrace(output, error);
        }

        await using var reopened = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store));
        Assert.Equal([first, second], reopened.Checkpoints.Select(c => c.Id));
    }

    [Fact]
    public async Task Not_a_directory_and_not_a_store_are_distinct_usage_errors_and_nothing_is_created()
    {
        var id = Guid.CreateVersion7().ToString("D");
        var missing = Path.Combine(Work, "nope");
        var (code, _, error) = await RunAsync("checkpoints", "drop", missing, id, "--yes");
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{missing}' does not exist"], Lines(error));
        Assert.False(Directory.Exists(missing));

        Directory.CreateDirectory(Store);
        File.WriteAllText(Path.Combine(Store, "notes.txt"), "not a store");
        (code, _, error) = await RunAsync("checkpoints", "drop", Store, id, "--yes");
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{Store}' is not a checkpoint store: it has no catalog (checkpoints.json) and no checkpoint directories"], Lines(error));
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(Store).Select(Path.GetFileName));
    }

    /// <summary>The length of the checkpoint's state file as its manifest records it, read through the read-only verifier.</summary>
    private async Task<long> StateLengthAsync(Guid checkpoint)
    {
        var verification = await CheckpointStoreVerifier.VerifyAsync(new LocalFileSystemBackend(Store), checkContents: false);
        return verification.Checkpoints.Single(c => c.Id == checkpoint).Files.Single(f => f.Kind == CheckpointFileKind.State).Length;
    }
}
