using Bulwark.Ingest;
using Bulwark.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bulwark.Hosting;

/// <summary>
/// An <see cref="IngestController"/> whose flush loop runs as long as the host: opened (writer lock, recovery, loop
/// started) when the host starts; on stop, the bounded drain of <see cref="IngestController.ShutdownAsync"/>, cut short
/// by the host's shutdown token, after which what is left is spilled and every visit has its outcome.
/// </summary>
public sealed class HostedIngest : IHostedService, IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly Func<IServiceProvider, IStorageBackend>? _storage;
    private IngestController? _controller;
    private bool _stopped;

    internal HostedIngest(string name, IServiceProvider services, Func<IServiceProvider, IStorageBackend>? storage)
    {
        Name = name;
        _services = services;
        _storage = storage;
    }

    /// <summary>The registration's name.</summary>
    public string Name { get; }

    /// <summary>The options it was opened with (bound from <c>Bulwark:Ingest:{name}</c>).</summary>
    public IngestHostOptions Options => _services.GetRequiredService<IOptionsMonitor<IngestHostOptions>>().Get(Name);

    /// <summary>The dataset's storage; null before the host starts.</summary>
    public IStorageBackend? Storage { get; private set; }

    /// <summary>The running controller.</summary>
    /// <exception cref="InvalidOperationException">The host has not started it yet.</exception>
    public IngestController Controller => _controller ?? throw HostedComponents.NotStarted("Ingest controller", Name);

    internal bool IsOpen => _controller is not null && !_stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = Options;
        Storage = _storage?.Invoke(_services) ?? HostedComponents.LocalBackend(_services, options.Path!);
        _controller = await IngestController.OpenAsync(
            Storage,
            HostOptionsMapping.ToIngestOptions(options, Name, HostedComponents.ContentRoot(_services), HostedComponents.Meters(_services)),
            HostedComponents.Loggers(_services),
            HostedComponents.Time(_services),
            cancellationToken).ConfigureAwait(false);
        HostingLog.Started(HostedComponents.HostingLogger(_services), "ingest controller", Name, Storage.Description);
    }

    /// <summary>Drains and shuts the controller down; when <paramref name="cancellationToken"/> fires the drain ends and the rest is spilled.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_controller is { } controller && !_stopped)
        {
            _stopped = true;
            await controller.ShutdownAsync(cancellationToken).ConfigureAwait(false);
            HostingLog.Stopped(HostedComponents.HostingLogger(_services), "ingest controller", Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_controller is { } controller)
        {
            _stopped = true;
            await controller.DisposeAsync().ConfigureAwait(false);
        }
    }
}
