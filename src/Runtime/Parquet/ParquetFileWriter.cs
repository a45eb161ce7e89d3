using System.Buffers.Binary;
using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;

namespace Bulwark.Parquet;

/// <summary>
/// Writes record batches to a stream as a Parquet file: every <see cref="WriteBatchAsync"/> adds one or more row groups (cut at
/// <see cref="ParquetWriteOptions.RowGroupSize"/> rows), each column chunk is written as soon as it is encoded, and
/// <see cref="CompleteAsync"/> writes the footer. The Arrow schema travels in the <c>ARROW:schema</c> key so that readers
/// restore the exact Arrow types (durations, enums as dictionaries, time zones).
/// </summary>
public sealed class ParquetFileWriter : IAsyncDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly ParquetWriteOptions _options;
    private readonly List<SchemaElement> _elements;
    private readonly ColumnNode[] _roots;
    private readonly List<LeafColumn> _leaves;
    private readonly LeafBuffers[] _buffers;
    private readonly ColumnChunkWriter _chunkWriter;
    private readonly PooledBuffer _output = new();
    private readonly List<RowGroup> _rowGroups = new();
    private long _position;
    private bool _started;
    private bool _completed;
    private bool _faulted;
    private bool _disposed;

    /// <exception cref="ArgumentException">The schema holds a type Bulwark cannot write to Parquet.</exception>
    public ParquetFileWriter(Stream stream, Schema schema, ParquetWriteOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(schema);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(stream));
        }

        _options = options ?? ParquetWriteOptions.Default;
        _options.Validate();
        _stream = stream;
        _leaveOpen = leaveOpen;
        Schema = schema;
        (_elements, _roots, _leaves) = ParquetSchema.FromArrow(schema);
        _buffers = _leaves.Select(_ => new LeafBuffers()).ToArray();
        _chunkWriter = new ColumnChunkWriter(_options);
    }

    public Schema Schema { get; }

    public long RowCount { get; private set; }

    public int RowGroupCount => _rowGroups.Count;

    /// <summary>
    /// Writes <paramref name="batch"/> as one row group, or several when it holds more than RowGroupSize rows. The batch
    /// may be a slice (arrays with an offset, null counts not yet computed).
    /// </summary>
    /// <exception cref="ArgumentException">The batch's schema differs from the writer's, or its columns do not match its schema.</exception>
    public async ValueTask WriteBatchAsync(RecordBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ThrowIfUnusable();
        if (!ArrowTypes.Equal(batch.Schema, Schema))
        {
            throw new ArgumentException($"The batch's schema {ArrowTypes.Describe(batch.Schema)} differs from the writer's {ArrowTypes.Describe(Schema)}.", nameof(batch));
        }

        CheckColumns(batch);

        if (batch.Length == 0)
        {
            return;
        }

        try
        {
            await StartAsync(cancellationToken).ConfigureAwait(false);
            for (var start = 0; start < batch.Length; start += _options.RowGroupSize)
            {
                var end = (int)Math.Min(batch.Length, (long)start + _options.RowGroupSize);
                await WriteRowGroupAsync(batch, start, end, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    /// <summary>Writes the footer. The stream then holds a complete Parquet file (with no row group if nothing was written).</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        _faulted = true;
        await StartAsync(cancellationToken).ConfigureAwait(false);
        var metadata = new FileMetaData
        {
            Version = 2,
            Schema = _elements,
            NumRows = RowCount,
            RowGroups = _rowGroups,
            CreatedBy = CreatedBy,
            ColumnOrders = _leaves.Count,
        };
        metadata.KeyValueMetadata.Add(new(ParquetSchema.ArrowSchemaKey, EncodeArrowSchema(Schema)));
        if (Schema.HasMetadata)
        {
            foreach (var pair in Schema.Metadata)
            {
                if (pair.Key != ParquetSchema.ArrowSchemaKey)
                {
                    metadata.KeyValueMetadata.Add(new(pair.Key, pair.Value));
                }
            }
        }

        _output.Clear();
        MetadataCodec.Write(new ThriftWriter(_output), metadata);
        var footerLength = _output.Length;
        _output.Write(footerLength);
        _output.Write(Magic);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _faulted = false;
        _completed = true;
    }

    /// <summary>"bulwark version x.y.z", the form other readers parse to recognise the writer.</summary>
    internal static string CreatedBy
    {
        get
        {
            var version = typeof(ParquetFileWriter).Assembly.GetName().Version ?? new Version(0, 0, 0);
            return $"bulwark version {version.Major}.{version.Minor}.{Math.Max(0, version.Build)}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var buffers in _buffers)
        {
            buffers.Release();
        }

        _chunkWriter.Dispose();
        _output.Release();
        if (!_leaveOpen)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The IPC schema message (continuation marker, length, flatbuffer, padding) in base64, as Arrow writers store it.</summary>
    internal static string EncodeArrowSchema(Schema schema)
    {
        var builder = new FlatBufferBuilder();
        var offset = IpcMetadata.WriteSchema(builder, schema);
        builder.Finish(IpcMetadata.WriteMessage(builder, MessageHeaderType.Schema, offset, 0));
        var flatbuffer = builder.Written;
        var padded = (flatbuffer.Length + 7) & ~7;
        var framed = new byte[8 + padded];
        BinaryPrimitives.WriteInt32LittleEndian(framed, -1);
        BinaryPrimitives.WriteInt32LittleEndian(framed.AsSpan(4), padded);
        flatbuffer.CopyTo(framed.AsSpan(8));
        return Convert.ToBase64String(framed);
    }

    /// <summary>
    /// Apache's batches do not check their columns against their schema, and the shredder reads buffers by the declared
    /// types, so a mismatch is refused here before anything is written.
    /// </summary>
    private static void CheckColumns(RecordBatch batch)
    {
        var columns = new IArrowArray[batch.ColumnCount];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = batch.Column(i);
        }

        try
        {
            FieldMatcher.CheckBatch(batch.Schema, columns, batch.Length);
        }
        catch (ArrowFormatException ex)
        {
            throw new ArgumentException(ex.Message, nameof(batch), ex);
        }
    }

    private async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (_started)
        {
            return;
        }

        await _stream.WriteAsync(Magic, cancellationToken).ConfigureAwait(false);
        _position = Magic.Length;
        _started = true;
    }

    private async ValueTask WriteRowGroupAsync(RecordBatch batch, int start, int end, CancellationToken cancellationToken)
    {
        foreach (var buffers in _buffers)
        {
            buffers.Clear();
        }

        for (var i = 0; i < _roots.Length; i++)
        {
            Shredder.Shred(_roots[i], batch.Column(i).Data, start, end, _buffers);
        }

        var group = new RowGroup { NumRows = end - start, FileOffset = _position, Ordinal = (short)Math.Min(short.MaxValue, _rowGroups.Count) };
        long compressed = 0, uncompressed = 0;
        foreach (var leaf in _leaves)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _output.Clear();
            var meta = _chunkWriter.Write(leaf, _buffers[leaf.Index], _output, _position);
            group.Columns.Add(new ColumnChunk { FileOffset = 0, MetaData = meta });
            compressed += meta.TotalCompressedSize;
            uncompressed += meta.TotalUncompressedSize;
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        group.TotalByteSize = uncompressed;
        group.TotalCompressedSize = compressed;
        _rowGroups.Add(group);
        RowCount += end - start;
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        // Detaching lends the pooled array to a lease returned after the write, so no copy is made for the stream.
        var lease = new BufferLease();
        try
        {
            var bytes = _output.Detach(lease);
            await _stream.WriteAsync(bytes.Memory, cancellationToken).ConfigureAwait(false);
            _position += bytes.Length;
        }
        finally
        {
            lease.Return();
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The writer is complete; nothing more can be written.");
        }

        if (_faulted)
        {
            throw new InvalidOperationException("An earlier write failed; the output is abandoned and the writer cannot continue.");
        }
    }
}
