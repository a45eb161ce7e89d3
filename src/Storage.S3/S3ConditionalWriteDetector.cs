using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3;

/// <summary>
/// Decides, once per backend, whether the server honours <c>If-None-Match: *</c>: as configured, or by a probe before
/// the first create-new write. Many S3-compatible servers ignore the header and overwrite, so trusting it unchecked
/// would let two create-new writers both win.
/// </summary>
internal sealed class S3ConditionalWriteDetector(S3Bucket bucket, S3ConditionalWrites configured, ILogger logger) : IDisposable
{
    private const int Undecided = 0;
    private const int Native = 1;
    private const int CheckThenPut = 2;

    private readonly SemaphoreSlim probeGate = new(1, 1);
    private int mode = Undecided;

    public async Task<bool> UsesNativeConditionalWritesAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref mode) is var known and not Undecided)
        {
            return known == Native;
        }

        // One probe per backend, not one per concurrent first writer.
        await probeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (mode is var decided and not Undecided)
            {
                return decided == Native;
            }

            bool native;
            switch (configured)
            {
                case S3ConditionalWrites.Native:
                    native = true;
                    break;
                case S3ConditionalWrites.CheckThenPut:
                    native = false;
                    S3Log.ConditionalWritesIgnored(logger, bucket.Description, "configured: S3ConditionalWrites.CheckThenPut");
                    break;
                default:
                    native = await ProbeAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }

            Volatile.Write(ref mode, native ? Native : CheckThenPut);
            return native;
        }
        finally
        {
            probeGate.Release();
        }
    }

    public void Dispose() => probeGate.Dispose();

    /// <summary>
    /// PUTs a hidden probe object, then PUTs it again with <c>If-None-Match: *</c>: a server that honours the header
    /// answers 412; one that ignores it overwrites the probe (or refuses the header as not implemented).
    /// </summary>
    private async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        var probe = bucket.KeyPrefix + S3Paths.NewReservedName("bulwark-conditional-write-probe");
        var display = "the conditional-write probe";
        await bucket.CallAsync(display, string.Empty, token => bucket.Client.PutObjectAsync(ProbeRequest(probe, "1", ifNoneMatch: false), token), cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                await bucket.Client.PutObjectAsync(ProbeRequest(probe, "2", ifNoneMatch: true), cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception exception) when (S3Errors.IsPreconditionFailed(exception))
            {
                S3Log.ConditionalWritesHonoured(logger, bucket.Description);
                return true;
            }
            catch (AmazonS3Exception exception) when (S3Errors.IsConditionalHeaderRefused(exception))
            {
                S3Log.ConditionalWritesIgnored(logger, bucket.Description, $"a PUT with the header was refused: {S3Errors.Reason(exception)}");
                return false;
            }
            catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, cancellationToken))
            {
                throw new StorageException($"Cannot probe whether {bucket.Description} honours conditional writes: {S3Errors.Reason(exception)}", exception);
            }

            S3Log.ConditionalWritesIgnored(logger, bucket.Description, "a probe PUT with the header overwrote an existing object");
            return false;
        }
        finally
        {
            try
            {
                await bucket.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket.Name, Key = probe }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, CancellationToken.None))
            {
                S3Log.ProbeNotDeleted(logger, exception, probe, bucket.Description);
            }
        }
    }

    private PutObjectRequest ProbeRequest(string key, string content, bool ifNoneMatch) => new()
    {
        BucketName = bucket.Name,
        Key = key,
        ContentBody = content,
        UseChunkEncoding = false,
        DisablePayloadSigning = bucket.UnsignedPayload,
        IfNoneMatch = ifNoneMatch ? "*" : null,
    };
}
