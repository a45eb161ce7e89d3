using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;

namespace Bulwark.Records;

/// <summary>
/// Maps: append each entry's key to <see cref="Keys"/> and its value to <see cref="Values"/>, then call
/// <see cref="EndMap"/>; or call <see cref="AppendNull"/> for a null map. The layout is a list of a non-nullable
/// <c>entries</c> struct of a non-nullable <c>key</c> and a <c>value</c>, as the Arrow format defines Map.
/// </summary>
public sealed class MapColumnBuilder<TKeys, TValues> : ColumnBuilder
    where TKeys : ColumnBuilder
    where TValues : ColumnBuilder
{
    private readonly PooledBuffer _offsets = new();
    private readonly StructType _entriesType;

    /// <summary>A builder of <paramref name="type"/> as the schema declares it; the keys and values builders must produce its key and value types.</summary>
    public MapColumnBuilder(MapType type, TKeys keys, TValues values, string? name = null)
        : base(type, name)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        if (!ArrowTypes.Equal(keys.Type, type.KeyField.DataType) || !ArrowTypes.Equal(values.Type, type.ValueField.DataType))
        {
            throw new ArgumentException(
                $"Map column '{Name}' is {ArrowTypes.Describe(type)}, but its builders produce {ArrowTypes.Describe(keys.Type)} keys and {ArrowTypes.Describe(values.Type)} values.",
                nameof(type));
        }

        Keys = keys;
        Values = values;
        _entriesType = type.KeyValueType;
    }

    /// <summary>A builder of the Map type Bulwark writes: keys not sorted, entries and keys non-nullable.</summary>
    public MapColumnBuilder(TKeys keys, TValues values, bool valuesNullable, string? name = null)
        : this(CreateType(keys, values, valuesNullable), keys, values, name)
    {
    }

    public TKeys Keys { get; }

    public TValues Values { get; }

    private static MapType CreateType(TKeys keys, TValues values, bool valuesNullable)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        var entries = new StructType([new Field("key", keys.Type, false, null), new Field("value", values.Type, valuesNullable, null)]);
        return new MapType(new Field("entries", entries, false, null), keySorted: false);
    }

    /// <summary>Closes the map made of the entries appended since the previous slot ended.</summary>
    public void EndMap()
    {
        WriteOffset();
        Validity.AppendValid();
    }

    public override void AppendNull()
    {
        WriteOffset();
        Validity.AppendNull();
    }

    private protected override long ValueBytes => _offsets.Length + Keys.EncodedBytes + Values.EncodedBytes;

    internal override ArrayData BuildData(BufferLease lease)
    {
        // Generated builders fault (and refuse to build) when an append fails between a key and its value.
        if (Keys.Length != Values.Length)
        {
            throw new InvalidOperationException($"Map column '{Name}' has {Keys.Length} keys but {Values.Length} values.");
        }

        if (_offsets.Length == 0)
        {
            _offsets.Write(0);
        }

        var length = Length;
        var nulls = NullCount;
        var validity = Validity.Detach(lease);
        var offsets = _offsets.Detach(lease);
        var count = Keys.Length;
        var entries = new ArrayData(_entriesType, count, 0, 0, [ArrowBuffer.Empty], [Keys.BuildData(lease), Values.BuildData(lease)]);
        return new ArrayData(Type, length, nulls, 0, [validity, offsets], [entries]);
    }

    public override void Clear()
    {
        Validity.Clear();
        _offsets.Clear();
        Keys.Clear();
        Values.Clear();
    }

    internal override void Truncate(int length)
    {
        // Also mends a key appended without its value: both are cut back to where the row's entries begin.
        var end = EndOffset(_offsets, length);
        Validity.Truncate(length);
        TruncateOffsets(_offsets, length);
        Keys.Truncate(end);
        Values.Truncate(end);
    }

    private protected override void Release()
    {
        Validity.Release();
        _offsets.Release();
        Keys.Dispose();
        Values.Dispose();
    }

    private void WriteOffset()
    {
        if (_offsets.Length == 0)
        {
            _offsets.Write(0);
        }

        _offsets.Write(Keys.Length);
    }
}
