using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Arrow.Ipc;

internal readonly record struct FieldNodeInfo(long Length, long NullCount);

/// <summary>A slice of an array buffer and where it starts in the message body.</summary>
internal readonly record struct BodyBuffer(ReadOnlyMemory<byte> Memory, long Offset);

/// <summary>
/// The flattened, depth-first pre-order field nodes and buffers of one record batch, with each buffer placed at a
/// 64-byte aligned body offset. Buffers are views of the arrays' own memory: nothing is copied until it is written.
/// </summary>
internal sealed class BodyLayout
{
    public const int BufferAlignment = 64;

    private static readonly ReadOnlyMemory<byte> ZeroOffset = new byte[4];

    private long _end;

    public List<FieldNodeInfo> Nodes { get; } = new();

    public List<BodyBuffer> Buffers { get; } = new();

    /// <summary>Rows in the batch.</summary>
    public long Length { get; private set; }

    /// <summary>The body size: the end of the last buffer rounded up to a multiple of 8.</summary>
    public long BodyLength => (_end + 7) & ~7L;

    public void Reset(long length)
    {
        Nodes.Clear();
        Buffers.Clear();
        _end = 0;
        Length = length;
    }

    /// <summary>
    /// Appends <paramref name="data"/> as described by <paramref name="field"/>; dictionary values are not included.
    /// The data must have offset 0 and a known null count (<see cref="BatchNormalizer"/> makes user data so).
    /// </summary>
    public void AddColumn(Field field, ArrayData data, string path)
    {
        var length = data.Length;
        switch (field.DataType)
        {
            case DictionaryType { IndexType: IntegerType indexType }:
                Nodes.Add(new FieldNodeInfo(length, data.NullCount));
                AddValidity(data, path);
                AddSlice(data.Buffers, 1, (long)length * (indexType.BitWidth / 8), path, "dictionary indices");
                return;
            case NullType:
                Nodes.Add(new FieldNodeInfo(length, length));
                return;
            case BooleanType:
                Nodes.Add(new FieldNodeInfo(length, data.NullCount));
                AddValidity(data, path);
                AddSlice(data.Buffers, 1, BitUtil.BytesForBits(length), path, "values bitmap");
                return;
            case StringType or BinaryType:
                Nodes.Add(new FieldNodeInfo(length, data.NullCount));
                AddValidity(data, path);
                var end = AddOffsets(data, path);
                AddSlice(data.Buffers, 2, end, path, "data");
                return;
            case ListType list:
                Nodes.Add(new FieldNodeInfo(length, data.NullCount));
                AddValidity(data, path);
                AddOffsets(data, path);
                ExpectChildren(data, 1, path);
                AddColumn(list.ValueField, data.Children[0], path + "." + list.ValueField.Name);
                return;

            // Writing a map (aa-map): the list layout over its entries struct.
            case MapType map:
                Nodes.Add(new FieldNodeInfo(length, data.NullCount));
                AddValidity(data, path);
                AddOffsets(data, path);
                ExpectChildren(data, 1, path);
                AddColumn(map.Fields[0], data.Children[0], path + "." + map.Fields[0].Name);
                return;
            case StructType st:
                Nodes.Add(new FieldNodeInfo(length, data.NullCount));
                AddValidity(data, path);
                ExpectChildren(data, st.Fields.Count, path);
                for (var i = 0; i < st.Fields.Count; i++)
                {
                    AddColumn(st.Fields[i], data.Children[i], path + "." + st.Fields[i].Name);
                }

                return;
            default:
                var width = ArrowTypes.ByteWidth(field.DataType);
                if (width == 0)
                {
                    throw new ArgumentException($"Column '{path}': Arrow type {ArrowTypes.Describe(field.DataType)} is not supported; it cannot be written to IPC.");
                }

                Nodes.Add(new FieldNodeInfo(length, data.NullCount));
                AddValidity(data, path);
                AddSlice(data.Buffers, 1, (long)length * width, path, "values");
                return;
        }
    }

    /// <summary>Appends a buffer as it is, at the next aligned offset (for bodies whose buffers were transformed).</summary>
    public void Append(ReadOnlyMemory<byte> memory) => AddBuffer(memory);

