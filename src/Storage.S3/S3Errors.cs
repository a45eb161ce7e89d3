using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace Bulwark.Storage.S3;

/// <summary>
/// Sorts the SDK's exceptions: the service's and the transport's failures become <see cref="StorageException"/>s with
/// their reason in words; cancellation and this package's own exceptions pass through untouched.
/// </summary>
internal static class S3Errors
{
    public static bool IsServiceOrTransportFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested, // an SDK timeout, not the caller's cancellation
        StorageException => false,
        AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException => true,
        _ => false,
    };

    public static string Reason(Exception exception)
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

    /// <summary>A 404 about the key; a missing bucket is a 404 too, but a misconfiguration that must not read as "no file".</summary>
    public static bool IsNoSuchKey(AmazonS3Exception exception) =>
        exception.StatusCode == HttpStatusCode.NotFound && exception.ErrorCode != "NoSuchBucket";

    public static bool IsPreconditionFailed(AmazonS3Exception exception) => exception.StatusCode == HttpStatusCode.PreconditionFailed;

    /// <summary>S3 refuses a conditional write that races another write to the key in flight; asking again decides it.</summary>
    public static bool IsConditionalConflict(AmazonS3Exception exception) =>
        exception.StatusCode == HttpStatusCode.Conflict && string.Equals(exception.ErrorCode, "ConditionalRequestConflict", StringComparison.Ordinal);

    /// <summary>How S3-compatible servers that do not implement a conditional header refuse it.</summary>
    public static bool IsConditionalHeaderRefused(AmazonS3Exception exception) =>
        exception.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.BadRequest;

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
}
