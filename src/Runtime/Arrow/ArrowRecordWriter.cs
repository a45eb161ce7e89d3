using Bulwark.Arrow.Ipc;
using Bulwark.Records;
using Microsoft.Extensions.Logging;
using RecordBatch = Apache.Arrow.RecordBatch;

namespace Bulwark.Arrow;

/// <summary>
/// Appends records of <typeparamref name="T"/> and writes a record batch every <see cref="ArrowWriteOptions.BatchSize"/>
/// rows. <see cref="BatchingRecordWriter{T}.CompleteAsync"/> writes the last batch and ends the format (and, for a path
/// or a storage backend, publishes the file). Disposing without completing abandons the output.
/// </summary>
public sealed class ArrowRecordWriter<T> : BatchingRecordWriter<T>
    where T : IArrowRecord<T>
{
    private readonly RecordOutput _output;
    private readonly IpcWriterCore _writer;

    internal ArrowRecordWriter(RecordOutput output, ArrowWriteOptions options, ILogger? logger)
        : base(options.BatchSize, output.Description, logger)
    {
        _output = output;
        _writer = new IpcWriterCore(output.Stream, T.ArrowSchema, leaveOpen: true, fileFormat: options.Format == ArrowIpcFormat.File, options.Compression);
    }

    private protected override ValueTask WriteBatchAsync(RecordBatch batch, CancellationToken cancellationToken) =>
        _writer.WriteBatchAsync(batch, cancellationToken);

    private protected override async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        await _writer.FinishAsync(cancellationToken).ConfigureAwait(false);
        await _output.PublishAsync(cancellationToken).ConfigureAwait(false);
    }

    private protected override async ValueTask ReleaseAsync(bool completed)
    {
        if (!completed)
        {
            _writer.Abandon();
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        await _output.ReleaseAsync(completed).ConfigureAwait(false);
    }
}
