using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;

namespace Bulwark.Parquet;

/// <summary>
/// Reads a Parquet file from a seekable stream as Arrow record batches, one per row group. The footer, every page header
/// and every page are validated; a truncated, corrupt or hostile file raises <see cref="ParquetFormatException"/> naming
/// the file, column, row group and page.
/// </summary>
public sealed partial class ParquetFileReader : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly ParquetReadOptions _options;
    private readonly FileMetaData _metadata;
    private readonly ColumnNode[] _roots;
    private readonly List<LeafColumn> _leaves;
    private readonly long _dataEnd;
    private readonly string? _name;
    private bool _disposed;

    private ParquetFileReader(Stream stream, bool leaveOpen, ParquetReadOptions options, FileMetaData metadata, Schema schema, ColumnNode[] roots, List<LeafColumn> leaves, long dataEnd, string? name)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _options = options;
        _metadata = metadata;
        Schema = schema;
        _roots = roots;
        _leaves = leaves;
        _dataEnd = dataEnd;
        _name = name;
    }

    /// <summary>The Arrow schema: from <c>ARROW:schema</c> when it agrees with the Parquet columns, else derived from them.</summary>
    public Schema Schema { get; }

    public int RowGroupCount => _metadata.RowGroups.Count;

    public long RowCount => _metadata.NumRows;

    public string? CreatedBy => _metadata.CreatedBy;

    public IReadOnlyList<KeyValuePair<string, string?>> KeyValueMetadata => _metadata.KeyValueMetadata;

    public long GetRowGroupRowCount(int index) => _metadata.RowGroups[index].NumRows;

    /// <summary>
    /// Opens a Parquet file through its footer; the stream must be readable and seekable. <paramref name="sourceName"/>
    /// names the file in errors; once open, the reader disposes the stream unless <paramref name="leaveOpen"/>.
    /// </summary>
    /// <exception cref="ParquetFormatException">The file is not valid Parquet (an Arrow IPC file or stream is named as one).</exception>
    public static async ValueTask<ParquetFileReader> OpenAsync(Stream stream, string? sourceName = null, ParquetReadOptions? options = null, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("Parquet is read from its footer: the stream must be readable and seekable.", nameof(stream));
        }

        options ??= ParquetReadOptions.Default;
        options.Validate();
        var location = new ParquetLocation(sourceName);
        var length = stream.Length;
        var (head, tail) = await FileMagic.ReadEndsAsync(stream, cancellationToken).ConfigureAwait(false);
        if (FileMagic.ParquetEvidence(head, tail) is null && FileMagic.ArrowEvidence(head, tail) is { } arrow)
        {
            throw new ParquetFormatException(FileMagic.ArrowNotParquet(sourceName, arrow.Kind, arrow.Evidence));
        }

        if (length < 12)
        {
            throw location.Error($"the file has {length} bytes; the smallest Parquet file has 12");
        }

        if (!head.AsSpan(0, 4).SequenceEqual("PAR1"u8) || !tail.AsSpan(4).SequenceEqual("PAR1"u8))
        {
            if (tail.AsSpan(4).SequenceEqual("PARE"u8))
            {
                throw location.Error("the file is encrypted (PARE): Parquet modular encryption is not supported");
            }

            throw location.Error("bad magic: the file does not start and end with \"PAR1\"");
        }

        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > length - 12)
        {
            throw location.Error($"the footer length {footerLength} does not fit the {length}-byte file");
        }

        if (footerLength > options.MaxMetadataBytes)
        {
            throw location.Error($"the footer of {footerLength} bytes exceeds the {options.MaxMetadataBytes}-byte limit (ParquetReadOptions.MaxMetadataBytes)");
        }

        var footerStart = length - 8 - footerLength;
        var footer = new byte[footerLength];
        stream.Seek(footerStart, SeekOrigin.Begin);
        await stream.ReadExactlyAsync(footer, cancellationToken).ConfigureAwait(false);
        var metadata = ParseFooter(footer, footerStart, location, options);
        var hint = await DecodeArrowSchemaAsync(metadata, cancellationToken).ConfigureAwait(false);
        var (schema, roots, leaves) = ParquetSchema.FromParquet(metadata.Schema, hint, location, options);
        if (metadata.NumRows < 0)
        {
            throw location.Error($"num_rows {metadata.NumRows} is negative");
        }

        return new ParquetFileReader(stream, leaveOpen, options, metadata, schema, roots, leaves, footerStart, sourceName);
    }

    private static FileMetaData ParseFooter(byte[] footer, long offset, ParquetLocation location, ParquetReadOptions options)
    {
        var stack = new short[Math.Min(options.MaxDepth, 1024) + 2];
        var reader = new ThriftReader(footer, offset, location, "footer", options.MaxDepth, stack);
        return MetadataCodec.ReadFileMetaData(ref reader);
    }

    private static async ValueTask<Schema?> DecodeArrowSchemaAsync(FileMetaData metadata, CancellationToken cancellationToken)
    {
        var encoded = metadata.KeyValueMetadata.LastOrDefault(p => p.Key == ParquetSchema.ArrowSchemaKey).Value;
        if (encoded is null)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            // A damaged hint only costs the exact Arrow types; the Parquet schema still describes every column.
            return null;
        }

        try
        {
            var reader = await ArrowIpcStreamReader.OpenAsync(new MemoryStream(bytes, writable: false), "ARROW:schema", cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return reader.Schema;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever the hint holds (types this Arrow layer lacks, damage), the Parquet schema still stands on its own.
            return null;
        }
    }

    /// <summary>
    /// Reads row group <paramref name="index"/> as one record batch over pooled memory, validated before its arrays are
    /// created; the caller disposes it, which returns the memory (arrays taken from it are valid until then).
    /// </summary>
    /// <exception cref="ParquetFormatException">The row group is corrupt.</exception>
    public async ValueTask<RecordBatch> ReadRowGroupAsync(int index, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowGroupCount);
        var location = new ParquetLocation(_name) { RowGroup = index };
        var group = _metadata.RowGroups[index];
        if (group.NumRows < 0 || group.NumRows > _options.MaxRowGroupRows)
        {
            throw location.Error($"num_rows {group.NumRows} is negative or above the limit of {_options.MaxRowGroupRows} (ParquetReadOptions.MaxRowGroupRows)");
        }

        if (group.Columns.Count != _leaves.Count)
        {
            throw location.Error($"the row group has {group.Columns.Count} column chunks; the schema has {_leaves.Count} columns");
        }

        var buffers = new LeafBuffers[_leaves.Count];
        var lease = new BufferLease();
        var arrays = new IArrowArray[_roots.Length];
        try
        {
            using var chunkReader = new ColumnChunkReader(_options);
            for (var i = 0; i < _leaves.Count; i++)
            {
                var leaf = _leaves[i];
                location.Column = leaf.DottedPath;
                buffers[i] = new LeafBuffers();
                var meta = CheckChunk(group.Columns[i], leaf, location, out var start);
                var length = meta.NumValues == 0 ? 0 : (int)meta.TotalCompressedSize;
                var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
                try
                {
                    if (length > 0)
                    {
                        _stream.Seek(start, SeekOrigin.Begin);
                        await _stream.ReadExactlyAsync(rented.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                    }

                    chunkReader.Read(leaf, meta, rented.AsMemory(0, length), start, buffers[i], location);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }

            location.Page = null;
            for (var c = 0; c < _roots.Length; c++)
            {
                var root = _roots[c];
                location.Column = root.Path;
                var data = ArrayAssembler.Build(root, buffers, lease, location, _options.MaxColumnBytes);
                try
                {
                    arrays[c] = ArrayValidator.CreateArray(data, root.Path);
                }
                catch (ArrowFormatException ex)
                {
                    throw location.Error($"the decoded column is inconsistent: {ex.Message}", ex);
                }

                if (data.Length != group.NumRows)
                {
                    throw location.Error($"the column has {data.Length} rows; the row group declares {group.NumRows}");
                }
            }

            location.Column = null;
            try
            {
                FieldMatcher.CheckBatch(Schema, arrays, (int)group.NumRows);
            }
            catch (ArrowFormatException ex)
            {
                throw location.Error(ex.Message, ex);
            }

            return new PooledRecordBatch(Schema, arrays, (int)group.NumRows, lease);
        }
        catch
        {
            // The arrays only view the lease's memory; nothing else is held.
            lease.Return();
            throw;
        }
        finally
        {
            foreach (var b in buffers)
            {
                b?.Release();
            }
        }
    }

    /// <summary>Every row group in order; the caller disposes each batch.</summary>
    public async IAsyncEnumerable<RecordBatch> ReadBatchesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < RowGroupCount; i++)
        {
            yield return await ReadRowGroupAsync(i, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_leaveOpen)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ColumnMetaData CheckChunk(ColumnChunk chunk, LeafColumn leaf, ParquetLocation location, out long start)
    {
        if (chunk.FilePath is not null)
        {
            throw location.Error($"the column chunk lives in another file ('{chunk.FilePath}'): column chunks in external files are not supported");
        }

        var meta = chunk.MetaData ?? throw location.Error("the column chunk has no metadata");
        if (meta.Type != leaf.PhysicalType)
        {
            throw location.Error($"the chunk holds {PhysicalType.Name(meta.Type)} values but the schema declares {PhysicalType.Name(leaf.PhysicalType)}");
        }

        if (!meta.PathInSchema.SequenceEqual(leaf.PathInSchema))
        {
            throw location.Error($"the chunk's path '{string.Join('.', meta.PathInSchema)}' differs from the schema's");
        }

        if (meta.NumValues < 0 || meta.NumValues > _options.MaxRowGroupRows)
        {
            throw location.Error($"num_values {meta.NumValues} is negative or above the limit of {_options.MaxRowGroupRows} (ParquetReadOptions.MaxRowGroupRows)");
        }

        // A chunk without values has no pages to read: other writers leave its offsets at 0 (and its size not).
        if (meta.NumValues == 0)
        {
            start = 0;
            return meta;
        }

        // The chunk starts at its dictionary page when it has one; some writers leave data_page_offset at 0 then.
        start = meta.DataPageOffset;
        if (meta.DictionaryPageOffset is { } dictionary && dictionary > 0 && (dictionary < start || start <= 0))
        {
            start = dictionary;
        }

        if (start < 4 || meta.TotalCompressedSize < 0 || meta.TotalCompressedSize > _dataEnd - start || meta.TotalCompressedSize > System.Array.MaxLength)
        {
            throw location.Error($"the chunk at byte {start} of {meta.TotalCompressedSize} bytes lies outside the data region (bytes 4 to {_dataEnd})");
        }

        return meta;
    }
}
