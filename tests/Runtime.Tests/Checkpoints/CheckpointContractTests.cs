using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Serialization;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// What the first complete Checkpoints mutation run of bench/mutation found unpinned: arguments refused by name
/// before anything is written, a disposed checkpointer that refuses every call, directories at the root that are not
/// the store's left alone, deletions made durable by a sync of the root (and no sync when nothing was deleted), and
/// the fsync and byte counters agreeing with what the storage trace shows.
/// </summary>
public sealed class CheckpointContractTests
{
    [Fact]
    public void A_draft_refuses_null_and_malformed_arguments_by_name()
    {
        var draft = new CheckpointDraft();
        Assert.Equal("operatorId", Assert.Throws<ArgumentNullException>(() => draft.SetState(null!, Bytes("x"))).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => draft.SetState<Ledger>("op", null!)).ParamName);
        Assert.Equal("contents", Assert.Throws<ArgumentNullException>(() => draft.AddSharedFile("a.arrow", (Stream)null!)).ParamName);
        var closed = new MemoryStream();
        closed.Dispose();
        Assert.Equal("contents", Assert.Throws<ArgumentException>(() => draft.AddSharedFile("a.arrow", closed)).ParamName);
        Assert.Equal("localPath", Assert.Throws<ArgumentException>(() => draft.AddSharedFileFromPath("a.arrow", "")).ParamName);
        Assert.Equal("localPath", Assert.Throws<ArgumentNullException>(() => draft.AddSharedFileFromPath("a.arrow", null!)).ParamName);
        Assert.Equal("expectedLength", Assert.Throws<ArgumentOutOfRangeException>(() => draft.AdoptSharedFile("a.arrow", expectedLength: -1)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => draft.ReferenceSharedFile(null!)).ParamName);
        foreach (var bad in new[] { "../a.arrow", "dir/a.arrow", "", "./a.arrow" })
        {
            var refused = Assert.Throws<ArgumentException>(() => draft.ReferenceSharedFile(bad));
            Assert.Equal("name", refused.ParamName);
            Assert.Contains("is refused", refused.Message, StringComparison.Ordinal);
        }

