using Bulwark.Upsert;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using Xunit.Abstractions;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>
/// Replicas racing on one output shard (see <see cref="ReplicaWorkload"/>) converge: the shard holds exactly what one
/// writer alone would write, at most one live row per key, and every replica's output frontier reaches the shard's
/// upper within <see cref="ReplicaWorkload.LivenessRounds"/> calls once the input stops. The historical two-way
/// classification fails the same property.
/// </summary>
public sealed class UpsertReplicaPropertyTests(ITestOutputHelper output)
{
    private static readonly Arbitrary<int> Seeds = Gen.Choose(0, int.MaxValue).ToArbitrary();

    /// <summary>Workloads per property run: 40 by default (CI); set BULWARK_UPSERT_PROPERTY_RUNS for a longer sweep.</summary>
    private static int Runs => int.TryParse(Environment.GetEnvironmentVariable("BULWARK_UPSERT_PROPERTY_RUNS"), out var runs) && runs > 0 ? runs : 40;

    [Fact]
    public void Replicas_with_random_lags_crashes_and_restarts_converge_to_the_single_writer_output_and_none_freezes() =>
        Prop.ForAll(Seeds, seed => Run(seed, UpsertDeviation.None)).Check(Config.QuickThrowOnFailure.WithMaxTest(Runs));

    [Fact]
    public void Negative_control_the_two_way_classification_fails_the_liveness_property()
    {
        var e = Assert.ThrowsAny<Exception>(() =>
            Prop.ForAll(Seeds, seed => Run(seed, UpsertDeviation.TwoWayClassification)).Check(Config.QuickThrowOnFailure.WithMaxTest(Runs)));

        output.WriteLine(e.Message);
        Assert.Contains("liveness", e.Message);
    }

    /// <summary>
    /// The workloads are worth their name: over a fixed set of seeds they crash replicas and restart them from
    /// checkpoints and from snapshots, lose races and catch up from the shard, drop input a peer already wrote, lose
    /// append answers and retry them with their token, and see the store give up.
    /// </summary>
    [Fact]
    public async Task The_workloads_crash_restart_race_and_retry()
    {
        var total = new WorkloadStats();
        for (var seed = 1; seed <= 20; seed++)
        {
            total += await ReplicaWorkload.RunAsync(seed);
        }

        output.WriteLine(total.ToString());
        Assert.True(total.Crashes > 0 && total.CheckpointStarts > 0 && total.SnapshotStarts > 0, total.ToString());
        Assert.True(total.LostRaces > 0 && total.LearnedUpdates > 0 && total.DroppedInputs > 0, total.ToString());
        Assert.True(total.Unavailable > 0 && total.FailedAppends > 0 && total.RetriedAppends > 0, total.ToString());
    }

    // FsCheck runs properties synchronously; Task.Run keeps the workload's awaits off xunit's synchronization context,
    // whose few threads the blocked property would otherwise starve.
    private static void Run(int seed, UpsertDeviation deviations) => _ = Task.Run(() => ReplicaWorkload.RunAsync(seed, deviations)).GetAwaiter().GetResult();
}
