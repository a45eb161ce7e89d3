using System.Text.Json;
using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// One checkpointer owns a store: the store lock keeps a second one out while the first is open, and the writer epoch
/// in the catalog fences a checkpointer that lost the store where locks do not reach (object or shared storage).
/// </summary>
public sealed class StoreOwnershipTests
{
    [Fact]
    public async Task A_second_checkpointer_on_a_local_store_is_refused_with_the_holder_named_until_the_first_is_disposed()
    {
        using var temp = new TempDirectory();
        var first = await Checkpointer.OpenAsync(new LocalFileSystemBackend(temp.Join("store")));
        var committed = await first.CommitAsync(new CheckpointDraft().SetState("op", Bytes("one")));

        var refused = await Assert.ThrowsAsync<CheckpointStoreLockedException>(async () => await Checkpointer.OpenAsync(new LocalFileSystemBackend(temp.Join("store"))));
        Assert.NotNull(refused.Holder);
        Assert.Equal(Environment.ProcessId, refused.Holder.ProcessId);
        Assert.Equal(Environment.MachineName, refused.Holder.Host);
        Assert.Contains($"process {Environment.ProcessId}", refused.Message, StringComparison.Ordinal);
        Assert.Contains(Environment.MachineName, refused.Message, StringComparison.Ordinal);

        // The refused open changed nothing: the first checkpointer goes on committing.
        await first.CommitAsync(new CheckpointDraft().SetState("op", Bytes("two")));
        await first.DisposeAsync();

        await using var second = await Checkpointer.OpenAsync(new LocalFileSystemBackend(temp.Join("store")));
        Assert.Equal(2, second.Checkpoints.Count);
        Assert.Equal(committed.Id, second.Checkpoints[0].Id);
    }

    [Fact]
    public async Task A_second_checkpointer_is_refused_when_the_holders_owner_record_is_unreadable_and_the_message_says_so()
    {
        using var temp = new TempDirectory();
        await using var first = await Checkpointer.OpenAsync(new LocalFileSystemBackend(temp.Join("store")));
        await File.WriteAllBytesAsync(Path.Combine(temp.Join("store"), Checkpointer.LockFileName + LocalFileLock.OwnerSuffix), [0xFF, 0x00, 0x7B]);

        var second = new LocalFileSystemBackend(temp.Join("store"));
        var refused = await Assert.ThrowsAsync<CheckpointStoreLockedException>(async () => await Checkpointer.OpenAsync(second));
        Assert.Null(refused.Holder);
        Assert.Equal(
            $"The checkpoint store {second.Description} is in use by another checkpointer (its owner record could not be read). " +
            "One checkpointer owns a store at a time: stop that one first, or use another store.",
            refused.Message);
        var locked = Assert.IsType<StorageLockedException>(refused.InnerException);
        Assert.Null(locked.Holder);
        Assert.Equal(
            $"The lock '{Checkpointer.LockFileName}' of {second.Description} is held by another process (its owner record could not be read).",
            locked.Message);
    }

    [Fact]
    public async Task In_memory_stores_admit_one_checkpointer_at_a_time()
    {
        var backend = new InMemoryBackend();
        var first = await Checkpointer.OpenAsync(backend);
        var refused = await Assert.ThrowsAsync<CheckpointStoreLockedException>(async () => await Checkpointer.OpenAsync(backend));
        Assert.Equal(Environment.ProcessId, refused.Holder?.ProcessId);
        await first.DisposeAsync();
        await using var second = await Checkpointer.OpenAsync(backend);
        Assert.Empty(second.Checkpoints);
    }

    [Fact]
    public async Task Every_open_bumps_the_writer_epoch_in_the_catalog()
    {
        var backend = new InMemoryBackend();
        var epochs = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            await using var checkpointer = await Checkpointer.OpenAsync(backend);
            epochs.Add(await CatalogEpochAsync(backend));
        }

