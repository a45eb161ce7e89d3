using Apache.Arrow;
using Bulwark.Arrow;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Records;

/// <summary>
/// Appends records of <typeparamref name="T"/> through their generated builder and hands the format a batch every
/// <c>batchSize</c> rows, so memory stays bounded by one batch. <see cref="CompleteAsync"/> writes the last batch,
/// ends the format and publishes the output; disposing without completing abandons it. Any failure part-way through
/// an append or the completion leaves the output abandoned and the writer refusing further use: a half-applied row
/// would leave the builder's columns at different lengths.
/// </summary>
/// <remarks>
/// Forgetting <see cref="CompleteAsync"/> publishes nothing, so the BWK1002 analyzer reports a writer some path disposes
/// or drops without it, and disposing such a writer logs a warning naming the output and the rows it lost.
/// </remarks>
[MustCommit(nameof(CompleteAsync))]
public abstract class BatchingRecordWriter<T> : IAsyncDisposable
    where T : IArrowRecord<T>
{
    private readonly IArrowBatchBuilder<T> _builder = T.CreateBatchBuilder();
    private readonly int _batchSize;
    private readonly string _output;
    private readonly ILogger _logger;
    private bool _completed;
    private bool _faulted;
    private bool _disposed;

    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="output">The output as a warning names it.</param>
    /// <param name="logger">Receives the warning when the writer is disposed without completing.</param>
    private protected BatchingRecordWriter(int batchSize, string output, ILogger? logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _batchSize = batchSize;
        _output = output;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Rows appended so far, including those not yet written as a batch.</summary>
    public long Count { get; private set; }

    public async ValueTask AppendAsync(T record, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        try
        {
            _builder.Append(in record);
            Count++;
            if (_builder.Count >= _batchSize)
            {
                await FlushBatchAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    public async ValueTask AppendRangeAsync(IEnumerable<T> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await AppendAsync(record, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the pending rows and ends the output; a file written by path appears under its final name only now.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        cancellationToken.ThrowIfCancellationRequested();
        _faulted = true;
        if (_builder.Count > 0)
        {
            await FlushBatchAsync(cancellationToken).ConfigureAwait(false);
        }

        await FinishAsync(cancellationToken).ConfigureAwait(false);
        _faulted = false;
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_completed && !_faulted)
        {
            // A failed append or completion already told its caller; a writer merely dropped tells no one else.
            RecordWriterLog.DisposedWithoutCompletion(_logger, _output, Count);
        }

        _builder.Dispose();
        await ReleaseAsync(_completed).ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes one batch in the output format.</summary>
    private protected abstract ValueTask WriteBatchAsync(RecordBatch batch, CancellationToken cancellationToken);

    /// <summary>Ends the format (footer, end-of-stream marker) and publishes the output.</summary>
    private protected abstract ValueTask FinishAsync(CancellationToken cancellationToken);

    /// <summary>Releases the format writer and the output; an output that was not <paramref name="completed"/> is abandoned.</summary>
    private protected abstract ValueTask ReleaseAsync(bool completed);

    private async ValueTask FlushBatchAsync(CancellationToken cancellationToken)
    {
        // The batch views the builder's pooled buffers; disposing it hands them back for the next batch.
        using var batch = _builder.Build();
        await WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The writer is complete; no more records can be appended.");
        }

        if (_faulted)
        {
            throw new InvalidOperationException("An earlier append or completion failed; the output is abandoned and the writer cannot continue.");
        }
    }
}
