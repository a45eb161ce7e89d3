using Amazon.S3;
using Amazon.S3.Model;

namespace Bulwark.Storage.S3;

/// <summary>
/// Sends a sealed <see cref="PendingBuffer"/> as one object: one PUT, or above the threshold a multipart upload whose
/// parts go in parallel and which only <c>CompleteMultipartUpload</c> makes visible. Either way readers see the old
/// object or the new one, never a part. Every body carries Content-MD5, so the server checks what it stores.
/// </summary>
internal sealed class S3Uploader(S3Bucket bucket, long multipartThreshold, long partSize, int concurrency)
{
    private const int ConditionalConflictRetries = 3;

    public bool IsMultipart(long length) => length > multipartThreshold;

    /// <summary>
    /// With <c>ifNoneMatch</c> a key already taken is a <see cref="StorageFileExistsException"/>. <c>trackUpload</c> is told
    /// a multipart upload's id once started and null once completed, so a caller whose commit fails can abort it.
    /// </summary>
    public async Task<Uploaded> UploadAsync(string normalized, PendingBuffer buffer, bool ifNoneMatch, Action<string?> trackUpload, CancellationToken cancellationToken)
    {
        if (!IsMultipart(buffer.Length))
        {
            return await PutAsync(normalized, buffer, ifNoneMatch, cancellationToken).ConfigureAwait(false);
        }

        return await MultipartUploadAsync(normalized, buffer, ifNoneMatch, trackUpload, cancellationToken).ConfigureAwait(false);
    }

    public async Task AbortAsync(string normalized, string uploadId)
    {
        // Not cancellable: this runs when a commit failed or was cancelled, and the parts must not be left behind.
        await bucket.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket.Name, Key = bucket.ObjectKey(normalized), UploadId = uploadId }).ConfigureAwait(false);
    }

    private async Task<Uploaded> PutAsync(string normalized, PendingBuffer buffer, bool ifNoneMatch, CancellationToken cancellationToken)
    {
        using var body = new BufferSliceStream(buffer, 0, buffer.Length);
        var md5 = await body.ComputeMd5Async(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            body.Position = 0;
            var request = new PutObjectRequest
            {
                BucketName = bucket.Name,
                Key = bucket.ObjectKey(normalized),
                InputStream = body,
                AutoCloseStream = false,
                AutoResetStreamPosition = true,
                MD5Digest = md5,
                ContentType = "application/octet-stream",
                UseChunkEncoding = false,
                DisablePayloadSigning = bucket.UnsignedPayload,
                IfNoneMatch = ifNoneMatch ? "*" : null,
            };
            try
            {
                var response = await bucket.Client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
                return new Uploaded(response.ETag, 1);
            }
            catch (AmazonS3Exception exception) when (ifNoneMatch && S3Errors.IsPreconditionFailed(exception))
            {
                throw new StorageFileExistsException(normalized, bucket.Description, exception);
            }
            catch (AmazonS3Exception exception) when (ifNoneMatch && S3Errors.IsConditionalConflict(exception) && attempt < ConditionalConflictRetries)
            {
                // A race with another write in flight, not an answer: asking again decides it.
            }
            catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, cancellationToken))
            {
                throw bucket.Failed("upload", normalized, exception);
            }
        }
    }

    private async Task<Uploaded> MultipartUploadAsync(string normalized, PendingBuffer buffer, bool ifNoneMatch, Action<string?> trackUpload, CancellationToken cancellationToken)
    {
        var key = bucket.ObjectKey(normalized);
        var length = buffer.Length;

        // Parts grow past the configured size where the file would otherwise need more parts than S3 accepts.
        var size = Math.Max(partSize, (length + S3StorageOptions.MaximumPartCount - 1) / S3StorageOptions.MaximumPartCount);
        var count = (int)((length + size - 1) / size);
        var started = await bucket.CallAsync(
            "start the multipart upload of",
            normalized,
            token => bucket.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket.Name, Key = key, ContentType = "application/octet-stream" }, token),
            cancellationToken).ConfigureAwait(false);
        var uploadId = started.UploadId;
        trackUpload(uploadId);
        var parts = new PartETag[count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var offset = index * size;
                using var body = new BufferSliceStream(buffer, offset, Math.Min(size, length - offset));
                var md5 = await body.ComputeMd5Async(token).ConfigureAwait(false);
                var request = new UploadPartRequest
                {
                    BucketName = bucket.Name,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = index + 1,
                    InputStream = body,
                    PartSize = body.Length,
                    MD5Digest = md5,
                    UseChunkEncoding = false,
                    DisablePayloadSigning = bucket.UnsignedPayload,
                };
                var response = await bucket.CallAsync($"upload part {index + 1} of {count} of", normalized, t => bucket.Client.UploadPartAsync(request, t), token).ConfigureAwait(false);
                parts[index] = new PartETag(index + 1, response.ETag);
            }).ConfigureAwait(false);

        for (var attempt = 1; ; attempt++)
        {
            var complete = new CompleteMultipartUploadRequest { BucketName = bucket.Name, Key = key, UploadId = uploadId, PartETags = [.. parts], IfNoneMatch = ifNoneMatch ? "*" : null };
            try
            {
                var response = await bucket.Client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
                trackUpload(null);
                return new Uploaded(response.ETag, count);
            }
            catch (AmazonS3Exception exception) when (ifNoneMatch && S3Errors.IsPreconditionFailed(exception))
            {
                throw new StorageFileExistsException(normalized, bucket.Description, exception);
            }
            catch (AmazonS3Exception exception) when (ifNoneMatch && S3Errors.IsConditionalConflict(exception) && attempt < ConditionalConflictRetries)
            {
                // A race with another write in flight, not an answer: asking again decides it.
            }
            catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, cancellationToken))
            {
                throw bucket.Failed("complete the multipart upload of", normalized, exception);
            }
        }
    }

    /// <summary>What an upload published: the object's ETag and how many parts it took (1 for a single PUT).</summary>
    internal readonly record struct Uploaded(string? ETag, int Parts);
}
