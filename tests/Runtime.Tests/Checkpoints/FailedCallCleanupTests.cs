using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// What a failed call leaves on disk, which the Checkpoints mutation run found unpinned: a drop whose catalog sync
/// failed puts the previous catalog back and reports the failure; a commit that failed at its catalog write leaves
/// neither its directory nor its new shared files behind; the offline planner obeys the limits it is given.
/// </summary>
public sealed class FailedCallCleanupTests
{
    [Fact]
    public async Task A_drop_whose_catalog_sync_fails_puts_the_previous_catalog_back_and_throws()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("first")));
        var second = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("second")));

        var renamed = false;
        faults.FailWhen(op =>
        {
            renamed |= op.Kind == StorageOperationKind.Rename && op.Path == Checkpointer.CatalogFileName;
            return false;
        });
        faults.FailWhen(op => renamed && op.Kind == StorageOperationKind.SyncDirectory && op.Path.Length == 0);

        var failed = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.DropCheckpointAsync(first.Id));
        Assert.Equal(CheckpointCommitStep.SyncRootCommitPoint, failed.Step);
        Assert.False(checkpointer.IsCatalogInDoubt);
        Assert.Equal([first.Id, second.Id], checkpointer.Checkpoints.Select(c => c.Id));
        await checkpointer.DisposeAsync();

        await using var reopened = await Checkpointer.OpenAsync(crash);
        Assert.Equal([first.Id, second.Id], reopened.Checkpoints.Select(c => c.Id));
        Assert.True((await reopened.RestoreAsync(first.Id)).TryGetState("op", out var state));
        Assert.Equal(Bytes("first"), state.ToArray());
    }

    [Fact]
    public async Task A_commit_that_fails_at_its_catalog_write_leaves_no_directory_and_no_new_shared_file()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        await using var _ = checkpointer;
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("first")).AddSharedFile("kept.arrow", Bytes("kept")));

        faults.FailWhen(StorageOperationKind.Create, path => path == Checkpointer.CatalogFileName);
        var draft = new CheckpointDraft().SetState("op", Bytes("second")).AddSharedFile("new.arrow", Bytes("new")).AdoptSharedFile("kept.arrow");
        var failed = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(draft));
        Assert.Equal(CheckpointCommitStep.WriteCatalog, failed.Step);

        var root = (await crash.ListAsync(string.Empty)).Select(e => e.Name).Where(n => !n.StartsWith("checkpoints.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal([first.Id.ToString("D"), "kept.arrow"], root);
        Assert.Equal([first.Id], checkpointer.Checkpoints.Select(c => c.Id));
    }

    [Fact]
    public async Task The_collection_planner_obeys_the_manifest_limit_it_is_given()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("first")));
        var second = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("second")));
        await checkpointer.DisposeAsync();

        var roomy = await CheckpointGarbagePlanner.PlanAsync(crash, retain: 1);
        Assert.False(roomy.IsBlocked, string.Join("; ", roomy.Blockers));
        Assert.Equal([first.Id], roomy.Removed);

        var tight = await CheckpointGarbagePlanner.PlanAsync(crash, retain: 1, options: new CheckpointerOptions { MaxManifestBytes = 16 });
        var blocker = Assert.Single(tight.Blockers);
        Assert.Contains($"the manifest of kept checkpoint(s) {second.Id:D} cannot be read", blocker, StringComparison.Ordinal);
        Assert.Empty(tight.Deletions);
    }

    [Fact]
    public async Task A_commit_fenced_after_writing_a_shared_file_leaves_the_new_owners_file_of_that_name_alone()
    {
        var store = new LocklessBackend(new InMemoryBackend());
        var traced = new FaultInjectingBackend(store);
        await using var stale = await Checkpointer.OpenAsync(traced);

        // When the stale writer's commit checks its epoch before the catalog write (its manifest and shared file are
        // durable), a later checkpointer takes the store over — its open removes the stale directory as an orphan —
        // and commits a shared file of the same name: the file on disk is now the new owner's.
        Checkpointer? owner = null;
        CheckpointInfo? ownersCheckpoint = null;
        var manifestWritten = false;
        traced.FailWhen(op =>
        {
            manifestWritten |= op.Kind == StorageOperationKind.Rename && op.Path.EndsWith("/" + Checkpointer.ManifestFileName, StringComparison.Ordinal);
            if (owner is null && manifestWritten && op.Kind == StorageOperationKind.Read && op.Path == Checkpointer.CatalogFileName)
            {
                owner = Task.Run(async () => await Checkpointer.OpenAsync(store)).GetAwaiter().GetResult();
                ownersCheckpoint = Task.Run(async () => await owner.CommitAsync(new CheckpointDraft().SetState("op", Bytes("owner")).AddSharedFile("batch.arrow", Bytes("the owner's batch")))).GetAwaiter().GetResult();
            }

            return false;
        });

        await Assert.ThrowsAsync<CheckpointFencedException>(async () => await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("stale")).AddSharedFile("batch.arrow", Bytes("stale batch"))));
        Assert.NotNull(owner);
        await using (owner)
        {
            var restored = await owner.RestoreAsync(ownersCheckpoint!.Id);
            Assert.Equal(Bytes("the owner's batch"), await restored.ReadSharedFileAsync("batch.arrow"));
        }

        // The stale writer removed its own directory: only the owner's checkpoint is on disk.
        var directories = (await store.ListAsync(string.Empty)).Where(e => e.IsDirectory).Select(e => e.Name);
        Assert.Equal([ownersCheckpoint.Id.ToString("D")], directories);
    }
}
