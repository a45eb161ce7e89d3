using System.Text.Json.Nodes;
using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// What an error says is part of the contract: it names the store, the file and the reason, and where there is a
/// remedy (the CLI command that repairs or drops) it names that too. The CLI prints these texts as they are. The
/// Checkpoints mutation run of bench/mutation found most of them unasserted: the type and kind of each error were
/// pinned, the words a user reads were not.
/// </summary>
public sealed class CheckpointErrorTextTests
{
    private const string Catalog = Checkpointer.CatalogFileName;

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("version")]
    [InlineData("no list")]
    [InlineData("listed twice")]
    public async Task A_damaged_catalog_is_refused_naming_the_catalog_the_reason_and_the_repair_command(string edit)
    {
        var (crash, _, newest) = await ClosedTwoCheckpointStoreAsync();
        var catalog = JsonNode.Parse(await crash.ReadAllBytesAsync(Catalog, 1 << 20))!.AsObject();
        var (text, reason) = edit switch
        {
            "not json" => ("{\"formatVersion\":", null),
            "null" => ("null", "it is JSON null"),
            "version" => (With(catalog, "formatVersion", 2), "format version 2 is not supported (expected 1)"),
            "no list" => (Without(catalog, "checkpoints"), "it has no \"checkpoints\" list"),
            _ => (With(catalog, "checkpoints", new JsonArray(newest.ToString("D"), newest.ToString("D"))), $"checkpoint {newest:D} is listed twice"),
        };
        await WriteRawAsync(crash, Catalog, Bytes(text));

        var refused = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await Checkpointer.OpenAsync(crash));
        var problem = Assert.Single(refused.Problems);
        Assert.Equal((Catalog, CheckpointProblemKind.Malformed), (problem.Path, problem.Kind));
        if (reason is null)
        {
            Assert.StartsWith("it is not valid catalog JSON (", problem.Reason, StringComparison.Ordinal);
            Assert.EndsWith(")", problem.Reason, StringComparison.Ordinal);
            Assert.NotEqual("it is not valid catalog JSON ()", problem.Reason);
            reason = problem.Reason;
        }

        Assert.Equal(reason, problem.Reason);
        Assert.Null(refused.CheckpointId);
        Assert.Equal(
            $"The checkpoint catalog is corrupt: '{Catalog}': {reason}. `bulwark checkpoints repair STORE` rebuilds the catalog from the intact manifests.",
            refused.Message);

        // The collection planner reports the same damage as the reason the store cannot be opened.
        var plan = await CheckpointGarbagePlanner.PlanAsync(crash, retain: 1);
        Assert.Equal($"the catalog cannot be read ({refused.Message}): the checkpointer refuses to open the store", Assert.Single(plan.Blockers));
    }

    [Fact]
    public async Task A_catalog_that_is_a_directory_too_large_or_unreadable_is_refused_saying_which()
    {
        var (crash, _, _) = await ClosedTwoCheckpointStoreAsync();
        var length = (await crash.GetEntryAsync(Catalog))!.Length;
        var tooLarge = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await Checkpointer.OpenAsync(crash, new CheckpointerOptions { MaxCatalogBytes = (int)length - 1 }));
        Assert.Equal(new CheckpointProblem(Catalog, CheckpointProblemKind.TooLarge, $"it is {length} bytes, more than the {length - 1} allowed"), Assert.Single(tooLarge.Problems));

        var faults = new FaultInjectingBackend(crash).FailWhen(StorageOperationKind.Read, path => path == Catalog);
        var unreadable = await Assert.ThrowsAsync<CheckpointStoreException>(async () => await Checkpointer.OpenAsync(faults));
        Assert.Equal($"Could not read the catalog of {crash.Description}: {unreadable.InnerException!.Message}", unreadable.Message);
        Assert.IsType<InjectedFaultException>(unreadable.InnerException);
        Assert.Equal([Catalog], unreadable.Paths);

        var empty = new InMemoryBackend();
        await empty.CreateDirectoryAsync(Catalog);
        var directory = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await Checkpointer.OpenAsync(empty));
        Assert.Equal(new CheckpointProblem(Catalog, CheckpointProblemKind.Malformed, "it is a directory"), Assert.Single(directory.Problems));
    }

    [Fact]
    public async Task A_missing_catalog_beside_checkpoint_directories_is_refused_naming_them_and_the_remedy()
    {
        var (crash, _, newest) = await ClosedTwoCheckpointStoreAsync();
        await crash.DeleteAsync(Catalog);
        var directories = (await crash.ListAsync(string.Empty)).Where(e => e.IsDirectory).Select(e => e.Name).ToArray();

        var refused = await Assert.ThrowsAsync<CheckpointStoreException>(async () => await Checkpointer.OpenAsync(crash));
        Assert.Equal(
            $"The catalog '{Catalog}' of {crash.Description} is missing but checkpoint directories exist: {string.Join(", ", directories)}. " +
            "Refusing to start rather than treat the store as empty; nothing was deleted. `bulwark checkpoints repair STORE` rebuilds the catalog from the intact manifests; or move the directories away to start from nothing.",
            refused.Message);
        Assert.Contains(newest.ToString("D"), refused.Paths);

        var verification = await CheckpointStoreVerifier.VerifyAsync(crash, checkContents: false);
        Assert.Equal(
            new CheckpointProblem(Catalog, CheckpointProblemKind.Missing, $"the catalog is missing while {directories.Length} checkpoint directories exist ({string.Join(", ", directories)}); the checkpointer refuses to start rather than treat this as a clean slate"),
            Assert.Single(verification.Problems));

        var nothing = await CheckpointStoreVerifier.VerifyAsync(new InMemoryBackend(), checkContents: false);
        Assert.Equal(new CheckpointProblem(Catalog, CheckpointProblemKind.Missing, "there is no catalog: this is not a Bulwark checkpoint store"), Assert.Single(nothing.Problems));
    }

    [Fact]
    public async Task The_verifier_names_a_missing_store_root_and_what_each_missing_file_was()
    {
        using var temp = new TempDirectory();
        var absent = new LocalFileSystemBackend(temp.Join("removed"));
        Directory.Delete(absent.RootPath);
        var root = Assert.Single((await CheckpointStoreVerifier.VerifyAsync(absent)).Problems);
        Assert.Equal(new CheckpointProblem(string.Empty, CheckpointProblemKind.Missing, $"the store root {absent.Description} does not exist"), root);

        var (crash, _, newest) = await ClosedTwoCheckpointStoreAsync();
        await crash.DeleteAsync(StatePath(newest, "op"));
        await crash.DeleteAsync("b.arrow");
        var problems = (await CheckpointStoreVerifier.VerifyAsync(crash, checkContents: false)).Problems;
        Assert.Equal(2, problems.Count);
        Assert.Contains(new CheckpointProblem(StatePath(newest, "op"), CheckpointProblemKind.Missing, $"checkpoint {newest:D} needs this state file of operator 'op' but it is missing"), problems);
        Assert.Contains(new CheckpointProblem("b.arrow", CheckpointProblemKind.Missing, $"checkpoint {newest:D} needs this shared batch file but it is missing"), problems);

        var manifest = (await crash.GetEntryAsync(ManifestPath(newest)))!.Length;
        var options = new CheckpointerOptions { MaxManifestBytes = (int)manifest - 1 };
        Assert.Contains(
            new CheckpointProblem(ManifestPath(newest), CheckpointProblemKind.TooLarge, $"the manifest is {manifest} bytes, more than the {manifest - 1} allowed"),
            (await CheckpointStoreVerifier.VerifyAsync(crash, checkContents: false, options: options)).Problems);
    }

    [Fact]
    public async Task A_restore_names_the_manifest_or_file_that_is_missing_or_unreadable()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        await using var _ = checkpointer;
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("first")).AddSharedFile("b.arrow", Bytes("bb")));
        var second = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("second")));
        var third = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("third")));

        await crash.DeleteAsync(ManifestPath(first.Id));
        var missing = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(first.Id));
        Assert.Equal(new CheckpointProblem(ManifestPath(first.Id), CheckpointProblemKind.Missing, "the manifest is missing"), Assert.Single(missing.Problems));
        Assert.Equal(
            $"Checkpoint {first.Id:D} is corrupt: '{ManifestPath(first.Id)}': the manifest is missing. Checkpointer.RestoreLatestHealthyAsync restores the newest intact checkpoint instead; `bulwark checkpoints drop STORE {first.Id:D}` removes this one.",
            missing.Message);

        await crash.DeleteAsync(ManifestPath(second.Id));
        await crash.CreateDirectoryAsync(ManifestPath(second.Id));
        var directory = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(second.Id));
        Assert.Equal(new CheckpointProblem(ManifestPath(second.Id), CheckpointProblemKind.Malformed, "a directory is where the manifest should be"), Assert.Single(directory.Problems));

        await crash.DeleteAsync(StatePath(third.Id, "op"));
        var state = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(third.Id));
        Assert.Equal(new CheckpointProblem(StatePath(third.Id, "op"), CheckpointProblemKind.Missing, "the file is missing"), Assert.Single(state.Problems));

        faults.FailWhen(StorageOperationKind.Read, path => path == ManifestPath(third.Id));
        var unreadable = await Assert.ThrowsAsync<CheckpointStoreException>(async () => await checkpointer.RestoreAsync(third.Id));
        Assert.Equal($"Could not read '{ManifestPath(third.Id)}': {unreadable.InnerException!.Message}", unreadable.Message);
        Assert.Equal([ManifestPath(third.Id)], unreadable.Paths);

        faults.ClearFaults();
        faults.FailWhen(StorageOperationKind.GetEntry, path => path == ManifestPath(third.Id));
        var failed = await Assert.ThrowsAsync<CheckpointStoreException>(async () => await checkpointer.RestoreAsync(third.Id));
        Assert.Equal($"Storage failed at '{ManifestPath(third.Id)}': {failed.InnerException!.Message}", failed.Message);
        Assert.Equal([ManifestPath(third.Id)], failed.Paths);
    }

    [Fact]
    public async Task A_shared_file_read_after_the_restore_names_its_checkpoint_and_what_is_wrong()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        await using var _ = checkpointer;
        var committed = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s")).AddSharedFile("b.arrow", Bytes("bb")));
        var restored = await checkpointer.RestoreAsync(committed.Id);

        var unknown = Assert.Throws<ArgumentException>(() => restored.ReadSharedFileAsync("c.arrow").AsTask().GetAwaiter().GetResult());
        Assert.Equal(($"Checkpoint {committed.Id:D} does not list shared file 'c.arrow'. (Parameter 'name')", "name"), (unknown.Message, unknown.ParamName));

        faults.FailWhen(StorageOperationKind.Read, path => path == "b.arrow");
        var unreadable = await Assert.ThrowsAsync<CheckpointStoreException>(async () => await restored.ReadSharedFileAsync("b.arrow"));
        Assert.Equal($"Could not read 'b.arrow' of checkpoint {committed.Id:D}: {unreadable.InnerException!.Message}", unreadable.Message);
        Assert.Equal(["b.arrow"], unreadable.Paths);
        faults.ClearFaults();

        await WriteRawAsync(crash, "b.arrow", Bytes("b"));
        var shorter = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await restored.ReadSharedFileAsync("b.arrow"));
        Assert.Equal(new CheckpointProblem("b.arrow", CheckpointProblemKind.WrongSize, "it is 1 bytes, the manifest recorded 2"), Assert.Single(shorter.Problems));
    }

    [Fact]
    public async Task A_failed_step_names_the_step_and_path_and_collection_steps_say_garbage_collection()
    {
        var (_, faults, checkpointer) = await NewStoreAsync();
        await using var _ = checkpointer;
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("1")));
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")));

        faults.FailWhen(StorageOperationKind.Create, path => path == Catalog);
        var commit = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("3"))));
        Assert.Equal($"Checkpoint commit step WriteCatalog failed at '{Catalog}': {commit.InnerException!.Message}", commit.Message);
        faults.ClearFaults();

        faults.FailWhen(StorageOperationKind.Delete, path => path == "b1.arrow");
        var collection = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CollectGarbageAsync(retain: 1));
        Assert.Equal((CheckpointCommitStep.DeleteSharedFile, "b1.arrow"), (collection.Step, collection.Path));
        Assert.Equal($"Checkpoint garbage collection (DeleteSharedFile) failed at 'b1.arrow': {collection.InnerException!.Message}", collection.Message);
    }

    [Fact]
    public async Task The_arguments_a_checkpointer_refuses_are_named_with_what_is_allowed()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        await using var _ = checkpointer;
        var unknown = Guid.CreateVersion7();
        var drop = await Assert.ThrowsAsync<ArgumentException>(async () => await checkpointer.DropCheckpointAsync(unknown));
        Assert.Equal($"Checkpoint {unknown:D} is not in the catalog of {crash.Description}. (Parameter 'id')", drop.Message);

        var reference = await Assert.ThrowsAsync<ArgumentException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s")).ReferenceSharedFile("b.arrow")));
        Assert.Equal("Shared file 'b.arrow' is not part of any committed checkpoint; add it with AddSharedFile. (Parameter 'draft')", reference.Message);

        var badId = Assert.Throws<ArgumentException>(() => new CheckpointDraft().SetState(".op", Bytes("s")));
        Assert.Equal("Operator id '.op' is not 1-200 ASCII letters, digits, '-', '_' or '.' (not starting with '.'). (Parameter 'operatorId')", badId.Message);

        using var writeOnly = new WriteOnlyStream();
        var stream = Assert.Throws<ArgumentException>(() => new CheckpointDraft().AddSharedFile("b.arrow", writeOnly));
        Assert.Equal("The stream of a shared file must be readable. (Parameter 'contents')", stream.Message);

        var length = Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointDraft().AdoptSharedFile("b.arrow", expectedLength: -1));
        Assert.StartsWith("A file length cannot be negative.", length.Message, StringComparison.Ordinal);
        Assert.Equal(-1L, length.ActualValue);

        var nested = Assert.Throws<ArgumentException>(() => new CheckpointDraft().AddSharedFile("dir/b.arrow", Bytes("b")));
        Assert.Equal("Shared file name 'dir/b.arrow' is refused: a shared file is named by one path segment at the store root. (Parameter 'name')", nested.Message);
        var reserved = Assert.Throws<ArgumentException>(() => new CheckpointDraft().AddSharedFile(Catalog, Bytes("b")));
        Assert.Equal($"Shared file name '{Catalog}' is refused: the name is reserved for the catalog, temporaries or checkpoint directories. (Parameter 'name')", reserved.Message);
    }

    [Fact]
    public async Task An_adopted_file_that_differs_from_what_the_caller_expected_is_refused_with_both_measurements()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        await using var _ = checkpointer;
        var content = Bytes("abc");
        var crc = Crc32CReference(content);
        await WriteRawAsync(crash, "part.arrow", content);

        var byLength = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s")).AdoptSharedFile("part.arrow", expectedLength: 5)));
        Assert.Equal($"Adopted shared file 'part.arrow' is 3 bytes with CRC32C {crc:x8}; the caller expected 5 and any CRC32C.", Assert.IsType<InvalidDataException>(byLength.InnerException).Message);

        var byChecksum = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s")).AdoptSharedFile("part.arrow", expectedCrc32C: crc ^ 1)));
        Assert.Equal($"Adopted shared file 'part.arrow' is 3 bytes with CRC32C {crc:x8}; the caller expected any length and {crc ^ 1:x8}.", Assert.IsType<InvalidDataException>(byChecksum.InnerException).Message);
    }

    [Fact]
    public async Task A_store_in_use_names_its_holder_a_failed_lock_names_the_lock_and_a_fenced_writer_both_epochs()
    {
        var backend = new InMemoryBackend();
        await using (var owner = await Checkpointer.OpenAsync(backend))
        {
            var locked = await Assert.ThrowsAsync<CheckpointStoreLockedException>(async () => await Checkpointer.OpenAsync(backend));
            Assert.Equal("checkpointer", locked.Holder?.Purpose);
            Assert.Equal(
                $"The checkpoint store memory is in use by {locked.Holder}. One checkpointer owns a store at a time: stop that one first, or use another store.",
                locked.Message);

            var repair = await CheckpointStoreRepair.PlanAsync(backend);
            Assert.Equal(locked.Message, (await Assert.ThrowsAsync<CheckpointStoreLockedException>(async () => await CheckpointStoreRepair.ApplyAsync(backend, repair))).Message);
        }

        var faults = new FaultInjectingBackend(backend).FailWhen(StorageOperationKind.Lock);
        var failed = await Assert.ThrowsAsync<CheckpointStoreException>(async () => await Checkpointer.OpenAsync(faults));
        Assert.Equal($"Could not take the lock 'checkpoints.lock' of memory: {failed.InnerException!.Message}", failed.Message);
        Assert.Equal(["checkpoints.lock"], failed.Paths);

        var store = new LocklessBackend(new InMemoryBackend());
        await using var stale = await Checkpointer.OpenAsync(store);
        await using var later = await Checkpointer.OpenAsync(store);
        var fenced = await Assert.ThrowsAsync<CheckpointFencedException>(async () => await stale.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s"))));
        Assert.Equal(
            $"This checkpointer (writer epoch 1) was fenced off {store.Description}: a checkpointer opened later owns it now (writer epoch 2). Nothing was committed or deleted; reopen the store to continue from its catalog.",
            fenced.Message);
    }

    [Fact]
    public async Task The_collection_planner_says_why_it_refuses_what_it_removes_and_what_it_leaves()
    {
        var (crash, _, newest) = await ClosedTwoCheckpointStoreAsync();
        await WriteRawAsync(crash, ManifestPath(newest), Bytes("damaged"));
        var blocked = await CheckpointGarbagePlanner.PlanAsync(crash, retain: 1);
        Assert.Equal(
            $"collection refuses and deletes nothing: the manifest of kept checkpoint(s) {newest:D} cannot be read, so which shared files they need is unknown; `bulwark checkpoints drop` removes a damaged checkpoint",
            Assert.Single(blocked.Blockers));

        (crash, _, newest) = await ClosedTwoCheckpointStoreAsync();
        Guid older;
        await using (var open = await Checkpointer.OpenAsync(crash))
        {
            older = open.Checkpoints[0].Id;
        }

        await WriteRawAsync(crash, ManifestPath(older), Bytes("damaged"));
        var orphan = Guid.CreateVersion7();
        await WriteRawAsync(crash, StatePath(orphan, "op"), Bytes("interrupted"));
        await WriteRawAsync(crash, "notes.txt", Bytes("a user's file"));
        var plan = await CheckpointGarbagePlanner.PlanAsync(crash, retain: 1);
        Assert.False(plan.IsBlocked, string.Join("; ", plan.Blockers));
        Assert.Equal(
            [
                new PlannedDeletion($"{older:D}/", $"checkpoint {older:D} is older than the newest 1 kept; its manifest cannot be read, so the shared files it lists are unknown and stay"),
                new PlannedDeletion($"{orphan:D}/", "collection removes it: no catalog lists it (an interrupted commit)"),
            ],
            plan.Deletions);
        Assert.Contains("'notes.txt' stays: no manifest lists it, and collection deletes only the shared files a removed checkpoint's manifest lists", plan.Notes);
    }

    [Fact]
    public async Task A_repair_names_the_manifests_it_leaves_out_and_refuses_a_plan_the_store_has_outgrown()
    {
        var (crash, _, newest) = await ClosedTwoCheckpointStoreAsync();
        var lost = Guid.CreateVersion7();
        await WriteRawAsync(crash, StatePath(lost, "op"), Bytes("no manifest"));
        var manifest = (await crash.GetEntryAsync(ManifestPath(newest)))!.Length;

        var plan = await CheckpointStoreRepair.PlanAsync(crash, new CheckpointerOptions { MaxManifestBytes = (int)manifest - 1 });
        var excluded = plan.Exclude.ToDictionary(e => e.Id, e => Assert.Single(e.Problems));
        Assert.Equal(new CheckpointProblem(ManifestPath(lost), CheckpointProblemKind.Missing, "the manifest is missing"), excluded[lost]);
        Assert.Equal(new CheckpointProblem(ManifestPath(newest), CheckpointProblemKind.TooLarge, $"it is {manifest} bytes, more than the {manifest - 1} allowed"), excluded[newest]);

        var current = await CheckpointStoreRepair.PlanAsync(crash);
        await using (var checkpointer = await Checkpointer.OpenAsync(crash))
        {
            await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("after the plan")));
        }

        var outgrown = await Assert.ThrowsAsync<CheckpointStoreException>(async () => await CheckpointStoreRepair.ApplyAsync(crash, current));
        Assert.Equal($"The checkpoint store {crash.Description} changed since the repair was planned; nothing was written. Plan again.", outgrown.Message);
        Assert.Equal([Catalog], outgrown.Paths);
    }

    [Fact]
    public async Task Several_problems_are_listed_one_by_one_and_so_are_several_damaged_checkpoints()
    {
        var (crash, _, newest) = await ClosedTwoCheckpointStoreAsync();
        await crash.DeleteAsync(StatePath(newest, "op"));
        await crash.DeleteAsync("b.arrow");
        await using (var checkpointer = await Checkpointer.OpenAsync(crash))
        {
            var both = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(newest));
            Assert.Equal(2, both.Problems.Count);
            Assert.StartsWith($"Checkpoint {newest:D} is corrupt: {both.Problems[0]}; {both.Problems[1]}. Checkpointer.RestoreLatestHealthyAsync", both.Message, StringComparison.Ordinal);
        }

        var older = Guid.Empty;
        await using (var checkpointer = await Checkpointer.OpenAsync(crash))
        {
            older = checkpointer.Checkpoints[0].Id;
        }

        await WriteRawAsync(crash, ManifestPath(older), Bytes("damaged"));
        await WriteRawAsync(crash, ManifestPath(newest), Bytes("damaged"));
        var plan = await CheckpointGarbagePlanner.PlanAsync(crash, retain: 2);
        Assert.Equal(
            $"collection refuses and deletes nothing: the manifest of kept checkpoint(s) {older:D}, {newest:D} cannot be read, so which shared files they need is unknown; `bulwark checkpoints drop` removes a damaged checkpoint",
            Assert.Single(plan.Blockers));
    }

    private static string With(JsonObject document, string name, JsonNode value)
    {
        var copy = document.DeepClone().AsObject();
        copy[name] = value;
        return copy.ToJsonString();
    }

    private static string Without(JsonObject document, string name)
    {
        var copy = document.DeepClone().AsObject();
        copy.Remove(name);
        return copy.ToJsonString();
    }

    private sealed class WriteOnlyStream : MemoryStream
    {
        public override bool CanRead => false;
    }
}
