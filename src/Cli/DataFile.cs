using System.Runtime.CompilerServices;
using Apache.Arrow;
using Bulwark.Arrow.Ipc;
using Bulwark.Parquet;

namespace Bulwark.Cli;

/// <summary>
/// An Arrow IPC file, Arrow IPC stream or Parquet file opened through the runtime's readers, which validate every
/// byte and raise <see cref="DataFormatException"/> naming the file and the reason. Batches are read one at a time.
/// </summary>
internal sealed class DataFile : IAsyncDisposable
{
    private readonly ParquetFileReader? _parquet;
    private readonly ArrowIpcFileReader? _arrowFile;
    private readonly ArrowIpcStreamReader? _arrowStream;

    private DataFile(string format, Schema schema, ParquetFileReader? parquet, ArrowIpcFileReader? arrowFile, ArrowIpcStreamReader? arrowStream)
    {
        Format = format;
        Schema = schema;
        _parquet = parquet;
        _arrowFile = arrowFile;
        _arrowStream = arrowStream;
    }

    /// <summary>"Parquet file", "Arrow IPC file" or "Arrow IPC stream".</summary>
    public string Format { get; }

    public Schema Schema { get; }

    /// <summary>The Parquet reader, for its footer's row groups and metadata; null for Arrow.</summary>
    public ParquetFileReader? Parquet => _parquet;

    /// <summary>The record batches the footer of an Arrow IPC file lists; null for a stream (counted only by reading it) and Parquet.</summary>
    public int? ArrowBatchCount => _arrowFile?.BatchCount;

    /// <summary>
    /// Opens <paramref name="path"/> in the format its magic bytes name: PAR1 at either end is Parquet (as the runtime
    /// tells the formats apart), ARROW1 at the start an Arrow IPC file, anything else is read as an Arrow IPC stream,
    /// whose reader says what is wrong if it is not one.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not a valid file of the format it looks like.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<DataFile> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        try
        {
            var head = new byte[Math.Min(8, stream.Length)];
            var tail = new byte[head.Length];
            await stream.ReadExactlyAsync(head, cancellationToken);
            stream.Seek(-tail.Length, SeekOrigin.End);
            await stream.ReadExactlyAsync(tail, cancellationToken);
            stream.Seek(0, SeekOrigin.Begin);
            var arrowFile = head.AsSpan().StartsWith("ARROW1"u8);
            if (head.AsSpan().StartsWith("PAR1"u8) || (tail.Length == 8 && tail.AsSpan().EndsWith("PAR1"u8) && !arrowFile))
            {
                var parquet = await ParquetFileReader.OpenAsync(stream, path, cancellationToken: cancellationToken);
                return new DataFile("Parquet file", parquet.Schema, parquet, null, null);
            }

            if (arrowFile)
            {
                var file = await ArrowIpcFileReader.OpenAsync(stream, path, cancellationToken: cancellationToken);
                return new DataFile("Arrow IPC file", file.Schema, null, file, null);
            }

            var reader = await ArrowIpcStreamReader.OpenAsync(stream, path, cancellationToken: cancellationToken);
            return new DataFile("Arrow IPC stream", reader.Schema, null, null, reader);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Whether rows follow batch <paramref name="batchIndex"/> (-1: before the first), after <paramref name="rowsRead"/>
    /// rows, as far as the footer tells without reading: Parquet knows its row count, an Arrow IPC file its batches
    /// (one may be empty); null for a stream, which only reading tells.
    /// </summary>
    public bool? HasRowsAfter(int batchIndex, long rowsRead) =>
        _parquet is not null ? _parquet.RowCount > rowsRead
        : _arrowFile is not null ? batchIndex + 1 < _arrowFile.BatchCount
        : null;

    /// <summary>The batches in file order (a Parquet row group is one batch); the caller disposes each.</summary>
    public async IAsyncEnumerable<RecordBatch> ReadBatchesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_parquet is not null)
        {
            for (var i = 0; i < _parquet.RowGroupCount; i++)
            {
                yield return await _parquet.ReadRowGroupAsync(i, cancellationToken);
            }
        }
        else if (_arrowFile is not null)
        {
            for (var i = 0; i < _arrowFile.BatchCount; i++)
            {
                yield return await _arrowFile.ReadBatchAsync(i, cancellationToken);
            }
        }
        else
        {
            while (await _arrowStream!.ReadNextBatchAsync(cancellationToken) is { } batch)
            {
                yield return batch;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_parquet is not null)
        {
            await _parquet.DisposeAsync();
        }

        if (_arrowFile is not null)
        {
            await _arrowFile.DisposeAsync();
        }

        if (_arrowStream is not null)
        {
            await _arrowStream.DisposeAsync();
        }
    }
}
