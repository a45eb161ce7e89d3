using Apache.Arrow;
using Bulwark.Records;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;

namespace Bulwark.Parquet;

/// <summary>
/// Appends records of <typeparamref name="T"/> and writes a row group every <see cref="ParquetWriteOptions.RowGroupSize"/>
/// rows, so memory stays bounded by one row group. <see cref="BatchingRecordWriter{T}.CompleteAsync"/> writes the last
/// row group and the footer and publishes the file (rename or <see cref="PendingFile.CommitAsync"/>); disposing without
/// completing abandons it and logs a warning to the writer's logger.
/// </summary>
public sealed class ParquetRecordWriter<T> : BatchingRecordWriter<T>
    where T : IArrowRecord<T>
{
    private readonly RecordOutput _output;
    private readonly ParquetFileWriter _writer;

    /// <summary>Writes to a temporary sibling of <paramref name="path"/>, renamed over it by <see cref="BatchingRecordWriter{T}.CompleteAsync"/>.</summary>
    /// <exception cref="ArgumentException">The path is empty or the options are invalid.</exception>
    public ParquetRecordWriter(string path, ParquetWriteOptions? options = null, ILogger? logger = null)
        : this(RecordOutput.CreateWriter(path, output => (output, new ParquetFileWriter(output.Stream, T.ArrowSchema, Validated(options), leaveOpen: true))), options, logger)
    {
    }

    /// <summary>Writes to <paramref name="stream"/>; <see cref="BatchingRecordWriter{T}.CompleteAsync"/> writes the footer.</summary>
    /// <exception cref="ArgumentException">The stream is not writable or the options are invalid.</exception>
    public ParquetRecordWriter(Stream stream, ParquetWriteOptions? options = null, bool leaveOpen = false, ILogger? logger = null)
        : this(RecordOutput.CreateWriter(stream, leaveOpen, output => (output, new ParquetFileWriter(output.Stream, T.ArrowSchema, Validated(options), leaveOpen: true))), options, logger)
    {
    }

    internal ParquetRecordWriter(RecordOutput output, ParquetWriteOptions options, ILogger? logger)
        : this((output, new ParquetFileWriter(output.Stream, T.ArrowSchema, options, leaveOpen: true)), options, logger)
    {
    }

    private ParquetRecordWriter((RecordOutput Output, ParquetFileWriter Writer) parts, ParquetWriteOptions? options, ILogger? logger)
        : base(Validated(options).RowGroupSize, parts.Output.Description, logger)
    {
        _output = parts.Output;
        _writer = parts.Writer;
    }

    internal static ParquetWriteOptions Validated(ParquetWriteOptions? options)
    {
        options ??= ParquetWriteOptions.Default;
        options.Validate();
        return options;
    }

    private protected override ValueTask WriteBatchAsync(RecordBatch batch, CancellationToken cancellationToken) =>
        _writer.WriteBatchAsync(batch, cancellationToken);

    private protected override async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        await _writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await _output.PublishAsync(cancellationToken).ConfigureAwait(false);
    }

    private protected override async ValueTask ReleaseAsync(bool completed)
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        await _output.ReleaseAsync(completed).ConfigureAwait(false);
    }
}
