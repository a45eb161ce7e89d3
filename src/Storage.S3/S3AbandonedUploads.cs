using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3;

/// <summary>
/// Aborts the multipart uploads of writers that died mid-commit, whose parts S3 keeps (and bills) until they are
/// aborted. Nothing marks an upload as abandoned: the caller's cutoff must be older than any live commit.
/// </summary>
internal sealed class S3AbandonedUploads(S3Bucket bucket, ILogger logger)
{
    public async Task<int> AbortAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var aborted = 0;
        string? keyMarker = null;
        string? uploadIdMarker = null;
        do
        {
            var request = new ListMultipartUploadsRequest { BucketName = bucket.Name, Prefix = bucket.KeyPrefix, KeyMarker = keyMarker, UploadIdMarker = uploadIdMarker };
            var page = await bucket.CallAsync("list the multipart uploads of", string.Empty, token => bucket.Client.ListMultipartUploadsAsync(request, token), cancellationToken).ConfigureAwait(false);
            foreach (var upload in page.MultipartUploads ?? [])
            {
                var initiated = InitiatedAt(upload);
                if (initiated > cutoff)
                {
                    continue;
                }

                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    await bucket.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket.Name, Key = upload.Key, UploadId = upload.UploadId }, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
                {
                    continue; // completed or aborted meanwhile
                }
                catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, cancellationToken))
                {
                    throw new StorageException($"Cannot abort the multipart upload {upload.UploadId} of key '{upload.Key}' in {bucket.Description}: {S3Errors.Reason(exception)}", exception);
                }

                S3Log.AbandonedUploadAborted(logger, upload.UploadId, upload.Key, initiated, bucket.Description);
                aborted++;
            }

            var truncated = page.IsTruncated == true;
            keyMarker = truncated ? page.NextKeyMarker : null;
            uploadIdMarker = truncated ? page.NextUploadIdMarker : null;
        }
        while (keyMarker is not null);

        return aborted;
    }

    // A date without a kind is taken as UTC, the zone S3 reports in; an upload without a date counts as the oldest.
    private static DateTimeOffset InitiatedAt(MultipartUpload upload) =>
        upload.Initiated is { } when ? new DateTimeOffset(DateTime.SpecifyKind(when, when.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : when.Kind)) : DateTimeOffset.MinValue;
}
