using Bulwark.Storage;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// A pass-through backend that can hold one read at its start until the test releases it: a reader that has loaded a
/// state and is about to read its parts, frozen while compaction and garbage collection run.
/// </summary>
internal sealed class GatedBackend(IStorageBackend inner) : IStorageBackend
{
    private readonly Lock _lock = new();
    private Gate? _gate;

    public string Description => $"gated({inner.Description})";

    /// <summary>Holds the next read of a path <paramref name="matches"/> accepts.</summary>
    public Gate HoldNextRead(Func<string, bool> matches)
    {
        lock (_lock)
        {
            return _gate = new Gate(matches);
        }
    }

    public async ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        await WaitIfGatedAsync(path).ConfigureAwait(false);
        return await inner.ReadAllBytesAsync(path, maxBytes, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        await WaitIfGatedAsync(path).ConfigureAwait(false);
        return await inner.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) => inner.CreateAsync(path, cancellationToken);

    public ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) => inner.CreateNewAsync(path, cancellationToken);

    public ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.CreateDirectoryAsync(directory, cancellationToken);

    public ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.SyncDirectoryAsync(directory, cancellationToken);

    public ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default) => inner.GetEntryAsync(path, cancellationToken);

    public ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default) => inner.ListAsync(directory, cancellationToken);

    public ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    public ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.DeleteDirectoryAsync(directory, cancellationToken);

    public ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default) => inner.AcquireLockAsync(path, owner, cancellationToken);

    private async Task WaitIfGatedAsync(string path)
    {
        Gate? gate;
        lock (_lock)
        {
            gate = _gate is { } g && g.Matches(path) ? g : null;
            if (gate is not null)
            {
                _gate = null;
            }
        }

        if (gate is not null)
        {
            gate.Arrive();
            await gate.Released.ConfigureAwait(false);
        }
    }

    public sealed class Gate(Func<string, bool> matches)
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Func<string, bool> Matches { get; } = matches;

        /// <summary>Completes when the held read has started.</summary>
        public Task Reached => _reached.Task;

        public Task Released => _released.Task;

        public void Release() => _released.TrySetResult();

        public void Arrive() => _reached.TrySetResult();
    }
}
