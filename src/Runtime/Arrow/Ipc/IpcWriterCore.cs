using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Arrow.Ipc;

/// <summary>
/// What the file and stream writers share: the schema message, dictionary batches before the record batches that use
/// them, record batch framing, and the end-of-stream marker. Only the handling of a changed dictionary and the footer
/// differ between the formats.
/// </summary>
internal sealed class IpcWriterCore
{
    internal static readonly byte[] Magic = "ARROW1"u8.ToArray();

    private static readonly List<(int Id, ArrayData Data)> NoDictionaries = new();

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly bool _fileFormat;
    private readonly FlatBufferBuilder _builder = new();
    private readonly BodyLayout _layout = new();
    private readonly BodyLayout _scratch = new();
    private readonly BodyLayout _compressed = new();
    private readonly BodyCompressor? _compressor;
    private readonly MessageWriter _writer;
    private readonly BatchNormalizer _normalizer = new();

    // Indexed by dictionary id: a field of each dictionary's value type, in the depth-first order IpcMetadata.WriteSchema
    // assigns the ids in.
    private readonly List<Field> _dictionaryFields = new();
    private readonly Dictionary<int, DictionarySnapshot> _written = new();
    private readonly List<FileBlock> _dictionaryBlocks = new();
    private readonly List<FileBlock> _recordBatchBlocks = new();
    private bool _started;
    private bool _finished;
    private bool _faulted;
    private bool _disposed;

