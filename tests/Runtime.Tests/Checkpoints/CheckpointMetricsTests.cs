using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// The failure counter is what an operator alerts on: each failed open, commit, restore and collection counts once
/// under its own operation, and a cancelled call is not a failure. Counted through a meter factory of the test's own,
/// so that tests running beside it cannot add to the counts.
/// </summary>
public sealed class CheckpointMetricsTests
{
    [Fact]
    public async Task Each_failed_operation_counts_once_under_its_own_name()
    {
        using var factory = new TestMeterFactory();
        using var counters = new MeterTotals(factory, CheckpointMetrics.MeterName);
        var options = new CheckpointerOptions { MeterFactory = factory };
        var (crash, faults, checkpointer) = await NewStoreAsync(options);
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("older")));
        var newest = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("newest")));

        // open: the store is held by the checkpointer above.
        await Assert.ThrowsAsync<CheckpointStoreLockedException>(async () => await Checkpointer.OpenAsync(crash, options));
        Assert.Equal(("open=1", 1), (counters.ByTag(CheckpointMetrics.Failures), counters.Sum(CheckpointMetrics.Failures)));

        // commit: the catalog cannot be renamed into place.
        faults.FailWhen(StorageOperationKind.Rename, p => p == Checkpointer.CatalogFileName, permanent: true);
        await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("lost"))));
        faults.ClearFaults();
        Assert.Equal(("commit=1 open=1", 2), (counters.ByTag(CheckpointMetrics.Failures), counters.Sum(CheckpointMetrics.Failures)));

        // restore: the newest state file is damaged.
        await WriteRawAsync(crash, StatePath(newest.Id, "op"), Bytes("NEWEST"));
        await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(newest.Id));
        Assert.Equal(("commit=1 open=1 restore=1", 3), (counters.ByTag(CheckpointMetrics.Failures), counters.Sum(CheckpointMetrics.Failures)));

        // gc: the catalog without the collected checkpoint cannot be renamed into place.
        faults.FailWhen(StorageOperationKind.Rename, p => p == Checkpointer.CatalogFileName, permanent: true);
        await Assert.ThrowsAnyAsync<CheckpointException>(async () => await checkpointer.CollectGarbageAsync(retain: 1));
        faults.ClearFaults();
        Assert.Equal(("commit=1 gc=1 open=1 restore=1", 4), (counters.ByTag(CheckpointMetrics.Failures), counters.Sum(CheckpointMetrics.Failures)));
        await checkpointer.DisposeAsync();
    }

    [Fact]
    public async Task A_cancelled_open_or_restore_is_not_counted_as_a_failure()
    {
        using var factory = new TestMeterFactory();
        using var counters = new MeterTotals(factory, CheckpointMetrics.MeterName);
        var options = new CheckpointerOptions { MeterFactory = factory };
        var backend = new InMemoryBackend();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Checkpointer.OpenAsync(backend, options, cancellationToken: new CancellationToken(canceled: true)));

        await using var checkpointer = await Checkpointer.OpenAsync(backend, options);
        var committed = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("one")));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await checkpointer.RestoreAsync(committed.Id, new CancellationToken(canceled: true)));
        Assert.Equal("", counters.ByTag(CheckpointMetrics.Failures));
    }
}
