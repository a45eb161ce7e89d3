using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// A commit whose catalog was renamed into place but not synced, and whose rollback then failed too, leaves the catalog
/// in doubt: the file on disk lists a checkpoint the caller was told failed. The next call that changes the store must
/// first put back the list this process believes, even when it would write no catalog of its own. The Checkpoints
/// mutation run found that removing that step from garbage collection survived every other test.
/// </summary>
public sealed class CatalogDoubtTests
{
    [Fact]
    public async Task A_collection_with_nothing_to_collect_still_rewrites_a_catalog_in_doubt_before_returning()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("first")));

        FailTheCatalogSyncAndItsRollback(faults);
        var failed = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("second"))));
        Assert.Equal(CheckpointCommitStep.SyncRootCommitPoint, failed.Step);
        Assert.True(checkpointer.IsCatalogInDoubt);
        Assert.Equal(first.Id, checkpointer.Latest?.Id);
        Assert.Equal(2, await CataloguedCountAsync(crash));

        var result = await checkpointer.CollectGarbageAsync(retain: 10);

        Assert.Empty(result.RemovedCheckpoints);
        Assert.False(checkpointer.IsCatalogInDoubt);
        Assert.Equal(1, await CataloguedCountAsync(crash));
        await checkpointer.DisposeAsync();
        await using var reopened = await Checkpointer.OpenAsync(crash);
        Assert.Equal(first.Id, reopened.Latest?.Id);
    }

    [Fact]
    public async Task A_drop_resolves_a_catalog_in_doubt_and_leaves_the_list_it_promised()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        await using var _ = checkpointer;
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("first")));
        var second = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("second")));
        FailTheCatalogSyncAndItsRollback(faults);
        await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("failed"))));
        Assert.True(checkpointer.IsCatalogInDoubt);
        faults.ClearFaults();

        await checkpointer.DropCheckpointAsync(first.Id);

        Assert.False(checkpointer.IsCatalogInDoubt);
        Assert.Equal([second.Id], checkpointer.Checkpoints.Select(c => c.Id));
        Assert.Equal(1, await CataloguedCountAsync(crash));
    }

    [Fact]
    public async Task A_writer_in_doubt_that_was_fenced_meanwhile_does_not_put_its_list_back_over_the_new_owners()
    {
        var crash = new CrashSimulatingBackend();
        var store = new LocklessBackend(crash);
        var faults = new FaultInjectingBackend(store);
        await using var stale = await Checkpointer.OpenAsync(faults);
        await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("first")));
        FailTheCatalogSyncAndItsRollback(faults);
        await Assert.ThrowsAsync<CheckpointCommitException>(async () => await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("failed"))));
        Assert.True(stale.IsCatalogInDoubt);
        faults.ClearFaults();

        await using var owner = await Checkpointer.OpenAsync(store);
        var owners = await owner.CommitAsync(new CheckpointDraft().SetState("op", Bytes("owner's")));

        // Putting the stale list back would un-commit the owner's checkpoint and hand the store back to the stale writer.
        await Assert.ThrowsAsync<CheckpointFencedException>(async () => await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("stale"))));
        await Assert.ThrowsAsync<CheckpointFencedException>(async () => await stale.CollectGarbageAsync(retain: 1));
        await using var reopened = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.CaptureVisibleState()));
        Assert.Equal(owners.Id, reopened.Latest?.Id);
        Assert.Equal(3, await CataloguedCountAsync(crash));
    }

    [Fact]
    public async Task A_drop_by_a_fenced_writer_is_refused_and_leaves_the_new_owners_catalog_as_it_is()
    {
        var crash = new CrashSimulatingBackend();
        var store = new LocklessBackend(crash);
        await using var stale = await Checkpointer.OpenAsync(store);
        var first = await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("first")));
        await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("second")));
        await using var owner = await Checkpointer.OpenAsync(store);
        await owner.CommitAsync(new CheckpointDraft().SetState("op", Bytes("owner's")));

        await Assert.ThrowsAsync<CheckpointFencedException>(async () => await stale.DropCheckpointAsync(first.Id));

        Assert.Equal(3, await CataloguedCountAsync(crash));
        Assert.NotNull(await crash.GetEntryAsync(first.Id.ToString("D")));
    }

    /// <summary>
    /// Fails the root sync right after the next catalog rename (the commit point), then the creation of the catalog the
    /// rollback writes: the renamed catalog stays visible, listing the failed checkpoint.
    /// </summary>
    private static void FailTheCatalogSyncAndItsRollback(FaultInjectingBackend faults)
    {
        var renamed = false;
        faults.FailWhen(op =>
        {
            renamed |= op.Kind == StorageOperationKind.Rename && op.Path == Checkpointer.CatalogFileName;
            return false;
        });
        faults.FailWhen(op => renamed && op.Kind == StorageOperationKind.SyncDirectory && op.Path.Length == 0);
        faults.FailWhen(op => renamed && op.Kind == StorageOperationKind.Create && op.Path == Checkpointer.CatalogFileName);
    }

    private static async Task<int> CataloguedCountAsync(CrashSimulatingBackend crash)
    {
        var catalog = System.Text.Json.Nodes.JsonNode.Parse(await crash.ReadAllBytesAsync(Checkpointer.CatalogFileName))!;
        return catalog["checkpoints"]!.AsArray().Count;
    }
}
