using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Arrow.Ipc;

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
    private readonly short _version;
    private int _node;
    private int _buffer;
    private int _variadicCount;

    public BodyDecoder(IpcContext context, string what, long bodyOffset, ReadOnlyMemory<byte> body, RecordBatchHeader header, IReadOnlyDictionary<long, ArrayData> dictionaries, IReadOnlyDictionary<Field, long> dictionaryIds, ArrowReadOptions options, short version)
    {
        _version = version;
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

    private int VariadicCountCount => _header.VariadicBufferCounts.IsPresent ? _header.VariadicBufferCounts.Count : 0;

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
            case StringType or BinaryType or LargeStringType or LargeBinaryType:
                {
                    var validity = NextBuffer(path, nullCount);
                    var offsets = NextBuffer(path, 1);
                    var data = NextBuffer(path, 1);
                    return new ArrayData(field.DataType, length, nullCount, 0, [validity, offsets, data], []);
                }

            case StringViewType or BinaryViewType:
                {
                    var dataBuffers = NextVariadicCount(path);
                    var buffers = new ArrowBuffer[2 + dataBuffers];
                    buffers[0] = NextBuffer(path, nullCount);
                    for (var i = 1; i < buffers.Length; i++)
                    {
                        buffers[i] = NextBuffer(path, 1);
                    }

                    return new ArrayData(field.DataType, length, nullCount, 0, buffers, []);
                }

            case ListType or LargeListType or MapType:
                {
                    var validity = NextBuffer(path, nullCount);
                    var offsets = NextBuffer(path, 1);
                    var valueField = ((NestedType)field.DataType).Fields[0];
                    var child = ReadField(valueField, path + "." + valueField.Name);
                    return new ArrayData(field.DataType, length, nullCount, 0, [validity, offsets], [child]);
                }

            case FixedSizeListType fixedSizeList:
                {
                    var validity = NextBuffer(path, nullCount);
                    var child = ReadField(fixedSizeList.ValueField, path + "." + fixedSizeList.ValueField.Name);
                    return new ArrayData(field.DataType, length, nullCount, 0, [validity], [child]);
                }

            case UnionType union:
                return ReadUnion(union, length, nullCount, path);
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

        if (_variadicCount != VariadicCountCount)
        {
            throw _context.Error(_what, _bodyOffset, $"the batch declares {VariadicCountCount} variadic buffer counts but its schema has {_variadicCount} view columns");
        }
    }

    /// <summary>
    /// A union has no validity of its own from V5 on: a slot is null when the child it selects is. Its null count stays
    /// 0 because Apache's UnionArray.IsValid, given a non-zero count, indexes the children by type id rather than by the
    /// position of that id in the declared type ids.
    /// </summary>
    private ArrayData ReadUnion(UnionType union, int length, int nullCount, string path)
    {
        if (_version < IpcMetadata.MetadataVersionV5)
        {
            // Before 1.0 a union had a validity bitmap first; an absent one (or no nulls) is the V5 layout.
            var legacyValidity = NextBuffer(path, nullCount);
            if (nullCount > 0 && legacyValidity.Length > 0)
            {
                throw _context.Error($"{_what} field '{path}'", _bodyOffset, "a union with its own validity bitmap (pre-1.0 metadata) is not supported");
            }
        }

        var typeIds = NextBuffer(path, 1);
        var buffers = union.Mode == UnionMode.Dense ? new[] { typeIds, NextBuffer(path, 1) } : new[] { typeIds };
        var children = new ArrayData[union.Fields.Count];
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = ReadField(union.Fields[i], path + "." + union.Fields[i].Name);
        }

        return new ArrayData(union, length, 0, 0, buffers, children);
    }

    /// <summary>The number of variadic data buffers of the next view column, at most the buffers the batch has left.</summary>
    private int NextVariadicCount(string path)
    {
        if (_variadicCount >= VariadicCountCount)
        {
            throw _context.Error($"{_what} field '{path}'", _bodyOffset, $"the batch has {VariadicCountCount} variadic buffer counts, too few for its view columns");
        }

        var count = _header.VariadicBufferCounts.GetInt64(_variadicCount++);
        var left = BufferCount - _buffer - 2;
        if (count < 0 || count > left)
        {
            throw _context.Error($"{_what} field '{path}'", _bodyOffset, $"variadic buffer count {count} is outside 0..{Math.Max(left, 0)}, the buffers the batch has left");
        }

        return (int)count;
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
