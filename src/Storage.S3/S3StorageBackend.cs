using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Storage.S3;

/// <summary>
/// An <see cref="IStorageBackend"/> over the objects of an S3 bucket below a key prefix (Amazon S3 or an S3-compatible
/// server). A path <c>a/b</c> is the object <c>{prefix}/a/b</c>; every path goes through <see cref="StoragePath.Normalize"/>
/// first, so no path a caller (or a corrupt manifest) passes can name a key outside the prefix.
/// </summary>
/// <remarks>
/// <para>
/// Writes: a <see cref="PendingFile"/> buffers its bytes locally (memory, then a temporary file) and uploads nothing
/// until <see cref="PendingFile.CommitAsync"/>, which publishes them with one PUT, or for files above
/// <see cref="S3StorageOptions.MultipartThreshold"/> with a multipart upload that the same commit completes. An S3 PUT is
/// atomic and durable once it succeeds, so readers see the old object or the new one, never a part, and
/// <see cref="SyncDirectoryAsync"/> has nothing to make durable: it only checks that the directory exists.
/// </para>
/// <para>
/// Directories: S3 has none. A directory exists while a key below it exists; the backend makes each directory it creates
/// (explicitly, or as the parent of a file) a zero-byte marker object <c>{prefix}/dir/</c>, so an empty directory exists
/// as on a file system and deleting a file or a sub-directory never makes its parent vanish. Listings use the '/'
/// delimiter: sub-directories are the common prefixes. Checks that span several requests (a file is not created where a
/// directory is, a commit into a directory deleted meanwhile fails) are not atomic against other writers.
/// </para>
/// <para>
/// Create-new and locks: <see cref="CreateNewAsync"/> and <see cref="AcquireLockAsync"/> publish with
/// <c>If-None-Match: *</c>, which Amazon S3 honours atomically. A server that ignores the header is detected (see
/// <see cref="S3ConditionalWrites.Detect"/>) and served by check-then-put instead, with a logged warning.
/// </para>
/// </remarks>
public sealed class S3StorageBackend : IStorageBackend, IDisposable
{
    private const int DeleteBatchSize = 1000;
    private const int MaxLockRecordBytes = 4096;
    private const int ConditionalConflictRetries = 3;

    private readonly IAmazonS3 client;
    private readonly bool ownsClient;
    private readonly string bucket;
    private readonly string keyPrefix;
    private readonly string endpoint;
    private readonly bool unsignedPayload;
    private readonly long multipartThreshold;
    private readonly long partSize;
    private readonly int concurrency;
    private readonly int memoryBufferLimit;
    private readonly string temporaryDirectory;
    private readonly S3ConditionalWrites conditionalWrites;
    private readonly ILogger logger;
    private readonly SemaphoreSlim probeGate = new(1, 1);
    // 0: not decided yet; 1: the server honours If-None-Match; 2: check-then-put.
    private int conditionalWriteMode;

    /// <exception cref="ArgumentException">The options are incomplete or out of range.</exception>
    /// <exception cref="StoragePathException">The prefix is not a valid storage path.</exception>
    public S3StorageBackend(S3StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket, nameof(options.Bucket));
        if (options.MultipartPartSize < S3StorageOptions.MinimumPartSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MultipartPartSize, $"MultipartPartSize must be at least {S3StorageOptions.MinimumPartSize} bytes, S3's smallest part.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(options.MultipartThreshold, nameof(options.MultipartThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MultipartConcurrency, 1, nameof(options.MultipartConcurrency));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MemoryBufferLimit, nameof(options.MemoryBufferLimit));

        bucket = options.Bucket;
        Prefix = S3Paths.Normalize(options.Prefix);
        keyPrefix = Prefix.Length == 0 ? string.Empty : Prefix + "/";
        multipartThreshold = options.MultipartThreshold;
        partSize = options.MultipartPartSize;
        concurrency = options.MultipartConcurrency;
        memoryBufferLimit = options.MemoryBufferLimit;
        temporaryDirectory = options.TemporaryDirectory ?? Path.GetTempPath();
        conditionalWrites = options.ConditionalWrites;
        logger = options.Logger ?? NullLogger.Instance;

        if (options.Client is { } given)
        {
            client = given;
        }
        else
        {
            client = CreateClient(options);
            ownsClient = true;
        }

        endpoint = client.Config.ServiceURL ?? $"Amazon S3 ({client.Config.RegionEndpoint?.SystemName ?? options.Region})";

        // Over TLS the transport protects the body and Content-MD5 checks it: no need to hash it again for the signature.
        unsignedPayload = client.Config.ServiceURL is null || client.Config.ServiceURL.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        Description = $"S3 bucket '{bucket}'" + (keyPrefix.Length == 0 ? string.Empty : $" under prefix '{keyPrefix}'") + (client.Config.ServiceURL is { } url ? $" at {url}" : string.Empty);
    }