    private void AddValidity(ArrayData data, string path)
    {
        // A bitmap is only needed when there are nulls; readers treat a zero-length validity buffer as all valid.
        if (data.NullCount == 0)
        {
            AddBuffer(ReadOnlyMemory<byte>.Empty);
            return;
        }

        AddSlice(data.Buffers, 0, BitUtil.BytesForBits(data.Length), path, "validity bitmap");
    }

    private long AddOffsets(ArrayData data, string path)
    {
        if (data.Length == 0 && (data.Buffers.Length < 2 || data.Buffers[1].Length == 0))
        {
            AddBuffer(ZeroOffset);
            return 0;
        }

        var bytes = ((long)data.Length + 1) * 4;
        AddSlice(data.Buffers, 1, bytes, path, "offsets");
        return BinaryPrimitives.ReadInt32LittleEndian(data.Buffers[1].Span.Slice(data.Length * 4, 4));
    }

    private void AddSlice(ArrowBuffer[] buffers, int index, long bytes, string path, string what)
    {
        if (index >= buffers.Length)
        {
            throw new ArgumentException($"Column '{path}' has no {what} buffer.");
        }

        var buffer = buffers[index];
        if (bytes < 0 || buffer.Length < bytes)
        {
            throw new ArgumentException($"Column '{path}': the {what} buffer holds {buffer.Length} bytes, {bytes} needed.");
        }

        AddBuffer(buffer.Memory[..(int)bytes]);
    }

    private void AddBuffer(ReadOnlyMemory<byte> memory)
    {
        var offset = (_end + BufferAlignment - 1) & ~(long)(BufferAlignment - 1);
        if (memory.IsEmpty)
        {
            offset = _end;
        }

        Buffers.Add(new BodyBuffer(memory, offset));
        _end = offset + memory.Length;
    }

    private static void ExpectChildren(ArrayData data, int count, string path)
    {
        if ((data.Children?.Length ?? 0) != count)
        {
            throw new ArgumentException($"Column '{path}' has {data.Children?.Length ?? 0} children; its type needs {count}.");
        }
    }
}

/// <summary>
/// Rebuilds <see cref="ArrayData"/> from a record batch's field nodes and buffers, checking every node and buffer
/// against the counts and the body before use. The arrays view the body without copying; <see cref="ArrayValidator"/>
/// then validates offsets, sizes and dictionary indices.
/// </summary>
internal sealed class BodyDecoder
{
    private readonly IpcContext _context;
    private readonly string _what;
    private readonly long _bodyOffset;
    private readonly ReadOnlyMemory<byte> _body;
    private readonly RecordBatchHeader _header;
    private readonly IReadOnlyDictionary<long, ArrayData> _dictionaries;
    private readonly IReadOnlyDictionary<Field, long> _dictionaryIds;
    private readonly BodyDecompressor? _decompressor;
    private int _node;
    private int _buffer;

    public BodyDecoder(IpcContext context, string what, long bodyOffset, ReadOnlyMemory<byte> body, RecordBatchHeader header, IReadOnlyDictionary<long, ArrayData> dictionaries, IReadOnlyDictionary<Field, long> dictionaryIds, ArrowReadOptions options)
    {
        _context = context;
        _what = what;
        _bodyOffset = bodyOffset;
        _body = body;
        _header = header;
        _dictionaries = dictionaries;
        _dictionaryIds = dictionaryIds;
        _decompressor = header.Compression is { } codec ? new BodyDecompressor(codec, context, what, bodyOffset, options) : null;
    }

    private int NodeCount => _header.Nodes.IsPresent ? _header.Nodes.Count : 0;

    private int BufferCount => _header.Buffers.IsPresent ? _header.Buffers.Count : 0;

