using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
namespace Bulwark.Records;

/// <summary>
/// Lists: append the elements of one slot to <see cref="Values"/>, then call <see cref="EndList"/>;
/// or call <see cref="AppendNull"/> for a null list.
/// </summary>
public sealed class ListColumnBuilder<TValues> : ColumnBuilder
    where TValues : ColumnBuilder
{
    private readonly PooledBuffer _offsets = new();

    public ListColumnBuilder(TValues values, bool valuesNullable, string? name = null, string itemName = "item")
        : base(new ListType(new Field(itemName, values.Type, valuesNullable, null)), name)
    {
        Values = values;
    }

    public TValues Values { get; }

    /// <summary>Closes the list made of the values appended since the previous slot ended.</summary>
    public void EndList()
    {
        WriteOffset();
        Validity.AppendValid();
    }

    public override void AppendNull()
    {
        WriteOffset();
        Validity.AppendNull();
    }

    private protected override long ValueBytes => _offsets.Length + Values.EncodedBytes;

    internal override ArrayData BuildData(BufferLease lease)
    {
        if (_offsets.Length == 0)
        {
            _offsets.Write(0);
        }

        var length = Length;
        var nulls = NullCount;
        var validity = Validity.Detach(lease);
        var offsets = _offsets.Detach(lease);
        return new ArrayData(Type, length, nulls, 0, [validity, offsets], [Values.BuildData(lease)]);
    }

    public override void Clear()
    {
        Validity.Clear();
        _offsets.Clear();
        Values.Clear();
    }

    internal override void Truncate(int length)
    {
        var end = EndOffset(_offsets, length);
        Validity.Truncate(length);
        TruncateOffsets(_offsets, length);
        Values.Truncate(end);
    }

    private protected override void Release()
    {
        Validity.Release();
        _offsets.Release();
        Values.Dispose();
    }

    private void WriteOffset()
    {
        if (_offsets.Length == 0)
        {
            _offsets.Write(0);
        }

        _offsets.Write(Values.Length);
    }
}

/// <summary>
/// Structs: append one value to every child, then call <see cref="Append"/>; <see cref="AppendNull"/> appends a null
/// to every child itself (non-nullable children may hold nulls where the struct is null).
/// </summary>
public sealed class StructColumnBuilder : ColumnBuilder
{
    public StructColumnBuilder(StructType type, IReadOnlyList<ColumnBuilder> children, string? name = null)
        : base(type, name)
    {
        if (children.Count != type.Fields.Count)
        {
            throw new ArgumentException($"Struct '{Name}' has {type.Fields.Count} fields but {children.Count} child builders.", nameof(children));
        }

        Children = children;
    }

    public IReadOnlyList<ColumnBuilder> Children { get; }

    /// <summary>Marks the current slot valid; every child must already hold its value for this slot.</summary>
    public void Append() => Validity.AppendValid();

    public override void AppendNull()
    {
        foreach (var child in Children)
        {
            child.AppendNull();
        }

        Validity.AppendNull();
    }

    private protected override long ValueBytes => SumEncodedBytes(Children);

    internal override ArrayData BuildData(BufferLease lease)
    {
        var length = Length;
        var nulls = NullCount;
        var validity = Validity.Detach(lease);
        var children = new ArrayData[Children.Count];
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = Children[i].BuildData(lease);
        }

        return new ArrayData(Type, length, nulls, 0, [validity], children);
    }

    public override void Clear()
    {
        Validity.Clear();
        foreach (var child in Children)
        {
            child.Clear();
        }
    }

    internal override void Truncate(int length)
    {
        Validity.Truncate(length);
        foreach (var child in Children)
        {
            child.Truncate(length);
        }
    }

    private protected override void Release()
    {
        Validity.Release();
        foreach (var child in Children)
        {
            child.Dispose();
        }
    }
}

/// <summary>
/// Int32 indices into a dictionary fixed up front (enum member names): every batch carries the same dictionary,
/// which is what the IPC file format requires of a non-delta dictionary.
/// </summary>
public sealed class DictionaryColumnBuilder : ColumnBuilder
{
    private readonly PooledBuffer _indices = new();
    private readonly ArrayData _dictionary;

    public DictionaryColumnBuilder(ArrayData dictionary, string? name = null)
        : base(new DictionaryType(Int32Type.Default, dictionary.DataType, false), name)
    {
        _dictionary = dictionary;
    }

    /// <summary>A Utf8 dictionary of <paramref name="values"/>, shared by every batch of a column.</summary>
    public static ArrayData CreateUtf8Dictionary(IReadOnlyList<string> values)
    {
        using var builder = new Utf8ColumnBuilder();
        foreach (var value in values)
        {
            builder.Append(value);
        }

        // The dictionary outlives every batch that references it, so it lives in plain arrays, not pooled ones.
        var lease = new BufferLease();
        var built = builder.BuildData(lease);
        var buffers = new ArrowBuffer[built.Buffers.Length];
        for (var i = 0; i < buffers.Length; i++)
        {
            buffers[i] = new ArrowBuffer(built.Buffers[i].Memory.ToArray());
        }

        lease.Return();
        return new ArrayData(built.DataType, built.Length, built.NullCount, 0, buffers, []);
    }

    public int DictionaryLength => _dictionary.Length;

    public void AppendIndex(int index)
    {
        if ((uint)index >= (uint)_dictionary.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Column '{Name}': index is outside the dictionary of {_dictionary.Length} values.");
        }

        _indices.Write(index);
        Validity.AppendValid();
    }

    public override void AppendNull()
    {
        _indices.Write(0);
        Validity.AppendNull();
    }

    private protected override long ValueBytes => _indices.Length;

    internal override ArrayData BuildData(BufferLease lease)
    {
        var length = Length;
        var nulls = NullCount;
        return new ArrayData(Type, length, nulls, 0, [Validity.Detach(lease), _indices.Detach(lease)], [], _dictionary);
    }

    public override void Clear()
    {
        Validity.Clear();
        _indices.Clear();
    }

    internal override void Truncate(int length)
    {
        Validity.Truncate(length);
        _indices.Truncate(length * sizeof(int));
    }

    private protected override void Release()
    {
        Validity.Release();
        _indices.Release();
    }
}
