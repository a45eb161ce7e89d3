using System.Net;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3;

/// <summary>
/// Locks on a store that cannot lock: the lock is an object holding its owner's record, published create-new so only
/// one holder gets it, and deleted on release only while it is still that holder's object (by ETag).
/// </summary>
internal sealed class S3LockObjects(S3Bucket bucket, S3Directories directories, S3Publisher publisher, S3Reader reader, string temporaryDirectory, ILogger logger)
{
    // A record (process, host, time, purpose) is small; the cap keeps whatever else sits at the path from being read whole.
    private const int MaxLockRecordBytes = 4096;

    public async Task<StorageLock> AcquireAsync(string normalized, StorageLockOwner owner, CancellationToken cancellationToken)
    {
        await directories.EnsureAsync(S3Paths.Parent(normalized), normalized, cancellationToken).ConfigureAwait(false);
        if (await directories.ExistsAsync(normalized, cancellationToken).ConfigureAwait(false))
        {
            throw bucket.IsDirectory(normalized);
        }

        var record = JsonSerializer.SerializeToUtf8Bytes(owner, S3JsonContext.Default.StorageLockOwner);
        var buffer = new PendingBuffer(normalized, int.MaxValue, temporaryDirectory);
        try
        {
            buffer.Write(record);
            buffer.Seal();
            string? etag;
            try
            {
                etag = (await publisher.PublishNewAsync(normalized, buffer, trackUpload: null, cancellationToken).ConfigureAwait(false)).ETag;
            }
            catch (StorageFileExistsException exception)
            {
                throw new StorageLockedException(normalized, bucket.Description, await ReadHolderAsync(normalized, cancellationToken).ConfigureAwait(false), exception);
            }

            return new S3Lock(this, normalized, owner, etag);
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>
    /// A service or transport failure is logged, not thrown: a release runs on dispose, where it must not hide the error
    /// that got the caller there.
    /// </summary>
    public async Task ReleaseAsync(string normalized, string? etag)
    {
        try
        {
            try
            {
                await bucket.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket.Name, Key = bucket.ObjectKey(normalized), IfMatch = etag }).ConfigureAwait(false);
            }
            catch (AmazonS3Exception exception) when (etag is not null && S3Errors.IsConditionalHeaderRefused(exception))
            {
                // A server that refuses conditional deletes: the lock object is released unconditionally.
                await bucket.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket.Name, Key = bucket.ObjectKey(normalized) }).ConfigureAwait(false);
            }
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            S3Log.LockNotReleased(logger, exception, normalized, bucket.Description, "the lock object was replaced by another holder's, which is left in place");
        }
        catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, CancellationToken.None))
        {
            S3Log.LockNotReleased(logger, exception, normalized, bucket.Description, S3Errors.Reason(exception));
        }
    }

    private async Task<StorageLockOwner?> ReadHolderAsync(string normalized, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = await reader.ReadAllBytesAsync(normalized, MaxLockRecordBytes, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize(bytes, S3JsonContext.Default.StorageLockOwner);
        }
        catch (Exception exception) when (exception is IOException or JsonException)
        {
            return null; // gone meanwhile, too long or unreadable: it only feeds the message
        }
    }
}
