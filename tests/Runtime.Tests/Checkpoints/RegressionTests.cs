using System.Text;
using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// One test per point of issue 3. Each runs the same scenario against the historical bug (switched back on through
/// <see cref="CheckpointerOptions.Deviations"/> or written as a test double) and against the checkpointer, and shows
/// the bug violates the property while the checkpointer holds it.
/// </summary>
public sealed class RegressionTests
{
    // ---- Point 1: a failed catalog write must not leave a phantom checkpoint in memory.

    [Fact]
    public async Task Point1_FailedCatalogWriteLeavesNoPhantomCheckpoint()
    {
        Assert.True(await PhantomAfterFailedCatalogWriteAsync(ProtocolDeviation.PublishBeforeCatalogDurable), "the buggy variant should believe in a phantom checkpoint");
        Assert.False(await PhantomAfterFailedCatalogWriteAsync(ProtocolDeviation.None));
    }

    private static async Task<bool> PhantomAfterFailedCatalogWriteAsync(ProtocolDeviation deviation)
    {
        var (crash, faults, checkpointer) = await NewStoreAsync(new CheckpointerOptions { Deviations = deviation });
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("one")));
        faults.FailWhen(StorageOperationKind.Rename, p => p == Checkpointer.CatalogFileName);
        var error = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("two"))));
        Assert.Equal(CheckpointCommitStep.WriteCatalog, error.Step);

        await using var restarted = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.Crash()));
        return !checkpointer.Checkpoints.Select(c => c.Id).SequenceEqual(restarted.Checkpoints.Select(c => c.Id));
    }

    // ---- Point 2: a malformed manifest is a typed error at startup; nothing is deleted.

    public static TheoryData<string> MalformedManifests() => new()
    {
        "{",
        "null",
        "{}",
        "[]",
        "{\"formatVersion\":1,\"checkpointId\":\"not-a-guid\",\"files\":[]}",
        "\u0001\u0002 binary garbage \u00ff",
    };

    [Theory]
    [MemberData(nameof(MalformedManifests))]
    public async Task Point2_MalformedManifestIsATypedErrorAndNothingIsDeleted(string manifest)
    {
        // The buggy variant trusts the JSON and escapes with whatever the runtime throws: the process "panics".
        var buggy = await OpenWithManifestAsync(manifest, ProtocolDeviation.UncheckedManifest);
        Assert.False(buggy.Error is CheckpointException, $"the buggy variant threw {buggy.Error?.GetType().Name}");
        Assert.NotNull(buggy.Error);

        var ours = await OpenWithManifestAsync(manifest, ProtocolDeviation.None);
        var corrupt = Assert.IsType<CheckpointCorruptException>(ours.Error);
        Assert.Equal(ManifestPath(ours.Id), Assert.Single(corrupt.Problems).Path);
        Assert.True(ours.NothingDeleted);
    }

    [Fact]
    public async Task Point2_RandomBytesAndTruncationsOfAManifestAreTypedErrors()
    {
        var random = new Random(48);
        var (crash, _, checkpointer) = await NewStoreAsync();
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("state")).AddSharedFile("b.arrow", Bytes("batch")));
        await checkpointer.DisposeAsync();
        var good = await crash.ReadAllBytesAsync(ManifestPath(info.Id));
        var variants = new List<byte[]>();
        for (var cut = 0; cut < good.Length; cut += 7)
        {
            variants.Add(good[..cut]);
        }

        for (var i = 0; i < 40; i++)
        {
            var bytes = new byte[48];
            random.NextBytes(bytes);
            variants.Add(bytes);
            var flipped = good.ToArray();
            flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            variants.Add(flipped);
        }

        foreach (var bytes in variants)
        {
            await WriteRawAsync(crash, ManifestPath(info.Id), bytes);
            var before = ContentKey(crash);
            try
            {
                await using var reopened = await Checkpointer.OpenAsync(crash);
                await reopened.RestoreAsync(info.Id);
            }
            catch (CheckpointException)
            {
            }

            Assert.Equal(before, ContentKey(crash));
        }
    }

    private static async Task<(Exception? Error, Guid Id, bool NothingDeleted)> OpenWithManifestAsync(string manifest, ProtocolDeviation deviation)
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("state")).AddSharedFile("b.arrow", Bytes("batch")));
        await checkpointer.DisposeAsync();
        await WriteRawAsync(crash, ManifestPath(info.Id), Encoding.UTF8.GetBytes(manifest));
        var before = ContentKey(crash);
        try
        {
            // A damaged manifest no longer blocks the open (the other checkpoints stay usable); restoring it is the error.
            await using var reopened = await Checkpointer.OpenAsync(crash, new CheckpointerOptions { Deviations = deviation });
            await reopened.RestoreAsync(info.Id);
            return (null, info.Id, before == ContentKey(crash));
        }
        catch (Exception e)
        {
            return (e, info.Id, before == ContentKey(crash));
        }
    }

    // ---- Point 3: GC with an unreadable retained manifest deletes nothing and reports the error.

    [Fact]
    public async Task Point3_UnreadableRetainedManifestStopsGarbageCollection()
    {
        var buggy = await CollectWithUnreadableRetainedManifestAsync(ProtocolDeviation.SkipUnreadableRetainedManifests);
        Assert.Null(buggy.Error);
        Assert.False(buggy.SharedFileSurvived, "the buggy variant should delete the batch file the retained checkpoint needs");

        var ours = await CollectWithUnreadableRetainedManifestAsync(ProtocolDeviation.None);
        Assert.IsType<CheckpointCorruptException>(ours.Error);
        Assert.True(ours.SharedFileSurvived);
        Assert.True(ours.NothingDeleted);
        Assert.Equal(2, ours.ListedAfter);
    }

    private static async Task<(Exception? Error, bool SharedFileSurvived, bool NothingDeleted, int ListedAfter)> CollectWithUnreadableRetainedManifestAsync(ProtocolDeviation deviation)
    {
        var (crash, _, checkpointer) = await NewStoreAsync(new CheckpointerOptions { Deviations = deviation });
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("a")).AddSharedFile("b1.arrow", Bytes("batch one")));
        var retained = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("b")).ReferenceSharedFile("b1.arrow"));
        await WriteRawAsync(crash, ManifestPath(retained.Id), Bytes("{ torn"));
        var before = ContentKey(crash);
        Exception? error = null;
        try
        {
            await checkpointer.CollectGarbageAsync(retain: 1);
        }
        catch (Exception e)
        {
            error = e;
        }

        return (error, await crash.GetEntryAsync("b1.arrow") is not null, before == ContentKey(crash), checkpointer.Checkpoints.Count);
    }

    // ---- Point 4: a missing catalog beside checkpoint directories is a refusal to start, not a clean slate.

    [Fact]
    public async Task Point4_MissingCatalogWithCheckpointDirectoriesRefusesToStart()
    {
        var buggy = await OpenWithoutCatalogAsync(ProtocolDeviation.MissingCatalogIsCleanSlate);
        Assert.Null(buggy.Error);
        Assert.False(buggy.DirectoriesSurvived, "the buggy variant should wipe the checkpoints");

        var ours = await OpenWithoutCatalogAsync(ProtocolDeviation.None);
        var refusal = Assert.IsType<CheckpointStoreException>(ours.Error);
        Assert.Equal(ours.Directories.Order(), refusal.Paths.Order());
        foreach (var directory in ours.Directories)
        {
            Assert.Contains(directory, refusal.Message, StringComparison.Ordinal);
        }

        Assert.True(ours.DirectoriesSurvived);
        Assert.True(ours.NothingDeleted);
    }

    [Fact]
    public async Task Point4_AnEmptyStoreWithoutCatalogStartsEmpty()
    {
        await using var checkpointer = await Checkpointer.OpenAsync(new CrashSimulatingBackend());
        Assert.Empty(checkpointer.Checkpoints);
    }

    private static async Task<(Exception? Error, string[] Directories, bool DirectoriesSurvived, bool NothingDeleted)> OpenWithoutCatalogAsync(ProtocolDeviation deviation)
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var a = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("a")));
        var b = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("b")));
        await crash.DeleteAsync(Checkpointer.CatalogFileName);
        await crash.SyncDirectoryAsync(string.Empty);
        var state = crash.Crash();
        var directories = new[] { a.Id.ToString("D"), b.Id.ToString("D") };
        var backend = CrashSimulatingBackend.FromState(state);
        Exception? error = null;
        try
        {
            await using var reopened = await Checkpointer.OpenAsync(backend, new CheckpointerOptions { Deviations = deviation });
        }
        catch (Exception e)
        {
            error = e;
        }

        var survived = true;
        foreach (var directory in directories)
        {
            survived &= await backend.GetEntryAsync(directory) is { IsDirectory: true };
        }

        return (error, directories, survived, ContentKey(backend) == ContentKey(state));
    }

    // ---- Point 5: one manifest per checkpoint is the whole GC truth; losing a state file loses no protection.

    [Fact]
    public async Task Point5_LosingOneFileOfARetainedCheckpointDoesNotUnprotectItsBatchFiles()
    {
        // The historical design: each operator kept its own metadata file listing the batch files it needs, and GC
        // unioned whichever metadata files it found. Losing one of them silently unprotected its batch files.
        var scattered = new CrashSimulatingBackend();
        await ScatteredMetadataStore.CommitAsync(scattered, "old", new() { ["join"] = ["b1.arrow"], ["agg"] = [] });
        await ScatteredMetadataStore.CommitAsync(scattered, "new", new() { ["join"] = ["b1.arrow"], ["agg"] = ["b2.arrow"] });
        await scattered.DeleteAsync("new/join.meta");
        await ScatteredMetadataStore.CollectAsync(scattered, keep: ["new"], remove: ["old"]);
        Assert.Null(await scattered.GetEntryAsync("b1.arrow"));

        // Ours: the same loss (a state file of the retained checkpoint) leaves every batch file protected, and the
        // restore names the lost file instead of carrying on without it.
        var (crash, _, checkpointer) = await NewStoreAsync();
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("join", Bytes("j1")).SetState("agg", Bytes("a1")).AddSharedFile("b1.arrow", Bytes("batch 1")));
        var kept = await checkpointer.CommitAsync(new CheckpointDraft().SetState("join", Bytes("j2")).SetState("agg", Bytes("a2")).ReferenceSharedFile("b1.arrow").AddSharedFile("b2.arrow", Bytes("batch 2")));
        await crash.DeleteAsync(StatePath(kept.Id, "join"));
        await checkpointer.CollectGarbageAsync(retain: 1);
        Assert.NotNull(await crash.GetEntryAsync("b1.arrow"));
        Assert.NotNull(await crash.GetEntryAsync("b2.arrow"));
        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(kept.Id));
        Assert.Equal([StatePath(kept.Id, "join")], error.MissingFiles);
    }

    /// <summary>A test double of the scattered-metadata design that issue point 5 replaces.</summary>
    private static class ScatteredMetadataStore
    {
        public static async Task CommitAsync(IStorageBackend backend, string checkpoint, Dictionary<string, string[]> batchesByOperator)
        {
            foreach (var (op, batches) in batchesByOperator)
            {
                foreach (var batch in batches)
                {
                    if (await backend.GetEntryAsync(batch) is null)
                    {
                        await WriteRawAsync(backend, batch, Bytes(batch));
                    }
                }

                await WriteRawAsync(backend, $"{checkpoint}/{op}.state", Bytes(op));
                await WriteRawAsync(backend, $"{checkpoint}/{op}.meta", Bytes(string.Join('\n', batches)));
            }
        }

        public static async Task CollectAsync(IStorageBackend backend, string[] keep, string[] remove)
        {
            var referenced = new HashSet<string>();
            foreach (var checkpoint in keep)
            {
                foreach (var entry in await backend.ListAsync(checkpoint))
                {
                    if (entry.Name.EndsWith(".meta", StringComparison.Ordinal))
                    {
                        referenced.UnionWith(Encoding.UTF8.GetString(await backend.ReadAllBytesAsync(entry.Path)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
                    }
                }
            }

            foreach (var checkpoint in remove)
            {
                foreach (var entry in await backend.ListAsync(checkpoint))
                {
                    if (entry.Name.EndsWith(".meta", StringComparison.Ordinal))
                    {
                        foreach (var batch in Encoding.UTF8.GetString(await backend.ReadAllBytesAsync(entry.Path)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                        {
                            if (!referenced.Contains(batch))
                            {
                                await backend.DeleteAsync(batch);
                            }
                        }
                    }
                }

                await backend.DeleteDirectoryAsync(checkpoint);
            }
        }
    }

    // ---- Point 6: a listed state file that is missing is corruption, reported with every other missing file.

    [Fact]
    public async Task Point6_MissingStateFilesAreCorruptionNotNewOperators()
    {
        var buggy = await RestoreWithMissingStatesAsync(ProtocolDeviation.MissingStateIsNewOperator);
        Assert.Null(buggy.Error);
        Assert.True(buggy.ReportedAsNew, "the buggy variant should take the lost operator for a new one");

        var ours = await RestoreWithMissingStatesAsync(ProtocolDeviation.None);
        var corrupt = Assert.IsType<CheckpointCorruptException>(ours.Error);
        Assert.Equal(ours.Missing.Order(), corrupt.MissingFiles.Order());
        Assert.Contains(corrupt.Problems, p => p.Kind == CheckpointProblemKind.Missing && p.Path == "b.arrow");
    }

    [Fact]
    public async Task Point6_AnOperatorTheManifestDoesNotListIsNew()
    {
        var (_, _, checkpointer) = await NewStoreAsync();
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("old-operator", Bytes("x")));
        var restored = await checkpointer.RestoreLatestAsync();
        Assert.NotNull(restored);
        Assert.True(restored.TryGetState("old-operator", out var state));
        Assert.Equal(Bytes("x"), state.ToArray());
        Assert.False(restored.TryGetState("added-since", out _));
    }

    private static async Task<(Exception? Error, string[] Missing, bool ReportedAsNew)> RestoreWithMissingStatesAsync(ProtocolDeviation deviation)
    {
        var (crash, _, checkpointer) = await NewStoreAsync(new CheckpointerOptions { Deviations = deviation });
        var info = await checkpointer.CommitAsync(new CheckpointDraft()
            .SetState("join", Bytes("join state")).SetState("agg", Bytes("agg state")).SetState("sink", Bytes("sink state"))
            .AddSharedFile("b.arrow", Bytes("batch")));
        string[] missing = [StatePath(info.Id, "join"), StatePath(info.Id, "sink"), "b.arrow"];
        foreach (var path in missing)
        {
            await crash.DeleteAsync(path);
        }

        try
        {
            var restored = await checkpointer.RestoreAsync(info.Id);
            return (null, missing, !restored.TryGetState("join", out _));
        }
        catch (Exception e)
        {
            return (e, missing, false);
        }
    }

    // ---- Point 8: everything the manifest names is durable before the catalog rename; new directories are synced.

    [Theory]
    [InlineData(ProtocolDeviation.SkipRootSyncBeforeCatalog, false)]
    [InlineData(ProtocolDeviation.SkipCheckpointDirectorySync, false)]
    [InlineData(ProtocolDeviation.None, true)]
    internal async Task Point8_EverythingTheManifestNamesIsDurableBeforeTheCatalogRename(ProtocolDeviation deviation, bool expectedDurable)
    {
        var crash = new CrashSimulatingBackend();
        var faults = new FaultInjectingBackend(crash);
        await using var checkpointer = await Checkpointer.OpenAsync(faults, new CheckpointerOptions { Deviations = deviation });
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("one")));

        // Look at the disk as a crash would leave it at the very moment the catalog rename is issued.
        CrashState? atCatalogRename = null;
        CrashState? atFirstRenameIntoDirectory = null;
        faults.FailWhen(op =>
        {
            if (op.Kind == StorageOperationKind.Rename && op.Path == Checkpointer.CatalogFileName)
            {
                atCatalogRename ??= crash.CaptureDurableState();
            }
            else if (op.Kind == StorageOperationKind.Rename && op.Path.Contains('/'))
            {
                atFirstRenameIntoDirectory ??= crash.CaptureDurableState();
            }

            return false;
        });
        var second = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).ReferenceSharedFile("b1.arrow").AddSharedFile("b2.arrow", Bytes("two")));

        Assert.NotNull(atCatalogRename);
        var needed = second.Files.Select(f => f.Path).Append(ManifestPath(second.Id)).ToArray();
        var durable = needed.All(atCatalogRename.Files.ContainsKey);
        Assert.Equal(expectedDurable, durable);

        // The checkpoint directory's own entry is durable before any file is renamed into it.
        Assert.Contains(second.Id.ToString("D"), atFirstRenameIntoDirectory!.Directories);
        Assert.Contains(first.Id.ToString("D"), atCatalogRename.Directories);
    }

    [Fact]
    public async Task Point8_NewDirectoryChainsAreDurableWhenCreated()
    {
        var crash = new CrashSimulatingBackend();
        await crash.CreateDirectoryAsync("a/b/c");
        var file = await crash.CreateAsync("x/y/z.bin");
        await using (file)
        {
            await file.WriteAsync(Bytes("z"));
            await file.CommitAsync();
        }

        var state = crash.Crash();
        Assert.Contains("a/b/c", state.Directories);
        Assert.Contains("x/y", state.Directories);
        Assert.DoesNotContain("x/y/z.bin", state.Files.Keys); // the rename waits for its directory's sync
    }

    // ---- Point 9: every file goes through PendingFile and is committed explicitly.

    [Fact]
    public async Task Point9_EveryFileIsCommittedThroughPendingFile()
    {
        // The historical writer: it wrote the manifest and dropped the handle, counting on the file reaching disk anyway.
        var buggy = await AuditAsync(async (faults, checkpointer) =>
        {
            await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")));
            await HandleDroppingWriter.CommitAsync(faults, checkpointer.Checkpoints.Select(c => c.Id).ToArray(), "op", Bytes("2"));
        });
        Assert.NotEmpty(buggy.Uncommitted);
        Assert.False(buggy.Restartable, "a dropped manifest commit should lose the checkpoint");

        var ours = await AuditAsync(async (_, checkpointer) =>
        {
            await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("one")));
            await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).ReferenceSharedFile("b1.arrow"));
            await checkpointer.CollectGarbageAsync(retain: 1);
        });
        Assert.Empty(ours.Uncommitted);
        Assert.True(ours.Restartable);
    }

    private static async Task<(string[] Uncommitted, bool Restartable)> AuditAsync(Func<FaultInjectingBackend, Checkpointer, Task> workload)
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        await workload(faults, checkpointer);

        // Every Create is followed by the flush (fsync) and then the rename of the same path before the next Create.
        var trace = faults.Trace;
        var uncommitted = new List<string>();
        for (var i = 0; i < trace.Count; i++)
        {
            if (trace[i].Kind != StorageOperationKind.Create)
            {
                continue;
            }

            var rest = trace.Skip(i + 1).TakeWhile(op => op.Kind != StorageOperationKind.Create).ToArray();
            var flush = Array.FindIndex(rest, op => op.Kind == StorageOperationKind.Flush && op.Path == trace[i].Path);
            var rename = Array.FindIndex(rest, op => op.Kind == StorageOperationKind.Rename && op.Path == trace[i].Path);
            if (flush < 0 || rename < flush)
            {
                uncommitted.Add(trace[i].Path);
            }
        }

        bool restartable;
        try
        {
            await using var restarted = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.Crash()));
            restartable = restarted.Checkpoints.Count > 0 && await restarted.RestoreLatestAsync() is not null;
        }
        catch (CheckpointException)
        {
            restartable = false;
        }

        return (uncommitted.ToArray(), restartable);
    }

    /// <summary>A test double of the writers of issue point 9: same layout and barriers, but the manifest's handle is dropped.</summary>
    private static class HandleDroppingWriter
    {
        public static async Task CommitAsync(IStorageBackend backend, Guid[] committed, string operatorId, byte[] state)
        {
            var id = Guid.CreateVersion7();
            await backend.CreateDirectoryAsync(id.ToString("D"));
            await WriteRawAsync(backend, StatePath(id, operatorId), state);
            var manifest = await backend.CreateAsync(ManifestPath(id));
            await manifest.WriteAsync(Bytes($"{{\"formatVersion\":1,\"checkpointId\":\"{id:D}\",\"files\":[]}}"));
            await manifest.Stream.FlushAsync();
            await manifest.DisposeAsync();
            await backend.SyncDirectoryAsync(id.ToString("D"));
            await backend.SyncDirectoryAsync(string.Empty);
            var catalog = string.Join(",", committed.Append(id).Select(g => $"\"{g:D}\""));
            await WriteRawAsync(backend, Checkpointer.CatalogFileName, Bytes($"{{\"formatVersion\":1,\"checkpoints\":[{catalog}]}}"));
        }
    }

    // ---- Point 10: a manifest naming a path outside its checkpoint or the root is refused, never read or deleted.

    public static TheoryData<string> EscapingPaths() => new()
    {
        "../outside.arrow",
        "/etc/passwd",
        "C:/Windows/win.ini",
        "a/../../outside.arrow",
        "..",
        "b.arrow/../../outside.arrow",
        "batch\u0000.arrow",
        "\\\\server\\share\\x",
    };

    [Theory]
    [MemberData(nameof(EscapingPaths))]
    public async Task Point10_ManifestPathsOutsideTheStoreAreRefused(string path)
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("x")));
        await checkpointer.DisposeAsync();
        var manifest = $"{{\"formatVersion\":1,\"checkpointId\":\"{info.Id:D}\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"files\":[{{\"path\":{System.Text.Json.JsonSerializer.Serialize(path)},\"kind\":\"shared\",\"length\":1,\"crc32C\":0}}]}}";
        await WriteRawAsync(crash, ManifestPath(info.Id), Bytes(manifest));
        var before = ContentKey(crash);
        var reads = crash.Trace.Count;

        await using (var reopened = await Checkpointer.OpenAsync(crash))
        {
            var error = Assert.Contains(info.Id, reopened.DamagedCheckpoints);
            Assert.Contains(error.Problems, p => p.Kind == CheckpointProblemKind.RefusedPath);
            await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await reopened.RestoreAsync(info.Id));
        }

        Assert.Equal(before, ContentKey(crash));
        Assert.DoesNotContain(crash.Trace.Skip(reads), op => op.Path != ManifestPath(info.Id) && op.Path.Contains("outside", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Point10_GarbageCollectionNeverDeletesOutsideTheRoot()
    {
        var parent = Path.Combine(Path.GetTempPath(), "bulwark-ckpt-" + Guid.NewGuid().ToString("N"));
        var root = Path.Combine(parent, "store");
        Directory.CreateDirectory(root);
        var outside = Path.Combine(parent, "outside.arrow");
        try
        {
            // The historical bug: a naive GC joins the root with whatever the manifest says and deletes it.
            await File.WriteAllTextAsync(outside, "precious");
            NaiveDelete(root, "../outside.arrow");
            Assert.False(File.Exists(outside), "the naive variant should delete outside the root");

            await File.WriteAllTextAsync(outside, "precious");
            var backend = new LocalFileSystemBackend(root);
            Guid removed;
            await using (var checkpointer = await Checkpointer.OpenAsync(backend))
            {
                removed = (await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b.arrow", Bytes("b")))).Id;
                await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")));

                // The removed checkpoint's manifest is rewritten on disk to name a file outside the store.
                var manifest = $"{{\"formatVersion\":1,\"checkpointId\":\"{removed:D}\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"files\":[{{\"path\":\"../outside.arrow\",\"kind\":\"shared\",\"length\":8,\"crc32C\":0}}]}}";
                await WriteRawAsync(backend, ManifestPath(removed), Bytes(manifest));
                await checkpointer.CollectGarbageAsync(retain: 1);
            }

            Assert.True(File.Exists(outside));
            Assert.False(Directory.Exists(Path.Combine(root, removed.ToString("D"))));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    private static void NaiveDelete(string root, string manifestPath) => File.Delete(Path.Combine(root, manifestPath));
}
