using System.Text.Json.Nodes;
using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// Paths the Checkpoints mutation run of bench/mutation found no test on: an orphan whose manifest cannot be read for
/// a storage failure, a cancelled shared-file copy, a repair over a store that changed only its catalog or holds
/// directories that are no checkpoints, a planner limit met exactly, and the manifest reader of the historical
/// <see cref="ProtocolDeviation.UncheckedManifest"/> bug on a healthy store.
/// </summary>
public sealed class CheckpointEdgePathTests
{
    [Fact]
    public async Task An_orphan_whose_manifest_the_storage_fails_to_read_stays_with_its_shared_file_until_it_can_be_read()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var kept = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("kept")));
        var orphan = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("orphan")).AddSharedFile("only-orphan.arrow", Bytes("o")));
        await checkpointer.DisposeAsync();

        // As if the orphan's commit had been interrupted before its catalog write: no catalog lists it.
        var catalog = JsonNode.Parse(await crash.ReadAllBytesAsync(Checkpointer.CatalogFileName, 1 << 20))!.AsObject();
        catalog["checkpoints"] = new JsonArray(kept.Id.ToString("D"));
        await WriteRawAsync(crash, Checkpointer.CatalogFileName, Bytes(catalog.ToJsonString()));

        // The manifest is the only record of which shared files the orphan brought: while it cannot be read, neither
        // the directory nor the file goes (deleting the directory would leave the file with no record at all).
        var faults = new FaultInjectingBackend(crash).FailWhen(StorageOperationKind.Read, path => path == ManifestPath(orphan.Id), permanent: true);
        await using (var failing = await Checkpointer.OpenAsync(faults))
        {
            Assert.Equal([kept.Id], failing.Checkpoints.Select(c => c.Id));
        }

        Assert.NotNull(await crash.GetEntryAsync(ManifestPath(orphan.Id)));
        Assert.NotNull(await crash.GetEntryAsync("only-orphan.arrow"));

        await using (var healthy = await Checkpointer.OpenAsync(crash))
        {
            Assert.Equal([kept.Id], healthy.Checkpoints.Select(c => c.Id));
        }

        Assert.Null(await crash.GetEntryAsync(orphan.Id.ToString("D")));
        Assert.Null(await crash.GetEntryAsync("only-orphan.arrow"));
    }

    [Fact]
    public async Task A_shared_file_copy_cancelled_by_its_stream_surfaces_as_cancellation_not_as_a_storage_failure()
    {
        var (_, _, checkpointer) = await NewStoreAsync();
        await using var _ = checkpointer;
        using var cancelling = new CancellingStream();
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s")).AddSharedFile("b.arrow", cancelling)));
        Assert.Empty(checkpointer.Checkpoints);
    }

    [Fact]
    public async Task A_repair_skips_directories_that_are_no_checkpoint_and_calls_a_manifest_replaced_by_a_directory_missing()
    {
        var (crash, older, newest) = await ClosedTwoCheckpointStoreAsync();
        await crash.CreateDirectoryAsync("user-data");
        await crash.DeleteAsync(ManifestPath(newest));
        await crash.CreateDirectoryAsync(ManifestPath(newest));

        var plan = await CheckpointStoreRepair.PlanAsync(crash);
        Assert.Equal([older], plan.Keep.Select(k => k.Id));
        var excluded = Assert.Single(plan.Exclude);
        Assert.Equal(newest, excluded.Id);
        Assert.Equal(new CheckpointProblem(ManifestPath(newest), CheckpointProblemKind.Missing, "the manifest is missing"), Assert.Single(excluded.Problems));
    }

    [Fact]
    public async Task A_repair_planned_without_a_catalog_is_refused_once_a_catalog_appears_even_listing_the_same_checkpoints()
    {
        var (crash, older, newest) = await ClosedTwoCheckpointStoreAsync();
        var catalog = await crash.ReadAllBytesAsync(Checkpointer.CatalogFileName, 1 << 20);
        await crash.DeleteAsync(Checkpointer.CatalogFileName);
        var plan = await CheckpointStoreRepair.PlanAsync(crash);
        Assert.Null(plan.CurrentCatalog);
        Assert.Equal([older, newest], plan.Keep.Select(k => k.Id));

        // Someone else restored the catalog in the meantime: what the plan would overwrite is not what it saw.
        await WriteRawAsync(crash, Checkpointer.CatalogFileName, catalog);
        await Assert.ThrowsAsync<CheckpointStoreException>(async () => await CheckpointStoreRepair.ApplyAsync(crash, plan));
        Assert.Equal(catalog, await crash.ReadAllBytesAsync(Checkpointer.CatalogFileName, 1 << 20));

        // And the other way round: planned with the catalog, applied after it was lost.
        var withCatalog = await CheckpointStoreRepair.PlanAsync(crash);
        Assert.Equal([older, newest], withCatalog.CurrentCatalog);
        await crash.DeleteAsync(Checkpointer.CatalogFileName);
        await Assert.ThrowsAsync<CheckpointStoreException>(async () => await CheckpointStoreRepair.ApplyAsync(crash, withCatalog));
        Assert.Null(await crash.GetEntryAsync(Checkpointer.CatalogFileName));
    }

    [Fact]
    public async Task The_collection_planner_reads_a_kept_manifest_exactly_at_the_manifest_limit()
    {
        var (crash, older, newest) = await ClosedTwoCheckpointStoreAsync();
        var limit = (int)(await crash.GetEntryAsync(ManifestPath(newest)))!.Length;
        Assert.True(limit > (await crash.GetEntryAsync(ManifestPath(older)))!.Length);

        var plan = await CheckpointGarbagePlanner.PlanAsync(crash, retain: 1, options: new CheckpointerOptions { MaxManifestBytes = limit });
        Assert.False(plan.IsBlocked, string.Join("; ", plan.Blockers));
        Assert.Equal([newest], plan.Kept);
        Assert.Equal([older], plan.Removed);
    }

    [Fact]
    public async Task The_unchecked_manifest_reader_of_the_historical_bug_still_reads_a_healthy_manifest_right()
    {
        // The deviation re-enables the bug for the regression tests; on an intact manifest it must read what the
        // checked reader reads, or those tests would show a different bug than the one they name.
        var options = new CheckpointerOptions { Deviations = ProtocolDeviation.UncheckedManifest };
        var (crash, _, checkpointer) = await NewStoreAsync(options);
        var committed = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("state")).AddSharedFile("b.arrow", Bytes("batch")));
        await checkpointer.DisposeAsync();

        await using var reopened = await Checkpointer.OpenAsync(crash, options);
        var restored = await reopened.RestoreAsync(committed.Id);
        Assert.Equal(
            [(StatePath(committed.Id, "op"), CheckpointFileKind.State), ("b.arrow", CheckpointFileKind.Shared)],
            restored.Info.Files.Select(f => (f.Path, f.Kind)).OrderBy(f => f.Kind));
        Assert.True(restored.TryGetState("op", out var state));
        Assert.Equal(Bytes("state"), state.ToArray());
        Assert.Equal(Bytes("batch"), await restored.ReadSharedFileAsync("b.arrow"));
    }

    private sealed class CancellingStream : MemoryStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new OperationCanceledException("the source was cancelled");

        public override int Read(Span<byte> buffer) => throw new OperationCanceledException("the source was cancelled");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new OperationCanceledException("the source was cancelled"));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromException<int>(new OperationCanceledException("the source was cancelled"));
    }
}
