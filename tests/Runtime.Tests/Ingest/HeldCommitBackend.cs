using Bulwark.Storage;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// A pass-through backend that holds the commit of the next file a predicate picks until the test releases it, and
/// then performs it whatever its caller's token says by then: a destination whose publication, once under way, cannot
/// be called back (an upload in flight, a rename in the kernel).
/// </summary>
internal sealed class HeldCommitBackend(IStorageBackend inner, Func<string, bool> matches) : IStorageBackend
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    public string Description => $"held({inner.Description})";

    /// <summary>Completes when the held commit has started.</summary>
    public Task Reached => _reached.Task;

    public void Release() => _released.TrySetResult();

    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) => WrapAsync(path, inner.CreateAsync(path, cancellationToken));

    public ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) => WrapAsync(path, inner.CreateNewAsync(path, cancellationToken));

    public ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.CreateDirectoryAsync(directory, cancellationToken);

    public ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.SyncDirectoryAsync(directory, cancellationToken);

    public ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default) => inner.ReadAllBytesAsync(path, maxBytes, cancellationToken);

    public ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

    public ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default) => inner.GetEntryAsync(path, cancellationToken);

    public ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default) => inner.ListAsync(directory, cancellationToken);

    public ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    public ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.DeleteDirectoryAsync(directory, cancellationToken);

    public ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default) => inner.AcquireLockAsync(path, owner, cancellationToken);

    private async ValueTask<PendingFile> WrapAsync(string path, ValueTask<PendingFile> creation)
    {
        var file = await creation.ConfigureAwait(false);
        return matches(path) && Interlocked.Exchange(ref _held, 1) == 0 ? new HeldFile(file, this) : file;
    }

    private sealed class HeldFile(PendingFile inner, HeldCommitBackend owner) : PendingFile(inner.Path)
    {
        public override Stream Stream => inner.Stream;

        public override async ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            owner._reached.TrySetResult();
            await owner._released.Task.ConfigureAwait(false);
            await inner.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            IsCommitted = true;
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
