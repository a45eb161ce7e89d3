using Bulwark.Records;
using Bulwark.Shards;
using Bulwark.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bulwark.Hosting;

/// <summary>
/// Registers Bulwark components on a host (see <see cref="BulwarkServiceCollectionExtensions.AddBulwark(IServiceCollection, IConfiguration)"/>).
/// Each component has a name: its options are bound from <c>{section}:{Kind}:{name}</c> and validated when the host
/// starts, it is resolved as a keyed service by that name, it runs as a hosted service and it has a health check
/// named <c>bulwark-{kind}-{name}</c> (tags <c>bulwark</c> and the kind).
/// </summary>
public sealed class BulwarkBuilder
{
    internal BulwarkBuilder(IServiceCollection services, IConfiguration? configuration, string sectionPath)
    {
        Services = services;
        Configuration = configuration;
        SectionPath = sectionPath;
    }

    public IServiceCollection Services { get; }

    /// <summary>The configuration section the components' options are bound from; null binds nothing (code only).</summary>
    public IConfiguration? Configuration { get; }

    /// <summary>The section's key, which validation messages name (<c>Bulwark</c> by default).</summary>
    public string SectionPath { get; }

    /// <summary>
    /// A checkpointer named <paramref name="name"/>, options from <c>Bulwark:Checkpoints:{name}</c>, resolved as a keyed
    /// <see cref="HostedCheckpointer"/>. Its store is <paramref name="storage"/>, or a local directory at <c>Path</c>.
    /// </summary>
    public BulwarkBuilder AddCheckpointer(string name = "default", Action<CheckpointerHostOptions>? configure = null, Func<IServiceProvider, IStorageBackend>? storage = null)
    {
        var info = Register("Checkpoints", name, storage is not null);
        var builder = Services.AddOptions<CheckpointerHostOptions>(name);
        if (Section(info) is { } section)
        {
            builder.Bind(section);
        }

        Configure(builder, configure).ValidateOnStart();
        Services.AddSingleton<IValidateOptions<CheckpointerHostOptions>>(new CheckpointerOptionsValidator(info));
        Services.AddKeyedSingleton(name, (sp, _) => new HostedCheckpointer(name, sp, storage));
        Services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<HostedCheckpointer>(name));
        AddHealthCheck("checkpoints", name, sp => new CheckpointerHealthCheck(sp.GetRequiredKeyedService<HostedCheckpointer>(name), HostedComponents.Time(sp)));
        return this;
    }

    /// <summary>
    /// An ingest controller named <paramref name="name"/>, options from <c>Bulwark:Ingest:{name}</c> (its WriterId
    /// defaults to the name), resolved as a keyed <see cref="HostedIngest"/>. Its dataset is <paramref name="storage"/>,
    /// or a local directory at <c>Path</c>.
    /// </summary>
    public BulwarkBuilder AddIngest(string name = "default", Action<IngestHostOptions>? configure = null, Func<IServiceProvider, IStorageBackend>? storage = null)
    {
        var info = Register("Ingest", name, storage is not null);
        var builder = Services.AddOptions<IngestHostOptions>(name);
        if (Section(info) is { } section)
        {
            builder.Bind(section);
        }

        Configure(builder, configure).ValidateOnStart();
        Services.AddSingleton<IValidateOptions<IngestHostOptions>>(sp => new IngestOptionsValidator(info, sp));
        Services.AddKeyedSingleton(name, (sp, _) => new HostedIngest(name, sp, storage));
        Services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<HostedIngest>(name));
        AddHealthCheck("ingest", name, sp => new IngestHealthCheck(sp.GetRequiredKeyedService<HostedIngest>(name)));
        return this;
    }

    /// <summary>
    /// A shard of <typeparamref name="T"/> named <paramref name="name"/> (its ShardId defaults to the name), options
    /// from <c>Bulwark:Shards:{name}</c>, resolved as a keyed <see cref="HostedShard{T}"/>. Its parts live in
    /// <paramref name="storage"/> or a local directory at <c>Path</c>; its state in <paramref name="consensus"/>, or as
    /// the <c>Consensus</c> option says.
    /// </summary>
    public BulwarkBuilder AddShard<T>(string name, Action<ShardHostOptions>? configure = null, Func<IServiceProvider, IStorageBackend>? storage = null, Func<IServiceProvider, IConsensus>? consensus = null)
        where T : IArrowRecord<T>
    {
        var info = Register("Shards", name, storage is not null);
        var builder = Services.AddOptions<ShardHostOptions>(name);
        if (Section(info) is { } section)
        {
            builder.Bind(section);
        }

        Configure(builder, configure).ValidateOnStart();
        Services.AddSingleton<IValidateOptions<ShardHostOptions>>(sp => new ShardOptionsValidator(info, consensus is not null, sp));
        Services.AddKeyedSingleton(name, (sp, _) => new HostedShard<T>(name, sp, storage, consensus));
        Services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<HostedShard<T>>(name));
        AddHealthCheck("shards", name, sp => new ShardHealthCheck<T>(sp.GetRequiredKeyedService<HostedShard<T>>(name), HostedComponents.Time(sp)));
        return this;
    }

    private static OptionsBuilder<TOptions> Configure<TOptions>(OptionsBuilder<TOptions> builder, Action<TOptions>? configure)
        where TOptions : class =>
        configure is null ? builder : builder.Configure(configure);

    private HostedComponentInfo Register(string kind, string name, bool hasStorage)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The name '{name}' must not contain ':' (it is a configuration key).", nameof(name));
        }

        var marker = new RegisteredName(kind, name);
        if (Services.Any(d => d.ServiceType == typeof(RegisteredName) && Equals(d.ImplementationInstance, marker)))
        {
            throw new InvalidOperationException($"{SectionPath}:{kind}:{name} is registered twice: give each {kind} component its own name.");
        }

        Services.AddSingleton(marker);
        return new HostedComponentInfo(name, $"{SectionPath}:{kind}:{name}", hasStorage);
    }

    private IConfigurationSection? Section(HostedComponentInfo info) =>
        Configuration?.GetSection(info.Section[(SectionPath.Length + 1)..]);

    private void AddHealthCheck(string kind, string name, Func<IServiceProvider, IHealthCheck> create) =>
        Services.AddHealthChecks().Add(new HealthCheckRegistration($"bulwark-{kind}-{name}", create, failureStatus: null, tags: ["bulwark", kind]));

    /// <summary>Marks a kind and name as taken, so that a second registration fails at once instead of fighting over one lock.</summary>
    internal sealed record RegisteredName(string Kind, string Name);
}
