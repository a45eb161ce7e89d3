using Bulwark.Storage;
using static Bulwark.Tests.Worker.WorkerOutput;

namespace Bulwark.Tests.Worker;

/// <summary>
/// Prints a line as each file lands (<c>stored &lt;path&gt;</c>, once its pending file's commit returned) and as each
/// directory sync returns (<c>synced &lt;directory&gt;</c>, <c>.</c> for the root), so that a test can count its way to
/// a kill inside a flush — between its parts and its commit record — instead of timing one. With
/// <c>reportDeletes</c> also each deletion once it returned (<c>deleted &lt;path&gt;</c>, a directory with a trailing
/// <c>/</c>), to count into a garbage collection.
/// </summary>
internal sealed class ObservedBackend(IStorageBackend inner, bool reportDeletes = false) : IStorageBackend
{
    public string Description => inner.Description;

    public async ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) =>
        new ObservedPendingFile(await inner.CreateAsync(path, cancellationToken));

    public async ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) =>
        new ObservedPendingFile(await inner.CreateNewAsync(path, cancellationToken));

    public ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default) =>
        inner.CreateDirectoryAsync(directory, cancellationToken);

    public async ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        await inner.SyncDirectoryAsync(directory, cancellationToken);
        Say($"synced {(directory.Length == 0 ? "." : directory)}");
    }

    public ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(path, cancellationToken);

    public ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default) =>
        inner.ReadAllBytesAsync(path, maxBytes, cancellationToken);

    public ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default) =>
        inner.GetEntryAsync(path, cancellationToken);

    public ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default) =>
        inner.ListAsync(directory, cancellationToken);

    public async ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        var deleted = await inner.DeleteAsync(path, cancellationToken);
        if (reportDeletes)
        {
            Say($"deleted {path}");
        }

        return deleted;
    }

    public async ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        var deleted = await inner.DeleteDirectoryAsync(directory, cancellationToken);
        if (reportDeletes)
        {
            Say($"deleted {directory}/");
        }

        return deleted;
    }

    public ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default) =>
        inner.AcquireLockAsync(path, owner, cancellationToken);

    private sealed class ObservedPendingFile(PendingFile file) : PendingFile(file.Path)
    {
        public override Stream Stream => file.Stream;

        public override async ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            await file.CommitAsync(cancellationToken);
            IsCommitted = true;
            Say($"stored {Path}");
        }

        public override ValueTask DisposeAsync() => file.DisposeAsync();
    }
}
