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
            case MapType map:
                // A map has the list layout over its entries struct.
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
