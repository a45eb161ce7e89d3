using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// A file can be deleted by someone else between the listing or entry that named it and its read (an operator, a
/// repair on another machine). Each reader turns that into its own answer: the catalog's read fails the open naming
/// the catalog, a catalogued manifest is a damaged checkpoint, a kept manifest blocks collection. None lets the
/// storage's <see cref="FileNotFoundException"/> through, and none calls it a storage failure.
/// </summary>
public sealed class VanishingFileTests
{
    [Fact]
    public async Task A_catalog_deleted_between_its_entry_and_its_read_fails_the_open_saying_it_vanished()
    {
        var (crash, _, _) = await ClosedTwoCheckpointStoreAsync();
        var faults = VanishOnRead(crash, Checkpointer.CatalogFileName);

        var refused = await Assert.ThrowsAsync<CheckpointStoreException>(async () => await Checkpointer.OpenAsync(faults));
        Assert.Equal($"The catalog of {crash.Description} vanished while it was being opened.", refused.Message);
        Assert.Equal([Checkpointer.CatalogFileName], refused.Paths);
        Assert.IsType<FileNotFoundException>(refused.InnerException);
    }

    [Fact]
    public async Task A_manifest_deleted_between_its_entry_and_its_read_is_a_missing_manifest_and_the_older_checkpoint_restores()
    {
        var (crash, older, newest) = await ClosedTwoCheckpointStoreAsync();
        var faults = VanishOnRead(crash, ManifestPath(newest));

        await using var checkpointer = await Checkpointer.OpenAsync(faults);
        Assert.Equal([older, newest], checkpointer.Checkpoints.Select(c => c.Id));
        var result = await checkpointer.RestoreLatestHealthyAsync();

        var skipped = Assert.Single(result.Skipped);
        Assert.Equal(newest, skipped.Id);
        Assert.Equal(new CheckpointProblem(ManifestPath(newest), CheckpointProblemKind.Missing, "the manifest is missing"), Assert.Single(skipped.Error.Problems));
        Assert.Equal(older, result.Checkpoint!.Id);
        Assert.True(result.Checkpoint.TryGetState("op", out var state));
        Assert.Equal(Bytes("older"), state.ToArray());
    }

    [Fact]
    public async Task A_kept_manifest_deleted_between_its_entry_and_its_read_blocks_collection_instead_of_failing_the_planner()
    {
        var (crash, older, newest) = await ClosedTwoCheckpointStoreAsync();
        var faults = VanishOnRead(crash, ManifestPath(newest));

        var plan = await CheckpointGarbagePlanner.PlanAsync(faults, retain: 1);
        Assert.Equal(
            $"collection refuses and deletes nothing: the manifest of kept checkpoint(s) {newest:D} cannot be read, so which shared files they need is unknown; `bulwark checkpoints drop` removes a damaged checkpoint",
            Assert.Single(plan.Blockers));
        Assert.Empty(plan.Deletions);
        Assert.NotNull(await crash.GetEntryAsync(ManifestPath(older)));
    }

    /// <summary>
    /// A view of <paramref name="crash"/> in which <paramref name="path"/> is deleted just before its first read: its
    /// entry was seen, its bytes are gone.
    /// </summary>
    private static FaultInjectingBackend VanishOnRead(CrashSimulatingBackend crash, string path) =>
        new FaultInjectingBackend(crash).FailWhen(op =>
        {
            if (op.Kind == StorageOperationKind.Read && op.Path == path)
            {
                Assert.True(crash.DeleteAsync(path).AsTask().GetAwaiter().GetResult());
            }

            return false;
        });
}