    public ArrayData ReadField(Field field, string path)
    {
        var (length, nullCount) = NextNode(path);
        switch (field.DataType)
        {
            case DictionaryType encoding:
                {
                    var validity = NextBuffer(path, nullCount);
                    var indices = NextBuffer(path, 1);
                    var id = _dictionaryIds[field];
                    if (!_dictionaries.TryGetValue(id, out var dictionary))
                    {
                        throw _context.Error($"{_what} field '{path}'", _bodyOffset, $"the field uses dictionary id {id}, which no earlier dictionary batch defined");
                    }

                    return new ArrayData(encoding, length, nullCount, 0, [validity, indices], [], dictionary);
                }

            case NullType:
                // Writers disagree on the null count of a null array (some write 0); every slot is null by definition.
                return new ArrayData(NullType.Default, length, length, 0, [], []);
            case StringType or BinaryType:
                {
                    var validity = NextBuffer(path, nullCount);
                    var offsets = NextBuffer(path, 1);
                    var data = NextBuffer(path, 1);
                    return new ArrayData(field.DataType, length, nullCount, 0, [validity, offsets, data], []);
                }

            case ListType list:
                {
                    var validity = NextBuffer(path, nullCount);
                    var offsets = NextBuffer(path, 1);
                    var child = ReadField(list.ValueField, path + "." + list.ValueField.Name);
                    return new ArrayData(field.DataType, length, nullCount, 0, [validity, offsets], [child]);
                }

            // Reading a map (aa-map): the list layout over its entries struct.
            case MapType map:
                {
                    var validity = NextBuffer(path, nullCount);
                    var offsets = NextBuffer(path, 1);
                    var child = ReadField(map.Fields[0], path + "." + map.Fields[0].Name);
                    return new ArrayData(field.DataType, length, nullCount, 0, [validity, offsets], [child]);
                }

            case StructType st:
                {
                    var validity = NextBuffer(path, nullCount);
                    var children = new ArrayData[st.Fields.Count];
                    for (var i = 0; i < children.Length; i++)
                    {
                        children[i] = ReadField(st.Fields[i], path + "." + st.Fields[i].Name);
                    }

                    return new ArrayData(field.DataType, length, nullCount, 0, [validity], children);
                }

            default:
                {
                    var validity = NextBuffer(path, nullCount);
                    var values = NextBuffer(path, 1);
                    return new ArrayData(field.DataType, length, nullCount, 0, [validity, values], []);
                }
        }
    }

    /// <summary>Fails when the batch declares more nodes or buffers than its schema uses: the layout is not what was written.</summary>
    public void ExpectFullyConsumed()
    {
        if (_node != NodeCount || _buffer != BufferCount)
        {
            throw _context.Error(_what, _bodyOffset, $"the batch declares {NodeCount} field nodes and {BufferCount} buffers but its schema uses {_node} and {_buffer}");
        }
    }

    private (int Length, int NullCount) NextNode(string path)
    {
        if (_node >= NodeCount)
        {
            throw _context.Error($"{_what} field '{path}'", _bodyOffset, $"the batch has {NodeCount} field nodes, too few for its schema");
        }

        var index = _node++;
        var length = _header.Nodes.GetStructInt64(index, 0);
        var nullCount = _header.Nodes.GetStructInt64(index, 8);
        if (length < 0 || length > int.MaxValue)
        {
            throw _context.Error($"{_what} field node {index} of field '{path}'", _bodyOffset, $"length {length} is outside 0..{int.MaxValue}");
        }

        if (nullCount < 0 || nullCount > length)
        {
            throw _context.Error($"{_what} field node {index} of field '{path}'", _bodyOffset, $"null count {nullCount} is outside 0..{length}");
        }

        return ((int)length, (int)nullCount);
    }

    /// <summary>The next buffer as a view of the body; a validity buffer (<paramref name="use"/> 0) is dropped when unused.</summary>
    private ArrowBuffer NextBuffer(string path, int use)
    {
        if (_buffer >= BufferCount)
        {
            throw _context.Error($"{_what} field '{path}'", _bodyOffset, $"the batch has {BufferCount} buffers, too few for its schema");
        }

        var index = _buffer++;
        var offset = _header.Buffers.GetStructInt64(index, 0);
        var length = _header.Buffers.GetStructInt64(index, 8);
        if (offset < 0 || length < 0 || offset > _body.Length || length > _body.Length - offset)
        {
            throw _context.Error(
                $"{_what} buffer {index} of field '{path}'",
                _bodyOffset + Math.Clamp(offset, 0, _body.Length),
                $"buffer [offset {offset}, length {length}] lies outside the {_body.Length}-byte body");
        }

        if (use == 0)
        {
            return ArrowBuffer.Empty;
        }

        var stored = _body.Slice((int)offset, (int)length);
        var memory = _decompressor is null ? stored : _decompressor.Decompress(stored, index, path, offset);
        return memory.IsEmpty ? ArrowBuffer.Empty : new ArrowBuffer(memory);
    }
}
