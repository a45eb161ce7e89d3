using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// Writers race on one shard from the same upper, over a consensus store that fails calls and loses answers at random.
/// Each writer appends one batch per step, learning the upper from every mismatch, and retries a batch whose outcome
/// is unknown with the same token — the way the upsert operator drives its output shard.
/// </summary>
public sealed class ShardRaceTests
{
    private const int Writers = 5;
    private const long Steps = 12;

    public static TheoryData<int> Seeds => new() { 1, 2, 3 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Racing_writers_commit_exactly_one_batch_per_step_and_the_snapshot_is_their_union(int seed)
    {
        var kit = new ShardTestKit(failRate: 0.1, indeterminateRate: 0.1, seed: seed);
        var shard = await kit.OpenAsync();
        var (attempts, failures) = await RaceAsync(shard);
        Assert.Empty(failures);

        foreach (var step in Enumerable.Range(0, (int)Steps))
        {
            var inShard = attempts.Where(a => a.Expected == step && a.Result.IsInShard).ToList();
            Assert.True(inShard.Count == 1, $"step {step}: {inShard.Count} batches in the shard ({string.Join(", ", inShard)})");
        }

        // A writer that lost learned an upper above its own expectation: nobody is ever told to go back.
        Assert.All(attempts.Where(a => a.Result.IsUpperMismatch), a => Assert.True(a.Result.CurrentUpper > a.Expected, a.ToString()));
        Same(attempts.Where(a => a.Result.IsInShard).SelectMany(a => a.Batch), await shard.SnapshotAsync(Steps - 1));
        Assert.True(kit.Consensus.FaultsFired > 0);

        // Parts of lost races were deleted by their writers, except where an answer was lost for good; with every
        // writer's lease given back, garbage collection leaves exactly the referenced parts.
        await shard.CollectGarbageAsync();
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task The_consensus_calls_of_racing_writers_over_an_unreliable_store_are_linearizable(int seed)
    {
        var kit = new ShardTestKit(failRate: 0.1, indeterminateRate: 0.1, seed: seed);
        var shard = await kit.OpenAsync();
        Assert.Empty((await RaceAsync(shard)).Failures);

        var history = kit.Recording.History(ShardNames.ConsensusKey(ShardId));
        var result = LinearizabilityChecker.Check(new ConsensusRegisterModel(), history);

        Assert.True(result.Linearizable, $"not linearizable: {result}");
        Assert.Contains(history, o => o.Return is null);
        Assert.Contains(history, o => o.Input.IsCompareAndSet && o.Output is { Committed: false });
    }

    [Fact]
    public async Task Negative_control_a_store_that_skips_its_expectation_check_is_caught_by_the_checker_and_by_the_shard_invariant()
    {
        var sloppy = new SloppyConsensus(skipRate: 0.5, seed: 7);
        var recording = new RecordingConsensus(sloppy);
        var kit = new ShardTestKit();
        var shard = await Shard<Edge>.OpenAsync(ShardId, recording, kit.Blob, kit.Options());

        sloppy.CollideNextTwo(ShardNames.ConsensusKey(ShardId));
        var (attempts, failures) = await RaceAsync(shard);

        Assert.True(sloppy.SkippedChecks > 0, "no compare-and-set skipped its check");
        var result = LinearizabilityChecker.Check(new ConsensusRegisterModel(), recording.History(ShardNames.ConsensusKey(ShardId)));
        Assert.False(result.Linearizable, "the checker accepted a store that overwrote heads it was not asked to");
        Assert.False(result.Exhausted);

        // And the shard-level symptoms: some step has two batches "committed" (the head kept one), or a writer's lease
        // vanished under it because an unexpected write replaced the state that held it.
        Assert.True(
            failures.Count > 0 || Enumerable.Range(0, (int)Steps).Any(step => attempts.Count(a => a.Expected == step && a.Result.IsInShard) > 1),
            "the shard did not notice a store that lost its writes");
    }

    [Fact]
    public async Task Racing_writers_over_FileConsensus_and_local_files_leave_a_shard_another_process_reads_the_same()
    {
        using var temp = new TempDirectory();
        var consensusRoot = Directory.CreateDirectory(temp.Join("consensus")).FullName;
        var blobRoot = Directory.CreateDirectory(temp.Join("blob")).FullName;
        var kit = new ShardTestKit();
        var faulty = new UnreliableConsensus(new FileConsensus(consensusRoot), failRate: 0.1, indeterminateRate: 0.1, seed: 9);
        var shard = await Shard<Edge>.OpenAsync(ShardId, faulty, new LocalFileSystemBackend(blobRoot), kit.Options());

        var (attempts, failures) = await RaceAsync(shard);
        Assert.Empty(failures);

        var reopened = await Shard<Edge>.OpenAsync(ShardId, new FileConsensus(consensusRoot), new LocalFileSystemBackend(blobRoot), kit.Options());
        Assert.Equal(Steps, (await reopened.GetFrontiersAsync()).Upper);
        Same(attempts.Where(a => a.Result.IsInShard).SelectMany(a => a.Batch), await reopened.SnapshotAsync(Steps - 1));
    }

    [Fact]
    public async Task Racing_first_opens_all_succeed_and_create_one_entry()
    {
        var kit = new ShardTestKit(failRate: 0.2, indeterminateRate: 0.2, seed: 5);
        var opened = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => kit.OpenAsync())));

        Assert.All(opened, s => Assert.Equal(0, s.Upper));
        var entries = new List<VersionedData>();
        await foreach (var entry in kit.Memory.ScanAsync(ShardNames.ConsensusKey(ShardId), 0, 100))
        {
            entries.Add(entry);
        }

        Assert.Equal(0, Assert.Single(entries).SeqNo);
        Assert.True(LinearizabilityChecker.Check(new ConsensusRegisterModel(), kit.Recording.History(ShardNames.ConsensusKey(ShardId))).Linearizable);
    }

    /// <summary>
    /// Runs the writers until the upper reaches <see cref="Steps"/>; returns every answered attempt, and the error that
    /// stopped a writer, if any (never, over a correct store).
    /// </summary>
    private static async Task<(List<Attempt> Attempts, List<ShardException> Failures)> RaceAsync(Shard<Edge> shard)
    {
        var attempts = new List<Attempt>();
        var failures = new List<ShardException>();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            await start.Task;
            var mine = new List<Attempt>();
            try
            {
                await using var writer = await shard.OpenWriterAsync($"writer-{w}");
                var expected = 0L;
                var round = 0;
                while (expected < Steps)
                {
                    var batch = Batch($"w{w}r{round++}", expected);
                    var token = Guid.NewGuid();
                    AppendResult result;
                    while (true)
                    {
                        try
                        {
                            result = await writer.CompareAndAppendAsync(batch, expected, expected + 1, token);
                            break;
                        }
                        catch (ShardUnavailableException)
                        {
                            // Outcome unknown: the same token finds out.
                        }
                    }

                    mine.Add(new Attempt(w, expected, token, batch, result));
                    expected = result.IsCommitted ? expected + 1 : result.CurrentUpper;
                }

                return (mine, (ShardException?)null);
            }
            catch (ShardException e)
            {
                return (mine, e);
            }
        })).ToList();
        start.SetResult();
        foreach (var run in runs)
        {
            var (mine, failure) = await run;
            attempts.AddRange(mine);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }

        return (attempts, failures);
    }

    private sealed record Attempt(int Writer, long Expected, Guid Token, Update<Edge>[] Batch, AppendResult Result)
    {
        public override string ToString() => $"writer {Writer} at {Expected}: {Result}";
    }
}
