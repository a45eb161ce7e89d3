using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// A damaged newest checkpoint must not block every start while an older intact one is retained: the store opens,
/// <see cref="Checkpointer.RestoreLatestHealthyAsync"/> falls back and says why, a damaged checkpoint can be dropped, and
/// a lost or damaged catalog can be rebuilt from the intact manifests.
/// </summary>
public sealed class DamagedStoreTests
{
    [Fact]
    public async Task A_damaged_newest_manifest_no_longer_blocks_the_open_and_the_healthy_restore_falls_back()
    {
        var buggy = await RestoreAfterDamagingNewestManifestAsync(ProtocolDeviation.DamagedManifestBlocksOpen);
        Assert.IsType<CheckpointCorruptException>(buggy.OpenError);

        var ours = await RestoreAfterDamagingNewestManifestAsync(ProtocolDeviation.None);
        Assert.Null(ours.OpenError);
        Assert.Equal("older", ours.RestoredState);
        var skipped = Assert.Single(ours.Skipped);
        Assert.Equal(ours.Newest, skipped.Id);
        Assert.Contains(skipped.Error.Problems, p => p.Path == ManifestPath(ours.Newest));
        Assert.Contains("bulwark checkpoints drop", skipped.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_state_file_is_skipped_with_its_reason_but_a_storage_failure_is_thrown()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        var older = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("older")));
        var newest = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("newest")));
        await WriteRawAsync(crash, StatePath(newest.Id, "op"), Bytes("NEWEST"));

        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreLatestAsync());
        Assert.Contains("RestoreLatestHealthyAsync", error.Message, StringComparison.Ordinal);

        var result = await checkpointer.RestoreLatestHealthyAsync();
        Assert.Equal(older.Id, result.Checkpoint?.Id);
        Assert.True(result.Checkpoint!.TryGetState("op", out var state));
        Assert.Equal(Bytes("older"), state.ToArray());
        Assert.Equal(CheckpointProblemKind.WrongChecksum, Assert.Single(Assert.Single(result.Skipped).Error.Problems).Kind);

        // A transient read error is not damage: falling back over it would silently lose the newest progress.
        faults.FailWhen(StorageOperationKind.Read, p => p == StatePath(newest.Id, "op") || p == ManifestPath(newest.Id));
        await Assert.ThrowsAsync<CheckpointStoreException>(async () => await checkpointer.RestoreLatestHealthyAsync());
        await checkpointer.DisposeAsync();
    }

    [Fact]
    public async Task Dropping_a_damaged_checkpoint_removes_it_durably_and_keeps_what_others_need()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var older = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("older")).AddSharedFile("b1.arrow", Bytes("one")));
        var newest = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("newest")).ReferenceSharedFile("b1.arrow").AddSharedFile("b2.arrow", Bytes("two")));
        await checkpointer.DisposeAsync();
        await WriteRawAsync(crash, StatePath(newest.Id, "op"), Bytes("NEWEST"));

        await using (var reopened = await Checkpointer.OpenAsync(crash))
        {
            var result = await reopened.DropCheckpointAsync(newest.Id);
            Assert.Equal([newest.Id], result.RemovedCheckpoints);
            Assert.Contains("b2.arrow", result.DeletedPaths);
            Assert.DoesNotContain("b1.arrow", result.DeletedPaths);
            Assert.Equal([older.Id], reopened.Checkpoints.Select(c => c.Id));
            await Assert.ThrowsAsync<ArgumentException>(async () => await reopened.DropCheckpointAsync(Guid.CreateVersion7()));
        }

        await using var restarted = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.Crash()));
        Assert.Equal([older.Id], restarted.Checkpoints.Select(c => c.Id));
        var restored = await restarted.RestoreLatestAsync();
        Assert.Equal(Bytes("one"), await restored!.ReadSharedFileAsync("b1.arrow"));
    }

    [Fact]
    public async Task With_a_damaged_manifest_in_the_store_nothing_is_removed_on_open_and_dropping_keeps_every_shared_file()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("one")));
        var damaged = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).ReferenceSharedFile("b1.arrow"));
        var dropped = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("3")).AddSharedFile("b3.arrow", Bytes("three")));

        // An unfinished commit's directory, which an open would normally remove.
        faults.FailWhen(op => op.Path == Checkpointer.CatalogFileName && op.Kind == StorageOperationKind.Rename, permanent: true);
        faults.FailWhen(op => op.Kind is StorageOperationKind.Delete or StorageOperationKind.DeleteDirectory, permanent: true);
        await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("4"))));
        faults.ClearFaults();
        await checkpointer.DisposeAsync();
        await WriteRawAsync(crash, ManifestPath(damaged.Id), Bytes("{ torn"));
        var before = ContentKey(crash);

        await using var reopened = await Checkpointer.OpenAsync(crash);
        Assert.Equal([damaged.Id], reopened.DamagedCheckpoints.Keys);
        Assert.Equal(before, ContentKey(crash));

        var result = await reopened.DropCheckpointAsync(dropped.Id);
        Assert.DoesNotContain("b3.arrow", result.DeletedPaths);
        Assert.NotNull(await crash.GetEntryAsync("b3.arrow"));
        await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await reopened.CollectGarbageAsync(retain: 1));
    }

    [Fact]
    public async Task Repair_rebuilds_a_lost_catalog_from_the_intact_manifests_and_leaves_out_the_damaged()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("one")));
        var second = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).ReferenceSharedFile("b1.arrow"));
        var third = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("3")));
        await checkpointer.DisposeAsync();
        await WriteRawAsync(crash, StatePath(second.Id, "op"), Bytes("X"));
        await crash.DeleteAsync(Checkpointer.CatalogFileName);

        var refused = await Assert.ThrowsAsync<CheckpointStoreException>(async () => await Checkpointer.OpenAsync(crash));
        Assert.Contains("bulwark checkpoints repair", refused.Message, StringComparison.Ordinal);

        var before = ContentKey(crash);
        var plan = await CheckpointStoreRepair.PlanAsync(crash);
        Assert.Equal(before, ContentKey(crash));
        Assert.True(plan.ChangesCatalog);
        Assert.Null(plan.CurrentCatalog);
        Assert.Equal([first.Id, third.Id], plan.Keep.Select(k => k.Id));
        var excluded = Assert.Single(plan.Exclude);
        Assert.Equal(second.Id, excluded.Id);
        Assert.Equal(StatePath(second.Id, "op"), Assert.Single(excluded.Problems).Path);

        await CheckpointStoreRepair.ApplyAsync(crash, plan);
        await using var restarted = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.Crash()));
        Assert.Equal([first.Id, third.Id], restarted.Checkpoints.Select(c => c.Id));
        var restored = await restarted.RestoreAsync(first.Id);
        Assert.Equal(Bytes("one"), await restored.ReadSharedFileAsync("b1.arrow"));
    }

    [Fact]
    public async Task Repair_is_refused_while_a_checkpointer_holds_the_store_or_when_the_store_changed()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")));
        var plan = await CheckpointStoreRepair.PlanAsync(crash);
        Assert.False(plan.ChangesCatalog);
        await Assert.ThrowsAsync<CheckpointStoreLockedException>(async () => await CheckpointStoreRepair.ApplyAsync(crash, plan));

        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")));
        await checkpointer.DisposeAsync();
        await Assert.ThrowsAsync<CheckpointStoreException>(async () => await CheckpointStoreRepair.ApplyAsync(crash, plan));
    }

    private static async Task<(Exception? OpenError, string? RestoredState, IReadOnlyList<SkippedCheckpoint> Skipped, Guid Newest)> RestoreAfterDamagingNewestManifestAsync(ProtocolDeviation deviation)
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("older")));
        var newest = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("newest")));
        await checkpointer.DisposeAsync();
        await WriteRawAsync(crash, ManifestPath(newest.Id), Bytes("{\"formatVersion\":1,"));
        try
        {
            await using var reopened = await Checkpointer.OpenAsync(crash, new CheckpointerOptions { Deviations = deviation });
            var result = await reopened.RestoreLatestHealthyAsync();
            result.Checkpoint!.TryGetState("op", out var state);
            return (null, System.Text.Encoding.UTF8.GetString(state.Span), result.Skipped, newest.Id);
        }
        catch (CheckpointException e)
        {
            return (e, null, [], newest.Id);
        }
    }
}
