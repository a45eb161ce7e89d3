using Bulwark.Records;
using Bulwark.Shards;
using Bulwark.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bulwark.Hosting;

/// <summary>
/// A <see cref="Shard{T}"/> opened when the host starts, with the writer (<see cref="ShardHostOptions.WriterId"/>) and
/// reader (<see cref="ShardHostOptions.ReaderId"/>) it is configured to hold: their lease heartbeats run until the host
/// stops, when they are disposed and their leases given back.
/// </summary>
public sealed class HostedShard<T> : IHostedService, IAsyncDisposable
    where T : IArrowRecord<T>
{
    private readonly IServiceProvider _services;
    private readonly Func<IServiceProvider, IStorageBackend>? _storage;
    private readonly Func<IServiceProvider, IConsensus>? _consensus;
    private Shard<T>? _shard;
    private ShardWriter<T>? _writer;
    private ShardReader<T>? _reader;
    private bool _stopped;

    internal HostedShard(string name, IServiceProvider services, Func<IServiceProvider, IStorageBackend>? storage, Func<IServiceProvider, IConsensus>? consensus)
    {
        Name = name;
        _services = services;
        _storage = storage;
        _consensus = consensus;
    }

    /// <summary>The registration's name.</summary>
    public string Name { get; }

    /// <summary>The options it was opened with (bound from <c>Bulwark:Shards:{name}</c>).</summary>
    public ShardHostOptions Options => _services.GetRequiredService<IOptionsMonitor<ShardHostOptions>>().Get(Name);

    /// <summary>The consensus store of the shard's state; null before the host starts.</summary>
    public IConsensus? Consensus { get; private set; }

    /// <summary>The storage of the shard's parts; null before the host starts.</summary>
    public IStorageBackend? Storage { get; private set; }

    /// <exception cref="InvalidOperationException">The host has not started it yet.</exception>
    public Shard<T> Shard => _shard ?? throw NotStarted();

    /// <summary>The writer the host holds.</summary>
    /// <exception cref="InvalidOperationException">The host has not started it yet, or no WriterId is configured.</exception>
    public ShardWriter<T> Writer => _writer
        ?? (_shard is null ? throw NotStarted() : throw new InvalidOperationException($"Shard '{Name}' has no hosted writer: set Bulwark:Shards:{Name}:WriterId."));

    /// <summary>The reader the host holds.</summary>
    /// <exception cref="InvalidOperationException">The host has not started it yet, or no ReaderId is configured.</exception>
    public ShardReader<T> Reader => _reader
        ?? (_shard is null ? throw NotStarted() : throw new InvalidOperationException($"Shard '{Name}' has no hosted reader: set Bulwark:Shards:{Name}:ReaderId."));

    internal bool IsOpen => _shard is not null && !_stopped;

    internal ShardWriter<T>? HeldWriter => _writer;

    internal ShardReader<T>? HeldReader => _reader;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = Options;
        Consensus = _consensus?.Invoke(_services) ?? HostedComponents.Consensus(_services, Name, options);
        Storage = _storage?.Invoke(_services) ?? HostedComponents.LocalBackend(_services, options.Path!);
        var shardOptions = HostOptionsMapping.ToShardOptions(options, HostedComponents.Time(_services), HostedComponents.Loggers(_services), HostedComponents.Meters(_services));
        _shard = await Shard<T>.OpenAsync(HostOptionsMapping.ShardId(options, Name), Consensus, Storage, shardOptions, cancellationToken).ConfigureAwait(false);
        if (options.WriterId is { } writerId)
        {
            _writer = await _shard.OpenWriterAsync(writerId, cancellationToken).ConfigureAwait(false);
        }

        if (options.ReaderId is { } readerId)
        {
            _reader = await _shard.OpenReaderAsync(readerId, ct: cancellationToken).ConfigureAwait(false);
        }

        HostingLog.Started(HostedComponents.HostingLogger(_services), "shard", Name, Storage.Description);
    }

    /// <summary>Stops the heartbeats and gives the leases back; stops waiting (not the release) when the host's token fires.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_shard is not null && !_stopped)
        {
            _stopped = true;
            await ReleaseAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            HostingLog.Stopped(HostedComponents.HostingLogger(_services), "shard", Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopped = true;
        await ReleaseAsync().ConfigureAwait(false);
    }

    private async Task ReleaseAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }

        if (_reader is not null)
        {
            await _reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    private InvalidOperationException NotStarted() => HostedComponents.NotStarted("Shard", Name);
}