        // An empty adopted file is a file like any other.
        draft.AdoptSharedFile("empty.arrow", expectedLength: 0);
        Assert.Empty(draft.OperatorIds);
    }

    [Fact]
    public void A_shared_file_is_either_added_or_referenced_by_a_draft_once()
    {
        var draft = new CheckpointDraft().AddSharedFile("new.arrow", Bytes("n")).ReferenceSharedFile("old.arrow");
        Assert.Contains("already added", Assert.Throws<ArgumentException>(() => draft.ReferenceSharedFile("new.arrow")).Message, StringComparison.Ordinal);
        Assert.Contains("already referenced", Assert.Throws<ArgumentException>(() => draft.AddSharedFile("old.arrow", Bytes("o"))).Message, StringComparison.Ordinal);
        Assert.Contains("already added", Assert.Throws<ArgumentException>(() => draft.AddSharedFile("new.arrow", Bytes("again"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Operator_ids_are_1_to_the_maximum_of_the_allowed_characters_all_of_them()
    {
        var longest = new string('a', CheckpointFiles.MaxOperatorIdLength);
        new CheckpointDraft().SetState(longest, Bytes("x"));
        foreach (var bad in new[] { longest + "a", "", "a b", "op/1", ".op", "ö" })
        {
            Assert.Equal("operatorId", Assert.Throws<ArgumentException>(() => new CheckpointDraft().SetState(bad, Bytes("x"))).ParamName);
        }
    }

    [Fact]
    public async Task The_checkpointer_and_the_repair_refuse_null_arguments_and_unknown_ids_by_name()
    {
        Assert.Equal("backend", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await Checkpointer.OpenAsync(null!))).ParamName);
        Assert.Equal("backend", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await CheckpointStoreRepair.PlanAsync(null!))).ParamName);
        var backend = new InMemoryBackend();
        await using (var checkpointer = await Checkpointer.OpenAsync(backend))
        {
            Assert.Equal("draft", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await checkpointer.CommitAsync(null!))).ParamName);
            var committed = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b.arrow", Bytes("b")));
            var unknown = Guid.CreateVersion7();
            var notCommitted = await Assert.ThrowsAsync<ArgumentException>(async () => await checkpointer.RestoreAsync(unknown));
            Assert.Equal("id", notCommitted.ParamName);
            Assert.Contains(unknown.ToString("D"), notCommitted.Message, StringComparison.Ordinal);

            var restored = await checkpointer.RestoreAsync(committed.Id);
            Assert.Equal(Bytes("b"), await restored.ReadSharedFileAsync("b.arrow"));
            Assert.Equal("name", (await Assert.ThrowsAsync<ArgumentException>(async () => await restored.ReadSharedFileAsync("other.arrow"))).ParamName);
        }

        var plan = await CheckpointStoreRepair.PlanAsync(backend);
        Assert.Equal("backend", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await CheckpointStoreRepair.ApplyAsync(null!, plan))).ParamName);
        Assert.Equal("plan", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await CheckpointStoreRepair.ApplyAsync(backend, null!))).ParamName);
    }

    [Fact]
    public async Task A_disposed_checkpointer_refuses_every_call_and_may_be_disposed_again()
    {
        var backend = new InMemoryBackend();
        var checkpointer = await Checkpointer.OpenAsync(backend);
        var committed = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")));
        await checkpointer.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2"))));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await checkpointer.RestoreAsync(committed.Id));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await checkpointer.RestoreLatestAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await checkpointer.RestoreLatestHealthyAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await checkpointer.CollectGarbageAsync(retain: 1));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await checkpointer.DropCheckpointAsync(committed.Id));
        await checkpointer.DisposeAsync();

        // Nothing the refused calls did reached the store.
        await using var reopened = await Checkpointer.OpenAsync(backend);
        Assert.Equal(committed.Id, Assert.Single(reopened.Checkpoints).Id);
    }

    [Fact]
    public async Task Once_fenced_a_checkpointer_refuses_without_touching_the_store_again()
    {
        var store = new LocklessBackend(new InMemoryBackend());
        var traced = new FaultInjectingBackend(store);
        await using var stale = await Checkpointer.OpenAsync(traced);
        await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("a")));
        await using var owner = await Checkpointer.OpenAsync(store);

        await Assert.ThrowsAsync<CheckpointFencedException>(async () => await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("b"))));
        var operations = traced.Trace.Count;
        var again = await Assert.ThrowsAsync<CheckpointFencedException>(async () => await stale.CollectGarbageAsync(retain: 1));
        Assert.Equal((1, 2), (again.OwnEpoch, again.CurrentEpoch));
        Assert.Equal(operations, traced.Trace.Count);
    }

    [Fact]
    public async Task A_root_directory_that_only_looks_like_a_checkpoint_is_left_alone_and_real_orphans_are_removed_durably()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var kept = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")));
        await checkpointer.DisposeAsync();

        // Two orphans (a commit that crashed before its catalog), and a directory whose name is a GUID in another form.
        var orphans = new[] { Guid.CreateVersion7(), Guid.CreateVersion7() };
        foreach (var orphan in orphans)
        {
            await WriteRawAsync(crash, StatePath(orphan, "op"), Bytes("uncommitted"));
        }

        var foreign = Guid.CreateVersion7().ToString("D").ToUpperInvariant();
        await WriteRawAsync(crash, $"{foreign}/notes.txt", Bytes("not the store's"));

        using var factory = new TestMeterFactory();
        using var counters = new MeterTotals(factory, CheckpointMetrics.MeterName);
        var traced = new FaultInjectingBackend(crash);
        await using var reopened = await Checkpointer.OpenAsync(traced, new CheckpointerOptions { MeterFactory = factory });

        Assert.Equal(kept.Id, Assert.Single(reopened.Checkpoints).Id);
        var root = (await crash.ListAsync("")).Select(e => e.Name).ToArray();
        Assert.Contains(foreign, root);
        Assert.DoesNotContain(orphans[0].ToString("D"), root);
        Assert.DoesNotContain(orphans[1].ToString("D"), root);

        // The removals are made durable: the root is synced after the last of them.
        var trace = traced.Trace;
        var lastDelete = trace.Last(op => op.Kind is StorageOperationKind.Delete or StorageOperationKind.DeleteDirectory);
        Assert.Contains(trace, op => op.Sequence > lastDelete.Sequence && op.Kind == StorageOperationKind.SyncDirectory && op.Path.Length == 0);
        var deletions = trace.Count(op => op.Kind is StorageOperationKind.Delete or StorageOperationKind.DeleteDirectory);
        Assert.Equal(deletions, counters.Sum(CheckpointMetrics.GcDeletions));
    }

    [Fact]
    public async Task A_collection_syncs_the_root_after_its_deletions_and_a_collection_with_nothing_to_delete_syncs_nothing()
    {
        var (_, faults, checkpointer) = await NewStoreAsync();
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("one")));
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")));

        var before = faults.Trace.Count;
        var nothing = await checkpointer.CollectGarbageAsync(retain: 2);
        Assert.Empty(nothing.RemovedCheckpoints);
        Assert.DoesNotContain(faults.Trace.Skip(before), op => op.IsMutation);

        before = faults.Trace.Count;
        var result = await checkpointer.CollectGarbageAsync(retain: 1);
        Assert.Single(result.RemovedCheckpoints);
        var collection = faults.Trace.Skip(before).ToList();
        var lastDelete = collection.Last(op => op.Kind is StorageOperationKind.Delete or StorageOperationKind.DeleteDirectory);
        Assert.Contains(collection, op => op.Sequence > lastDelete.Sequence && op.Kind == StorageOperationKind.SyncDirectory && op.Path.Length == 0);
        Assert.Contains(collection, op => op.Kind == StorageOperationKind.Delete && op.Path == "b1.arrow");
        await checkpointer.DisposeAsync();
    }

    [Fact]
    public async Task The_fsync_and_byte_counters_match_the_storage_trace_of_a_commit()
    {
        using var factory = new TestMeterFactory();
        using var counters = new MeterTotals(factory, CheckpointMetrics.MeterName);
        var (_, faults, checkpointer) = await NewStoreAsync(new CheckpointerOptions { MeterFactory = factory });
        var before = faults.Trace.Count;
        var fsyncsBefore = counters.Sum(CheckpointMetrics.Fsyncs);
        var bytesBefore = counters.Sum(CheckpointMetrics.BytesWritten);

        using var stream = new MemoryStream(new byte[100_000]);
        await checkpointer.CommitAsync(new CheckpointDraft()
            .SetState("op", Bytes("state"))
            .AddSharedFile("memory.arrow", new byte[3000])
            .AddSharedFile("stream.arrow", stream));

        var commit = faults.Trace.Skip(before).ToList();
        // A file's commit flushes it, and creating a directory syncs its parent (IStorageBackend.CreateDirectoryAsync).
        Assert.Equal(commit.Count(op => op.Kind is StorageOperationKind.Flush or StorageOperationKind.SyncDirectory or StorageOperationKind.CreateDirectory), counters.Sum(CheckpointMetrics.Fsyncs) - fsyncsBefore);
        Assert.Equal(commit.Where(op => op.Kind == StorageOperationKind.Write).Sum(op => (long)op.Data.Length), counters.Sum(CheckpointMetrics.BytesWritten) - bytesBefore);
        await checkpointer.DisposeAsync();
    }
}
