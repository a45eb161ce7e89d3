using System.Runtime.CompilerServices;
using Apache.Arrow;
using Bulwark.Arrow.Ipc;
using Bulwark.Parquet;

namespace Bulwark.Ingest;

/// <summary>Serializes a table's batches into a part's bytes (Parquet or Arrow IPC file) and back.</summary>
internal static class PartCodec
{
    public static async Task<byte[]> EncodeAsync(IReadOnlyList<RecordBatch> batches, Schema schema, IngestFormat format, CancellationToken cancellationToken)
    {
        using var stream = new PooledOutputStream();
        if (format == IngestFormat.Parquet)
        {
            var writer = new ParquetFileWriter(stream, schema, options: null, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                foreach (var batch in batches)
                {
                    await writer.WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
                }

                await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            var writer = new IpcWriterCore(stream, schema, leaveOpen: true, fileFormat: true);
            try
            {
                foreach (var batch in batches)
                {
                    await writer.WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
                }

                await writer.FinishAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                writer.Abandon();
                throw;
            }
            finally
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }

        return stream.ToArray();
    }

    /// <summary>The batches of a part's bytes, in the format their magic names; the caller disposes each batch.</summary>
    public static async IAsyncEnumerable<RecordBatch> DecodeAsync(byte[] bytes, string source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = new MemoryStream(bytes, writable: false);
        if (FileMagic.IsParquet(bytes))
        {
            var reader = await ParquetFileReader.OpenAsync(stream, source, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                for (var i = 0; i < reader.RowGroupCount; i++)
                {
                    yield return await reader.ReadRowGroupAsync(i, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        else
        {
            var reader = await ArrowIpcFileReader.OpenAsync(stream, source, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                for (var i = 0; i < reader.BatchCount; i++)
                {
                    yield return await reader.ReadBatchAsync(i, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Re-encodes a part's bytes in <paramref name="format"/> (the identity when it is already in it).</summary>
    public static async Task<byte[]> ConvertAsync(byte[] bytes, string source, IngestFormat format, CancellationToken cancellationToken)
    {
        if (FileMagic.IsParquet(bytes) == (format == IngestFormat.Parquet))
        {
            return bytes;
        }

        var batches = new List<RecordBatch>();
        try
        {
            Schema? schema = null;
            await foreach (var batch in DecodeAsync(bytes, source, cancellationToken).ConfigureAwait(false))
            {
                batches.Add(batch);
                schema ??= batch.Schema;
            }

            return schema is null
                ? throw new IngestDataException(source, "the part holds no batch, so its schema is unknown")
                : await EncodeAsync(batches, schema, format, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var batch in batches)
            {
                batch.Dispose();
            }
        }
    }
}
