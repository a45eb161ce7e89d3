using System.Text.Json.Nodes;
using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// A manifest or catalog that parses as JSON but says something impossible is damage, reported with its kind and
/// reason; one exactly at a configured limit is accepted. The first complete Checkpoints mutation run of
/// bench/mutation found these checks and limits unpinned.
/// </summary>
public sealed class ManifestValidationTests
{
    [Theory]
    [InlineData("version", CheckpointProblemKind.Malformed, "format version 2 is not supported (expected 1)")]
    [InlineData("no files", CheckpointProblemKind.Malformed, "it has no \"files\" list")]
    [InlineData("negative length", CheckpointProblemKind.Malformed, "'b.arrow' has a negative length")]
    [InlineData("shared with operator", CheckpointProblemKind.RefusedPath, "shared file 'b.arrow' is refused: a shared file has no operator")]
    [InlineData("listed twice", CheckpointProblemKind.Malformed, "'b.arrow' is listed twice")]
    [InlineData("operator twice", CheckpointProblemKind.Malformed, "operator 'op' is listed twice")]
    [InlineData("null", CheckpointProblemKind.Malformed, "it is JSON null")]
    [InlineData("other id", CheckpointProblemKind.Malformed, "it names checkpoint '00000000-0000-7000-8000-000000000001', not the directory it is in")]
    [InlineData("no path", CheckpointProblemKind.Malformed, "a file entry has no path or kind")]
    [InlineData("not canonical", CheckpointProblemKind.RefusedPath, "it lists 'b.arrow/', which is not in canonical form 'b.arrow'")]
    [InlineData("state elsewhere", CheckpointProblemKind.RefusedPath, "state file 'op.state' is not '{id}/<operator id>.state' of a valid operator id")]
    [InlineData("state without operator", CheckpointProblemKind.RefusedPath, "state file '{id}/op.state' is not '{id}/<operator id>.state' of a valid operator id")]
    [InlineData("invalid operator", CheckpointProblemKind.RefusedPath, "state file '{id}/a/b.state' is not '{id}/<operator id>.state' of a valid operator id")]
    [InlineData("reserved shared name", CheckpointProblemKind.RefusedPath, "shared file 'checkpoints.json' is refused: the name is reserved for the catalog, temporaries or checkpoint directories")]
    [InlineData("unknown kind", CheckpointProblemKind.Malformed, "'b.arrow' has unknown kind 'batch'")]
    public async Task A_manifest_that_says_something_impossible_is_skipped_with_its_reason(string edit, CheckpointProblemKind kind, string reason)
    {
        var (crash, _, newest) = await ClosedTwoCheckpointStoreAsync();
        var manifest = JsonNode.Parse(await crash.ReadAllBytesAsync(ManifestPath(newest), 1 << 20))!.AsObject();
        var files = manifest["files"]!.AsArray();
        var shared = files.Single(f => (string?)f!["kind"] == "shared")!;
        var state = files.Single(f => (string?)f!["kind"] == "state")!;
        switch (edit)
        {
            case "version": manifest["formatVersion"] = 2; break;
            case "no files": manifest.Remove("files"); break;
            case "negative length": shared["length"] = -1; break;
            case "shared with operator": shared["operatorId"] = "op"; break;
            case "listed twice": files.Add(shared.DeepClone()); break;
            case "operator twice": files.Add(state.DeepClone()); break;
            case "other id": manifest["checkpointId"] = "00000000-0000-7000-8000-000000000001"; break;
            case "no path": shared.AsObject().Remove("path"); break;
            case "not canonical": shared["path"] = "b.arrow/"; break;
            case "state elsewhere": state["path"] = "op.state"; break;
            case "unknown kind": shared["kind"] = "batch"; break;
            case "reserved shared name": shared["path"] = Checkpointer.CatalogFileName; break;
            case "state without operator": state.AsObject().Remove("operatorId"); break;
            case "invalid operator":
                state["operatorId"] = "a/b";
                state["path"] = $"{newest:D}/a/b.state";
                break;
        }

        await WriteRawAsync(crash, ManifestPath(newest), Bytes(edit == "null" ? "null" : manifest.ToJsonString()));
        reason = reason.Replace("{id}", newest.ToString("D"), StringComparison.Ordinal);
        await using var reopened = await Checkpointer.OpenAsync(crash);
        var result = await reopened.RestoreLatestHealthyAsync();

        var skipped = Assert.Single(result.Skipped);
        Assert.Equal(newest, skipped.Id);
        var problem = Assert.Single(skipped.Error.Problems);
        Assert.Equal((ManifestPath(newest), kind, reason), (problem.Path, problem.Kind, problem.Reason));
        Assert.NotNull(result.Checkpoint);
    }

