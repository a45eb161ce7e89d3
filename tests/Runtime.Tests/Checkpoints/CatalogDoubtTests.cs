using Bulwark.Checkpoints;
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
