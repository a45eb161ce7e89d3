using Bulwark.Storage;
using System.Runtime.CompilerServices;
using Bulwark.Arrow.Ipc;
using Bulwark.Records;
using Microsoft.Extensions.Logging;
using RecordBatch = Apache.Arrow.RecordBatch;

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

/// <summary>
/// Reads and writes collections of generated <see cref="IArrowRecord{T}"/> types as Arrow IPC files: on a local path,
/// in an <see cref="IStorageBackend"/> or over a caller's stream.
/// </summary>
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
        await RecordOutput.WriteAllAsync(CreateWriter<T>(path, options), records, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="records"/> to <paramref name="path"/> in <paramref name="storage"/> through a
    /// <see cref="PendingFile"/>: nothing is published until the file is complete, and the rename is made durable.
    /// </summary>
    public static async Task WriteAsync<T>(IStorageBackend storage, string path, IEnumerable<T> records, ArrowWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        ArgumentNullException.ThrowIfNull(records);
        var writer = await CreateWriterAsync<T>(storage, path, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        await RecordOutput.WriteAllAsync(writer, records, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A writer that appends records to <paramref name="path"/> in batches of <see cref="ArrowWriteOptions.BatchSize"/> rows.
    /// Nothing appears under <paramref name="path"/> until <see cref="BatchingRecordWriter{T}.CompleteAsync"/> succeeds;
    /// disposing without completing deletes the temporary file and logs a warning to <paramref name="logger"/>.
    /// </summary>
    public static ArrowRecordWriter<T> CreateWriter<T>(string path, ArrowWriteOptions? options = null, ILogger? logger = null)
        where T : IArrowRecord<T>
    {
        options = Validated(options);
        return RecordOutput.CreateWriter(path, output => new ArrowRecordWriter<T>(output, options, logger));
    }

    /// <summary>
    /// A writer that appends records to <paramref name="stream"/>; <see cref="BatchingRecordWriter{T}.CompleteAsync"/>
    /// ends the format. Disposing without completing logs a warning to <paramref name="logger"/>.
    /// </summary>
    public static ArrowRecordWriter<T> CreateWriter<T>(Stream stream, ArrowWriteOptions? options = null, bool leaveOpen = false, ILogger? logger = null)
        where T : IArrowRecord<T>
    {
        options = Validated(options);
        return RecordOutput.CreateWriter(stream, leaveOpen, output => new ArrowRecordWriter<T>(output, options, logger));
    }

    /// <summary>
    /// A writer into <paramref name="storage"/>; the file is committed by <see cref="BatchingRecordWriter{T}.CompleteAsync"/>.
    /// Disposing without completing discards it and logs a warning to <paramref name="logger"/>.
    /// </summary>
    public static ValueTask<ArrowRecordWriter<T>> CreateWriterAsync<T>(IStorageBackend storage, string path, ArrowWriteOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        options = Validated(options);
        return RecordOutput.CreateWriterAsync(storage, path, output => new ArrowRecordWriter<T>(output, options, logger), cancellationToken);
    }

    /// <summary>Reads every record of an Arrow IPC file or stream (the format is detected from its first bytes).</summary>
    /// <exception cref="ArrowFormatException">The file is not valid Arrow IPC (a Parquet file is named as one).</exception>
    /// <exception cref="ArrowSchemaMismatchException">The file's columns do not fit <typeparamref name="T"/>.</exception>
    public static Task<IReadOnlyList<T>> ReadAsync<T>(string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.ToListAsync<T>(ReadBatchesAsync(path, cancellationToken));

    /// <summary>Reads every record of an Arrow IPC file or stream stored at <paramref name="path"/> in <paramref name="storage"/>.</summary>
    public static Task<IReadOnlyList<T>> ReadAsync<T>(IStorageBackend storage, string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.ToListAsync<T>(ReadBatchesAsync(storage, path, cancellationToken));

    /// <summary>Streams the records of an Arrow IPC file or stream one batch at a time.</summary>
    public static IAsyncEnumerable<T> StreamAsync<T>(string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.StreamAsync<T>(ReadBatchesAsync(path, cancellationToken), cancellationToken);

    /// <summary>Streams the records of an Arrow IPC file or stream in <paramref name="storage"/> one batch at a time.</summary>
    public static IAsyncEnumerable<T> StreamAsync<T>(IStorageBackend storage, string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.StreamAsync<T>(ReadBatchesAsync(storage, path, cancellationToken), cancellationToken);

    /// <summary>The record batches of an Arrow IPC file or stream; the caller disposes each batch.</summary>
    public static async IAsyncEnumerable<RecordBatch> ReadBatchesAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await foreach (var batch in ReadBatchesAsync(stream, path, cancellationToken).ConfigureAwait(false))
        {
            yield return batch;
        }
    }

    /// <summary>The record batches of an Arrow IPC file or stream in <paramref name="storage"/>; the caller disposes each batch.</summary>
    public static async IAsyncEnumerable<RecordBatch> ReadBatchesAsync(IStorageBackend storage, string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = await RecordOutput.OpenSeekableAsync(storage, path, cancellationToken).ConfigureAwait(false);
        await foreach (var batch in ReadBatchesAsync(stream, path, cancellationToken).ConfigureAwait(false))
        {
            yield return batch;
        }
    }

    private static ArrowWriteOptions Validated(ArrowWriteOptions? options)
    {
        options ??= ArrowWriteOptions.Default;
        options.Validate();
        return options;
    }

    /// <summary>Reads a seekable <paramref name="stream"/> in the IPC format its magic names, and disposes it.</summary>
    private static async IAsyncEnumerable<RecordBatch> ReadBatchesAsync(Stream stream, string sourceName, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (stream.ConfigureAwait(false))
        {
            var (head, tail) = await FileMagic.ReadEndsAsync(stream, cancellationToken).ConfigureAwait(false);
            if (FileMagic.ParquetEvidence(head, tail) is { } parquet)
            {
                throw new ArrowFormatException(FileMagic.ParquetNotArrow(sourceName, parquet, "an Arrow IPC file"));
            }

            if (head.AsSpan().StartsWith(FileMagic.ArrowFile))
            {
                var reader = await ArrowIpcFileReader.OpenAsync(stream, sourceName, leaveOpen: true, cancellationToken: cancellationToken).ConfigureAwait(false);
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
                var reader = await ArrowIpcStreamReader.OpenAsync(stream, sourceName, leaveOpen: true, cancellationToken: cancellationToken).ConfigureAwait(false);
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
