using Bulwark.Runtime.Tests.Shards;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Testing;
using Bulwark.Upsert;
using Xunit;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>
/// Replicas run at once, each on its own task and shard handle, over a consensus store that fails calls and loses
/// answers at random: whoever wins each interval, the shard ends exactly as one writer alone would leave it.
/// </summary>
public sealed class UpsertRaceTests
{
    private const int Replicas = 3;
    private const long End = 25;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Concurrent_replicas_over_an_unreliable_store_converge_to_the_single_writer_output(int seed)
    {
        var kit = new UpsertTestKit(failRate: 0.1, indeterminateRate: 0.1, seed: seed);
        var source = UpsertModel.Source(new Random(seed), End, keys: 5);

        var replicas = await RaceAsync(source, i => kit.OpenAsync($"replica-{i}"), seed);

        Assert.True(kit.Shards.Consensus.FaultsFired > 0);
        await CheckAsync(replicas, source, await kit.UpperAsync(), await kit.HistoryAsync());
    }

    [Fact]
    public async Task Concurrent_replicas_over_FileConsensus_and_local_files_converge_to_the_single_writer_output()
    {
        using var temp = new TempDirectory();
        var consensus = new FileConsensus(Directory.CreateDirectory(temp.Join("consensus")).FullName);
        var blob = new LocalFileSystemBackend(Directory.CreateDirectory(temp.Join("blob")).FullName);
        var options = new ShardTestKit().Options();
        var source = UpsertModel.Source(new Random(11), End, keys: 5);

        var replicas = await RaceAsync(
            source,
            async i => await UpsertOperator<long, Edge>.OpenAsync(await Shard<Edge>.OpenAsync(ShardTestKit.ShardId, consensus, blob, options), $"replica-{i}", UpsertTestKit.KeyOf),
            seed: 11);

        var shard = await Shard<Edge>.OpenAsync(ShardTestKit.ShardId, consensus, blob, options);
        var upper = (await shard.GetFrontiersAsync()).Upper;
        await CheckAsync(replicas, source, upper, await shard.SnapshotAsync(upper - 1));
    }

    /// <summary>Each replica feeds the whole source in random chunks, retrying what the store refused; then follows the shard once.</summary>
    private static async Task<UpsertOperator<long, Edge>[]> RaceAsync(List<UpsertInput<long, Edge>> source, Func<int, Task<UpsertOperator<long, Edge>>> open, int seed)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = Enumerable.Range(0, Replicas).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var random = new Random(seed * 31 + i);
            var upsert = await RetryAsync(() => open(i));
            for (var time = 0L; time < End;)
            {
                var to = Math.Min(End, time + random.Next(1, 4));
                var from = time;
                await upsert.PushAsync(source.Where(s => s.Time >= from && s.Time < to).OrderBy(_ => random.Next()));
                await RetryAsync(async () =>
                {
                    await upsert.AdvanceInputAsync(to);
                    return true;
                });
                time = to;
            }

            return upsert;
        })).ToArray();
        start.SetResult();
        var replicas = await Task.WhenAll(runs);

        // Input has stopped: one more call each reaches whatever the others wrote last.
        foreach (var upsert in replicas)
        {
            await RetryAsync(async () =>
            {
                await upsert.AdvanceInputAsync(End);
                return true;
            });
        }

        return replicas;
    }

    private static async Task CheckAsync(UpsertOperator<long, Edge>[] replicas, List<UpsertInput<long, Edge>> source, long upper, IReadOnlyList<Update<Edge>> history)
    {
        var (expected, live) = UpsertReference.Run(source, End);
        Assert.Equal(End, upper);
        ShardTestKit.Same(expected, history);
        foreach (var upsert in replicas)
        {
            Assert.Equal(End, upsert.OutputFrontier);
            Assert.Equal(live, upsert.Rows);
            await upsert.DisposeAsync();
        }
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (ShardUnavailableException) when (attempt < 100)
            {
                // The store kept failing: the operator kept its state and its pending append; try again.
            }
        }
    }
}
