using System.Buffers.Binary;
using System.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;

namespace Bulwark.Records;

// The adapters below are what generated readers hold per member. Each accepts every physical encoding that
// ArrowRecordColumns.IsReadableAs admits for its member kind, decides how to decode it once in the constructor (once
// per batch), and leaves the per-row path to a field load, at most one branch on a readonly field and the arithmetic.
// Value failures go through ColumnLocation so that every one names the record type, column and row.

/// <summary>Where an adapter's values live, for error messages: the record type, the column and, for list items, the list.</summary>
internal sealed class ColumnLocation(string recordType, string path, ListArray? list)
{
    public ArrowSchemaMismatchException Unexpected(IArrowArray array) =>
        new($"Cannot read '{recordType}': column '{path}' has type {ArrowTypes.Describe(array.Data.DataType)}, which the member cannot be read from.");

    /// <summary>A value failure at <paramref name="index"/> of the bound array; list items are reported by row and position.</summary>
    public ArrowValueException Fail(int index, string reason, Exception? inner)
    {
        if (list is null)
        {
            return new ArrowValueException(recordType, path, index, null, reason, inner);
        }

        // Only failures pay for finding the row: the last row whose list starts at or before the item.
        int low = 0, high = list.Length - 1;
        while (low < high)
        {
            var middle = low + ((high - low + 1) / 2);
            if (list.ValueOffsets[middle] <= index)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return new ArrowValueException(recordType, path, low, index - list.ValueOffsets[low], reason, inner);
    }

    public ArrowValueException OutOfRange(int index, long value, string what, string range) =>
        Fail(index, $"{what} {value} is outside the range {range}.", new ArgumentOutOfRangeException("value", value, $"{what} is outside the range {range}."));
}

/// <summary>
/// The indices of a dictionary-encoded column as int. Int32 indices (what apache-arrow and Bulwark write) are read in
/// place; any other index type is widened once, so reading a row never switches on the index type.
/// </summary>
internal sealed class DictionaryIndices
{
    private readonly DictionaryArray _array;
    private readonly FixedValues<int> _int32;
    private readonly int[]? _widened;

    public DictionaryIndices(DictionaryArray array)
    {
        _array = array;
        var data = array.Data;
        var indexType = (IntegerType)((DictionaryType)data.DataType).IndexType;
        if (indexType is { BitWidth: 32, IsSigned: true })
        {
            _int32 = new FixedValues<int>(data);
            return;
        }

        // Arrays Bulwark reads were validated index by index against the dictionary, so each fits an int; null slots
        // may hold anything and are never looked up.
        _widened = new int[array.Length];
        var values = data.Buffers[1].Span;
        for (var i = 0; i < _widened.Length; i++)
        {
            _widened[i] = array.IsNull(i) ? 0 : checked((int)ArrayValidator.ReadIndex(values, indexType, data.Offset + i));
        }
    }

    public bool IsNull(int index) => _array.IsNull(index);

    public int this[int index] => _widened is null ? _int32[index] : _widened[index];
}

/// <summary>
/// The values buffer of a fixed-width array seen as <typeparamref name="T"/>, offset included. Holding the memory rather
/// than Apache's <c>Values</c> span property keeps the per-row cost to one slice of a cached memory.
/// </summary>
internal readonly struct FixedValues<T>
    where T : unmanaged
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly int _offset;

    public FixedValues(ArrayData data)
    {
        _memory = data.Buffers[1].Memory;
        _offset = data.Offset;
    }

    public T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => MemoryMarshal.Cast<byte, T>(_memory.Span)[_offset + index];
    }
}

/// <summary>Strict UTF-8: Apache's <c>StringArray.GetString</c> replaces invalid bytes with U+FFFD, which would be a silent change.</summary>
internal static class StrictUtf8
{
    private static readonly UTF8Encoding Encoding = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="DecoderFallbackException">The bytes are not valid UTF-8.</exception>
    public static string GetString(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? string.Empty : Encoding.GetString(bytes);
}

/// <summary>A string member's column: utf8, or a dictionary (any integer index) of utf8. Dictionary entries are decoded once.</summary>
public sealed class StringColumn
{
    private readonly StringArray _values;
    private readonly DictionaryIndices? _indices;
    private readonly string?[]? _decoded;
    private readonly bool _dictionaryHasNulls;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column: errors then name its row.</param>
    public StringColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        switch (array)
        {
            case StringArray strings:
                _values = strings;
                break;
            case DictionaryArray { Dictionary: StringArray dictionary } indices:
                _values = dictionary;
                _indices = new DictionaryIndices(indices);
                _decoded = new string?[dictionary.Length];
                _dictionaryHasNulls = dictionary.NullCount > 0;
                break;
            default:
                throw _location.Unexpected(array);
        }
    }

