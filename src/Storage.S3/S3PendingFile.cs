using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3;

/// <summary>
/// A file being written to S3: its bytes stay local (<see cref="PendingBuffer"/>) until <see cref="CommitAsync"/> uploads
/// them in one PUT or one multipart upload. Nothing is uploaded before the commit, so disposing without one publishes
/// nothing; a multipart upload that a failed commit could not abort is aborted again on dispose.
/// </summary>
internal sealed class S3PendingFile : PendingFile
{
    private readonly S3Publisher publisher;
    private readonly ILogger logger;
    private readonly PendingBuffer buffer;
    private readonly bool createNew;
    private string? openUploadId;
    private bool failed;
    private bool disposed;

    public S3PendingFile(S3Publisher publisher, ILogger logger, string path, PendingBuffer buffer, bool createNew)
        : base(path)
    {
        this.publisher = publisher;
        this.logger = logger;
        this.buffer = buffer;
        this.createNew = createNew;
    }

    public override Stream Stream => buffer;

    /// <remarks>
    /// A commit that failed cannot be retried, the rule of every backend: write the file again with a new pending file.
    /// (Whether a failed PUT took effect is not always knowable; a retry through a new pending file is an honest rewrite.)
    /// </remarks>
    public override async ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed && !IsCommitted, this);
        if (IsCommitted)
        {
            throw PendingFileRefusals.AlreadyCommitted(Path);
        }

        if (failed)
        {
            throw PendingFileRefusals.CommitFailedBefore(Path);
        }

        cancellationToken.ThrowIfCancellationRequested();
        failed = true;
        buffer.Seal();
        S3Uploader.Uploaded uploaded;
        try
        {
            await publisher.CheckPublishableAsync(Path, cancellationToken).ConfigureAwait(false);
            uploaded = await publisher.PublishAsync(Path, buffer, createNew, id => openUploadId = id, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortOpenUploadAsync().ConfigureAwait(false);
            buffer.MarkFailed();
            throw;
        }

        failed = false;
        IsCommitted = true;
        var length = buffer.Length;
        buffer.MarkCommitted();
        buffer.Abandon(); // releases the local bytes; the committed state (and length) stays
        S3Log.Committed(logger, Path, length, uploaded.Parts, publisher.Description);
    }

    public override async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!IsCommitted)
        {
            await AbortOpenUploadAsync().ConfigureAwait(false);
        }

        buffer.Abandon();
    }

    private async Task AbortOpenUploadAsync()
    {
        if (openUploadId is not { } uploadId)
        {
            return;
        }

        try
        {
            await publisher.AbortUploadAsync(Path, uploadId).ConfigureAwait(false);
            openUploadId = null;
        }
        catch (Exception exception) when (S3Errors.IsServiceOrTransportFailure(exception, CancellationToken.None))
        {
            // Disposal and failed commits must not hide the error that got them here; the upload is reported instead.
            S3Log.AbortFailed(logger, exception, uploadId, Path, publisher.Description);
        }
    }
}
