using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3;

/// <summary>
/// Directories on a store that has none: a directory exists while a key below it exists, and each directory the backend
/// creates gets a zero-byte marker <c>{dir}/</c> so it stays when its last file goes. Checks that span several requests
/// are not atomic against other writers: there is nothing to lock.
/// </summary>
internal sealed class S3Directories(S3Bucket bucket, ILogger logger)
{
    public async Task<bool> ExistsAsync(string normalized, CancellationToken cancellationToken)
    {
        if (normalized.Length == 0)
        {
            return true;
        }

        var request = new ListObjectsV2Request { BucketName = bucket.Name, Prefix = bucket.DirectoryKey(normalized), MaxKeys = 1 };
        var page = await bucket.CallAsync("inspect", normalized, token => bucket.Client.ListObjectsV2Async(request, token), cancellationToken).ConfigureAwait(false);
        return page.S3Objects is { Count: > 0 } || page.CommonPrefixes is { Count: > 0 };
    }

    /// <summary>Writes the markers of <paramref name="normalized"/> and its missing parents, refusing where a file is.</summary>
    public async Task EnsureAsync(string normalized, string forPath, CancellationToken cancellationToken)
    {
        if (normalized.Length == 0 || await MarkerExistsAsync(normalized, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var current = string.Empty;
        foreach (var segment in normalized.Split('/'))
        {
            current = S3Paths.Join(current, segment);
            if (current != normalized && await MarkerExistsAsync(current, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            if (await bucket.HeadAsync(current, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new StorageException($"Cannot create '{forPath}' in {bucket.Description}: '{current}' is a file, not a directory.");
            }

            var marker = new PutObjectRequest
            {
                BucketName = bucket.Name,
                Key = bucket.DirectoryKey(current),
                ContentBody = string.Empty,
                UseChunkEncoding = false,
                DisablePayloadSigning = bucket.UnsignedPayload,
            };
            await bucket.CallAsync("create directory", current, token => bucket.Client.PutObjectAsync(marker, token), cancellationToken).ConfigureAwait(false);
            S3Log.DirectoryCreated(logger, current, bucket.Description);
        }
    }

    public async Task RequireAsync(string normalized, CancellationToken cancellationToken)
    {
        if (await ExistsAsync(normalized, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        throw await bucket.HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null ? bucket.IsFile(normalized) : (IOException)bucket.DirectoryNotFound(normalized);
    }

    /// <summary>Deletes every key below the directory, one batch per listed page; a failure part-way leaves the rest.</summary>
    public async Task<bool> DeleteAsync(string normalized, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var page in bucket.ListPagesAsync(bucket.DirectoryKey(normalized), delimiter: null, normalized, cancellationToken).ConfigureAwait(false))
        {
            var keys = (page.S3Objects ?? []).Select(o => new KeyVersion { Key = o.Key }).ToList();
            if (keys.Count == 0)
            {
                continue;
            }

            var delete = new DeleteObjectsRequest { BucketName = bucket.Name, Objects = keys, Quiet = true };
            var result = await bucket.CallAsync("delete directory", normalized, token => bucket.Client.DeleteObjectsAsync(delete, token), cancellationToken).ConfigureAwait(false);
            if (result.DeleteErrors is { Count: > 0 } errors)
            {
                var first = errors[0];
                throw new StorageException($"Cannot delete directory {S3Paths.Display(normalized)} in {bucket.Description}: {errors.Count} of {keys.Count} objects were not deleted, the first '{first.Key}' ({first.Code}: {first.Message}).");
            }

            deleted += keys.Count;
        }

        if (deleted == 0 && await bucket.HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw bucket.IsFile(normalized);
        }

        return deleted > 0;
    }

    private async Task<bool> MarkerExistsAsync(string normalized, CancellationToken cancellationToken) =>
        await bucket.HeadKeyAsync(bucket.DirectoryKey(normalized), normalized, cancellationToken).ConfigureAwait(false) is not null;
}
