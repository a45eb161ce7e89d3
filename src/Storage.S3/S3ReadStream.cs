using Amazon.S3.Model;

namespace Bulwark.Storage.S3;

/// <summary>The body of one GET: read-only and forward-only; a transport failure is a <see cref="StorageException"/> naming the path.</summary>
internal sealed class S3ReadStream(GetObjectResponse response, string path, string description) : Stream
{
    private readonly Stream body = response.ResponseStream;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("An S3 object body does not seek.");

    public override long Position
    {
        get => throw new NotSupportedException("An S3 object body does not seek.");
        set => throw new NotSupportedException("An S3 object body does not seek.");
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return body.Read(buffer);
        }
        catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, CancellationToken.None))
        {
            throw Failed(exception);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, cancellationToken))
        {
            throw Failed(exception);
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An S3 object body does not seek.");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("An S3 object body is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            response.Dispose();
        }

        base.Dispose(disposing);
    }

    private StorageException Failed(Exception exception) =>
        new($"Cannot read '{path}' in {description}: {S3Errors.Reason(exception)}", exception);
}