        Assert.Equal([1L, 2L, 3L], epochs);
    }

    /// <summary>
    /// The reported loss: checkpointers a and b on one store, a commits, b commits, a commits again; a fresh open then
    /// deleted b's committed checkpoint as an orphan. Here the store does not lock (as object storage cannot), so only
    /// the writer epoch stands between a and b's checkpoint.
    /// </summary>
    [Fact]
    public async Task A_writer_that_lost_the_store_is_fenced_and_the_owner_keeps_its_checkpoints()
    {
        var buggy = await InterleavedWritersAsync(ProtocolDeviation.NoStoreOwnership);
        Assert.False(buggy.OwnerCheckpointSurvived, "without the fence a fresh open should lose the owner's committed checkpoint");

        var ours = await InterleavedWritersAsync(ProtocolDeviation.None);
        Assert.True(ours.OwnerCheckpointSurvived);
        Assert.Equal(2, ours.FencedCommits);
        Assert.Equal(["b"], ours.RestoredStates);
    }

    [Fact]
    public async Task A_fenced_writer_neither_collects_nor_deletes_and_stays_fenced()
    {
        var store = new LocklessBackend(new InMemoryBackend());
        var stale = await Checkpointer.OpenAsync(store);
        await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("a1")).AddSharedFile("batch-1.arrow", Bytes("a's batch")));
        await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("a2")));

        await using var owner = await Checkpointer.OpenAsync(store);
        await owner.CommitAsync(new CheckpointDraft().SetState("op", Bytes("b1")).ReferenceSharedFile("batch-1.arrow"));
        var before = await SnapshotAsync(store.Inner);

        var fenced = await Assert.ThrowsAsync<CheckpointFencedException>(async () => await stale.CollectGarbageAsync(retain: 1));
        Assert.Equal(1, fenced.OwnEpoch);
        Assert.Equal(2, fenced.CurrentEpoch);
        Assert.Equal(before, await SnapshotAsync(store.Inner));

        // A shared file of the same name as the owner's is neither overwritten nor cleaned up by the fenced writer.
        await Assert.ThrowsAsync<CheckpointFencedException>(async () => await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("a3")).AddSharedFile("batch-2.arrow", Bytes("stale"))));
        Assert.Equal(before, await SnapshotAsync(store.Inner));
        Assert.Equal(3, owner.Checkpoints.Count);
    }

    [Fact]
    public async Task Garbage_collection_never_removes_the_newest_checkpoint()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")));
        var newest = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")));
        var before = ContentKey(crash);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await checkpointer.CollectGarbageAsync(retain: 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await checkpointer.CollectGarbageAsync(retain: -1));
        Assert.Equal(before, ContentKey(crash));
        Assert.Equal(2, checkpointer.Checkpoints.Count);

        await checkpointer.CollectGarbageAsync(retain: 1);
        Assert.Equal([newest.Id], checkpointer.Checkpoints.Select(c => c.Id));
        await checkpointer.DisposeAsync();
        await using var restarted = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.Crash()));
        var restored = await restarted.RestoreLatestAsync();
        Assert.NotNull(restored);
        Assert.True(restored.TryGetState("op", out var state));
        Assert.Equal(Bytes("2"), state.ToArray());
    }

    private static async Task<(bool OwnerCheckpointSurvived, int FencedCommits, string[] RestoredStates)> InterleavedWritersAsync(ProtocolDeviation deviation)
    {
        var store = new LocklessBackend(new InMemoryBackend());
        var options = new CheckpointerOptions { Deviations = deviation };
        var a = await Checkpointer.OpenAsync(store, options);
        var b = await Checkpointer.OpenAsync(store, options);
        var fenced = 0;
        async Task CommitAsync(Checkpointer writer, string state)
        {
            try
            {
                await writer.CommitAsync(new CheckpointDraft().SetState("op", Bytes(state)));
            }
            catch (CheckpointFencedException)
            {
                fenced++;
            }
        }

        await CommitAsync(a, "a1");
        await CommitAsync(b, "b");
        var ownerCheckpoint = b.Latest!.Id;
        await CommitAsync(a, "a2");
        await a.DisposeAsync();
        await b.DisposeAsync();

        await using var fresh = await Checkpointer.OpenAsync(store, options);
        var survived = fresh.Checkpoints.Any(c => c.Id == ownerCheckpoint) && await store.Inner.GetEntryAsync(ownerCheckpoint.ToString("D")) is { IsDirectory: true };
        var states = new List<string>();
        foreach (var checkpoint in fresh.Checkpoints)
        {
            var restored = await fresh.RestoreAsync(checkpoint.Id);
            restored.TryGetState("op", out var bytes);
            states.Add(System.Text.Encoding.UTF8.GetString(bytes.Span));
        }

        return (survived, fenced, states.ToArray());
    }

    private static async Task<long> CatalogEpochAsync(IStorageBackend backend)
    {
        using var catalog = JsonDocument.Parse(await backend.ReadAllBytesAsync(Checkpointer.CatalogFileName));
        return catalog.RootElement.GetProperty("writerEpoch").GetInt64();
    }

    private static async Task<string> SnapshotAsync(IStorageBackend backend)
    {
        var lines = new List<string>();
        async Task WalkAsync(string directory)
        {
            foreach (var entry in await backend.ListAsync(directory))
            {
                if (entry.IsDirectory)
                {
                    lines.Add(entry.Path + "/");
                    await WalkAsync(entry.Path);
                }
                else
                {
                    lines.Add(entry.Path + "=" + Convert.ToHexString(await backend.ReadAllBytesAsync(entry.Path)));
                }
            }
        }

        await WalkAsync(string.Empty);
        return string.Join("\n", lines);
    }
}
