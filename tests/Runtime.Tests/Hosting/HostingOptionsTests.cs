using Bulwark.Hosting;
using Bulwark.Runtime.Tests.Shards;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Bulwark.Runtime.Tests.Hosting;

public sealed class HostingOptionsTests
{
    [Fact]
    public async Task AnInvalidIngestValueFailsTheStartNamingItsKeyBeforeAnythingIsOpened()
    {
        await using var kit = new HostKit(
            new() { ["Ingest:crawl:Path"] = "crawl", ["Ingest:crawl:MaxAge"] = "00:00:00" },
            bulwark => bulwark.AddIngest("crawl"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(kit.StartAsync);
        Assert.Contains("Bulwark:Ingest:crawl:MaxAge must be a positive, finite time.", error.Message, StringComparison.Ordinal);
        Assert.Equal("crawl", error.OptionsName);
        Assert.False(Directory.Exists(Path.Join(kit.Root, "crawl")), "the controller was opened before its options were validated");
    }

    [Fact]
    public async Task EveryFailureOfAComponentIsReportedWithItsKey()
    {
        await using var kit = new HostKit(
            new()
            {
                ["Ingest:crawl:FlushInterval"] = "00:01:00",
                ["Ingest:crawl:MaxAge"] = "00:00:30",
                ["Checkpoints:main:MaxCatalogBytes"] = "0",
                ["Shards:ranks:Path"] = "parts",
                ["Shards:ranks:HeartbeatInterval"] = "00:02:00",
                ["Shards:other:Path"] = "parts",
                ["Shards:other:Consensus"] = "InMemory",
                ["Shards:other:MaxAttempts"] = "0",
            },
            bulwark => bulwark.AddIngest("crawl").AddCheckpointer("main").AddShard<Edge>("ranks").AddShard<Edge>("other"));

        var error = await Assert.ThrowsAnyAsync<Exception>(kit.StartAsync);
        var messages = error is AggregateException aggregate ? string.Join("\n", aggregate.InnerExceptions.Select(e => e.Message)) : error.Message;
        Assert.Contains("Bulwark:Ingest:crawl:Path is required", messages, StringComparison.Ordinal);
        Assert.Contains("Bulwark:Ingest:crawl:FlushInterval must not exceed MaxAge", messages, StringComparison.Ordinal);
        Assert.Contains("Bulwark:Checkpoints:main:Path is required", messages, StringComparison.Ordinal);
        Assert.Contains("Bulwark:Checkpoints:main:MaxCatalogBytes must be positive (it is 0).", messages, StringComparison.Ordinal);
        Assert.Contains("Bulwark:Shards:ranks:Consensus is Services, but no IConsensus is registered", messages, StringComparison.Ordinal);
        Assert.Contains("Bulwark:Shards:ranks:HeartbeatInterval", messages, StringComparison.Ordinal);
        Assert.Contains("Bulwark:Shards:other:MaxAttempts ('0') must be greater than or equal to '1'", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValueThatIsNotATimeSpanIsRefusedNamingItsKey()
    {
        await using var kit = new HostKit(
            new() { ["Ingest:crawl:Path"] = "crawl", ["Ingest:crawl:MaxAge"] = "five seconds" },
            bulwark => bulwark.AddIngest("crawl"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(kit.StartAsync);
        Assert.Contains("Bulwark:Ingest:crawl:MaxAge", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeConfigurationRunsAfterBindingAndIsValidatedToo()
    {
        await using var kit = new HostKit(
            new() { ["Ingest:crawl:Path"] = "crawl", ["Ingest:crawl:MaxRowsPerFile"] = "5" },
            bulwark => bulwark.AddIngest("crawl", o => o.MaxRowsPerFile = -1));

        // The configured 5 is valid; the failure is the code's -1, applied after it.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(kit.StartAsync);
        Assert.Contains("Bulwark:Ingest:crawl:MaxRowsPerFile must be positive.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARegisteredConsensusSatisfiesTheServicesKind()
    {
        await using var kit = new HostKit(
            new() { ["Shards:ranks:Path"] = "parts" },
            bulwark =>
            {
                bulwark.Services.AddKeyedSingleton<Bulwark.Shards.IConsensus>("ranks", new Bulwark.Shards.InMemoryConsensus());
                bulwark.AddShard<Edge>("ranks");
            });
        await kit.StartAsync();
        Assert.Same(kit.Get<Bulwark.Shards.IConsensus>("ranks"), kit.Get<HostedShard<Edge>>("ranks").Consensus);
        await kit.Host.StopAsync().WaitAsync(HostKit.HangGuard);
    }
}
