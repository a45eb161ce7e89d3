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
    private readonly S3Bucket bucket;
    private readonly bool ownsClient;
    private readonly int memoryBufferLimit;
    private readonly string temporaryDirectory;
    private readonly ILogger logger;
    private readonly S3Directories directories;
    private readonly S3Listing listing;
    private readonly S3Reader reader;
    private readonly S3ConditionalWriteDetector conditionalWrites;
    private readonly S3Publisher publisher;
    private readonly S3LockObjects locks;
    private readonly S3AbandonedUploads abandonedUploads;

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

        // Before a client is built: a bad prefix must not cost (or leak) one.
        var prefix = S3Paths.Normalize(options.Prefix);
        memoryBufferLimit = options.MemoryBufferLimit;
        temporaryDirectory = options.TemporaryDirectory ?? Path.GetTempPath();
        logger = options.Logger ?? NullLogger.Instance;

        IAmazonS3 client;
        if (options.Client is { } given)
        {
            client = given;
        }
        else
        {
            client = S3ClientFactory.Create(options);
            ownsClient = true;
        }

        bucket = new S3Bucket(client, options.Bucket, prefix, options.Region);
        directories = new S3Directories(bucket, logger);
        listing = new S3Listing(bucket, logger);
        reader = new S3Reader(bucket, directories);
        conditionalWrites = new S3ConditionalWriteDetector(bucket, options.ConditionalWrites, logger);
        var uploader = new S3Uploader(bucket, options.MultipartThreshold, options.MultipartPartSize, options.MultipartConcurrency);
        publisher = new S3Publisher(bucket, directories, uploader, conditionalWrites);
        locks = new S3LockObjects(bucket, directories, publisher, reader, temporaryDirectory, logger);
        abandonedUploads = new S3AbandonedUploads(bucket, logger);
    }

    /// <summary>Names the bucket, the prefix and (for an S3-compatible server) the endpoint, for messages.</summary>
    public string Description => bucket.Description;

    /// <summary>The bucket.</summary>
    public string Bucket => bucket.Name;

    /// <summary>The normalized key prefix ("" for the whole bucket).</summary>
    public string Prefix => bucket.Prefix;

    /// <summary>The client requests go through.</summary>
    public IAmazonS3 Client => bucket.Client;

    /// <summary>Keys asked for per listing request (S3 answers at most 1000); tests make it small to page.</summary>
    internal int ListPageSize
    {
        get => bucket.ListPageSize;
        set => bucket.ListPageSize = value;
    }

    public override string ToString() => Description;

    public void Dispose()
    {
        if (ownsClient)
        {
            bucket.Client.Dispose();
        }

        conditionalWrites.Dispose();
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
        await directories.EnsureAsync(normalized, normalized, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Only checks that <paramref name="directory"/> exists: a successful S3 PUT or DELETE is already durable and
    /// visible, so there is no rename to make durable.
    /// </summary>
    public async ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.Normalize(directory);
        await directories.RequireAsync(normalized, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A stream over the object's body as it was when the request was answered; it does not seek.</summary>
    public async ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(path);
        return await reader.OpenReadAsync(normalized, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks for the object's length first (HEAD) and refuses one longer than <paramref name="maxBytes"/> before downloading anything.</summary>
    public async ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(path);
        return await reader.ReadAllBytesAsync(normalized, maxBytes, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.Normalize(path);
        if (normalized.Length == 0)
        {
            return new StorageEntry(normalized, true, 0);
        }

        if (await bucket.HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is { } head)
        {
            return new StorageEntry(normalized, false, head.ContentLength);
        }

        return await directories.ExistsAsync(normalized, cancellationToken).ConfigureAwait(false) ? new StorageEntry(normalized, true, 0) : null;
    }

    /// <summary>One delimiter listing (paged): objects are files, common prefixes directories; ordered by name.</summary>
    public async ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.Normalize(directory);
        return await listing.ListAsync(normalized, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(path);
        if (await bucket.HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is null)
        {
            return await directories.ExistsAsync(normalized, cancellationToken).ConfigureAwait(false) ? throw bucket.IsDirectory(normalized) : false;
        }

        await bucket.CallAsync("delete", normalized, token => bucket.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket.Name, Key = bucket.ObjectKey(normalized) }, token), cancellationToken).ConfigureAwait(false);
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
        return await directories.DeleteAsync(normalized, cancellationToken).ConfigureAwait(false);
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
        return await locks.AcquireAsync(normalized, owner, cancellationToken).ConfigureAwait(false);
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
        return await abandonedUploads.AbortAsync(cutoff, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PendingFile> CreatePendingAsync(string path, bool createNew, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var normalized = S3Paths.NormalizeBelowRoot(path);
        await directories.EnsureAsync(S3Paths.Parent(normalized), normalized, cancellationToken).ConfigureAwait(false);
        if (await directories.ExistsAsync(normalized, cancellationToken).ConfigureAwait(false))
        {
            throw bucket.IsDirectory(normalized);
        }

        return new S3PendingFile(publisher, logger, normalized, new PendingBuffer(normalized, memoryBufferLimit, temporaryDirectory), createNew);
    }
}
