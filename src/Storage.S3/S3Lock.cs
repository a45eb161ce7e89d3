namespace Bulwark.Storage.S3;

/// <summary>A lock object in the bucket; disposing deletes it if it is still the object this holder created.</summary>
internal sealed class S3Lock(S3LockObjects locks, string path, StorageLockOwner owner, string? etag) : StorageLock(path, owner)
{
    private int released;

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            await locks.ReleaseAsync(Path, etag).ConfigureAwait(false);
        }
    }
}
