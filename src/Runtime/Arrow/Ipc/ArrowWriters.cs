using Apache.Arrow;

namespace Bulwark.Arrow.Ipc;

/// <summary>
/// Writes the Arrow IPC file format: magic, schema, one dictionary batch per dictionary id, record batches, end-of-stream
/// marker and the footer that indexes them. A file may hold one dictionary per id, so a batch whose dictionary differs
/// from an earlier batch's is refused. Output is MetadataVersion V5, body buffers 64-byte aligned, uncompressed unless a
/// compression is chosen when the writer is created.
/// </summary>
public sealed class ArrowIpcFileWriter : IAsyncDisposable
{
    private readonly IpcWriterCore _core;

    /// <exception cref="ArgumentException">The stream is not writable or the schema cannot be written.</exception>
    public ArrowIpcFileWriter(Stream stream, Schema schema, bool leaveOpen = false, ArrowCompression compression = ArrowCompression.None) =>
        _core = new IpcWriterCore(stream, schema, leaveOpen, fileFormat: true, compression);

    public Schema Schema => _core.Schema;

    /// <summary>Record batches written so far.</summary>
    public int BatchCount => _core.BatchCount;

    /// <exception cref="ArgumentException">The batch's fields differ from the writer's schema.</exception>
    /// <exception cref="InvalidOperationException">A dictionary differs from the one already written for its id.</exception>
    public ValueTask WriteBatchAsync(RecordBatch batch, CancellationToken cancellationToken = default) => _core.WriteBatchAsync(batch, cancellationToken);

    /// <summary>Writes the end-of-stream marker and the footer and flushes; the file is complete afterwards.</summary>
    public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => _core.FinishAsync(cancellationToken);

    /// <summary>Finishes the file unless a write failed part-way, then closes the stream unless it was left open.</summary>
    public ValueTask DisposeAsync() => _core.DisposeAsync();
}

/// <summary>
/// Writes the Arrow IPC stream format: schema, dictionary batches, record batches, end-of-stream marker. A dictionary
/// that changes between batches is sent again as a replacement (non-delta) dictionary batch before the batch using it.
/// </summary>
public sealed class ArrowIpcStreamWriter : IAsyncDisposable
{
    private readonly IpcWriterCore _core;

    /// <exception cref="ArgumentException">The stream is not writable or the schema cannot be written.</exception>
    public ArrowIpcStreamWriter(Stream stream, Schema schema, bool leaveOpen = false, ArrowCompression compression = ArrowCompression.None) =>
        _core = new IpcWriterCore(stream, schema, leaveOpen, fileFormat: false, compression);

    public Schema Schema => _core.Schema;

    public int BatchCount => _core.BatchCount;

    /// <exception cref="ArgumentException">The batch's fields differ from the writer's schema.</exception>
    public ValueTask WriteBatchAsync(RecordBatch batch, CancellationToken cancellationToken = default) => _core.WriteBatchAsync(batch, cancellationToken);

    /// <summary>Writes the end-of-stream marker and flushes.</summary>
    public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => _core.FinishAsync(cancellationToken);

    public ValueTask DisposeAsync() => _core.DisposeAsync();
}
