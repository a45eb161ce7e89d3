using Bulwark.Hosting;
using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Hosting;

/// <summary>The ingest flush loop as a hosted service: it runs on the host's TimeProvider, and the host's stop drains it.</summary>
public sealed class HostedIngestTests
{
    private static Dictionary<string, string?> Settings(string? spill = null) => new()
    {
        ["Ingest:crawl:FlushInterval"] = "00:00:01",
        ["Ingest:crawl:MaxAge"] = "00:00:05",
        ["Ingest:crawl:RetryDelay"] = "00:00:00.100",
        ["Ingest:crawl:MaxRetryDelay"] = "00:00:01",
        ["Ingest:crawl:SpillDirectory"] = spill,
    };

    private static async Task<List<T>> ReadAsync<T>(IStorageBackend storage)
        where T : Records.IArrowRecord<T>
    {
        var rows = new List<T>();
        await foreach (var row in (await IngestDataset.OpenAsync(storage)).ReadAsync<T>())
        {
            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public async Task TheHostedLoopFlushesWhenTheHostsClockPassesFlushInterval()
    {
        var storage = new InMemoryBackend();
        await using var kit = new HostKit(Settings(), bulwark => bulwark.AddIngest("crawl", storage: _ => storage));
        await kit.StartAsync();
        var controller = kit.Get<HostedIngest>("crawl").Controller;

        var visit = controller.StartVisit(1);
        await visit.AppendAsync(new PageRow(1, "https://example.org/", 200));
        await visit.AppendAsync(new RequestRow(1, "https://cdn.example.org/a.js"));
        var outcome = visit.FinalizeAsync(success: true);

        // Parked until the clock the host gave it moves: nothing is written on the wall clock.
        await IngestHarness.SettleAsync(controller);
        Assert.False(outcome.IsCompleted);
        Assert.Empty(await ReadAsync<PageRow>(storage));

        kit.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(VisitState.Committed, (await outcome.WaitAsync(HostKit.HangGuard)).State);
        Assert.Equal([new PageRow(1, "https://example.org/", 200)], await ReadAsync<PageRow>(storage));
        Assert.Equal([new RequestRow(1, "https://cdn.example.org/a.js")], await ReadAsync<RequestRow>(storage));
        await kit.Host.StopAsync().WaitAsync(HostKit.HangGuard);
    }

    [Fact]
    public async Task StoppingTheHostDrainsCachedRowsAndEndsUnfinalizedVisits()
    {
        var storage = new InMemoryBackend();
        await using var kit = new HostKit(Settings(), bulwark => bulwark.AddIngest("crawl", storage: _ => storage));
        await kit.StartAsync();
        var controller = kit.Get<HostedIngest>("crawl").Controller;

        var done = controller.StartVisit(1);
        await done.AppendAsync(new PageRow(1, "https://example.org/1", 200));
        var outcome = done.FinalizeAsync(success: true);
        await controller.StartVisit(2).AppendAsync(new PageRow(2, "https://example.org/2", 200));
        await IngestHarness.SettleAsync(controller);
        Assert.False(outcome.IsCompleted);

        // The clock never reaches FlushInterval: only the stop's drain can commit the rows.
        await kit.Host.StopAsync().WaitAsync(HostKit.HangGuard);

        Assert.Equal(VisitState.Committed, (await outcome).State);
        Assert.Equal([1L, 2L], (await ReadAsync<PageRow>(storage)).Select(r => r.VisitId).Order());
        var incomplete = Assert.Single(await ReadAsync<IncompleteVisit>(storage));
        Assert.Equal(2, incomplete.VisitId);
        Assert.Throws<ObjectDisposedException>(() => controller.StartVisit(3));
    }

    [Fact]
    public async Task TheHostsShutdownTokenEndsADrainTheDestinationRefusesAndTheRowsAreSpilled()
    {
        var faults = new FaultInjectingBackend(new InMemoryBackend());
        await using var kit = new HostKit(Settings(spill: "spill"), bulwark => bulwark.AddIngest("crawl", storage: _ => faults));
        await kit.StartAsync();
        var controller = kit.Get<HostedIngest>("crawl").Controller;
        faults.FailWhen(StorageOperationKind.Create, permanent: true);

        var visit = controller.StartVisit(7);
        await visit.AppendAsync(new PageRow(7, "https://example.org/7", 200));
        var outcome = visit.FinalizeAsync(success: true);

        using var shutdown = new CancellationTokenSource();
        var stop = kit.Host.StopAsync(shutdown.Token);

        // The drain retries on the host's clock, which stands still: ShutdownTimeout (30 s) never passes, so the
        // stop can only end through the token.
        for (var i = 0; i < 30_000 && faults.FaultsFired == 0; i++)
        {
            await Task.Delay(i < 100 ? 0 : 10);
        }

        await IngestHarness.SettleAsync(controller);
        Assert.True(faults.FaultsFired > 0);
        Assert.False(stop.IsCompleted);
        Assert.False(outcome.IsCompleted);

        await shutdown.CancelAsync();
        await stop.WaitAsync(HostKit.HangGuard);

        var resolved = await outcome.WaitAsync(HostKit.HangGuard);
        Assert.Equal(VisitState.Incomplete, resolved.State);
        var spill = Path.Join(kit.Root, "spill");
        Assert.Contains(spill, resolved.Reason, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.EnumerateFiles(spill, "*", SearchOption.AllDirectories));
    }
}
