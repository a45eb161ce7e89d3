using Amazon.Runtime;
using Amazon.S3;

namespace Bulwark.Storage.S3;

/// <summary>The client a backend builds for itself when the options give none.</summary>
internal static class S3ClientFactory
{
    public static AmazonS3Client Create(S3StorageOptions options)
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
            // An endpoint given as a URL (often an address or localhost) cannot take the bucket as a subdomain.
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
}