    public bool IsNull(int index) =>
        _indices is null
            ? _values.IsNull(index)
            : _indices.IsNull(index) || (_dictionaryHasNulls && _values.IsNull(_indices[index]));

    /// <exception cref="ArrowValueException">The bytes are not valid UTF-8.</exception>
    public string? GetValue(int index)
    {
        if (_indices is null)
        {
            return Decode(index, index);
        }

        var entry = _indices[index];
        return _decoded![entry] ??= Decode(entry, index);
    }

    private string? Decode(int position, int index)
    {
        try
        {
            return StrictUtf8.GetString(_values.GetBytes(position));
        }
        catch (DecoderFallbackException ex)
        {
            throw _location.Fail(index, "the value is not valid UTF-8.", ex);
        }
    }
}

/// <summary>A byte[] member's column: binary, or a dictionary (any integer index) of binary. Every row gets its own copy.</summary>
public sealed class BinaryColumn
{
    private readonly BinaryArray _values;
    private readonly DictionaryIndices? _indices;
    private readonly bool _dictionaryHasNulls;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public BinaryColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        switch (array)
        {
            case BinaryArray bytes when bytes is not StringArray:
                _values = bytes;
                break;
            case DictionaryArray { Dictionary: BinaryArray dictionary } indices when dictionary is not StringArray:
                _values = dictionary;
                _indices = new DictionaryIndices(indices);
                _dictionaryHasNulls = dictionary.NullCount > 0;
                break;
            default:
                throw new ColumnLocation(recordType, path, list).Unexpected(array);
        }
    }

    public bool IsNull(int index) =>
        _indices is null
            ? _values.IsNull(index)
            : _indices.IsNull(index) || (_dictionaryHasNulls && _values.IsNull(_indices[index]));

    public byte[]? GetValue(int index) => _values.GetBytes(_indices is null ? index : _indices[index]).ToArray();
}

/// <summary>A decimal member's column: Decimal128 of any precision and scale, converted exactly.</summary>
public sealed class DecimalColumn
{
    private readonly Decimal128Array _array;
    private readonly FixedValues<Int128> _values;
    private readonly int _scale;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public DecimalColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        _array = array as Decimal128Array ?? throw _location.Unexpected(array);
        _values = new FixedValues<Int128>(array.Data);
        _scale = _array.Scale;
    }

    public bool IsNull(int index) => _array.IsNull(index);

    /// <exception cref="ArrowValueException">The value needs more digits than <see cref="decimal"/> holds.</exception>
    public decimal GetValue(int index)
    {
        var unscaled = _values[index];
        try
        {
            return DecimalConvert.ToDecimal(unscaled, _scale);
        }
        catch (OverflowException ex)
        {
            throw _location.Fail(index, $"{ArrowTypes.Describe(_array.Data.DataType)} value {unscaled}e-{_scale} does not fit System.Decimal without losing digits.", ex);
        }
    }
}