    [Fact]
    public async Task A_manifest_exactly_at_the_byte_and_file_limits_is_read_and_one_past_either_is_too_large()
    {
        var (crash, _, newest) = await ClosedTwoCheckpointStoreAsync();
        var length = (await crash.GetEntryAsync(ManifestPath(newest)))!.Length;

        Assert.Null(await SkippedAsync(crash, new CheckpointerOptions { MaxManifestBytes = (int)length, MaxFilesPerCheckpoint = 2 }));

        var tooManyBytes = await SkippedAsync(crash, new CheckpointerOptions { MaxManifestBytes = (int)length - 1 });
        Assert.Equal((CheckpointProblemKind.TooLarge, $"it is {length} bytes, more than the {length - 1} allowed"), tooManyBytes);

        var tooManyFiles = await SkippedAsync(crash, new CheckpointerOptions { MaxFilesPerCheckpoint = 1 });
        Assert.Equal((CheckpointProblemKind.TooLarge, "it lists 2 files, more than the 1 allowed"), tooManyFiles);

        static async Task<(CheckpointProblemKind, string)?> SkippedAsync(IStorageBackend backend, CheckpointerOptions options)
        {
            await using var checkpointer = await Checkpointer.OpenAsync(backend, options);
            var result = await checkpointer.RestoreLatestHealthyAsync();
            if (result.Skipped.Count == 0)
            {
                return null;
            }

            var problem = Assert.Single(Assert.Single(result.Skipped).Error.Problems);
            return (problem.Kind, problem.Reason);
        }
    }

    [Fact]
    public async Task An_empty_state_and_an_empty_shared_file_are_files_like_any_other()
    {
        await using var checkpointer = await Checkpointer.OpenAsync(new InMemoryBackend());
        var committed = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", ReadOnlyMemory<byte>.Empty).AddSharedFile("empty.arrow", ReadOnlyMemory<byte>.Empty));
        var restored = await checkpointer.RestoreAsync(committed.Id);
        Assert.True(restored.TryGetState("op", out var state));
        Assert.True(state.IsEmpty);
        Assert.Empty(await restored.ReadSharedFileAsync("empty.arrow"));
    }

    [Fact]
    public async Task A_catalog_exactly_at_its_byte_limit_opens_and_a_negative_writer_epoch_is_refused()
    {
        var (crash, _, _) = await ClosedTwoCheckpointStoreAsync();
        var length = (int)(await crash.GetEntryAsync(Checkpointer.CatalogFileName))!.Length;
        await using (var atLimit = await Checkpointer.OpenAsync(crash, new CheckpointerOptions { MaxCatalogBytes = length }))
        {
            Assert.Equal(2, atLimit.Checkpoints.Count);
        }

        var catalog = JsonNode.Parse(await crash.ReadAllBytesAsync(Checkpointer.CatalogFileName, 1 << 20))!.AsObject();
        catalog["writerEpoch"] = 0;
        await WriteRawAsync(crash, Checkpointer.CatalogFileName, Bytes(catalog.ToJsonString()));
        await using (var fromZero = await Checkpointer.OpenAsync(crash))
        {
            Assert.Equal(2, fromZero.Checkpoints.Count);
        }

        catalog = JsonNode.Parse(await crash.ReadAllBytesAsync(Checkpointer.CatalogFileName, 1 << 20))!.AsObject();
        catalog["writerEpoch"] = -1;
        await WriteRawAsync(crash, Checkpointer.CatalogFileName, Bytes(catalog.ToJsonString()));
        var refused = await Assert.ThrowsAnyAsync<CheckpointException>(async () => await Checkpointer.OpenAsync(crash));
        Assert.Contains("writer epoch -1 is negative", refused.Message, StringComparison.Ordinal);
    }
}
