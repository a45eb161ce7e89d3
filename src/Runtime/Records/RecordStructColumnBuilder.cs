using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;

namespace Bulwark.Records;

/// <summary>
/// A struct column holding a nested <c>[ArrowRecord]</c> type. Unlike <see cref="StructColumnBuilder"/>, a null slot fills
/// non-nullable children with default values instead of nulls, so the column stays valid for readers that check that
/// non-nullable fields hold no nulls.
/// </summary>
public sealed class RecordStructColumnBuilder<T> : ColumnBuilder
    where T : IArrowStructRecord<T>
{
    private readonly IArrowStructWriter<T> _writer;

    public RecordStructColumnBuilder(StructType type, string? name = null)
        : base(type, name)
    {
        _writer = T.CreateStructWriter(type.Fields, Name);
        if (_writer.Children.Count != type.Fields.Count)
        {
            throw new ArgumentException($"Struct '{Name}' has {type.Fields.Count} fields but {typeof(T).Name} writes {_writer.Children.Count}.", nameof(type));
        }
    }

    public void Append(in T value)
    {
        _writer.Append(in value);
        Validity.AppendValid();
    }

    /// <summary>Appends a valid slot of default values: the filler for a non-nullable struct inside a null parent struct.</summary>
    public void AppendPlaceholder()
    {
        _writer.AppendPlaceholder();
        Validity.AppendValid();
    }

    public override void AppendNull()
    {
        _writer.AppendPlaceholder();
        Validity.AppendNull();
    }

    private protected override long ValueBytes => SumEncodedBytes(_writer.Children);

    internal override ArrayData BuildData(BufferLease lease)
    {
        var length = Length;
        var nulls = NullCount;
        var validity = Validity.Detach(lease);
        var children = new ArrayData[_writer.Children.Count];
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = _writer.Children[i].BuildData(lease);
        }

        // The writer counts rows of its own; the children were just detached, so reset it for the next batch.
        _writer.Clear();
        return new ArrayData(Type, length, nulls, 0, [validity], children);
    }

    public override void Clear()
    {
        Validity.Clear();
        _writer.Clear();
    }

    internal override void Truncate(int length)
    {
        // The writer's own row count only matters to its Build, which a struct column never calls.
        Validity.Truncate(length);
        foreach (var child in _writer.Children)
        {
            child.Truncate(length);
        }
    }

    private protected override void Release()
    {
        Validity.Release();
        _writer.Dispose();
    }
}
