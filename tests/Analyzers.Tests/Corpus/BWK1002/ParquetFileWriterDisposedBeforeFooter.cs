// corpus: an export writes row groups with a Parquet file writer and leaves on an empty batch: disposed without CompleteAsync, the file has no footer
namespace Bulwark.Parquet
{
    // The runtime's writer, reduced to what the export calls: its footer is written by CompleteAsync alone.
    internal sealed class ParquetFileWriter : IAsyncDisposable
    {
        private readonly Stream _stream;

        public ParquetFileWriter(Stream stream, bool leaveOpen = false) => _stream = stream;

        public ValueTask WriteBatchAsync(byte[] batch, CancellationToken cancellationToken = default) => _stream.WriteAsync(batch, cancellationToken);

        public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

namespace Corpus.BWK1002.ParquetFileWriterDisposedBeforeFooter
{
    using Bulwark.Parquet;

    internal sealed class Export
    {
        public async Task WriteAsync(Stream output, IReadOnlyList<byte[]> batches, CancellationToken ct)
        {
            var writer = {|BWK1002:new ParquetFileWriter(output, leaveOpen: true)|};
            await using (writer.ConfigureAwait(false))
            {
                foreach (var batch in batches)
                {
                    if (batch.Length == 0)
                    {
                        return;
                    }

                    await writer.WriteBatchAsync(batch, ct).ConfigureAwait(false);
                }

                await writer.CompleteAsync(ct).ConfigureAwait(false);
            }
        }

        public async Task WriteAllAsync(Stream output, IReadOnlyList<byte[]> batches, CancellationToken ct)
        {
            var writer = new ParquetFileWriter(output, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                foreach (var batch in batches)
                {
                    await writer.WriteBatchAsync(batch, ct).ConfigureAwait(false);
                }

                await writer.CompleteAsync(ct).ConfigureAwait(false);
            }
        }
    }
}
