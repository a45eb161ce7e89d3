using System.Runtime.CompilerServices;
using Bulwark.Arrow;
using Bulwark.Records;
using Bulwark.Storage;

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
        var writer = CreateWriter<T>(path, options);
        await using (writer.ConfigureAwait(false))
        {
            await writer.AppendRangeAsync(records, cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes <paramref name="records"/> to <paramref name="path"/> in <paramref name="storage"/> through a
    /// <see cref="PendingFile"/>: nothing is published until the file is complete, and the rename is made durable.
    /// </summary>
    public static async Task WriteAsync<T>(IStorageBackend storage, string path, IEnumerable<T> records, ParquetWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        ArgumentNullException.ThrowIfNull(records);
        var writer = await CreateWriterAsync<T>(storage, path, options, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            await writer.AppendRangeAsync(records, cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A streaming writer to <paramref name="path"/> (temporary sibling, renamed into place on completion).</summary>
    public static ParquetWriter<T> CreateWriter<T>(string path, ParquetWriteOptions? options = null)
        where T : IArrowRecord<T> => new(path, options);

    /// <summary>A streaming writer to <paramref name="stream"/>.</summary>
    public static ParquetWriter<T> CreateWriter<T>(Stream stream, ParquetWriteOptions? options = null, bool leaveOpen = false)
        where T : IArrowRecord<T> => new(stream, options, leaveOpen);

    /// <summary>A streaming writer into <paramref name="storage"/>; the file is published by <see cref="BatchingRecordWriter{T}.CompleteAsync"/>.</summary>
    public static async ValueTask<ParquetWriter<T>> CreateWriterAsync<T>(IStorageBackend storage, string path, ParquetWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        ArgumentNullException.ThrowIfNull(storage);
        var pending = await storage.CreateAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return new ParquetWriter<T>(storage, pending, options);
        }
        catch
        {
            await pending.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads every record of a Parquet file.</summary>
    /// <exception cref="ParquetFormatException">The file is not valid Parquet.</exception>
    /// <exception cref="ArrowSchemaMismatchException">The file's columns do not fit <typeparamref name="T"/>.</exception>
    public static async Task<IReadOnlyList<T>> ReadAsync<T>(string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        var result = new List<T>();
        await foreach (var batch in ReadBatchesAsync(path, cancellationToken).ConfigureAwait(false))
        {
            using (batch)
            {
                result.AddRange(T.ReadBatch(batch));
            }
        }

        return result;
    }

    /// <summary>Reads every record of a Parquet file stored in <paramref name="storage"/>.</summary>
    public static async Task<IReadOnlyList<T>> ReadAsync<T>(IStorageBackend storage, string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        ArgumentNullException.ThrowIfNull(storage);
        var stream = await storage.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var seekable = stream;
            if (!stream.CanSeek)
            {
                seekable = new MemoryStream();
                await stream.CopyToAsync(seekable, cancellationToken).ConfigureAwait(false);
                seekable.Position = 0;
            }

            var reader = await ParquetFileReader.OpenAsync(seekable, path, leaveOpen: ReferenceEquals(seekable, stream), cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var result = new List<T>();
                for (var i = 0; i < reader.RowGroupCount; i++)
                {
                    using var batch = await reader.ReadRowGroupAsync(i, cancellationToken).ConfigureAwait(false);
                    result.AddRange(T.ReadBatch(batch));
                }

                return result;
            }
        }
    }

    /// <summary>Streams the records of a Parquet file one row group at a time.</summary>
    public static IAsyncEnumerable<T> StreamAsync<T>(string path, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T> =>
        RecordBatchReading.StreamAsync<T>(ReadBatchesAsync(path, cancellationToken), cancellationToken);

    /// <summary>The row groups of a Parquet file as record batches; the caller disposes each batch.</summary>
    public static async IAsyncEnumerable<RecordBatch> ReadBatchesAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        var reader = await ParquetFileReader.OpenAsync(stream, path, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                yield return await reader.ReadRowGroupAsync(i, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>
/// Appends records of <typeparamref name="T"/> and writes a row group every <see cref="ParquetWriteOptions.RowGroupSize"/>
/// rows, so memory stays bounded by one row group. <see cref="BatchingRecordWriter{T}.CompleteAsync"/> writes the last row group and the footer
/// and publishes the file (rename or <see cref="PendingFile.CommitAsync"/>); disposing without completing abandons it.
/// </summary>
public sealed class ParquetWriter<T> : BatchingRecordWriter<T>
    where T : IArrowRecord<T>
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly AtomicLocalFile? _file;
    private readonly IStorageBackend? _storage;
    private readonly PendingFile? _pending;
    private readonly ParquetFileWriter _writer;

    /// <summary>Writes to a temporary sibling of <paramref name="path"/>, renamed over it by <see cref="BatchingRecordWriter{T}.CompleteAsync"/>.</summary>
    public ParquetWriter(string path, ParquetWriteOptions? options = null)
        : base((options ?? ParquetWriteOptions.Default).RowGroupSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= ParquetWriteOptions.Default;
        options.Validate();
        var file = AtomicLocalFile.Create(path);
        try
        {
            _writer = new ParquetFileWriter(file.Stream, T.ArrowSchema, options, leaveOpen: true);
        }
        catch
        {
            file.AbandonAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        _stream = file.Stream;
        _file = file;
    }

    /// <summary>Writes to <paramref name="stream"/>; <see cref="BatchingRecordWriter{T}.CompleteAsync"/> writes the footer.</summary>
    public ParquetWriter(Stream stream, ParquetWriteOptions? options = null, bool leaveOpen = false)
        : base((options ?? ParquetWriteOptions.Default).RowGroupSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= ParquetWriteOptions.Default;
        _writer = new ParquetFileWriter(stream, T.ArrowSchema, options, leaveOpen: true);
        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    internal ParquetWriter(IStorageBackend storage, PendingFile pending, ParquetWriteOptions? options)
        : base((options ?? ParquetWriteOptions.Default).RowGroupSize)
    {
        options ??= ParquetWriteOptions.Default;
        _writer = new ParquetFileWriter(pending.Stream, T.ArrowSchema, options, leaveOpen: true);
        _stream = pending.Stream;
        _leaveOpen = true;
        _storage = storage;
        _pending = pending;
    }

    private protected override ValueTask WriteBatchAsync(RecordBatch batch, CancellationToken cancellationToken) =>
        _writer.WriteAsync(batch, cancellationToken);

    private protected override async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        await _writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        if (_pending is not null && _storage is not null)
        {
            await _pending.CommitAsync(cancellationToken).ConfigureAwait(false);
            await _storage.SyncDirectoryAsync(StoragePath.GetDirectory(_pending.Path), cancellationToken).ConfigureAwait(false);
        }
        else if (_file is not null)
        {
            await _file.PublishAsync().ConfigureAwait(false);
        }
    }

    private protected override async ValueTask ReleaseAsync(bool completed)
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        if (_pending is not null)
        {
            await _pending.DisposeAsync().ConfigureAwait(false);
        }
        else if (!_leaveOpen)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        if (!completed && _file is not null)
        {
            await _file.AbandonAsync().ConfigureAwait(false);
        }
    }
}
