using Bulwark.Hosting;
using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Ingest;
using Bulwark.Runtime.Tests.Shards;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace Bulwark.Runtime.Tests.Hosting;

/// <summary>The health checks follow real failures of the components' stores, and recover with them.</summary>
public sealed class HostingHealthTests
{
    [Fact]
    public async Task IngestIsDegradedWhileFlushesFailUnhealthyPastMaxAgeAndHealthyOnceTheyCommit()
    {
        var faults = new FaultInjectingBackend(new InMemoryBackend());
        await using var kit = new HostKit(
            new()
            {
                ["Ingest:crawl:FlushInterval"] = "00:00:01",
                ["Ingest:crawl:MaxAge"] = "00:00:05",
                ["Ingest:crawl:RetryDelay"] = "00:00:00.100",
                ["Ingest:crawl:MaxRetryDelay"] = "00:00:01",
            },
            bulwark => bulwark.AddIngest("crawl", storage: _ => faults));
        const string check = "bulwark-ingest-crawl";
        Assert.Equal(HealthStatus.Unhealthy, (await kit.HealthAsync(check)).Status);
        await kit.StartAsync();
        var controller = kit.Get<HostedIngest>("crawl").Controller;
        Assert.Equal(HealthStatus.Healthy, (await kit.HealthAsync(check)).Status);

        faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var visit = controller.StartVisit(1);
        await visit.AppendAsync(new PageRow(1, "https://example.org/", 200));
        var outcome = visit.FinalizeAsync(success: true);
        await IngestHarness.RunUntilAsync(controller, kit.Time, () => controller.Health.ConsecutiveFailures > 0);

        var degraded = await kit.HealthAsync(check);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.True((int)degraded.Data["consecutive_failures"] > 0);
        Assert.True(degraded.Data.ContainsKey("last_error"));
        Assert.Contains("flush attempts failed", degraded.Description, StringComparison.Ordinal);

        await IngestHarness.RunUntilAsync(controller, kit.Time, () => controller.Health.OldestPendingAge > TimeSpan.FromSeconds(5));
        var unhealthy = await kit.HealthAsync(check);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Contains("longer than MaxAge", unhealthy.Description, StringComparison.Ordinal);

        faults.ClearFaults();
        await IngestHarness.RunUntilAsync(controller, kit.Time, () => outcome.IsCompleted);
        Assert.Equal(VisitState.Committed, (await outcome).State);
        var healthy = await kit.HealthAsync(check);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(0, healthy.Data["consecutive_failures"]);

        await kit.Host.StopAsync().WaitAsync(HostKit.HangGuard);
        Assert.Equal(HealthStatus.Unhealthy, (await kit.HealthAsync(check)).Status);
    }

    [Fact]
    public async Task AShardIsUnhealthyWhileConsensusFailsDegradedAfterMissedHeartbeatsAndHealthyOnceRenewed()
    {
        // Every call fails while random faults are on; off, the store is reliable.
        var consensus = new UnreliableConsensus(new InMemoryConsensus(), failRate: 1) { RandomFaultsEnabled = false };
        await using var kit = new HostKit(
            new()
            {
                ["Shards:ranks:WriterId"] = "w1",
                ["Shards:ranks:LeaseDuration"] = "00:00:30",
                ["Shards:ranks:HeartbeatInterval"] = "00:00:10",
                ["Shards:ranks:InitialBackoff"] = "00:00:00",
                ["Shards:ranks:MaxBackoff"] = "00:00:00",
                ["Shards:ranks:MaxAttempts"] = "1",
            },
            bulwark => bulwark.AddShard<Edge>("ranks", storage: _ => new InMemoryBackend(), consensus: _ => consensus));
        const string check = "bulwark-shards-ranks";
        await kit.StartAsync();

        var healthy = await kit.HealthAsync(check);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(30.0, healthy.Data["writer_lease_expires_in_seconds"]);

        consensus.RandomFaultsEnabled = true;
        var unreachable = await kit.HealthAsync(check);
        Assert.Equal(HealthStatus.Unhealthy, unreachable.Status);
        Assert.Contains("consensus could not be read", unreachable.Description, StringComparison.Ordinal);

        // The heartbeat due at 10 s fails (one attempt); by 25 s the lease has 5 s left of 30.
        var fired = consensus.FaultsFired;
        kit.Time.Advance(TimeSpan.FromSeconds(25));
        for (var i = 0; i < 30_000 && consensus.FaultsFired == fired; i++)
        {
            await Task.Delay(i < 100 ? 0 : 10);
        }

        consensus.RandomFaultsEnabled = false;
        var degraded = await kit.HealthAsync(check);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("missed heartbeats", degraded.Description, StringComparison.Ordinal);
        Assert.Equal(5.0, degraded.Data["writer_lease_expires_in_seconds"]);

        // A later heartbeat (due 10 s after the failed one parked again) renews the lease: the clock moves a second
        // at a time, so it does not matter when the loop parked.
        var status = degraded.Status;
        for (var second = 0; second < 120 && status != HealthStatus.Healthy; second++)
        {
            kit.Time.Advance(TimeSpan.FromSeconds(1));
            for (var i = 0; i < 20 && status != HealthStatus.Healthy; i++)
            {
                await Task.Delay(1);
                status = (await kit.HealthAsync(check)).Status;
            }
        }

        Assert.Equal(HealthStatus.Healthy, status);
        Assert.True((double)(await kit.HealthAsync(check)).Data["writer_lease_expires_in_seconds"] > 20);
        await kit.Host.StopAsync().WaitAsync(HostKit.HangGuard);
    }

    [Fact]
    public async Task ACheckpointerIsDegradedWhenItsNewestCheckpointIsOlderThanMaxCheckpointAge()
    {
        await using var kit = new HostKit(
            new() { ["Checkpoints:default:MaxCheckpointAge"] = "00:05:00" },
            bulwark => bulwark.AddCheckpointer(storage: _ => new InMemoryBackend()));
        const string check = "bulwark-checkpoints-default";
        await kit.StartAsync();
        var checkpointer = kit.Get<HostedCheckpointer>("default").Checkpointer;
        Assert.Equal(HealthStatus.Healthy, (await kit.HealthAsync(check)).Status);

        kit.Time.Advance(TimeSpan.FromMinutes(6));
        var stale = await kit.HealthAsync(check);
        Assert.Equal(HealthStatus.Degraded, stale.Status);
        Assert.Contains("no checkpoint committed for", stale.Description, StringComparison.Ordinal);

        var info = await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("op", new byte[] { 1 }));
        var fresh = await kit.HealthAsync(check);
        Assert.Equal(HealthStatus.Healthy, fresh.Status);
        Assert.Equal(info.Id, fresh.Data["latest_id"]);
        Assert.Equal(1, fresh.Data["checkpoints"]);

        kit.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(HealthStatus.Degraded, (await kit.HealthAsync(check)).Status);
    }
}