/// <summary>
/// An enum member's column of member names: a dictionary (any integer index) of utf8, whose entries are mapped to members
/// once per batch, or plain utf8, looked up per row by its bytes. Names are matched exactly (ordinal).
/// </summary>
public sealed class EnumColumn<TEnum>
    where TEnum : struct, Enum
{
    private readonly StringArray _names;
    private readonly DictionaryIndices? _indices;
    private readonly int[]? _map;
    private readonly byte[][] _memberNames;
    private readonly TEnum[] _values;
    private readonly bool _dictionaryHasNulls;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="names">The member names, as the generated schema lists them in the dictionary.</param>
    /// <param name="values">The member values, in the order of <paramref name="names"/>.</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public EnumColumn(IArrowArray array, IReadOnlyList<string> names, TEnum[] values, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        _values = values;
        _location = new ColumnLocation(recordType, path, list);
        _memberNames = new byte[names.Count][];
        for (var i = 0; i < _memberNames.Length; i++)
        {
            _memberNames[i] = Encoding.UTF8.GetBytes(names[i]);
        }

        switch (array)
        {
            case StringArray strings:
                _names = strings;
                break;
            case DictionaryArray { Dictionary: StringArray dictionary } indices:
                // Map by name rather than by index: another writer may order the dictionary differently. Bytes are
                // compared, so an entry no row uses cannot fail the batch for being invalid UTF-8.
                _names = dictionary;
                _indices = new DictionaryIndices(indices);
                _dictionaryHasNulls = dictionary.NullCount > 0;
                _map = new int[dictionary.Length];
                for (var i = 0; i < _map.Length; i++)
                {
                    _map[i] = dictionary.IsNull(i) ? -1 : Lookup(dictionary.GetBytes(i));
                }

                break;
            default:
                throw _location.Unexpected(array);
        }
    }

    public bool IsNull(int index) =>
        _indices is null
            ? _names.IsNull(index)
            : _indices.IsNull(index) || (_dictionaryHasNulls && _names.IsNull(_indices[index]));

    /// <exception cref="ArrowValueException">The row holds a name that is not a member of <typeparamref name="TEnum"/>.</exception>
    public TEnum GetValue(int index)
    {
        int position, member;
        if (_indices is null)
        {
            position = index;
            member = Lookup(_names.GetBytes(index));
        }
        else
        {
            position = _indices[index];
            member = _map![position];
        }

        if (member < 0)
        {
            throw UnknownName(index, position);
        }

        return _values[member];
    }

    private int Lookup(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < _memberNames.Length; i++)
        {
            if (name.SequenceEqual(_memberNames[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private ArrowValueException UnknownName(int index, int position)
    {
        string? name;
        try
        {
            name = StrictUtf8.GetString(_names.GetBytes(position));
        }
        catch (DecoderFallbackException ex)
        {
            return _location.Fail(index, $"the name of a member of {typeof(TEnum).FullName} is not valid UTF-8.", ex);
        }

        return _location.Fail(index, $"'{name}' is not a member of {typeof(TEnum).FullName}.", null);
    }
}

/// <summary>A numeric member's column: a primitive array of exactly <typeparamref name="T"/> (the width was checked when binding).</summary>
public sealed class PrimitiveColumn<T>
    where T : unmanaged, IEquatable<T>
{
    private readonly IArrowArray _array;
    private readonly FixedValues<T> _values;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public PrimitiveColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array is not PrimitiveArray<T> || array.Data.DataType is DictionaryType)
        {
            throw new ColumnLocation(recordType, path, list).Unexpected(array);
        }

        _array = array;
        _values = new FixedValues<T>(array.Data);
    }

    public bool IsNull(int index) => _array.IsNull(index);

    public T GetValue(int index) => _values[index];
}

/// <summary>A bool member's column.</summary>
public sealed class BooleanColumn
{
    private readonly BooleanArray _array;
    private readonly ReadOnlyMemory<byte> _bits;
    private readonly int _offset;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public BooleanColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _array = array as BooleanArray ?? throw new ColumnLocation(recordType, path, list).Unexpected(array);
        _bits = array.Data.Buffers[1].Memory;
        _offset = array.Data.Offset;
    }

    public bool IsNull(int index) => _array.IsNull(index);

    public bool GetValue(int index) => BitUtil.GetBit(_bits.Span, _offset + index);
}

/// <summary>A Guid member's column: fixed_size_binary(16) in RFC 4122 (big-endian) byte order, as arrow.uuid defines it.</summary>
public sealed class UuidColumn
{
    private readonly IArrowArray _array;
    private readonly ReadOnlyMemory<byte> _values;
    private readonly int _offset;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public UuidColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Data.DataType is not FixedSizeBinaryType { ByteWidth: 16 } || array.Data.DataType is Decimal128Type)
        {
            throw new ColumnLocation(recordType, path, list).Unexpected(array);
        }

        _array = array;
        _values = array.Data.Buffers[1].Memory;
        _offset = array.Data.Offset;
    }

    public bool IsNull(int index) => _array.IsNull(index);

    public Guid GetValue(int index) => new(_values.Span.Slice((_offset + index) * 16, 16), bigEndian: true);
}

