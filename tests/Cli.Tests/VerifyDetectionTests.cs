using Bulwark.Shards;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark verify PATH` finds out what PATH is and verifies ingest datasets and shards as well as checkpoint stores.</summary>
public sealed class VerifyDetectionTests : CliTestBase
{
    private readonly ShardKit kit;

    public VerifyDetectionTests()
    {
        kit = new ShardKit(Work);
    }

    private string Dataset => Path.Combine(Work, "dataset");

    [Fact]
    public async Task A_healthy_ingest_dataset_is_detected_and_verified()
    {
        await IngestKit.BuildAsync(Dataset);

        var (code, output, error) = await RunAsync("verify", Dataset);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(["healthy: ingest dataset, 2 commit(s), 4 committed file(s) verified"], Lines(output));
    }

    [Fact]
    public async Task A_dataset_holding_only_its_writer_lock_is_an_empty_dataset()
    {
        await (await Bulwark.Ingest.IngestController.OpenAsync(new LocalFileSystemBackend(Dataset), IngestKit.Options())).DisposeAsync();

        var (code, output, _) = await RunAsync("verify", Dataset);

        Assert.Equal(0, code);
        Assert.Equal(["healthy: ingest dataset, 0 commit(s), 0 committed file(s) verified"], Lines(output));
    }

    [Fact]
    public async Task Damage_in_an_ingest_dataset_is_one_line_per_file_and_verify_changes_nothing()
    {
        await IngestKit.BuildAsync(Dataset, Bulwark.Ingest.IngestFormat.ArrowIpc);
        var flipped = await IngestKit.CommittedFileAsync(Dataset, "pages", 1);
        var bytes = await File.ReadAllBytesAsync(Path.Combine(Dataset, flipped.Path));
        bytes[^20] ^= 0x04;
        await File.WriteAllBytesAsync(Path.Combine(Dataset, flipped.Path), bytes);
        File.Delete(Path.Combine(Dataset, "requests", "part-000000000001-w1.arrow"));
        await File.WriteAllTextAsync(Path.Combine(Dataset, "_commits", "000000000002-w1.json"), "{\"format\": 1, \"flush\": 7}");
        var before = Snapshot(Dataset);

        var (code, output, error) = await RunAsync("verify", Dataset);

        Assert.Equal(1, code);
        AssertNoStackTrace(output, error);
        var problems = Lines(output).Where(l => l.StartsWith("problem: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, problems.Length);
        Assert.StartsWith("problem: _commits/000000000002-w1.json: it names flush 7 of writer '' but is stored as flush 2 of 'w1'", problems[0], StringComparison.Ordinal);
        Assert.StartsWith($"problem: {flipped.Path}: its {flipped.Bytes} bytes (CRC32C {Crc32C(bytes):x8}) differ", problems[1], StringComparison.Ordinal);
        Assert.Equal("problem: requests/part-000000000001-w1.arrow: a committed part is missing (committed by _commits/000000000001-w1.json)", problems[2]);
        Assert.Equal($"3 problem(s) found in {Dataset}", Lines(output)[^1]);
        Assert.Equal(before, Snapshot(Dataset));
    }

    [Fact]
    public async Task A_shard_consensus_directory_is_detected_and_its_parts_verified_with_blob()
    {
        await using var scene = await kit.BuildAsync();
        var (seqNo, _) = await kit.HeadAsync();

        var (code, output, error) = await RunAtAsync(kit.Time, "verify", kit.ConsensusDirectory, "--blob", kit.BlobDirectory);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Single(lines, l => l.StartsWith("orphan: shards/edges-1/parts/", StringComparison.Ordinal));
        Assert.Equal($"healthy: 1 shard(s), {seqNo + 1} consensus entries, 2 part(s) verified", lines[^1]);
    }

    [Fact]
    public async Task Without_blob_only_the_states_are_verified_and_the_output_says_so()
    {
        await using var scene = await kit.BuildAsync();
        var (seqNo, _) = await kit.HeadAsync();

        var (code, output, _) = await RunAtAsync(kit.Time, "verify", kit.ConsensusDirectory);

        Assert.Equal(0, code);
        Assert.Equal(
            [
                $"note: shard {ShardKit.ShardId}: its parts are not checked: no blob directory was given (--blob DIR)",
                $"healthy: 1 shard(s), {seqNo + 1} consensus entries, 0 part(s) verified; parts not checked (pass --blob DIR)",
            ],
            Lines(output));
    }

    [Fact]
    public async Task A_directory_holding_both_consensus_and_parts_is_verified_whole()
    {
        var shared = Path.Combine(Work, "shared");
        await using var scene = await kit.BuildAsync(new FileConsensus(shared), new LocalFileSystemBackend(shared));

        var (code, output, _) = await RunAtAsync(kit.Time, "verify", shared);

        Assert.Equal(0, code);
        Assert.EndsWith(", 2 part(s) verified", Lines(output)[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shard_blob_directory_is_verified_against_the_consensus_it_is_given_and_refused_without_one()
    {
        await using var scene = await kit.BuildAsync();

        var (code, output, error) = await RunAtAsync(kit.Time, "verify", kit.BlobDirectory, "--consensus", kit.ConsensusDirectory);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.StartsWith("healthy: 1 shard(s), ", Lines(output)[^1], StringComparison.Ordinal);

        (code, output, error) = await RunAtAsync(kit.Time, "verify", kit.BlobDirectory);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal([$"error: '{kit.BlobDirectory}' is a shard blob directory (shards/SHARD_ID/parts/); its parts can only be verified against the shards' states: name their consensus with --consensus DIR or --postgres CONNECTION_STRING"], Lines(error));

        var elsewhere = Path.Combine(Work, "other-consensus");
        Directory.CreateDirectory(elsewhere);
        (code, output, _) = await RunAtAsync(kit.Time, "verify", kit.BlobDirectory, "--consensus", elsewhere);
        Assert.Equal(1, code);
        Assert.Equal("problem: shard edges-1: it has parts in the blob directory but no state in consensus (key shard/edges-1 has no entry)", Lines(output)[0]);
    }

    [Fact]
    public async Task A_damaged_part_and_an_unreadable_older_state_are_problems_of_a_shard()
    {
        await using (await kit.BuildAsync())
        {
        }

        var (_, state) = await kit.HeadAsync();
        var part = Path.Combine(kit.BlobDirectory, state.Parts[1].Key);
        var bytes = await File.ReadAllBytesAsync(part);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(part, bytes);
        var entry = kit.EntryFile(1);
        await File.WriteAllBytesAsync(entry, (await File.ReadAllBytesAsync(entry))[..^1]);
        var before = Snapshot(Work);

        var (code, output, error) = await RunAtAsync(kit.Time, "verify", kit.ConsensusDirectory, "--blob", kit.BlobDirectory);

        Assert.Equal(1, code);
        AssertNoStackTrace(output, error);
        Assert.Equal(
            [
                "problem: consensus entry 1 of key shard/edges-1: it is not a valid shard state: its header declares",
                $"problem: {state.Parts[1].Key}: has {state.Parts[1].Bytes} bytes with another CRC32C than the {state.Parts[1].Bytes} bytes (CRC32C 0x{state.Parts[1].Crc32C:x8}) the state recorded",
            ],
            Lines(output).Where(l => l.StartsWith("problem: ", StringComparison.Ordinal)).Select(l => l.StartsWith("problem: consensus", StringComparison.Ordinal) ? l[..l.IndexOf(" declares", StringComparison.Ordinal)] + " declares" : l));
        Assert.Equal($"2 problem(s) found in {kit.ConsensusDirectory}", Lines(output)[^1]);
        Assert.Equal(before, Snapshot(Work));
    }

    [Fact]
    public async Task Shard_options_on_a_store_that_is_not_a_shard_are_a_usage_error()
    {
        await CreateStoreAsync();
        await IngestKit.BuildAsync(Dataset);

        var (code, _, error) = await RunAsync("verify", Store, "--blob", Work);
        Assert.Equal(2, code);
        Assert.Equal([$"error: --blob, --consensus and --postgres apply to shards only, and '{Store}' is a checkpoint store"], Lines(error));

        (code, _, error) = await RunAsync("verify", Dataset, "--consensus", Work);
        Assert.Equal(2, code);
        Assert.Equal([$"error: --blob, --consensus and --postgres apply to shards only, and '{Dataset}' is an ingest dataset"], Lines(error));
    }

    [Fact]
    public async Task A_checkpoint_store_is_still_verified_as_before()
    {
        await CreateStoreAsync();

        var (code, output, _) = await RunAsync("verify", Store);

        Assert.Equal(0, code);
        Assert.Equal(["healthy: 2 checkpoint(s), 4 file(s) verified"], Lines(output));
    }
}