    /// <summary>Names the bucket, the prefix and (for an S3-compatible server) the endpoint, for messages.</summary>
    public string Description { get; }

    /// <summary>The bucket.</summary>
    public string Bucket => bucket;

    /// <summary>The normalized key prefix ("" for the whole bucket).</summary>
    public string Prefix { get; }

    /// <summary>The client requests go through.</summary>
    public IAmazonS3 Client => client;

    public override string ToString() => Description;

    public void Dispose()
    {
        if (ownsClient)
        {
            client.Dispose();
        }

        probeGate.Dispose();
    }

    public async ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) =>
        await CreatePendingAsync(path, createNew: false, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Like <see cref="CreateAsync"/>, but <see cref="PendingFile.CommitAsync"/> publishes only if no committed file exists
    /// at the path, atomically (a conditional write, <c>If-None-Match: *</c>); otherwise the commit throws
    /// <see cref="StorageFileExistsException"/> and publishes nothing. On a server that ignores conditional writes the
    /// check and the write are atomic only between writers of this process (see <see cref="S3ConditionalWrites"/>).
    /// </summary>
    public async ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) =>
        await CreatePendingAsync(path, createNew: true, cancellationToken).ConfigureAwait(false);

    /// <summary>Writes a zero-byte marker for <paramref name="directory"/> and each missing parent ("" is a no-op).</summary>
    public async ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.Normalize(directory);
        await EnsureDirectoryAsync(normalized, normalized, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Only checks that <paramref name="directory"/> exists: a successful S3 PUT or DELETE is already durable and
    /// visible, so there is no rename to make durable.
    /// </summary>
    public async ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.Normalize(directory);
        await RequireDirectoryAsync(normalized, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A stream over the object's body as it was when the request was answered; it does not seek.</summary>
    public async ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(path);
        var response = await GetObjectAsync(normalized, cancellationToken).ConfigureAwait(false);
        return new S3ReadStream(response, normalized, Description);
    }

    /// <summary>Asks for the object's length first (HEAD) and refuses one longer than <paramref name="maxBytes"/> before downloading anything.</summary>
    public async ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(path);
        var limit = Math.Min(maxBytes, Array.MaxLength);
        var head = await HeadAsync(normalized, cancellationToken).ConfigureAwait(false);
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
                    throw new StorageException($"File '{normalized}' in {Description} ended after {read} of its {length} bytes while being read.");
                }

                read += count;
            }
        }
        catch (Exception exception) when (IsServiceOrTransportFailure(exception, cancellationToken))
        {
            throw Failed("read", normalized, exception);
        }

        return bytes;
    }

    public async ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.Normalize(path);
        if (normalized.Length == 0)
        {
            return new StorageEntry(normalized, true, 0);
        }

        if (await HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is { } head)
        {
            return new StorageEntry(normalized, false, head.ContentLength);
        }

        return await DirectoryExistsAsync(normalized, cancellationToken).ConfigureAwait(false) ? new StorageEntry(normalized, true, 0) : null;
    }

    /// <summary>One delimiter listing (paged): objects are files, common prefixes directories; ordered by name.</summary>
    public async ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.Normalize(directory);
        var listPrefix = DirectoryKey(normalized);
        var entries = new List<StorageEntry>();
        var anything = normalized.Length == 0;
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = bucket, Prefix = listPrefix, Delimiter = "/", ContinuationToken = continuation, MaxKeys = ListPageSize };
            var page = await CallAsync("list", normalized, token => client.ListObjectsV2Async(request, token), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                anything = true;
                if (item.Key.Length == listPrefix.Length)
                {
                    continue; // the directory's own marker
                }

                AddEntry(entries, normalized, item.Key[listPrefix.Length..], isDirectory: false, item.Size ?? 0);
            }

            foreach (var common in page.CommonPrefixes ?? [])
            {
                anything = true;
                AddEntry(entries, normalized, common[listPrefix.Length..^1], isDirectory: true, 0);
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);

        if (!anything)
        {
            throw await HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null
                ? IsFile(normalized)
                : (IOException)DirectoryNotFound(normalized);
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name) is var byName and not 0 ? byName : a.IsDirectory.CompareTo(b.IsDirectory));
        return entries;
    }

    public async ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(path);
        if (await HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is null)
        {
            return await DirectoryExistsAsync(normalized, cancellationToken).ConfigureAwait(false) ? throw IsDirectory(normalized) : false;
        }

        await CallAsync("delete", normalized, token => client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = ObjectKey(normalized) }, token), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Deletes every object below the directory, a batch of up to 1000 keys per request. Not atomic: a failure part-way
    /// leaves the rest of the directory in place (and visible); calling it again finishes the job.
    /// </summary>
    public async ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(directory);
        var listPrefix = DirectoryKey(normalized);
        var deleted = 0;
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = bucket, Prefix = listPrefix, ContinuationToken = continuation, MaxKeys = ListPageSize };
            var page = await CallAsync("list", normalized, token => client.ListObjectsV2Async(request, token), cancellationToken).ConfigureAwait(false);
            var keys = (page.S3Objects ?? []).Select(o => new KeyVersion { Key = o.Key }).ToList();
            if (keys.Count > 0)
            {
                var delete = new DeleteObjectsRequest { BucketName = bucket, Objects = keys, Quiet = true };
                var result = await CallAsync("delete directory", normalized, token => client.DeleteObjectsAsync(delete, token), cancellationToken).ConfigureAwait(false);
                if (result.DeleteErrors is { Count: > 0 } errors)
                {
                    var first = errors[0];
                    throw new StorageException($"Cannot delete directory {S3Paths.Display(normalized)} in {Description}: {errors.Count} of {keys.Count} objects were not deleted, the first '{first.Key}' ({first.Code}: {first.Message}).");
                }

                deleted += keys.Count;
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);

        if (deleted == 0 && await HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw IsFile(normalized);
        }

        return deleted > 0;
    }

    /// <summary>
    /// Object storage has no locks: the lock is an object holding the owner's record, created only where none exists
    /// (<c>If-None-Match: *</c>) and deleted on dispose (only if it is still the object this call created). A present lock
    /// object refuses the lock, naming the holder it records. A holder that dies leaves its lock object behind: remove it
    /// with <see cref="DeleteAsync"/> once the named holder is known to be gone. Like every lock on object storage it is
    /// advisory: callers that must never overlap fence their writes (as the checkpointer does with its writer epoch).
    /// </summary>
    public async ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(path);
        await EnsureDirectoryAsync(S3Paths.Parent(normalized), normalized, cancellationToken).ConfigureAwait(false);
        if (await DirectoryExistsAsync(normalized, cancellationToken).ConfigureAwait(false))
        {
            throw IsDirectory(normalized);
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
                etag = (await PutNewAsync(normalized, buffer, cancellationToken).ConfigureAwait(false)).ETag;
            }
            catch (StorageFileExistsException exception)
            {
                throw new StorageLockedException(normalized, Description, await ReadLockHolderAsync(normalized, cancellationToken).ConfigureAwait(false), exception);
            }

            return new S3Lock(this, normalized, owner, etag);
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>
    /// Aborts the multipart uploads below the prefix that were started more than <paramref name="olderThan"/> ago: the
    /// uploads of writers that died mid-commit, whose parts S3 keeps (and bills) until they are aborted. Call it where no
    /// commit can have been running that long.
    /// </summary>
    /// <param name="olderThan">How long ago an upload must have started to be taken as abandoned.</param>
    /// <param name="timeProvider">The clock to compare with; the system clock when null.</param>
    /// <param name="cancellationToken">Stops between aborts.</param>
    /// <returns>How many uploads were aborted.</returns>
    public async ValueTask<int> AbortAbandonedUploadsAsync(TimeSpan olderThan, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var cutoff = (timeProvider ?? TimeProvider.System).GetUtcNow() - olderThan;
        var aborted = 0;
        string? keyMarker = null;
        string? uploadIdMarker = null;
        do
        {
            var request = new ListMultipartUploadsRequest { BucketName = bucket, Prefix = keyPrefix, KeyMarker = keyMarker, UploadIdMarker = uploadIdMarker };
            var page = await CallAsync("list the multipart uploads of", string.Empty, token => client.ListMultipartUploadsAsync(request, token), cancellationToken).ConfigureAwait(false);
            foreach (var upload in page.MultipartUploads ?? [])
            {
                var initiated = upload.Initiated is { } when ? new DateTimeOffset(DateTime.SpecifyKind(when, when.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : when.Kind)) : DateTimeOffset.MinValue;
                if (initiated > cutoff)
                {
                    continue;
                }

                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = upload.Key, UploadId = upload.UploadId }, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
                {
                    continue; // completed or aborted meanwhile
                }
                catch (Exception exception) when (IsServiceOrTransportFailure(exception, cancellationToken))
                {
                    throw new StorageException($"Cannot abort the multipart upload {upload.UploadId} of key '{upload.Key}' in {Description}: {Reason(exception)}", exception);
                }

                S3Log.AbandonedUploadAborted(logger, upload.UploadId, upload.Key, initiated, Description);
                aborted++;
            }

            var truncated = page.IsTruncated == true;
            keyMarker = truncated ? page.NextKeyMarker : null;
            uploadIdMarker = truncated ? page.NextUploadIdMarker : null;
        }
        while (keyMarker is not null);

        return aborted;
    }

    internal ILogger Logger => logger;

    /// <summary>Keys asked for per listing request (S3 answers at most 1000); tests make it small to page.</summary>
    internal int ListPageSize { get; set; } = DeleteBatchSize;

    internal string ObjectKey(string normalized) => keyPrefix + normalized;

    /// <summary>The listing prefix (and the marker key) of a directory; the key prefix itself for the root.</summary>
    internal string DirectoryKey(string normalized) => normalized.Length == 0 ? keyPrefix : keyPrefix + normalized + "/";

    internal async Task DeleteLockAsync(string normalized, string? etag)
    {
        try
        {
            try
            {
                await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = ObjectKey(normalized), IfMatch = etag }).ConfigureAwait(false);
            }
            catch (AmazonS3Exception exception) when (etag is not null && exception.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.BadRequest)
            {
                // A server that refuses conditional deletes: the lock object is released unconditionally.
                await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = ObjectKey(normalized) }).ConfigureAwait(false);
            }
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            S3Log.LockNotReleased(logger, exception, normalized, Description, "the lock object was replaced by another holder's, which is left in place");
        }
        catch (Exception exception) when (IsServiceOrTransportFailure(exception, CancellationToken.None))
        {
            S3Log.LockNotReleased(logger, exception, normalized, Description, Reason(exception));
        }
    }

    /// <summary>Uploads the sealed buffer to <paramref name="normalized"/>: one PUT or a multipart upload.</summary>
    internal async Task<Uploaded> UploadAsync(string normalized, PendingBuffer buffer, bool createNew, Action<string?> trackUpload, CancellationToken cancellationToken)
    {
        if (!createNew)
        {
            return await UploadUnconditionallyAsync(normalized, buffer, ifNoneMatch: false, trackUpload, cancellationToken).ConfigureAwait(false);
        }

        return await PutNewAsync(normalized, buffer, cancellationToken, trackUpload).ConfigureAwait(false);
    }

    internal StorageException Failed(string action, string normalized, Exception exception) =>
        new($"Cannot {action} {S3Paths.Display(normalized)} in {Description}: {Reason(exception)}", exception);

    internal async Task AbortUploadAsync(string normalized, string uploadId)
    {
        // Not cancellable: this runs when a commit failed or was cancelled, and the parts must not be left behind.
        await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = ObjectKey(normalized), UploadId = uploadId }).ConfigureAwait(false);
    }

    internal static bool IsServiceOrTransportFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested, // an SDK timeout, not the caller's cancellation
        StorageException => false,
        AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException => true,
        _ => false,
    };

    internal static string Reason(Exception exception)
    {
        switch (exception)
        {
            case AmazonServiceException service:
                var code = string.IsNullOrEmpty(service.ErrorCode) ? service.StatusCode.ToString() : service.ErrorCode;
                var status = service.StatusCode == 0 ? string.Empty : $" (HTTP {(int)service.StatusCode})";
                return $"{code}{status}: {Innermost(service)}";
            case OperationCanceledException:
                return $"the request timed out ({exception.Message})";
            default:
                return Innermost(exception);
        }
    }

    /// <summary>What a read of a path without an object throws: the path is a directory, or no file is there.</summary>
    internal async Task<IOException> MissingFileAsync(string normalized, CancellationToken cancellationToken) =>
        await DirectoryExistsAsync(normalized, cancellationToken).ConfigureAwait(false)
            ? IsDirectory(normalized)
            : new FileNotFoundException($"File '{normalized}' does not exist in {Description}.", normalized);

    internal StorageException IsDirectory(string normalized) => new($"'{normalized}' in {Description} is a directory, not a file.");

    internal async Task<bool> DirectoryExistsAsync(string normalized, CancellationToken cancellationToken)
    {
        if (normalized.Length == 0)
        {
            return true;
        }

        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = DirectoryKey(normalized), MaxKeys = 1 };
        var page = await CallAsync("inspect", normalized, token => client.ListObjectsV2Async(request, token), cancellationToken).ConfigureAwait(false);
        return page.S3Objects is { Count: > 0 } || page.CommonPrefixes is { Count: > 0 };
    }

    internal async Task<T> CallAsync<T>(string action, string normalized, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsServiceOrTransportFailure(exception, cancellationToken))
        {
            throw Failed(action, normalized, exception);
        }
    }

    private static string Innermost(Exception exception)
    {
        var message = exception.Message;
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!string.IsNullOrEmpty(inner.Message) && !message.Contains(inner.Message, StringComparison.Ordinal))
            {
                message += " -> " + inner.Message;
            }
        }

        return message;
    }

    private static AmazonS3Client CreateClient(S3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            // Checksums only where an operation requires one: S3-compatible servers often cannot read the aws-chunked
            // trailers the SDK sends otherwise. Content-MD5 (set on every upload) lets the server check each body.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            AuthenticationRegion = options.Region,
        };
        if (options.ServiceUrl is { } url)
        {
            config.ServiceURL = url;
            config.ForcePathStyle = true;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        if (options.MaxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
        }

        return options.Credentials is { } credentials ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
    }

    private static bool IsPreconditionFailed(AmazonS3Exception exception) => exception.StatusCode == HttpStatusCode.PreconditionFailed;

    private static bool IsConditionalConflict(AmazonS3Exception exception) =>
        exception.StatusCode == HttpStatusCode.Conflict && string.Equals(exception.ErrorCode, "ConditionalRequestConflict", StringComparison.Ordinal);

    private async Task<PendingFile> CreatePendingAsync(string path, bool createNew, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(path);
        await EnsureDirectoryAsync(S3Paths.Parent(normalized), normalized, cancellationToken).ConfigureAwait(false);
        if (await DirectoryExistsAsync(normalized, cancellationToken).ConfigureAwait(false))
        {
            throw IsDirectory(normalized);
        }

        return new S3PendingFile(this, normalized, new PendingBuffer(normalized, memoryBufferLimit, temporaryDirectory), createNew);
    }

    /// <summary>Checks, just before publishing, that the path is still no directory and its parent still exists.</summary>
    internal async Task CheckPublishableAsync(string normalized, CancellationToken cancellationToken)
    {
        if (await DirectoryExistsAsync(normalized, cancellationToken).ConfigureAwait(false))
        {
            throw IsDirectory(normalized);
        }

        var parent = S3Paths.Parent(normalized);
        if (!await DirectoryExistsAsync(parent, cancellationToken).ConfigureAwait(false))
        {
            throw new StorageException($"Cannot publish '{normalized}' in {Description}: its directory '{parent}' was deleted after the file was created.");
        }
    }

    private async Task<Uploaded> PutNewAsync(string normalized, PendingBuffer buffer, CancellationToken cancellationToken, Action<string?>? trackUpload = null)
    {
        trackUpload ??= static _ => { };
        if (await UsesNativeConditionalWritesAsync(cancellationToken).ConfigureAwait(false))
        {
            // A large file whose key is taken fails before its parts are uploaded; the conditional write stays the authority.
            if (buffer.Length > multipartThreshold && await HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new StorageFileExistsException(normalized, Description);
            }

            return await UploadUnconditionallyAsync(normalized, buffer, ifNoneMatch: true, trackUpload, cancellationToken).ConfigureAwait(false);
        }

        using (await KeyedGate.EnterAsync(endpoint, bucket, ObjectKey(normalized), cancellationToken).ConfigureAwait(false))
        {
            if (await HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new StorageFileExistsException(normalized, Description);
            }

            return await UploadUnconditionallyAsync(normalized, buffer, ifNoneMatch: false, trackUpload, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Uploaded> UploadUnconditionallyAsync(string normalized, PendingBuffer buffer, bool ifNoneMatch, Action<string?> trackUpload, CancellationToken cancellationToken)
    {
        var length = buffer.Length;
        if (length <= multipartThreshold)
        {
            return await PutAsync(normalized, buffer, ifNoneMatch, cancellationToken).ConfigureAwait(false);
        }

        return await MultipartUploadAsync(normalized, buffer, ifNoneMatch, trackUpload, cancellationToken).ConfigureAwait(false);
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
                BucketName = bucket,
                Key = ObjectKey(normalized),
                InputStream = body,
                AutoCloseStream = false,
                AutoResetStreamPosition = true,
                MD5Digest = md5,
                ContentType = "application/octet-stream",
                UseChunkEncoding = false,
                DisablePayloadSigning = unsignedPayload,
                IfNoneMatch = ifNoneMatch ? "*" : null,
            };
            try
            {
                var response = await client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
                return new Uploaded(response.ETag, 1);
            }
            catch (AmazonS3Exception exception) when (ifNoneMatch && IsPreconditionFailed(exception))
            {
                throw new StorageFileExistsException(normalized, Description);
            }
            catch (AmazonS3Exception exception) when (ifNoneMatch && IsConditionalConflict(exception) && attempt < ConditionalConflictRetries)
            {
                // S3 refuses a conditional write that races another write to the key in flight; asking again decides it.
            }
            catch (Exception exception) when (IsServiceOrTransportFailure(exception, cancellationToken))
            {
                throw Failed("upload", normalized, exception);
            }
        }
    }

    private async Task<Uploaded> MultipartUploadAsync(string normalized, PendingBuffer buffer, bool ifNoneMatch, Action<string?> trackUpload, CancellationToken cancellationToken)
    {
        var key = ObjectKey(normalized);
        var length = buffer.Length;
        var size = Math.Max(partSize, (length + S3StorageOptions.MaximumPartCount - 1) / S3StorageOptions.MaximumPartCount);
        var count = (int)((length + size - 1) / size);
        var started = await CallAsync(
            "start the multipart upload of",
            normalized,
            token => client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key, ContentType = "application/octet-stream" }, token),
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
                    BucketName = bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = index + 1,
                    InputStream = body,
                    PartSize = body.Length,
                    MD5Digest = md5,
                    UseChunkEncoding = false,
                    DisablePayloadSigning = unsignedPayload,
                };
                var response = await CallAsync($"upload part {index + 1} of {count} of", normalized, t => client.UploadPartAsync(request, t), token).ConfigureAwait(false);
                parts[index] = new PartETag(index + 1, response.ETag);
            }).ConfigureAwait(false);

        for (var attempt = 1; ; attempt++)
        {
            var complete = new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId, PartETags = [.. parts], IfNoneMatch = ifNoneMatch ? "*" : null };
            try
            {
                var response = await client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
                trackUpload(null);
                return new Uploaded(response.ETag, count);
            }
            catch (AmazonS3Exception exception) when (ifNoneMatch && IsPreconditionFailed(exception))
            {
                throw new StorageFileExistsException(normalized, Description);
            }
            catch (AmazonS3Exception exception) when (ifNoneMatch && IsConditionalConflict(exception) && attempt < ConditionalConflictRetries)
            {
            }
            catch (Exception exception) when (IsServiceOrTransportFailure(exception, cancellationToken))
            {
                throw Failed("complete the multipart upload of", normalized, exception);
            }
        }
    }

    private async Task<bool> UsesNativeConditionalWritesAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref conditionalWriteMode) is var known and not 0)
        {
            return known == 1;
        }

        await probeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (conditionalWriteMode is var decided and not 0)
            {
                return decided == 1;
            }

            bool native;
            switch (conditionalWrites)
            {
                case S3ConditionalWrites.Native:
                    native = true;
                    break;
                case S3ConditionalWrites.CheckThenPut:
                    native = false;
                    S3Log.ConditionalWritesIgnored(logger, Description, "configured: S3ConditionalWrites.CheckThenPut");
                    break;
                default:
                    native = await ProbeConditionalWritesAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }

            Volatile.Write(ref conditionalWriteMode, native ? 1 : 2);
            return native;
        }
        finally
        {
            probeGate.Release();
        }
    }

    /// <summary>
    /// PUTs a hidden probe object, then PUTs it again with <c>If-None-Match: *</c>: a server that honours the header
    /// answers 412; one that ignores it overwrites the probe (or refuses the header as not implemented).
    /// </summary>
    private async Task<bool> ProbeConditionalWritesAsync(CancellationToken cancellationToken)
    {
        var probe = keyPrefix + S3Paths.NewReservedName("bulwark-conditional-write-probe");
        var display = "the conditional-write probe";
        await CallAsync(display, string.Empty, token => client.PutObjectAsync(ProbeRequest(probe, "1", ifNoneMatch: false), token), cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                await client.PutObjectAsync(ProbeRequest(probe, "2", ifNoneMatch: true), cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception exception) when (IsPreconditionFailed(exception))
            {
                S3Log.ConditionalWritesHonoured(logger, Description);
                return true;
            }
            catch (AmazonS3Exception exception) when (exception.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.BadRequest)
            {
                S3Log.ConditionalWritesIgnored(logger, Description, $"a PUT with the header was refused: {Reason(exception)}");
                return false;
            }
            catch (Exception exception) when (IsServiceOrTransportFailure(exception, cancellationToken))
            {
                throw new StorageException($"Cannot probe whether {Description} honours conditional writes: {Reason(exception)}", exception);
            }

            S3Log.ConditionalWritesIgnored(logger, Description, "a probe PUT with the header overwrote an existing object");
            return false;
        }
        finally
        {
            try
            {
                await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = probe }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsServiceOrTransportFailure(exception, CancellationToken.None))
            {
                S3Log.ProbeNotDeleted(logger, exception, probe, Description);
            }
        }
    }

    private PutObjectRequest ProbeRequest(string key, string content, bool ifNoneMatch) => new()
    {
        BucketName = bucket,
        Key = key,
        ContentBody = content,
        UseChunkEncoding = false,
        DisablePayloadSigning = unsignedPayload,
        IfNoneMatch = ifNoneMatch ? "*" : null,
    };

    private async Task<StorageLockOwner?> ReadLockHolderAsync(string normalized, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await ReadAllBytesAsync(normalized, MaxLockRecordBytes, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize(bytes, S3JsonContext.Default.StorageLockOwner);
        }
        catch (Exception exception) when (exception is IOException or JsonException)
        {
            return null; // gone meanwhile, too long or unreadable: it only feeds the message
        }
    }

    private void AddEntry(List<StorageEntry> entries, string directory, string name, bool isDirectory, long length)
    {
        var entryPath = S3Paths.Join(directory, name);
        if (S3Paths.IsReserved(name))
        {
            return; // a probe object: hidden, like pending temporaries on the file system
        }

        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || !S3Paths.IsAddressable(entryPath))
        {
            // Safe to leave out: what no path can name, no caller can read, keep or delete by mistake.
            S3Log.UnaddressableKeySkipped(logger, keyPrefix + entryPath, directory, Description);
            return;
        }

        entries.Add(new StorageEntry(entryPath, isDirectory, length));
    }

    /// <summary>Writes the markers of <paramref name="normalized"/> and its missing parents, refusing where a file is.</summary>
    private async Task EnsureDirectoryAsync(string normalized, string forPath, CancellationToken cancellationToken)
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

            if (await HeadAsync(current, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new StorageException($"Cannot create '{forPath}' in {Description}: '{current}' is a file, not a directory.");
            }

            var marker = new PutObjectRequest
            {
                BucketName = bucket,
                Key = DirectoryKey(current),
                ContentBody = string.Empty,
                UseChunkEncoding = false,
                DisablePayloadSigning = unsignedPayload,
            };
            await CallAsync("create directory", current, token => client.PutObjectAsync(marker, token), cancellationToken).ConfigureAwait(false);
            S3Log.DirectoryCreated(logger, current, Description);
        }
    }

    private async Task<bool> MarkerExistsAsync(string normalized, CancellationToken cancellationToken) =>
        await HeadKeyAsync(DirectoryKey(normalized), normalized, cancellationToken).ConfigureAwait(false) is not null;

    private async Task RequireDirectoryAsync(string normalized, CancellationToken cancellationToken)
    {
        if (await DirectoryExistsAsync(normalized, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        throw await HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null ? IsFile(normalized) : (IOException)DirectoryNotFound(normalized);
    }

    private Task<GetObjectMetadataResponse?> HeadAsync(string normalized, CancellationToken cancellationToken) =>
        HeadKeyAsync(ObjectKey(normalized), normalized, cancellationToken);

    private async Task<GetObjectMetadataResponse?> HeadKeyAsync(string key, string normalized, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound && exception.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
        catch (Exception exception) when (IsServiceOrTransportFailure(exception, cancellationToken))
        {
            throw Failed("inspect", normalized, exception);
        }
    }

    private async Task<GetObjectResponse> GetObjectAsync(string normalized, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = ObjectKey(normalized) }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound && exception.ErrorCode != "NoSuchBucket")
        {
            throw await MissingFileAsync(normalized, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsServiceOrTransportFailure(exception, cancellationToken))
        {
            throw Failed("read", normalized, exception);
        }
    }

    private StorageException TooLong(string normalized, long length, long maxBytes) =>
        new($"File '{normalized}' in {Description} is {length} bytes long, more than the {maxBytes} bytes allowed; it was not read.");

    private StorageException IsFile(string normalized) => new($"'{normalized}' in {Description} is a file, not a directory.");

    private DirectoryNotFoundException DirectoryNotFound(string normalized) => new($"Directory {S3Paths.Display(normalized)} does not exist in {Description}.");

    /// <summary>What an upload published: the object's ETag and how many parts it took (1 for a single PUT).</summary>
    internal readonly record struct Uploaded(string? ETag, int Parts);
}