    public IpcWriterCore(Stream stream, Schema schema, bool leaveOpen, bool fileFormat, ArrowCompression compression = ArrowCompression.None)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(schema);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(stream));
        }

        _stream = stream;
        Schema = schema;
        _leaveOpen = leaveOpen;
        _fileFormat = fileFormat;
        _writer = new MessageWriter(stream, 0);
        if (!Enum.IsDefined(compression))
        {
            throw new ArgumentOutOfRangeException(nameof(compression), compression, "Unknown Arrow IPC body compression.");
        }
        foreach (var field in schema.FieldsList)
        {
            CollectDictionaryFields(field);
        }

        // Encoding the schema up front surfaces unwritable types and names here rather than at the first batch.
        _builder.Clear();
        IpcMetadata.WriteSchema(_builder, schema);
        _builder.Clear();

        // Created last: a ZSTD compressor holds native memory that a constructor failing above would leak.
        _compressor = compression switch
        {
            ArrowCompression.Lz4Frame => new BodyCompressor(IpcCompression.Lz4Frame),
            ArrowCompression.Zstd => new BodyCompressor(IpcCompression.Zstd),
            _ => null,
        };
    }

    public Schema Schema { get; }

    public int BatchCount => _recordBatchBlocks.Count;

    /// <exception cref="ArgumentException">The batch's fields differ from the schema, or its data is malformed.</exception>
    /// <exception cref="ArrowFormatException">A column's data does not match its field (type, length, nulls in a non-nullable field).</exception>
    /// <exception cref="InvalidOperationException">The file format cannot hold a changed dictionary.</exception>
    public async ValueTask WriteBatchAsync(RecordBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ThrowIfUnusable();
        try
        {
            var columns = Prepare(batch);
            var pending = PlanDictionaries(columns);
            try
            {
                await StartAsync(cancellationToken).ConfigureAwait(false);
                foreach (var (id, data) in pending)
                {
                    await WriteDictionaryAsync(id, data, cancellationToken).ConfigureAwait(false);
                }

                _layout.Reset(batch.Length);
                for (var i = 0; i < columns.Length; i++)
                {
                    _layout.AddColumn(Schema.FieldsList[i], columns[i], Schema.FieldsList[i].Name);
                }

                var body = Compressed(_layout);
                _builder.Clear();
                var header = IpcMetadata.WriteRecordBatch(_builder, body, _compressor?.Codec);
                _builder.Finish(IpcMetadata.WriteMessage(_builder, MessageHeaderType.RecordBatch, header, body.BodyLength));
                _recordBatchBlocks.Add(await _writer.WriteMessageAsync(_builder, body, cancellationToken).ConfigureAwait(false));
            }
            catch
            {
                // Part of a message may be on the stream: finishing now would produce a file that lies about its content.
                _faulted = true;
                throw;
            }
        }
        finally
        {
            _normalizer.Release();
        }
    }

    /// <summary>
    /// Checks the batch against the schema and brings its columns into writable shape (see <see cref="BatchNormalizer"/>);
    /// nothing is written yet, so a refused batch leaves the writer usable.
    /// </summary>
    private ArrayData[] Prepare(RecordBatch batch)
    {
        var fields = Schema.FieldsList;
        if (!ReferenceEquals(batch.Schema, Schema) && !SameFields(batch.Schema.FieldsList, fields))
        {
            throw new ArgumentException($"The batch's schema {ArrowTypes.Describe(batch.Schema)} differs from the writer's schema {ArrowTypes.Describe(Schema)}.", nameof(batch));
        }

        if (batch.ColumnCount != fields.Count)
        {
            throw new ArrowFormatException($"Record batch has {batch.ColumnCount} columns but its schema has {fields.Count} fields.");
        }

        var columns = new ArrayData[fields.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var field = fields[i];
            var column = batch.Column(i);
            if (column.Length != batch.Length)
            {
                throw new ArrowFormatException($"Column '{field.Name}' has {column.Length} rows; the batch has {batch.Length}.");
            }

            // Checked after normalizing: slices share their parent's children, which the matcher would read unshifted.
            columns[i] = _normalizer.Normalize(column.Data, field.Name);
            FieldMatcher.Check(field, columns[i], field.Name);
        }

        return columns;
    }

    private static bool SameFields(IReadOnlyList<Field> left, IReadOnlyList<Field> right)
    {
        if (left.Count != right.Count)
        {
            return false;
        }

        for (var i = 0; i < left.Count; i++)
        {
            if (!ArrowTypes.Equal(left[i], right[i]))
            {
                return false;
            }
        }

        return true;
    }

    public async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return;
        }

        ThrowIfUnusable();
        try
        {
            await StartAsync(cancellationToken).ConfigureAwait(false);
            var eos = new byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(eos, -1);
            await _writer.WriteRawAsync(eos, cancellationToken).ConfigureAwait(false);
            if (_fileFormat)
            {
                _builder.Clear();
                _builder.Finish(IpcMetadata.WriteFooter(_builder, Schema, _dictionaryBlocks, _recordBatchBlocks));
                var footer = _builder.WrittenMemory;
                await _writer.WriteRawAsync(footer, cancellationToken).ConfigureAwait(false);
                var trailer = new byte[4 + Magic.Length];
                BinaryPrimitives.WriteInt32LittleEndian(trailer, footer.Length);
                Magic.CopyTo(trailer, 4);
                await _writer.WriteRawAsync(trailer, cancellationToken).ConfigureAwait(false);
            }

            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            _finished = true;
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    /// <summary>Makes <see cref="DisposeAsync"/> close without finishing: the output is being thrown away.</summary>
    public void Abandon() => _faulted = true;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (!_finished && !_faulted)
            {
                await FinishAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _disposed = true;
            _compressor?.Dispose();
            if (!_leaveOpen)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            throw new InvalidOperationException("The writer is finished; no more batches can be written.");
        }

        if (_faulted)
        {
            throw new InvalidOperationException("An earlier write failed part-way; the output is incomplete and the writer cannot continue.");
        }
    }

    private async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        if (_fileFormat)
        {
            // "ARROW1" plus two bytes of padding so the first message starts 8-byte aligned.
            await _writer.WriteRawAsync(new byte[] { 0x41, 0x52, 0x52, 0x4F, 0x57, 0x31, 0, 0 }, cancellationToken).ConfigureAwait(false);
        }

        _builder.Clear();
        var schema = IpcMetadata.WriteSchema(_builder, Schema);
        _builder.Finish(IpcMetadata.WriteMessage(_builder, MessageHeaderType.Schema, schema, 0));
        await _writer.WriteMessageAsync(_builder, null, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteDictionaryAsync(int id, ArrayData data, CancellationToken cancellationToken)
    {
        var field = _dictionaryFields[id];
        _layout.Reset(data.Length);
        _layout.AddColumn(field, data, field.Name);
        var body = Compressed(_layout);
        _builder.Clear();
        var recordBatch = IpcMetadata.WriteRecordBatch(_builder, body, _compressor?.Codec);
        var header = IpcMetadata.WriteDictionaryBatch(_builder, id, recordBatch, isDelta: false);
        _builder.Finish(IpcMetadata.WriteMessage(_builder, MessageHeaderType.DictionaryBatch, header, body.BodyLength));
        _dictionaryBlocks.Add(await _writer.WriteMessageAsync(_builder, body, cancellationToken).ConfigureAwait(false));

        // The snapshot keeps the uncompressed layout: later batches' dictionaries are compared with it before compression.
        _written[id] = DictionarySnapshot.Take(_layout);
    }

    /// <summary>The body to write: <paramref name="layout"/> itself, or its buffers compressed into a second layout.</summary>
    private BodyLayout Compressed(BodyLayout layout)
    {
        if (_compressor is null)
        {
            return layout;
        }

        _compressor.Compress(layout, _compressed);
        return _compressed;
    }

    /// <summary>
    /// Decides, before anything is written, which dictionaries this batch must send: new ids, and (stream format only)
    /// ids whose dictionary changed. Nested dictionaries come first so a reader always knows every id a dictionary uses.
    /// </summary>
    private List<(int Id, ArrayData Data)> PlanDictionaries(ArrayData[] columns)
    {
        if (_dictionaryFields.Count == 0)
        {
            return NoDictionaries;
        }

        var found = new List<(int Id, ArrayData Data, string Path)>();
        var nextId = 0;
        for (var i = 0; i < columns.Length; i++)
        {
            CollectDictionaries(Schema.FieldsList[i], columns[i], Schema.FieldsList[i].Name, ref nextId, found);
        }

        var pending = new List<(int, ArrayData)>();
        foreach (var (id, data, path) in found)
        {
            if (_written.TryGetValue(id, out var previous))
            {
                if (previous.Matches(Layout(id, data, _scratch)))
                {
                    continue;
                }

                if (_fileFormat)
                {
                    throw new InvalidOperationException(
                        $"Column '{path}' carries a different dictionary (id {id}) than an earlier batch; the Arrow IPC file format allows one dictionary per id. Keep the dictionary fixed or write the stream format, which replaces dictionaries.");
                }
            }

            pending.Add((id, data));
        }

        return pending;
    }

    private BodyLayout Layout(int id, ArrayData data, BodyLayout layout)
    {
        var field = _dictionaryFields[id];
        layout.Reset(data.Length);
        layout.AddColumn(field, data, field.Name);
        return layout;
    }

    /// <summary>Walks the data in the order the ids were assigned, so the n-th dictionary met has id n.</summary>
    private static void CollectDictionaries(Field field, ArrayData data, string path, ref int nextId, List<(int, ArrayData, string)> found)
    {
        if (field.DataType is DictionaryType encoding)
        {
            var id = nextId++;
            var values = data.Dictionary ?? throw new ArgumentException($"Column '{path}' is dictionary-encoded but its data carries no dictionary.");
            CollectChildren(encoding.ValueType, values, path, ref nextId, found);
            found.Add((id, values, path));
            return;
        }

        CollectChildren(field.DataType, data, path, ref nextId, found);
    }

    private static void CollectChildren(IArrowType type, ArrayData data, string path, ref int nextId, List<(int, ArrayData, string)> found)
    {
        // FieldMatcher has checked that the data's children match the type's.
        switch (type)
        {
            case ListType list:
                CollectDictionaries(list.ValueField, data.Children[0], path + "." + list.ValueField.Name, ref nextId, found);
                break;
            case MapType map:
                CollectDictionaries(map.Fields[0], data.Children[0], path + "." + map.Fields[0].Name, ref nextId, found);
                break;
            case StructType st:
                for (var i = 0; i < st.Fields.Count; i++)
                {
                    CollectDictionaries(st.Fields[i], data.Children[i], path + "." + st.Fields[i].Name, ref nextId, found);
                }

                break;
        }
    }

    /// <summary>Numbers the schema's dictionaries depth-first, a dictionary before those nested in its values.</summary>
    private void CollectDictionaryFields(Field field)
    {
        var type = field.DataType;
        if (type is DictionaryType encoding)
        {
            _dictionaryFields.Add(new Field(field.Name, encoding.ValueType, nullable: true));
            type = encoding.ValueType;
        }

        switch (type)
        {
            case ListType list:
                CollectDictionaryFields(list.ValueField);
                break;
            case MapType map:
                CollectDictionaryFields(map.Fields[0]);
                break;
            case StructType st:
                foreach (var child in st.Fields)
                {
                    CollectDictionaryFields(child);
                }

                break;
        }
    }

    /// <summary>
    /// A private copy of a written dictionary's layout: the caller's batch (and its pooled memory) may be disposed and
    /// reused before the next batch arrives, so a reference alone could not tell whether the dictionary changed.
    /// </summary>
    private sealed class DictionarySnapshot
    {
        private readonly FieldNodeInfo[] _nodes;
        private readonly byte[][] _buffers;

        private DictionarySnapshot(FieldNodeInfo[] nodes, byte[][] buffers)
        {
            _nodes = nodes;
            _buffers = buffers;
        }

        public static DictionarySnapshot Take(BodyLayout layout)
        {
            var buffers = new byte[layout.Buffers.Count][];
            for (var i = 0; i < buffers.Length; i++)
            {
                buffers[i] = layout.Buffers[i].Memory.ToArray();
            }

            return new DictionarySnapshot(layout.Nodes.ToArray(), buffers);
        }

        public bool Matches(BodyLayout layout)
        {
            if (layout.Nodes.Count != _nodes.Length || layout.Buffers.Count != _buffers.Length)
            {
                return false;
            }

            for (var i = 0; i < _nodes.Length; i++)
            {
                if (layout.Nodes[i] != _nodes[i])
                {
                    return false;
                }
            }

            for (var i = 0; i < _buffers.Length; i++)
            {
                if (!layout.Buffers[i].Memory.Span.SequenceEqual(_buffers[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
