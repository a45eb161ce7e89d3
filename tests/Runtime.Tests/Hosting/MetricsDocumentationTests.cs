using System.Diagnostics.Metrics;
using System.Reflection;
using Bulwark.Checkpoints;
using Bulwark.Hosting;
using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Ingest;
using Bulwark.Runtime.Tests.Shards;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Upsert;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Hosting;

/// <summary>docs/metrics.md cannot rot: its table is compared with the instruments the components really create.</summary>
public sealed class MetricsDocumentationTests
{
    private static readonly string[] ComponentMeters =
    [
        CheckpointMetrics.MeterName, IngestMetrics.MeterName, ShardMetrics.MeterName, ConsensusMetrics.MeterName, StorageMetrics.MeterName, UpsertMetrics.MeterName,
    ];

    private static string RepositoryRoot { get; } =
        typeof(MetricsDocumentationTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>(meter, instrument, type, unit, description) of every row of the doc's instrument table.</summary>
    private static List<string> DocumentedInstruments()
    {
        var rows = new List<string>();
        foreach (var line in File.ReadLines(Path.Join(RepositoryRoot, "docs", "metrics.md")))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length == 8 && cells[1].StartsWith("Bulwark.", StringComparison.Ordinal))
            {
                rows.Add($"{cells[1]} | {cells[2]} | {cells[3]} | {cells[4]} | {cells[6]}");
            }
        }

        return rows;
    }

    private static string Describe(Instrument instrument)
    {
        var type = instrument.GetType().Name;
        return $"{instrument.Meter.Name} | {instrument.Name} | {type[..type.IndexOf('`', StringComparison.Ordinal)]} | {instrument.Unit} | {instrument.Description}";
    }

    [Fact]
    public void TheDocumentedTableIsExactlyTheInstrumentsTheComponentsCreate()
    {
        using var meters = new TestMeterFactory();
        var created = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Scope == meters)
                {
                    lock (created)
                    {
                        created.Add(Describe(instrument));
                    }
                }
            },
        };
        listener.Start();

        // Each component creates all of its instruments when it builds its instrument set from the meter factory.
        CheckpointInstruments.Create(meters);
        IngestInstruments.Create(meters);
        ShardInstruments.Create(meters);
        ConsensusInstruments.Create(meters);
        StorageInstruments.Create(meters);
        UpsertInstruments.Create(meters);

        var documented = DocumentedInstruments();
        Assert.Equal(documented.Count, documented.Distinct().Count());
        Assert.Equal(ComponentMeters.Order(StringComparer.Ordinal), created.Select(c => c.Split(" | ")[0]).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(documented.Order(StringComparer.Ordinal), created.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task UnderAddBulwarkEveryComponentMetersThroughTheContainersMeterFactory()
    {
        var storage = new InMemoryBackend();
        await using var kit = new HostKit(
            new()
            {
                ["Checkpoints:default:Path"] = "checkpoints",
                ["Ingest:crawl:FlushInterval"] = "00:00:01",
                ["Ingest:crawl:MaxAge"] = "00:00:05",
                ["Shards:ranks:Path"] = "parts",
                ["Shards:ranks:Consensus"] = "File",
                ["Shards:ranks:ConsensusPath"] = "consensus",
                ["Shards:ranks:WriterId"] = "w1",
            },
            bulwark => bulwark.AddCheckpointer().AddIngest("crawl", storage: _ => storage).AddShard<Edge>("ranks"));
        var factory = kit.Host.Services.GetRequiredService<IMeterFactory>();
        using var flushes = new MetricCollector<long>(factory, IngestMetrics.MeterName, IngestMetrics.Flushes);
        using var appends = new MetricCollector<long>(factory, ShardMetrics.MeterName, ShardMetrics.Appends);
        using var commits = new MetricCollector<long>(factory, CheckpointMetrics.MeterName, CheckpointMetrics.Commits);
        using var casCalls = new MetricCollector<long>(factory, ConsensusMetrics.MeterName, ConsensusMetrics.CompareAndSets);
        using var fileCommits = new MetricCollector<long>(factory, StorageMetrics.MeterName, StorageMetrics.Commits);
        await kit.StartAsync();

        var controller = kit.Get<HostedIngest>("crawl").Controller;
        var outcome = controller.StartVisit(1).FinalizeAsync(success: true);
        await IngestHarness.RunUntilAsync(controller, kit.Time, () => outcome.IsCompleted);
        var shard = kit.Get<HostedShard<Edge>>("ranks");
        Assert.True((await shard.Writer.CompareAndAppendAsync([new Update<Edge>(new Edge(1, "a"), 0, 1)], 0, 1, Guid.NewGuid())).IsCommitted);
        var checkpointer = kit.Get<HostedCheckpointer>("default").Checkpointer;
        await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("op", new byte[] { 1 }));

        Assert.Equal("committed", Assert.Single(flushes.GetMeasurementSnapshot()).Tags[IngestMetrics.OutcomeTag]);
        Assert.Equal("committed", Assert.Single(appends.GetMeasurementSnapshot()).Tags[ShardMetrics.OutcomeTag]);
        Assert.Equal(1, commits.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Contains(casCalls.GetMeasurementSnapshot(), m => Equals(m.Tags[ConsensusMetrics.StoreTag], "file"));
        Assert.True(fileCommits.GetMeasurementSnapshot().EvaluateAsCounter() > 0, "the checkpoint store's local backend meters through the container");
        await kit.Host.StopAsync().WaitAsync(HostKit.HangGuard);
    }
}
