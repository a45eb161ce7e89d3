using System.Diagnostics.Metrics;
using Bulwark.Shards;
using Bulwark.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bulwark.Hosting;

/// <summary>What a registration knows before the container is built: its name, its configuration key and whether code supplies its storage.</summary>
internal sealed record HostedComponentInfo(string Name, string Section, bool HasStorage);

/// <summary>What the hosted components take from the container, each with the fallback a component uses without one.</summary>
internal static class HostedComponents
{
    public static string ContentRoot(IServiceProvider services) =>
        services.GetService<IHostEnvironment>()?.ContentRootPath is { Length: > 0 } root ? root : Environment.CurrentDirectory;

    public static TimeProvider Time(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;

    public static ILoggerFactory? Loggers(IServiceProvider services) => services.GetService<ILoggerFactory>();

    public static IMeterFactory? Meters(IServiceProvider services) => services.GetService<IMeterFactory>();

    /// <summary>What using a hosted component before the host opened it throws, with the way out.</summary>
    public static InvalidOperationException NotStarted(string component, string name) =>
        new($"{component} '{name}' is opened when the host starts: use it from a hosted service registered after AddBulwark, or after IHost.StartAsync.");

    public static ILogger HostingLogger(IServiceProvider services) =>
        (ILogger?)Loggers(services)?.CreateLogger(BulwarkLogCategories.Hosting) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>A <see cref="LocalFileSystemBackend"/> at <paramref name="path"/> (under the content root when relative), logging and metering through the container.</summary>
    public static IStorageBackend LocalBackend(IServiceProvider services, string path) =>
        new LocalFileSystemBackend(
            Path.GetFullPath(path, ContentRoot(services)),
            Loggers(services)?.CreateLogger(BulwarkLogCategories.Storage),
            Meters(services));

    public static bool HasConsensus(IServiceProvider services, string name)
    {
        if (services.GetService<IServiceProviderIsKeyedService>() is { } keyed && keyed.IsKeyedService(typeof(IConsensus), name))
        {
            return true;
        }

        return services.GetService<IServiceProviderIsService>() is { } plain && plain.IsService(typeof(IConsensus));
    }

    public static IConsensus Consensus(IServiceProvider services, string name, ShardHostOptions options) => options.Consensus switch
    {
        ShardConsensusKind.InMemory => new InMemoryConsensus(Meters(services)),
        ShardConsensusKind.File => new FileConsensus(
            Path.GetFullPath(options.ConsensusPath!, ContentRoot(services)),
            Loggers(services)?.CreateLogger(BulwarkLogCategories.FileConsensus),
            Meters(services)),
        _ => services.GetKeyedService<IConsensus>(name) ?? services.GetRequiredService<IConsensus>(),
    };
}

/// <summary>The <see cref="ILogger"/> categories Bulwark's components log under when the host creates them.</summary>
public static class BulwarkLogCategories
{
    /// <summary>The hosted services: components opened and stopped.</summary>
    public const string Hosting = "Bulwark.Hosting";

    /// <summary>Checkpointers (<see cref="Bulwark.Checkpoints.Checkpointer"/>).</summary>
    public const string Checkpoints = "Bulwark.Checkpoints.Checkpointer";

    /// <summary>Ingest controllers.</summary>
    public const string Ingest = "Bulwark.Ingest";

    /// <summary>Shards, their writers and readers (leases, heartbeats, appends, compaction, garbage collection).</summary>
    public const string Shards = "Bulwark.Shards.Shard";

    /// <summary>File consensus stores.</summary>
    public const string FileConsensus = "Bulwark.Shards.FileConsensus";

    /// <summary>Local file-system storage backends the host creates from a configured path.</summary>
    public const string Storage = "Bulwark.Storage.LocalFileSystemBackend";

    /// <summary>Upsert operators (created by application code with an UpsertOptions.LoggerFactory).</summary>
    public const string Upsert = "Bulwark.Upsert.UpsertOperator";
}
