using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;

namespace Bulwark.Records;

/// <summary>
/// A map column bound together with its typed keys and values, so readers hold one field per column. Entry
/// <c>i</c> of every row is <c>Keys[i]</c> and <c>Values[i]</c>; <see cref="GetRange"/> says which entries belong to a row.
/// </summary>
public sealed class MapColumn<TKeys, TValues>
    where TKeys : class
    where TValues : class
{
    private readonly MapArray _array;
    private readonly ArrayData _entries;
    private readonly ReadOnlyMemory<byte> _entryValidity;
    private readonly string _recordType;
    private readonly string _path;

    /// <param name="array">The bound map column.</param>
    /// <param name="keys">The adapter over <see cref="ArrowRecordColumns.MapKeys{TArray}"/>.</param>
    /// <param name="values">The adapter over <see cref="ArrowRecordColumns.MapValues{TArray}"/>.</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    public MapColumn(MapArray array, TKeys keys, TValues values, string recordType, string path)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        _array = array;
        _entries = array.Data.Children[0];
        _entryValidity = _entries.GetNullCount() == 0 ? ReadOnlyMemory<byte>.Empty : _entries.Buffers[0].Memory;
        _recordType = recordType;
        _path = path;
        Keys = keys;
        Values = values;
    }

    public TKeys Keys { get; }

    public TValues Values { get; }

    public bool IsNull(int row) => _array.IsNull(row);

    public (int Start, int End) GetRange(int row) => (_array.ValueOffsets[row], _array.ValueOffsets[row + 1]);

    /// <summary>
    /// Whether entry <paramref name="index"/> is a null struct. The format declares entries non-nullable, but a writer
    /// may still set the bit; such an entry has no key, and is refused like a null key.
    /// </summary>
    public bool IsNullEntry(int index) =>
        !_entryValidity.IsEmpty && !BitUtil.GetBit(_entryValidity.Span, _entries.Offset + index);

    /// <summary>A null key (or null entry) at entry <paramref name="index"/>, which no dictionary can hold.</summary>
    public ArrowValueException NullKey(int row, int index) =>
        new(_recordType, _path, row, index - _array.ValueOffsets[row], "the map holds a null key, which a dictionary cannot hold.", null);

    /// <summary>A key that an earlier entry of the same row already holds; keeping either would silently drop the other.</summary>
    public ArrowValueException DuplicateKey<TKey>(int row, int index, TKey key) =>
        new(_recordType, _path, row, index - _array.ValueOffsets[row], $"the map holds key '{key}' twice.", null);
}
