using Bulwark.Shards;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark shard inspect` over shards written through Shard&lt;T&gt; with FileConsensus and local blobs.</summary>
public sealed class ShardInspectTests : CliTestBase
{
    private readonly ShardKit kit;

    public ShardInspectTests()
    {
        kit = new ShardKit(Work);
    }

    [Fact]
    public async Task Inspect_shows_the_state_parts_writers_leases_and_orphans_and_exits_0()
    {
        await using var scene = await kit.BuildAsync();
        var (seqNo, state) = await kit.HeadAsync();
        var orphan = OrphanFiles(state);

        var (code, output, error) = await InspectAsync();

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var writer = Assert.Single(state.Writers);
        var writerLease = state.FindWriterLease("w1")!;
        var readerLease = Assert.Single(state.Leases, l => l.Kind == LeaseKind.Reader);
        Assert.Equal(2, state.Leases.Count);
        Assert.Equal(
            [
                $"shard: {ShardKit.ShardId}",
                $"consensus: consensus directory '{kit.ConsensusDirectory}'",
                $"blob: local directory '{kit.BlobDirectory}'",
                $"seqno: {seqNo} (consensus holds entries 0 to {seqNo})",
                "upper: 20",
                "since: 0",
                $"record: {state.RecordSchema}",
                $"parts: 2 (5 rows, {N(state.Parts.Sum(p => p.Bytes))} bytes)",
                $"part {state.Parts[0].Key}: [0, 10), times 0 to 0, 2 rows, {N(state.Parts[0].Bytes)} bytes",
                $"part {state.Parts[1].Key}: [10, 20), times 10 to 10, 3 rows, {N(state.Parts[1].Bytes)} bytes",
                "writers: 1",
                $"writer w1: last append to upper 20 at seqno {writer.SeqNo}, token {writer.Token:D}",
                "leases: 2",
                $"lease writer w1: live, expires 2026-01-01 00:00:30Z, id {writerLease.LeaseId:D}, reads from seqno {writerLease.SeqNo}",
                $"lease reader r1: live, expires 2026-01-01 00:00:30Z, id {readerLease.LeaseId:D}, reads from seqno {readerLease.SeqNo}, holds the since at or below 5",
                "orphans: 1",
                $"orphan: {orphan}: {N(new FileInfo(Path.Combine(kit.BlobDirectory, orphan)).Length)} bytes; no state references it (garbage collection deletes it once no live writer may still commit it)",
                "healthy",
            ],
            Lines(output));
        Assert.Equal(
            state.Leases.Select(l => l.LeaseId).Order(),
            new[] { writerLease.LeaseId, readerLease.LeaseId }.Order());
    }

    [Fact]
    public async Task A_lease_past_its_expiry_on_the_clock_is_shown_expired()
    {
        await using var scene = await kit.BuildAsync();

        // The holders' clock stands still (their heartbeats never run, as if their process had stopped); the inspector's is later.
        var later = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(kit.Time.GetUtcNow() + ShardKit.LeaseDuration + TimeSpan.FromSeconds(1));
        var (code, output, _) = await RunAtAsync(later, "shard", "inspect", ShardKit.ShardId, "--consensus", kit.ConsensusDirectory, "--blob", kit.BlobDirectory);

        Assert.Equal(0, code);
        var leases = Lines(output).Where(l => l.StartsWith("lease ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, leases.Length);
        Assert.All(leases, l => Assert.Contains(": expired, expires 2026-01-01 00:00:30Z,", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_part_the_head_references_that_is_missing_or_has_another_size_is_a_problem()
    {
        await using var scene = await kit.BuildAsync();
        var (_, state) = await kit.HeadAsync();
        File.Delete(Path.Combine(kit.BlobDirectory, state.Parts[0].Key));
        var truncated = Path.Combine(kit.BlobDirectory, state.Parts[1].Key);
        await File.WriteAllBytesAsync(truncated, (await File.ReadAllBytesAsync(truncated))[..^3]);

        var (code, output, error) = await InspectAsync();

        Assert.Equal(1, code);
        Assert.Equal("", error);
        Assert.Equal(
            [
                $"problem: {state.Parts[0].Key}: is missing from blob storage (the head state references it)",
                $"problem: {state.Parts[1].Key}: has {state.Parts[1].Bytes - 3} bytes, not the {state.Parts[1].Bytes} the head state recorded",
            ],
            Lines(output).Where(l => l.StartsWith("problem: ", StringComparison.Ordinal)));
        Assert.Equal($"2 problem(s) found in shard {ShardKit.ShardId}", Lines(output)[^1]);
    }

    [Fact]
    public async Task A_corrupt_head_entry_is_a_problem_naming_the_entry_and_the_rest_is_not_guessed()
    {
        await using (await kit.BuildAsync())
        {
        }

        var (seqNo, _) = await kit.HeadAsync();
        var entry = kit.EntryFile(seqNo);
        var bytes = await File.ReadAllBytesAsync(entry);
        bytes[20] ^= 0x01;
        await File.WriteAllBytesAsync(entry, bytes);

        var (code, output, error) = await InspectAsync();

        Assert.Equal(1, code);
        AssertNoStackTrace(output, error);
        var lines = Lines(output);
        Assert.Equal($"seqno: {seqNo} (consensus holds entries 0 to {seqNo})", lines[3]);
        Assert.DoesNotContain(lines, l => l.StartsWith("upper:", StringComparison.Ordinal));
        Assert.StartsWith($"problem: consensus entry {seqNo} of key shard/{ShardKit.ShardId}: it is not a valid shard state: its CRC32C is 0x", Assert.Single(lines, l => l.StartsWith("problem: ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains($"note: shard {ShardKit.ShardId}: its parts and orphans are not checked: the head state cannot be read", lines);
    }

    [Fact]
    public async Task Inspect_changes_nothing_not_even_a_crashed_writers_temporary_file()
    {
        await using var scene = await kit.BuildAsync();
        var keyDirectory = Path.GetDirectoryName(kit.EntryFile(0))!;

        // What a writer that crashed between writing an entry and publishing it leaves; opening a FileConsensus for writing removes it.
        await File.WriteAllTextAsync(Path.Combine(keyDirectory, ".tmp-" + Guid.NewGuid().ToString("N")), "torn");
        var consensusBefore = Snapshot(kit.ConsensusDirectory);
        var blobBefore = Snapshot(kit.BlobDirectory);

        var (code, _, _) = await InspectAsync();

        Assert.Equal(0, code);
        Assert.Equal(consensusBefore, Snapshot(kit.ConsensusDirectory));
        Assert.Equal(blobBefore, Snapshot(kit.BlobDirectory));
    }

    [Fact]
    public async Task Without_a_shard_id_every_shard_of_the_consensus_directory_is_inspected()
    {
        await using (var scene = await kit.BuildAsync())
        {
            var other = await kit.OpenAsync(shardId: "edges-2");
            await using var writer = await other.OpenWriterAsync("w9");
            Assert.True((await writer.CompareAndAppendAsync(ShardKit.Batch("z", 0, 1), 0, 1, Guid.NewGuid())).IsCommitted);
        }

        var (code, output, _) = await RunAtAsync(kit.Time, "shard", "inspect", "--consensus", kit.ConsensusDirectory, "--blob", kit.BlobDirectory);

        Assert.Equal(0, code);
        var lines = Lines(output);
        Assert.Equal(["shard: edges-1", "shard: edges-2"], lines.Where(l => l.StartsWith("shard: ", StringComparison.Ordinal)));
        Assert.Equal(["healthy", "healthy"], lines.Where(l => l == "healthy"));
        Assert.Contains("parts: 1 (1 rows, ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_inspection_is_the_same_over_any_consensus()
    {
        // The code under --postgres is the code under --consensus: it sees an IConsensus. In-memory consensus stands in here.
        var memory = new InMemoryConsensus();
        var blob = new LocalFileSystemBackend(kit.BlobDirectory);
        await using var scene = await kit.BuildAsync(memory, blob);
        var (seqNo, state) = await kit.HeadAsync(memory);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var cli = new CliContext(output, error, kit.Time);

        var code = await ShardCommand.InspectAsync(ShardKit.ShardId, ConsensusSource.Of(memory, "in-memory consensus", shards: null), blob, cli, CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Equal("", error.ToString());
        var lines = Lines(output.ToString());
        Assert.Equal(["consensus: in-memory consensus", $"seqno: {seqNo} (consensus holds entries 0 to {seqNo})", "upper: 20", "parts: 2 (5 rows, " + $"{N(state.Parts.Sum(p => p.Bytes))} bytes)", "leases: 2", "orphans: 1", "healthy"],
            lines.Where(l => l.StartsWith("consensus:", StringComparison.Ordinal) || l.StartsWith("seqno:", StringComparison.Ordinal) || l.StartsWith("upper:", StringComparison.Ordinal)
                || l.StartsWith("parts:", StringComparison.Ordinal) || l.StartsWith("leases:", StringComparison.Ordinal) || l.StartsWith("orphans:", StringComparison.Ordinal) || l == "healthy"));
        Assert.Equal(OrphanFiles(state), Assert.Single(lines, l => l.StartsWith("orphan: ", StringComparison.Ordinal))["orphan: ".Length..].Split(':')[0]);

        // A consensus that cannot list its shards (PostgreSQL through IConsensus) needs the shard named.
        error.GetStringBuilder().Clear();
        Assert.Equal(2, await ShardCommand.InspectAsync(null, ConsensusSource.Of(memory, "in-memory consensus", shards: null), blob, cli, CancellationToken.None));
        Assert.Equal(["error: name the shard (SHARD_ID): a PostgreSQL consensus cannot list the shards it holds"], Lines(error.ToString()));
    }

    [Fact]
    public async Task Usage_errors_exit_2_with_one_line()
    {
        await using (await kit.BuildAsync())
        {
        }

        var cases = new (string[] Args, string Error)[]
        {
            (["shard", "inspect", "--blob", kit.BlobDirectory], "error: name the consensus store with exactly one of --consensus DIR (a FileConsensus directory) and --postgres CONNECTION_STRING"),
            (["shard", "inspect", "--consensus", kit.ConsensusDirectory, "--postgres", "Host=localhost", "--blob", kit.BlobDirectory], "error: name the consensus store with exactly one of --consensus DIR (a FileConsensus directory) and --postgres CONNECTION_STRING"),
            (["shard", "inspect", "edges/1", "--consensus", kit.ConsensusDirectory, "--blob", kit.BlobDirectory], "error: Shard id 'edges/1' is refused: only ASCII letters, digits, '.', '_' and '-' are allowed."),
            (["shard", "inspect", "edges-9", "--consensus", kit.ConsensusDirectory, "--blob", kit.BlobDirectory], $"error: shard 'edges-9' does not exist in consensus directory '{kit.ConsensusDirectory}': its key shard/edges-9 has no entry"),
            (["shard", "inspect", "edges-1", "--consensus", Path.Combine(Work, "nope"), "--blob", kit.BlobDirectory], $"error: '{Path.Combine(Work, "nope")}' does not exist"),
            (["shard", "inspect", "edges-1", "--consensus", kit.ConsensusDirectory, "--blob", Path.Combine(Work, "nope")], $"error: '{Path.Combine(Work, "nope")}' does not exist"),
            (["shard", "inspect", "--consensus", kit.BlobDirectory, "--blob", kit.BlobDirectory], $"error: consensus directory '{kit.BlobDirectory}' holds no shard: it has no key directory of a shard state"),
            (["shard", "inspect", "edges-1", "--postgres", "Hots=nowhere", "--blob", kit.BlobDirectory], "error: --postgres: Couldn't set hots (Parameter 'hots')"),
        };
        var before = Snapshot(Work);

        foreach (var (args, expected) in cases)
        {
            var (code, output, error) = await RunAtAsync(kit.Time, args);
            Assert.True(code == 2, $"{string.Join(' ', args)} exited {code}: {error}");
            Assert.Equal("", output);
            Assert.Equal([expected], Lines(error));
        }

        Assert.Equal(before, Snapshot(Work));
        Assert.False(Directory.Exists(Path.Combine(Work, "nope")));
    }

    [Fact]
    public async Task An_unreachable_postgres_server_is_one_error_line_and_exit_1()
    {
        var (code, output, error) = await RunAtAsync(kit.Time, "shard", "inspect", "edges-1", "--postgres", "Host=127.0.0.1;Port=1;Timeout=5;Pooling=false", "--blob", Work);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: shard edges-1 could not be read: ", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    private Task<(int Code, string Output, string Error)> InspectAsync() =>
        RunAtAsync(kit.Time, "shard", "inspect", ShardKit.ShardId, "--consensus", kit.ConsensusDirectory, "--blob", kit.BlobDirectory);

    /// <summary>The one file under the shard's blob folder that the head does not reference.</summary>
    private string OrphanFiles(ShardState state)
    {
        var parts = Path.Combine(kit.BlobDirectory, ShardNames.PartsDirectory(ShardKit.ShardId));
        return Assert.Single(
            Directory.GetFiles(parts).Select(f => Path.GetRelativePath(kit.BlobDirectory, f).Replace('\\', '/')),
            f => !state.References(f));
    }
}
