using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;

namespace Bulwark.Storage.S3;

/// <summary>
/// The bucket and key prefix a backend addresses: how a normalized path becomes a key, and the requests every operation
/// shares, whose failures become <see cref="StorageException"/>s naming the path and the backend.
/// </summary>
internal sealed class S3Bucket
{
    // S3 lists and deletes at most 1000 keys per request, so one listed page is one delete batch.
    private const int MaxKeysPerRequest = 1000;

    public S3Bucket(IAmazonS3 client, string name, string prefix, string region)
    {
        Client = client;
        Name = name;
        Prefix = prefix;
        KeyPrefix = prefix.Length == 0 ? string.Empty : prefix + "/";
        Endpoint = client.Config.ServiceURL ?? $"Amazon S3 ({client.Config.RegionEndpoint?.SystemName ?? region})";

        // Over TLS the transport protects the body and Content-MD5 checks it: no need to hash it again for the signature.
        UnsignedPayload = client.Config.ServiceURL is null || client.Config.ServiceURL.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        Description = $"S3 bucket '{name}'" + (KeyPrefix.Length == 0 ? string.Empty : $" under prefix '{KeyPrefix}'") + (client.Config.ServiceURL is { } url ? $" at {url}" : string.Empty);
    }

    public IAmazonS3 Client { get; }

    public string Name { get; }

    /// <summary>The normalized prefix ("" for the whole bucket).</summary>
    public string Prefix { get; }

    /// <summary>The prefix as keys start with it: "" or ending in '/'.</summary>
    public string KeyPrefix { get; }

    /// <summary>Tells apart buckets of the same name on different servers, for the process-wide <see cref="KeyedGate"/>.</summary>
    public string Endpoint { get; }

    public bool UnsignedPayload { get; }

    public string Description { get; }

    /// <summary>Keys asked for per listing request; tests make it small to page.</summary>
    public int ListPageSize { get; set; } = MaxKeysPerRequest;

    public string ObjectKey(string normalized) => KeyPrefix + normalized;

    /// <summary>The listing prefix (and the marker key) of a directory; the key prefix itself for the root.</summary>
    public string DirectoryKey(string normalized) => normalized.Length == 0 ? KeyPrefix : KeyPrefix + normalized + "/";

    public async Task<T> CallAsync<T>(string action, string normalized, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, cancellationToken))
        {
            throw Failed(action, normalized, exception);
        }
    }

    public StorageException Failed(string action, string normalized, Exception exception) =>
        new($"Cannot {action} {S3Paths.Display(normalized)} in {Description}: {S3Errors.Reason(exception)}", exception);

    /// <summary>The object's metadata, or null where no object is.</summary>
    public Task<GetObjectMetadataResponse?> HeadAsync(string normalized, CancellationToken cancellationToken) =>
        HeadKeyAsync(ObjectKey(normalized), normalized, cancellationToken);

    public async Task<GetObjectMetadataResponse?> HeadKeyAsync(string key, string normalized, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Name, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception exception) when (S3Errors.IsNoSuchKey(exception))
        {
            return null;
        }
        catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, cancellationToken))
        {
            throw Failed("inspect", normalized, exception);
        }
    }

    /// <summary>Every page of a listing below <paramref name="listPrefix"/>, each asked for only once the previous one is consumed.</summary>
    public async IAsyncEnumerable<ListObjectsV2Response> ListPagesAsync(string listPrefix, string? delimiter, string normalized, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = Name, Prefix = listPrefix, Delimiter = delimiter, ContinuationToken = continuation, MaxKeys = ListPageSize };
            var page = await CallAsync("list", normalized, token => Client.ListObjectsV2Async(request, token), cancellationToken).ConfigureAwait(false);
            yield return page;
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    public StorageException IsDirectory(string normalized) => new($"'{normalized}' in {Description} is a directory, not a file.");

    public StorageException IsFile(string normalized) => new($"'{normalized}' in {Description} is a file, not a directory.");

    public DirectoryNotFoundException DirectoryNotFound(string normalized) => new($"Directory {S3Paths.Display(normalized)} does not exist in {Description}.");
}
