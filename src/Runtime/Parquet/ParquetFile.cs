using System.Runtime.CompilerServices;
using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Records;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;

namespace Bulwark.Parquet;

/// <summary>Reads and writes collections of generated <see cref="IArrowRecord{T}"/> types as Parquet files.</summary>
public static class ParquetFile
{
    /// <summary>
    /// Writes <paramref name="records"/> to <paramref name="path"/>. The data goes to a temporary sibling that is flushed
    /// to disk and then renamed over the path (and the directory synced), so a crash never leaves a partial file under
    /// the final name.
    /// </summary>
    public static async Task WriteAsync<T>(string path, IEnumerable<T> records, ParquetWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        ArgumentNullException.ThrowIfNull(records);
        await RecordOutput.WriteAllAsync(CreateWriter<T>(path, options), records, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="records"/> to <paramref name="path"/> in <paramref name="storage"/> through a
    /// <see cref="PendingFile"/>: nothing is published until the file is complete, and the rename is made durable.
    /// </summary>
    public static async Task WriteAsync<T>(IStorageBackend storage, string path, IEnumerable<T> records, ParquetWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        ArgumentNullException.ThrowIfNull(records);
        var writer = await CreateWriterAsync<T>(storage, path, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        await RecordOutput.WriteAllAsync(writer, records, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A streaming writer to <paramref name="path"/> (temporary sibling, renamed into place on completion). Disposing it
    /// without completing deletes the temporary and logs a warning to <paramref name="logger"/>.
    /// </summary>
    public static ParquetRecordWriter<T> CreateWriter<T>(string path, ParquetWriteOptions? options = null, ILogger? logger = null)
        where T : IArrowRecord<T> => new(path, options, logger);

    /// <summary>A streaming writer to <paramref name="stream"/>; disposing it without completing logs a warning to <paramref name="logger"/>.</summary>
    public static ParquetRecordWriter<T> CreateWriter<T>(Stream stream, ParquetWriteOptions? options = null, bool leaveOpen = false, ILogger? logger = null)
        where T : IArrowRecord<T> => new(stream, options, leaveOpen, logger);

    /// <summary>
    /// A streaming writer into <paramref name="storage"/>; the file is committed by <see cref="BatchingRecordWriter{T}.CompleteAsync"/>.
    /// Disposing it without completing discards it and logs a warning to <paramref name="logger"/>.
    /// </summary>
    public static ValueTask<ParquetRecordWriter<T>> CreateWriterAsync<T>(IStorageBackend storage, string path, ParquetWriteOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        options = ParquetRecordWriter<T>.Validated(options);
        return RecordOutput.CreateWriterAsync(storage, path, output => new ParquetRecordWriter<T>(output, options, logger), cancellationToken);
    }

    /// <summary>Reads every record of a Parquet file.</summary>
    /// <exception cref="ParquetFormatException">The file is not valid Parquet (an Arrow IPC file is named as one).</exception>
    /// <exception cref="ArrowSchemaMismatchException">The file's columns do not fit <typeparamref name="T"/>.</exception>
    public static Task<IReadOnlyList<T>> ReadAsync<T>(string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.ToListAsync<T>(ReadBatchesAsync(path, cancellationToken));

    /// <summary>Reads every record of a Parquet file stored at <paramref name="path"/> in <paramref name="storage"/>.</summary>
    public static Task<IReadOnlyList<T>> ReadAsync<T>(IStorageBackend storage, string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.ToListAsync<T>(ReadBatchesAsync(storage, path, cancellationToken));

    /// <summary>Streams the records of a Parquet file one row group at a time.</summary>
    public static IAsyncEnumerable<T> StreamAsync<T>(string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.StreamAsync<T>(ReadBatchesAsync(path, cancellationToken), cancellationToken);

    /// <summary>Streams the records of a Parquet file in <paramref name="storage"/> one row group at a time.</summary>
    public static IAsyncEnumerable<T> StreamAsync<T>(IStorageBackend storage, string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.StreamAsync<T>(ReadBatchesAsync(storage, path, cancellationToken), cancellationToken);

    /// <summary>The row groups of a Parquet file as record batches; the caller disposes each batch.</summary>
    public static IAsyncEnumerable<RecordBatch> ReadBatchesAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadBatchesAsync(() => new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous)), path, cancellationToken);
    }

    /// <summary>The row groups of a Parquet file in <paramref name="storage"/> as record batches; the caller disposes each batch.</summary>
    public static IAsyncEnumerable<RecordBatch> ReadBatchesAsync(IStorageBackend storage, string path, CancellationToken cancellationToken = default) =>
        ReadBatchesAsync(() => RecordOutput.OpenSeekableAsync(storage, path, cancellationToken), path, cancellationToken);

    private static async IAsyncEnumerable<RecordBatch> ReadBatchesAsync(Func<ValueTask<Stream>> open, string sourceName, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = await open().ConfigureAwait(false);
        ParquetFileReader reader;
        try
        {
            reader = await ParquetFileReader.OpenAsync(stream, sourceName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await using (reader.ConfigureAwait(false))
        {
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                yield return await reader.ReadRowGroupAsync(i, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
