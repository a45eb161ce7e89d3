using Bulwark.Storage;
using System.Runtime.CompilerServices;
using Bulwark.Arrow.Ipc;
using Bulwark.Records;

namespace Bulwark.Arrow;

/// <summary>The two Arrow IPC encodings: the seekable file format (with a footer) and the streaming format.</summary>
public enum ArrowIpcFormat
{
    File,
    Stream,
}

/// <summary>How the buffers of Arrow IPC record batch bodies are compressed when written.</summary>
public enum ArrowCompression
{
    /// <summary>Uncompressed, readable by every Arrow implementation.</summary>
    None,

    /// <summary>Each buffer an LZ4 frame (Arrow 1.0 and later read it).</summary>
    Lz4Frame,

    /// <summary>Each buffer a ZSTD frame (Arrow 1.0 and later read it).</summary>
    Zstd,
}

public sealed record ArrowWriteOptions
{
    public static ArrowWriteOptions Default { get; } = new();

    /// <summary>Rows per record batch. Default 65 536.</summary>
    public int BatchSize { get; init; } = 64 * 1024;

    /// <summary>IPC file (default) or stream format.</summary>
    public ArrowIpcFormat Format { get; init; } = ArrowIpcFormat.File;

    /// <summary>Body buffer compression. Default <see cref="ArrowCompression.None"/>.</summary>
    public ArrowCompression Compression { get; init; } = ArrowCompression.None;

    internal void Validate()
    {
        if (!Enum.IsDefined(Compression))
        {
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, "Unknown Arrow IPC body compression.");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "A batch must hold at least one row.");
        }

        if (!Enum.IsDefined(Format))
        {
            throw new ArgumentOutOfRangeException(nameof(Format), Format, "Unknown Arrow IPC format.");
        }
    }
}

/// <summary>Reads and writes collections of generated <see cref="IArrowRecord{T}"/> types as Arrow IPC files.</summary>
public static class ArrowFile
{
    /// <summary>
    /// Writes <paramref name="records"/> to <paramref name="path"/>. The data goes to a temporary sibling that is flushed
    /// to disk and then renamed over the path, so a crash never leaves a partial file under the final name.
    /// </summary>
    public static async Task WriteAsync<T>(string path, IEnumerable<T> records, ArrowWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        ArgumentNullException.ThrowIfNull(records);
        var writer = CreateWriter<T>(path, options);
        await using (writer.ConfigureAwait(false))
        {
            await writer.AppendRangeAsync(records, cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A writer that appends records to <paramref name="path"/> in batches of <see cref="ArrowWriteOptions.BatchSize"/> rows.
    /// Nothing appears under <paramref name="path"/> until <see cref="BatchingRecordWriter{T}.CompleteAsync"/> succeeds;
    /// disposing without completing deletes the temporary file.
    /// </summary>
    public static ArrowRecordWriter<T> CreateWriter<T>(string path, ArrowWriteOptions? options = null)
        where T : IArrowRecord<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= ArrowWriteOptions.Default;
        options.Validate();
        var file = AtomicLocalFile.Create(path);
        try
        {
            return new ArrowRecordWriter<T>(file.Stream, options, leaveOpen: false, file);
        }
        catch
        {
            file.AbandonAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>A writer that appends records to <paramref name="stream"/>; <see cref="BatchingRecordWriter{T}.CompleteAsync"/> ends the format.</summary>
    public static ArrowRecordWriter<T> CreateWriter<T>(Stream stream, ArrowWriteOptions? options = null, bool leaveOpen = false)
        where T : IArrowRecord<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= ArrowWriteOptions.Default;
        options.Validate();
        return new ArrowRecordWriter<T>(stream, options, leaveOpen, file: null);
    }

    /// <summary>Reads every record of an Arrow IPC file or stream (the format is detected from its first bytes).</summary>
    /// <exception cref="ArrowFormatException">The file is not valid Arrow IPC.</exception>
    /// <exception cref="ArrowSchemaMismatchException">The file's columns do not fit <typeparamref name="T"/>.</exception>
    public static async Task<IReadOnlyList<T>> ReadAsync<T>(string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        return await RecordBatchReading.ToListAsync<T>(ReadBatchesAsync(path, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Streams the records of an Arrow IPC file or stream one batch at a time.</summary>
    public static IAsyncEnumerable<T> StreamAsync<T>(string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.StreamAsync<T>(ReadBatchesAsync(path, cancellationToken), cancellationToken);

    /// <summary>The record batches of an Arrow IPC file or stream; the caller disposes each batch.</summary>
    public static async IAsyncEnumerable<RecordBatch> ReadBatchesAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            var magic = new byte[6];
            var got = await stream.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            stream.Seek(0, SeekOrigin.Begin);
            if (got == magic.Length && magic.AsSpan().SequenceEqual("ARROW1"u8))
            {
                var reader = await ArrowFileReader.OpenAsync(stream, path, cancellationToken: cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    for (var i = 0; i < reader.BatchCount; i++)
                    {
                        yield return await reader.ReadBatchAsync(i, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            else
            {
                var reader = new ArrowStreamReader(stream, path, leaveOpen: true);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadNextBatchAsync(cancellationToken).ConfigureAwait(false) is { } batch)
                    {
                        yield return batch;
                    }
                }
            }
        }
    }
}

/// <summary>
/// Appends records of <typeparamref name="T"/> and writes a record batch every <see cref="ArrowWriteOptions.BatchSize"/>
/// rows. <see cref="BatchingRecordWriter{T}.CompleteAsync"/> writes the last batch and ends the format (and, for a path, flushes the file to
/// disk and renames it into place). Disposing without completing abandons the output.
/// </summary>
public sealed class ArrowRecordWriter<T> : BatchingRecordWriter<T>
    where T : IArrowRecord<T>
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly AtomicLocalFile? _file;
    private readonly IpcWriterCore _writer;

    internal ArrowRecordWriter(Stream stream, ArrowWriteOptions options, bool leaveOpen, AtomicLocalFile? file)
        : base(options.BatchSize)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _file = file;
        _writer = new IpcWriterCore(stream, T.ArrowSchema, leaveOpen: true, fileFormat: options.Format == ArrowIpcFormat.File, options.Compression);
    }

    private protected override ValueTask WriteBatchAsync(RecordBatch batch, CancellationToken cancellationToken) =>
        _writer.WriteBatchAsync(batch, cancellationToken);

    private protected override async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        await _writer.FinishAsync(cancellationToken).ConfigureAwait(false);
        if (_file is not null)
        {
            await _file.PublishAsync().ConfigureAwait(false);
        }
    }

    private protected override async ValueTask ReleaseAsync(bool completed)
    {
        if (!completed)
        {
            _writer.Abandon();
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        if (!_leaveOpen)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        if (!completed && _file is not null)
        {
            await _file.AbandonAsync().ConfigureAwait(false);
        }
    }
}
