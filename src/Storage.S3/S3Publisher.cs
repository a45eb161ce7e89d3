namespace Bulwark.Storage.S3;

/// <summary>
/// Publishes a sealed buffer at a path: plainly, or create-new, which succeeds only where no object is. Create-new is
/// a conditional write where the server honours one, and otherwise a HEAD then a PUT under a process-wide lock on the
/// key, atomic only between writers of this process.
/// </summary>
internal sealed class S3Publisher(S3Bucket bucket, S3Directories directories, S3Uploader uploader, S3ConditionalWriteDetector conditionalWrites)
{
    private static readonly Action<string?> Untracked = static _ => { };

    public string Description => bucket.Description;

    /// <summary>Checks, just before publishing, that the path is still no directory and its parent still exists.</summary>
    public async Task CheckPublishableAsync(string normalized, CancellationToken cancellationToken)
    {
        if (await directories.ExistsAsync(normalized, cancellationToken).ConfigureAwait(false))
        {
            throw bucket.IsDirectory(normalized);
        }

        var parent = S3Paths.Parent(normalized);
        if (!await directories.ExistsAsync(parent, cancellationToken).ConfigureAwait(false))
        {
            throw new StorageException($"Cannot publish '{normalized}' in {bucket.Description}: its directory '{parent}' was deleted after the file was created.");
        }
    }

    public async Task<S3Uploader.Uploaded> PublishAsync(string normalized, PendingBuffer buffer, bool createNew, Action<string?> trackUpload, CancellationToken cancellationToken)
    {
        if (!createNew)
        {
            return await uploader.UploadAsync(normalized, buffer, ifNoneMatch: false, trackUpload, cancellationToken).ConfigureAwait(false);
        }

        return await PublishNewAsync(normalized, buffer, trackUpload, cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="StorageFileExistsException">An object is at the path; nothing was published.</exception>
    public async Task<S3Uploader.Uploaded> PublishNewAsync(string normalized, PendingBuffer buffer, Action<string?>? trackUpload, CancellationToken cancellationToken)
    {
        trackUpload ??= Untracked;
        if (await conditionalWrites.UsesNativeConditionalWritesAsync(cancellationToken).ConfigureAwait(false))
        {
            // A large file whose key is taken fails before its parts are uploaded; the conditional write stays the authority.
            if (uploader.IsMultipart(buffer.Length) && await bucket.HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new StorageFileExistsException(normalized, bucket.Description);
            }

            return await uploader.UploadAsync(normalized, buffer, ifNoneMatch: true, trackUpload, cancellationToken).ConfigureAwait(false);
        }

        using (await KeyedGate.EnterAsync(bucket.Endpoint, bucket.Name, bucket.ObjectKey(normalized), cancellationToken).ConfigureAwait(false))
        {
            if (await bucket.HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new StorageFileExistsException(normalized, bucket.Description);
            }

            return await uploader.UploadAsync(normalized, buffer, ifNoneMatch: false, trackUpload, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task AbortUploadAsync(string normalized, string uploadId) => uploader.AbortAsync(normalized, uploadId);
}
