using System.Text.Json.Nodes;
using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// The offline tools the CLI is built on (the collection planner, the verifier, the repair) and the damage a restore
/// reports, at the edges the complete Checkpoints mutation run of bench/mutation found unpinned: their arguments,
/// files at the root that only look like checkpoints, limits met exactly, the fencing epoch a repair writes, the kinds
/// of damage a restore names, and a draft adopting a shared file that is already committed.
/// </summary>
public sealed class CheckpointToolingTests
{
    [Fact]
    public async Task The_offline_tools_refuse_null_arguments_and_a_retain_below_one_by_name()
    {
        Assert.Equal("backend", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await CheckpointGarbagePlanner.PlanAsync(null!, 1))).ParamName);
        Assert.Equal("retain", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await CheckpointGarbagePlanner.PlanAsync(new InMemoryBackend(), 0))).ParamName);
        Assert.Equal("backend", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await CheckpointStoreVerifier.VerifyAsync(null!))).ParamName);
    }

    [Fact]
    public async Task A_root_file_named_like_a_checkpoint_is_neither_a_checkpoint_nor_an_orphan_to_the_tools()
    {
        var (crash, _) = await StoreAsync();
        var lookalike = Guid.CreateVersion7().ToString("D");
        await WriteRawAsync(crash, lookalike, Bytes("a user's file"));

        var verification = await CheckpointStoreVerifier.VerifyAsync(crash, checkContents: false);
        Assert.True(verification.IsHealthy, string.Join("; ", verification.Problems));
        Assert.Equal(2, verification.Checkpoints.Count);
        Assert.Contains($"'{lookalike}' is referenced by no catalogued checkpoint", verification.Notes);

        var plan = await CheckpointGarbagePlanner.PlanAsync(crash, retain: 1);
        Assert.False(plan.IsBlocked, string.Join("; ", plan.Blockers));
        Assert.DoesNotContain(plan.Deletions, d => d.Path.StartsWith(lookalike, StringComparison.Ordinal));
        Assert.Single(plan.Removed);
    }

    [Fact]
    public async Task The_tools_accept_a_catalog_and_manifests_exactly_at_their_byte_limits_and_report_one_byte_more()
    {
        var (crash, ids) = await StoreAsync();
        var catalog = (int)(await crash.GetEntryAsync(Checkpointer.CatalogFileName))!.Length;
        var manifest = (int)(await crash.GetEntryAsync(ManifestPath(ids[1])))!.Length;
        var exact = new CheckpointerOptions { MaxCatalogBytes = catalog, MaxManifestBytes = Math.Max(manifest, (int)(await crash.GetEntryAsync(ManifestPath(ids[0])))!.Length) };

        Assert.True((await CheckpointStoreVerifier.VerifyAsync(crash, checkContents: false, options: exact)).IsHealthy);
        Assert.Equal(2, (await CheckpointStoreRepair.PlanAsync(crash, exact)).Keep.Count);
        Assert.NotNull((await CheckpointStoreRepair.PlanAsync(crash, exact)).CurrentCatalog);
        Assert.False((await CheckpointGarbagePlanner.PlanAsync(crash, retain: 1, options: exact)).IsBlocked);

        var catalogProblem = Assert.Single((await CheckpointStoreVerifier.VerifyAsync(crash, checkContents: false, options: new CheckpointerOptions { MaxCatalogBytes = catalog - 1 })).Problems);
        Assert.Equal((CheckpointProblemKind.TooLarge, $"the catalog is {catalog} bytes, more than the {catalog - 1} allowed"), (catalogProblem.Kind, catalogProblem.Reason));
        Assert.Null((await CheckpointStoreRepair.PlanAsync(crash, new CheckpointerOptions { MaxCatalogBytes = catalog - 1 })).CurrentCatalog);

        var tight = new CheckpointerOptions { MaxManifestBytes = manifest - 1 };
        Assert.Contains((await CheckpointStoreVerifier.VerifyAsync(crash, checkContents: false, options: tight)).Problems, p => p.Kind == CheckpointProblemKind.TooLarge && p.Path == ManifestPath(ids[1]));
        var excluded = Assert.Single((await CheckpointStoreRepair.PlanAsync(crash, tight)).Exclude, e => e.Id == ids[1]);
        Assert.Equal(CheckpointProblemKind.TooLarge, Assert.Single(excluded.Problems).Kind);
    }

    [Fact]
    public async Task A_repair_fences_the_store_with_the_next_epoch_or_without_a_catalog_with_the_clock()
    {
        var (crash, ids) = await StoreAsync();
        var epoch = (long)JsonNode.Parse(await crash.ReadAllBytesAsync(Checkpointer.CatalogFileName))!["writerEpoch"]!;
        Assert.Equal(epoch + 1, (await CheckpointStoreRepair.PlanAsync(crash)).NextWriterEpoch);

        await crash.DeleteAsync(Checkpointer.CatalogFileName);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 3, 30, 0, TimeSpan.Zero));
        var plan = await CheckpointStoreRepair.PlanAsync(crash, timeProvider: clock);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), plan.NextWriterEpoch);
        Assert.Equal(ids, plan.Keep.Select(k => k.Id));
        Assert.Null(plan.CurrentCatalog);
        Assert.True(plan.ChangesCatalog);
    }

    [Fact]
    public async Task The_collection_planner_says_why_it_is_blocked_without_a_catalog()
    {
        var empty = await CheckpointGarbagePlanner.PlanAsync(new InMemoryBackend(), retain: 1);
        Assert.Contains("there is no catalog and no checkpoint directory", Assert.Single(empty.Blockers), StringComparison.Ordinal);

        var (crash, _) = await StoreAsync();
        await crash.DeleteAsync(Checkpointer.CatalogFileName);
        var lost = await CheckpointGarbagePlanner.PlanAsync(crash, retain: 1);
        Assert.Contains("is missing or not a file while checkpoint directories exist", Assert.Single(lost.Blockers), StringComparison.Ordinal);
        Assert.Empty(lost.Deletions);
    }

    [Fact]
    public async Task A_restore_names_a_file_of_the_wrong_size_and_a_directory_where_a_file_should_be()
    {
        var (crash, ids) = await StoreAsync();
        await WriteRawAsync(crash, StatePath(ids[1], "op"), Bytes("longer than it was"));
        await using (var checkpointer = await Checkpointer.OpenAsync(crash))
        {
            var wrongSize = Assert.Single((await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(ids[1]))).Problems);
            Assert.Equal((StatePath(ids[1], "op"), CheckpointProblemKind.WrongSize, "it is 18 bytes, the manifest recorded 6"), (wrongSize.Path, wrongSize.Kind, wrongSize.Reason));
        }

        await crash.DeleteAsync(StatePath(ids[1], "op"));
        await crash.CreateDirectoryAsync(StatePath(ids[1], "op"));
        await using (var checkpointer = await Checkpointer.OpenAsync(crash))
        {
            var directory = Assert.Single((await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(ids[1]))).Problems);
            Assert.Equal((CheckpointProblemKind.Malformed, "a directory is where the file should be"), (directory.Kind, directory.Reason));
        }
    }

    [Fact]
    public async Task Adopting_a_committed_shared_file_is_accepted_only_if_every_given_expectation_matches_it()
    {
        await using var checkpointer = await Checkpointer.OpenAsync(new InMemoryBackend());
        var content = Bytes("batch");
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b.arrow", content));
        var committed = first.Files.Single(f => f.Path == "b.arrow");

        foreach (var (length, crc) in new (long?, uint?)[] { (null, null), (content.Length, null), (null, committed.Crc32C), (content.Length, committed.Crc32C) })
        {
            var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).AdoptSharedFile("b.arrow", length, crc));
            Assert.Equal(committed, info.Files.Single(f => f.Path == "b.arrow"));
        }

        foreach (var (length, crc) in new (long?, uint?)[] { (content.Length + 1, null), (null, committed.Crc32C ^ 1), (content.Length + 1, committed.Crc32C), (content.Length, committed.Crc32C ^ 1) })
        {
            var refused = await Assert.ThrowsAsync<ArgumentException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("3")).AdoptSharedFile("b.arrow", length, crc)));
            Assert.Contains("already belongs to a committed checkpoint with different content", refused.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A closed store with two checkpoints, each with a 6-byte state of operator "op"; the first also has a shared file.
    /// The states are not framed checkpoint states, so the verifier runs here without its content check.
    /// </summary>
    private static async Task<(CrashSimulatingBackend Crash, Guid[] Ids)> StoreAsync()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("first!")).AddSharedFile("b1.arrow", Bytes("one")));
        var second = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("second")));
        await checkpointer.DisposeAsync();
        return (crash, [first.Id, second.Id]);
    }
}
