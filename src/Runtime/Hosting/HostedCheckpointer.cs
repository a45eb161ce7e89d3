using Bulwark.Checkpoints;
using Bulwark.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bulwark.Hosting;

/// <summary>
/// A <see cref="Bulwark.Checkpoints.Checkpointer"/> whose lifetime is the host's: opened (store lock taken, store
/// recovered) when the host starts, disposed (lock released) when it stops. Resolve it by its name as a keyed service.
/// </summary>
public sealed class HostedCheckpointer : IHostedService, IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly Func<IServiceProvider, IStorageBackend>? _storage;
    private Checkpointer? _checkpointer;
    private bool _stopped;

    internal HostedCheckpointer(string name, IServiceProvider services, Func<IServiceProvider, IStorageBackend>? storage)
    {
        Name = name;
        _services = services;
        _storage = storage;
    }

    /// <summary>The registration's name.</summary>
    public string Name { get; }

    /// <summary>When the host opened it; null before.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>The options it was opened with (bound from <c>Bulwark:Checkpoints:{name}</c>).</summary>
    public CheckpointerHostOptions Options => _services.GetRequiredService<IOptionsMonitor<CheckpointerHostOptions>>().Get(Name);

    /// <summary>The open checkpointer.</summary>
    /// <exception cref="InvalidOperationException">The host has not started it yet.</exception>
    public Checkpointer Checkpointer => _checkpointer ?? throw HostedComponents.NotStarted("Checkpointer", Name);

    internal bool IsOpen => _checkpointer is not null && !_stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = Options;
        var backend = _storage?.Invoke(_services) ?? HostedComponents.LocalBackend(_services, options.Path!);
        _checkpointer = await Checkpointer.OpenAsync(
            backend,
            HostOptionsMapping.ToCheckpointerOptions(options, HostedComponents.Meters(_services)),
            HostedComponents.Loggers(_services)?.CreateLogger<Checkpointer>(),
            HostedComponents.Time(_services),
            cancellationToken).ConfigureAwait(false);
        StartedAt = HostedComponents.Time(_services).GetUtcNow();
        HostingLog.Started(HostedComponents.HostingLogger(_services), "checkpointer", Name, backend.Description);
    }

    /// <summary>Disposes the checkpointer: an operation in flight finishes first; stops waiting (not the disposal) when the host's token fires.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_checkpointer is { } checkpointer && !_stopped)
        {
            _stopped = true;
            await checkpointer.DisposeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            HostingLog.Stopped(HostedComponents.HostingLogger(_services), "checkpointer", Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_checkpointer is { } checkpointer)
        {
            _stopped = true;
            await checkpointer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
