using Bulwark.Storage;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// A store whose locks exclude nobody, as on object storage or a shared file system without working locks: every
/// <see cref="AcquireLockAsync"/> succeeds. Everything else goes to <see cref="Inner"/>.
/// </summary>
internal sealed class LocklessBackend(IStorageBackend inner) : IStorageBackend
{
    public IStorageBackend Inner => inner;

    public string Description => $"lockless({inner.Description})";

    public ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<StorageLock>(new Unenforced(StoragePath.Normalize(path), owner));

    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) => inner.CreateAsync(path, cancellationToken);

    public ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) => inner.CreateNewAsync(path, cancellationToken);

    public ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.CreateDirectoryAsync(directory, cancellationToken);

    public ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.SyncDirectoryAsync(directory, cancellationToken);

    public ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

    public ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default) => inner.ReadAllBytesAsync(path, maxBytes, cancellationToken);

    public ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default) => inner.GetEntryAsync(path, cancellationToken);

    public ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default) => inner.ListAsync(directory, cancellationToken);

    public ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    public ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.DeleteDirectoryAsync(directory, cancellationToken);

    private sealed class Unenforced(string path, StorageLockOwner owner) : StorageLock(path, owner)
    {
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
