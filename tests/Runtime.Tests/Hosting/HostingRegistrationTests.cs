using Bulwark.Checkpoints;
using Bulwark.Hosting;
using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Ingest;
using Bulwark.Runtime.Tests.Shards;
using Bulwark.Shards;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Bulwark.Runtime.Tests.Hosting;

public sealed class HostingRegistrationTests
{
    [Fact]
    public async Task EachComponentResolvesByItsNameWithItsOwnConfigurationAndWorks()
    {
        await using var kit = new HostKit(
            new()
            {
                ["Checkpoints:default:Path"] = "checkpoints",
                ["Ingest:crawl:Path"] = "crawl",
                ["Ingest:audit:Path"] = "audit",
                ["Ingest:audit:WriterId"] = "auditor",
                ["Ingest:audit:Format"] = "ArrowIpc",
                ["Shards:ranks:Path"] = "parts",
                ["Shards:ranks:Consensus"] = "InMemory",
                ["Shards:ranks:WriterId"] = "w1",
            },
            bulwark => bulwark.AddCheckpointer().AddIngest("crawl").AddIngest("audit").AddShard<Edge>("ranks"));
        await kit.StartAsync();

        var crawl = kit.Get<HostedIngest>("crawl");
        var audit = kit.Get<HostedIngest>("audit");
        Assert.Equal("crawl", crawl.Controller.WriterId);
        Assert.Equal("auditor", audit.Controller.WriterId);
        Assert.Equal(IngestFormat.ArrowIpc, audit.Options.Format);
        Assert.Equal(IngestFormat.Parquet, crawl.Options.Format);
        Assert.Contains(Path.Join(kit.Root, "crawl"), crawl.Storage!.Description, StringComparison.Ordinal);
        Assert.Contains(Path.Join(kit.Root, "audit"), audit.Storage!.Description, StringComparison.Ordinal);

        // The same singleton every time, and it is the hosted service the host started.
        Assert.Same(crawl, kit.Get<HostedIngest>("crawl"));
        Assert.Contains(crawl, kit.Host.Services.GetServices<IHostedService>());

        var checkpointer = kit.Get<HostedCheckpointer>("default").Checkpointer;
        var info = await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("op", new byte[] { 1, 2, 3 }));
        Assert.True(File.Exists(Path.Join(kit.Root, "checkpoints", Checkpointer.CatalogFileName)));

        var shard = kit.Get<HostedShard<Edge>>("ranks");
        Assert.Equal("ranks", shard.Shard.ShardId);
        var appended = await shard.Writer.CompareAndAppendAsync([new Update<Edge>(new Edge(1, "a"), 0, 1)], 0, 1, Guid.NewGuid());
        Assert.True(appended.IsCommitted);
        Assert.Equal(new Update<Edge>(new Edge(1, "a"), 0, 1), Assert.Single(await shard.Shard.SnapshotAsync(0)));

        await kit.Host.StopAsync().WaitAsync(HostKit.HangGuard);

        // Stopping released every lock: the same stores open again outside the host.
        await using (var reopened = await Checkpointer.OpenAsync(new Bulwark.Storage.LocalFileSystemBackend(Path.Join(kit.Root, "checkpoints"))))
        {
            Assert.Equal(info.Id, reopened.Latest!.Id);
        }

        await using var again = await IngestController.OpenAsync(new Bulwark.Storage.LocalFileSystemBackend(Path.Join(kit.Root, "crawl")), new IngestOptions { WriterId = "crawl" });
        Assert.Equal("crawl", again.WriterId);
    }

    [Fact]
    public async Task AComponentUsedBeforeTheHostStartsSaysSoByName()
    {
        await using var kit = new HostKit(new() { ["Ingest:crawl:Path"] = "crawl" }, bulwark => bulwark.AddIngest("crawl"));
        var error = Assert.Throws<InvalidOperationException>(() => kit.Get<HostedIngest>("crawl").Controller);
        Assert.Contains("'crawl'", error.Message, StringComparison.Ordinal);
        Assert.Contains("when the host starts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneNameRegisteredTwiceIsRefusedAtRegistration()
    {
        var services = new ServiceCollection();
        var bulwark = services.AddBulwark().AddIngest("crawl", o => o.Path = "a");
        var error = Assert.Throws<InvalidOperationException>(() => bulwark.AddIngest("crawl", o => o.Path = "b"));
        Assert.Contains("Bulwark:Ingest:crawl is registered twice", error.Message, StringComparison.Ordinal);

        // The same name for another kind of component is another key.
        bulwark.AddCheckpointer("crawl", o => o.Path = "c");
    }

    [Fact]
    public async Task CodeSuppliedStorageAndConsensusAreUsedInsteadOfConfiguredOnes()
    {
        var blob = new Bulwark.Storage.InMemoryBackend();
        var consensus = new InMemoryConsensus();
        await using var kit = new HostKit(
            new() { ["Shards:ranks:WriterId"] = "w1" },
            bulwark => bulwark.AddShard<Edge>("ranks", storage: _ => blob, consensus: _ => consensus));
        await kit.StartAsync();

        var shard = kit.Get<HostedShard<Edge>>("ranks");
        Assert.Same(blob, shard.Storage);
        Assert.Same(consensus, shard.Consensus);
        Assert.NotNull(await consensus.HeadAsync(ShardNames.ConsensusKey("ranks")));
        await kit.Host.StopAsync().WaitAsync(HostKit.HangGuard);
    }
}
