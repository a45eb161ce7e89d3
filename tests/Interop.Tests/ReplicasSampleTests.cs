using Bulwark.Shards;
using Bulwark.Storage;
using Replicas;

namespace Bulwark.Interop.Tests;

/// <summary>One run of the replicas sample's core with its own settings over an in-memory consensus, for the whole class.</summary>
public sealed class ReplicaRunFixture : IAsyncLifetime
{
    private readonly TestDirectory directory = new();

    public InMemoryConsensus Consensus { get; } = new();

    public string Blob => directory.Path;

    public ReplicaSettings Settings { get; private set; } = null!;

    public ReplicaReport Report { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Settings = new ReplicaSettings { Consensus = Consensus, BlobDirectory = Blob };
        Report = await ReplicaRace.RunAsync(Settings);
    }

    public Task DisposeAsync()
    {
        directory.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// samples/Replicas end to end: two replicas of one upsert, one lagging and one pausing, end with both output frontiers
/// at the shard's upper and the shard holding what one writer alone would have written; the lagging replica's output
/// never trails the upper; and the sample's own checks notice a wrong shard or a pinned frontier.
/// </summary>
public sealed class ReplicasSampleTests(ReplicaRunFixture run) : IClassFixture<ReplicaRunFixture>
{
    [Fact]
    public async Task BothReplicasEndAtTheUpperAndTheShardHoldsTheLatestRowOfEveryKey()
    {
        var report = run.Report;
        Assert.Empty(report.Problems);
        Assert.Equal(ReplicaSchedule.Ticks, report.Upper);
        Assert.Equal(report.Upper, report.OutputA);
        Assert.Equal(report.Upper, report.OutputB);

        // Read back through a new handle, as another process would, and compared with the latest change of each key
        // (highest time, then highest offset), worked out here without the sample's reference.
        var shard = await Shard<StockLevel>.OpenAsync(report.ShardId, run.Consensus, new LocalFileSystemBackend(run.Blob));
        var frontiers = await shard.GetFrontiersAsync();
        Assert.Equal(ReplicaSchedule.Ticks, frontiers.Upper);
        var snapshot = await shard.SnapshotAsync(frontiers.Upper - 1);
        var content = snapshot.GroupBy(u => u.Row).Select(g => (Row: g.Key, Diff: g.Sum(u => u.Diff))).Where(r => r.Diff != 0).ToArray();
        Assert.All(content, r => Assert.Equal(1, r.Diff));
        var latest = report.Feed.Inputs.GroupBy(i => i.Key).Select(g => g.MaxBy(i => (i.Time, i.Offset))).Where(i => i.Row is not null).Select(i => i.Row!);
        Assert.Equal(latest.OrderBy(r => r.Sku, StringComparer.Ordinal), content.Select(r => r.Row).OrderBy(r => r.Sku, StringComparer.Ordinal));
        Assert.True(report.Feed.Inputs.Any(i => i.Row is null), "the source has no deletes");
        Assert.True(content.Length < report.Feed.Inputs.Select(i => i.Key).Distinct().Count(), "no key ended deleted");
    }

    [Fact]
    public void EachIntervalIsWonOnceAndTheReplicaThatCalledSecondLosesAndReadsItBack()
    {
        var steps = run.Report.Steps;
        var lockstep = steps.Where(s => s.Plan.Phase == "lockstep").ToArray();
        Assert.NotEmpty(lockstep);
        foreach (var step in lockstep)
        {
            var (first, second) = (step.Moves[0], step.Moves[1]);
            Assert.Equal((1, 0), (first.Delta.Won, first.Delta.Lost));
            Assert.Equal((0, 1), (second.Delta.Won, second.Delta.Lost));
            Assert.Equal(step.Upper, second.After.Output);
        }

        // The intervals won tile [0, end): each was appended exactly once, by one replica or the other.
        var won = run.Report.Steps.SelectMany(s => s.Moves).Where(m => m.Delta.Won > 0).ToArray();
        Assert.All(won, m => Assert.Equal((1, 0), (m.Delta.Won, m.Delta.Lost)));
        var next = 0L;
        foreach (var m in won.OrderBy(m => m.Before.Output))
        {
            Assert.Equal(next, m.Before.Output);
            Assert.True(m.After.Output > m.Before.Output);
            next = m.After.Output;
        }

        Assert.Equal(ReplicaSchedule.Ticks, next);
        Assert.True(run.Report.CountsA.Won > 0 && run.Report.CountsB.Won > 0, "one replica never won");
        Assert.True(run.Report.CountsA.Lost > 0 && run.Report.CountsB.Lost > 0, "one replica never lost");
    }

    [Fact]
    public void TheLaggingReplicasOutputKeepsUpWithTheUpperWhileItsInputIsBehind()
    {
        var lagging = run.Report.Steps.Where(s => s.Plan.Phase == "B lags 3").ToArray();
        Assert.NotEmpty(lagging);
        Assert.All(lagging, step =>
        {
            Assert.Equal(step.A.Input - 3, step.B.Input);
            Assert.Equal(step.Upper, step.B.Output);
        });

        // The first time it is handed input again it loses its stale interval; afterwards it only follows.
        var stale = lagging[0].Moves.Single(m => m.Move.Replica == Replica.B);
        Assert.Equal(1, stale.Delta.Lost);
        Assert.True(stale.Delta.Dropped > 0);
        Assert.All(lagging.Skip(1).SelectMany(s => s.Moves).Where(m => m.Move.Replica == Replica.B), m => Assert.Equal((0, 0), (m.Delta.Won, m.Delta.Lost)));

        // A, paused while B wrote the rest, follows with no new input (the same input frontier) and drops its backlog.
        var resumed = run.Report.Steps.Single(s => s.Plan.Phase == "A resumes").Moves.Single();
        Assert.Equal(resumed.Before.Input, resumed.After.Input);
        Assert.True(resumed.Before.Output < resumed.After.Output);
        Assert.Equal(ReplicaSchedule.Ticks, resumed.After.Output);
        var backlog = run.Report.Steps.Single(s => s.Plan.Phase == "A backlog").Moves.Single();
        Assert.Equal((0, 0), (backlog.Delta.Won, backlog.Delta.Lost));
        Assert.Equal(run.Report.Feed.Between(resumed.After.Input, ReplicaSchedule.Ticks).Count(), backlog.Delta.Dropped);
    }

    [Fact]
    public void TheSamplesChecksReportAWrongShardAndAPinnedFrontier()
    {
        var report = run.Report;
        var history = report.ShardHistory.ToList();
        var removed = history[^1];
        history.RemoveAt(history.Count - 1);
        var steps = report.Steps.ToList();
        var pinned = steps.FindIndex(s => s.Plan.Phase == "B lags 3");
        var move = steps[pinned].Moves.Single(m => m.Move.Replica == Replica.B);
        steps[pinned] = steps[pinned] with { Moves = [.. steps[pinned].Moves.Where(m => m != move), move with { After = move.After with { Output = move.Before.Output } }] };

        var problems = ReplicaChecks.Verify(report.Feed, steps, report.Upper, report.OutputA, report.Upper - 1, history);

        Assert.Contains($"step {steps[pinned].Step}: after its call B's output frontier is {move.Before.Output}, not the shard's upper {move.UpperAfter}", problems);
        Assert.Contains($"replica B's output frontier is {report.Upper - 1}, not the shard's upper {report.Upper}", problems);
        Assert.Contains(problems, p => p.StartsWith("the shard lacks the update (" + removed.Row.Sku, StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith(removed.Row.Sku + ": the shard holds", StringComparison.Ordinal));
        Assert.Equal(4, problems.Count);
    }
}
