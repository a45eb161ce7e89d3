using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3;

/// <summary>Where and how an <see cref="S3StorageBackend"/> stores.</summary>
public sealed class S3StorageOptions
{
    /// <summary>S3's smallest part size for every part but the last of a multipart upload.</summary>
    public const long MinimumPartSize = 5L * 1024 * 1024;

    /// <summary>S3's largest part number: a multipart upload has at most this many parts.</summary>
    public const int MaximumPartCount = 10_000;

    /// <summary>The bucket. Required.</summary>
    public string Bucket { get; set; } = string.Empty;

    /// <summary>
    /// The key prefix the backend is rooted at, '/'-separated and normalized like a storage path ("" is the whole
    /// bucket). Every object the backend reads, writes, lists or deletes is below "<c>{Prefix}/</c>".
    /// </summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>
    /// The client to use. The backend does not dispose it. When null, the backend creates (and disposes) a client for
    /// <see cref="ServiceUrl"/> with <see cref="Credentials"/>.
    /// </summary>
    public IAmazonS3? Client { get; set; }

    /// <summary>
    /// The endpoint of an S3-compatible server (e.g. "http://127.0.0.1:9000") when <see cref="Client"/> is null; null
    /// means Amazon S3 in <see cref="Region"/>. Requests use path-style addressing for a service URL.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The region to sign for (and, without <see cref="ServiceUrl"/>, to connect to). Default "us-east-1".</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Credentials for a client the backend creates; null uses the AWS SDK's default credential chain.</summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>
    /// Retries the AWS SDK makes of a failed request of a client the backend creates (null keeps the SDK's default).
    /// </summary>
    public int? MaxErrorRetry { get; set; }

    /// <summary>Files longer than this are uploaded with a multipart upload on commit; others with one PUT. Default 16 MiB.</summary>
    public long MultipartThreshold { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// The part size of multipart uploads, at least <see cref="MinimumPartSize"/>. Default 8 MiB. A file longer than
    /// <see cref="MaximumPartCount"/> parts gets larger parts.
    /// </summary>
    public long MultipartPartSize { get; set; } = 8L * 1024 * 1024;

    /// <summary>Parts of one multipart upload uploaded at once. Default 4.</summary>
    public int MultipartConcurrency { get; set; } = 4;

    /// <summary>A pending file keeps up to this many bytes in memory, then moves them to a temporary file. Default 1 MiB.</summary>
    public int MemoryBufferLimit { get; set; } = 1024 * 1024;

    /// <summary>Where pending files larger than <see cref="MemoryBufferLimit"/> are buffered; null is the system temp folder.</summary>
    public string? TemporaryDirectory { get; set; }

    /// <summary>How create-new commits and locks make sure they publish only where nothing exists. Default <see cref="S3ConditionalWrites.Detect"/>.</summary>
    public S3ConditionalWrites ConditionalWrites { get; set; } = S3ConditionalWrites.Detect;

    /// <summary>Receives commit events and warnings (a server that ignores conditional writes, an upload that could not be aborted).</summary>
    public ILogger? Logger { get; set; }
}

/// <summary>How <see cref="S3StorageBackend.CreateNewAsync"/> and <see cref="S3StorageBackend.AcquireLockAsync"/> refuse to overwrite.</summary>
public enum S3ConditionalWrites
{
    /// <summary>
    /// Probe the server once, before the first create-new write: PUT a hidden probe object, PUT it again with
    /// <c>If-None-Match: *</c>. A 412 answer means the server honours the header, and writes send it; a success means the
    /// server ignored it and overwrote the probe, and writes fall back to <see cref="CheckThenPut"/> with a logged warning.
    /// </summary>
    Detect,

    /// <summary>Send <c>If-None-Match: *</c> and trust the server (Amazon S3 since 2024 does): atomic across processes.</summary>
    Native,

    /// <summary>
    /// Check that nothing exists (HEAD), then PUT, while holding a lock of this process on the key: atomic between writers
    /// in this process only. For servers that ignore <c>If-None-Match</c>; a warning is logged once.
    /// </summary>
    CheckThenPut,
}
