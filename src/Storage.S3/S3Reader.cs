using Amazon.S3;
using Amazon.S3.Model;

namespace Bulwark.Storage.S3;

/// <summary>
/// Reads objects by GET. A missing object is a <see cref="FileNotFoundException"/>, or a <see cref="StorageException"/>
/// where a directory is, as on the file system; every other failure a <see cref="StorageException"/> naming the path.
/// </summary>
internal sealed class S3Reader(S3Bucket bucket, S3Directories directories)
{
    public async Task<Stream> OpenReadAsync(string normalized, CancellationToken cancellationToken)
    {
        var response = await GetObjectAsync(normalized, cancellationToken).ConfigureAwait(false);
        return new S3ReadStream(response, normalized, bucket.Description);
    }

    /// <summary>
    /// Asks for the length first (HEAD) so an object longer than <paramref name="maxBytes"/> is refused before anything is
    /// downloaded, and checks the GET's length again before allocating.
    /// </summary>
    public async Task<byte[]> ReadAllBytesAsync(string normalized, long maxBytes, CancellationToken cancellationToken)
    {
        var limit = Math.Min(maxBytes, Array.MaxLength);
        var head = await bucket.HeadAsync(normalized, cancellationToken).ConfigureAwait(false);
        if (head is null)
        {
            throw await MissingFileAsync(normalized, cancellationToken).ConfigureAwait(false);
        }

        if (head.ContentLength > limit)
        {
            throw TooLong(normalized, head.ContentLength, limit);
        }

        using var response = await GetObjectAsync(normalized, cancellationToken).ConfigureAwait(false);

        // Checked again: the object may have been replaced by a longer one since the HEAD.
        var length = response.ContentLength;
        if (length > limit)
        {
            throw TooLong(normalized, length, limit);
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        var read = 0;
        try
        {
            while (read < bytes.Length)
            {
                var count = await response.ResponseStream.ReadAsync(bytes.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (count == 0)
                {
                    throw new StorageException($"File '{normalized}' in {bucket.Description} ended after {read} of its {length} bytes while being read.");
                }

                read += count;
            }
        }
        catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, cancellationToken))
        {
            throw bucket.Failed("read", normalized, exception);
        }

        return bytes;
    }

    private async Task<GetObjectResponse> GetObjectAsync(string normalized, CancellationToken cancellationToken)
    {
        try
        {
            return await bucket.Client.GetObjectAsync(new GetObjectRequest { BucketName = bucket.Name, Key = bucket.ObjectKey(normalized) }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception exception) when (S3Errors.IsNoSuchKey(exception))
        {
            throw await MissingFileAsync(normalized, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, cancellationToken))
        {
            throw bucket.Failed("read", normalized, exception);
        }
    }

    private async Task<IOException> MissingFileAsync(string normalized, CancellationToken cancellationToken) =>
        await directories.ExistsAsync(normalized, cancellationToken).ConfigureAwait(false)
            ? bucket.IsDirectory(normalized)
            : new FileNotFoundException($"File '{normalized}' does not exist in {bucket.Description}.", normalized);

    private StorageException TooLong(string normalized, long length, long maxBytes) =>
        new($"File '{normalized}' in {bucket.Description} is {length} bytes long, more than the {maxBytes} bytes allowed; it was not read.");
}
