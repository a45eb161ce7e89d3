using System.Buffers.Binary;
using System.Text;
using Bulwark.Arrow;

namespace Bulwark.Records;

// The adapters below are what generated readers hold per member. Each accepts every physical encoding that
// ArrowRecordColumns.IsReadableAs admits for its member kind, decides how to decode it once in the constructor (once
// per batch), and leaves the per-row path to a field load, at most one branch on a readonly field and the arithmetic.
// Value failures go through ColumnLocation so that every one names the record type, column and row.

/// <summary>Where an adapter's values live, for error messages: the record type, the column and, for list items, the list.</summary>
internal sealed class ColumnLocation(string recordType, string path, ListArray? list)
{
    public ArrowSchemaMismatchException Unexpected(ArrowArray array) =>
        new($"Cannot read '{recordType}': column '{path}' has type {array.Type}{(array is DictionaryArray d ? $" (dictionary of {d.Dictionary.Type})" : string.Empty)}, which the member cannot be read from.");

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
            if (list.GetRange(middle).Start <= index)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return new ArrowValueException(recordType, path, low, index - list.GetRange(low).Start, reason, inner);
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
    private readonly int[]? _widened;

    public DictionaryIndices(DictionaryArray array)
    {
        _array = array;
        if (array.IndexType is not { Width: 32, IsSigned: true })
        {
            // Creating the array checked every valid index against the dictionary, so each fits an int; null slots may
            // hold anything and are never looked up.
            _widened = new int[array.Length];
            for (var i = 0; i < _widened.Length; i++)
            {
                _widened[i] = array.IsNull(i) ? 0 : array.GetIndex(i);
            }
        }
    }

    public bool IsNull(int index) => _array.IsNull(index);

    public int this[int index] =>
        _widened is null ? BinaryPrimitives.ReadInt32LittleEndian(_array.Data.Buffers[1].Span.Slice(index * 4, 4)) : _widened[index];
}

/// <summary>Shared unit arithmetic of the temporal adapters.</summary>
internal static class TemporalUnits
{
    public const long NanosecondsPerTick = 100;

    public static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>.NET ticks (100 ns) per unit, or 0 for nanoseconds, which are divided instead.</summary>
    public static long TicksPer(TimeUnit unit) => unit switch
    {
        TimeUnit.Second => TimeSpan.TicksPerSecond,
        TimeUnit.Millisecond => TimeSpan.TicksPerMillisecond,
        TimeUnit.Microsecond => TimeSpan.TicksPerMillisecond / 1000,
        _ => 0,
    };

    public static string Name(TimeUnit unit) => unit switch
    {
        TimeUnit.Second => "seconds",
        TimeUnit.Millisecond => "milliseconds",
        TimeUnit.Microsecond => "microseconds",
        _ => "nanoseconds",
    };

    public static long FloorDiv(long value, long divisor)
    {
        var quotient = Math.DivRem(value, divisor, out var remainder);
        return remainder < 0 ? quotient - 1 : quotient;
    }

    public static long CeilDiv(long value, long divisor)
    {
        var quotient = Math.DivRem(value, divisor, out var remainder);
        return remainder > 0 ? quotient + 1 : quotient;
    }

    /// <summary>Ticks to whole units of <paramref name="ticksPerUnit"/>, in ranges that cannot overflow when multiplied back.</summary>
    public static (long Min, long Max) Range(long minTicks, long maxTicks, long ticksPerUnit) =>
        ticksPerUnit == 0
            ? (long.MinValue, long.MaxValue)
            : (CeilDiv(minTicks, ticksPerUnit), FloorDiv(maxTicks, ticksPerUnit));
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
    public StringColumn(ArrowArray array, string recordType, string path, ListArray? list = null)
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
            return _values.GetString(position);
        }
        catch (ArrowFormatException ex)
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
    public BinaryColumn(ArrowArray array, string recordType, string path, ListArray? list = null)
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

    public byte[]? GetValue(int index) => _values.GetByteArray(_indices is null ? index : _indices[index]);
}

/// <summary>A decimal member's column: Decimal128 of any precision and scale, converted exactly.</summary>
public sealed class DecimalColumn
{
    private readonly Decimal128Array _values;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public DecimalColumn(ArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        _values = array as Decimal128Array ?? throw _location.Unexpected(array);
    }

    public bool IsNull(int index) => _values.IsNull(index);

    /// <exception cref="ArrowValueException">The value needs more digits than <see cref="decimal"/> holds.</exception>
    public decimal GetValue(int index)
    {
        var unscaled = _values.GetUnscaled(index);
        try
        {
            return DecimalConvert.ToDecimal(unscaled, _values.Scale);
        }
        catch (OverflowException ex)
        {
            throw _location.Fail(index, $"{_values.Type} value {unscaled}e-{_values.Scale} does not fit System.Decimal without losing digits.", ex);
        }
    }
}

/// <summary>
/// A DateTime or DateTimeOffset member's column: timestamp in s, ms, µs or ns, with any time zone or none. Arrow
/// timestamps with a zone are UTC instants; zone-less ones are taken as UTC too, as Bulwark writes Unspecified times.
/// Nanoseconds are truncated toward negative infinity to 100 ns ticks.
/// </summary>
public sealed class TimestampColumn
{
    private static readonly long MinOffset = DateTime.MinValue.Ticks - TemporalUnits.UnixEpochTicks;
    private static readonly long MaxOffset = DateTime.MaxValue.Ticks - TemporalUnits.UnixEpochTicks;

    private readonly PrimitiveArray<long> _values;
    private readonly long _ticksPerUnit;
    private readonly long _min;
    private readonly long _max;
    private readonly TimeUnit _unit;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public TimestampColumn(ArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        if (array is not PrimitiveArray<long> values || array.Type is not TimestampType type)
        {
            throw _location.Unexpected(array);
        }

        _values = values;
        _unit = type.Unit;
        _ticksPerUnit = TemporalUnits.TicksPer(type.Unit);
        (_min, _max) = TemporalUnits.Range(MinOffset, MaxOffset, _ticksPerUnit);
    }

    public bool IsNull(int index) => _values.IsNull(index);

    /// <returns>A <see cref="DateTimeKind.Utc"/> time.</returns>
    /// <exception cref="ArrowValueException">The timestamp is outside years 1 to 9999.</exception>
    public DateTime GetDateTime(int index) => new(GetTicks(index), DateTimeKind.Utc);

    /// <returns>A time with offset zero.</returns>
    /// <exception cref="ArrowValueException">The timestamp is outside years 1 to 9999.</exception>
    public DateTimeOffset GetDateTimeOffset(int index) => new(GetTicks(index), TimeSpan.Zero);

    private long GetTicks(int index)
    {
        var value = _values.GetValue(index);
        if (value < _min || value > _max)
        {
            throw _location.OutOfRange(index, value, "timestamp of " + TemporalUnits.Name(_unit) + " since the epoch", "DateTime can represent (years 1 to 9999)");
        }

        // Nanoseconds are the only unit finer than a tick, and every int64 of them lies within DateTime's range.
        return TemporalUnits.UnixEpochTicks + (_ticksPerUnit == 0 ? TemporalUnits.FloorDiv(value, TemporalUnits.NanosecondsPerTick) : value * _ticksPerUnit);
    }
}

/// <summary>A DateOnly member's column: date32 (days), or date64 (milliseconds) holding whole days.</summary>
public sealed class DateColumn
{
    private const long MillisecondsPerDay = 86_400_000;
    private static readonly int UnixEpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private readonly ArrowArray _array;
    private readonly PrimitiveArray<int>? _days;
    private readonly PrimitiveArray<long>? _milliseconds;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public DateColumn(ArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        _array = array;
        switch (array)
        {
            case PrimitiveArray<int> days when array.Type is DateType { Unit: DateUnit.Day }:
                _days = days;
                break;
            case PrimitiveArray<long> milliseconds when array.Type is DateType { Unit: DateUnit.Millisecond }:
                _milliseconds = milliseconds;
                break;
            default:
                throw _location.Unexpected(array);
        }
    }

    public bool IsNull(int index) => _array.IsNull(index);

    /// <exception cref="ArrowValueException">A date64 is not a whole day, or the date is outside years 1 to 9999.</exception>
    public DateOnly GetValue(int index)
    {
        long days;
        if (_days is not null)
        {
            days = _days.GetValue(index);
        }
        else
        {
            var milliseconds = _milliseconds!.GetValue(index);
            days = Math.DivRem(milliseconds, MillisecondsPerDay, out var remainder);
            if (remainder != 0)
            {
                throw _location.Fail(index, $"date64 value {milliseconds} ms is not a whole day, so it is no date.", null);
            }
        }

        var dayNumber = days + UnixEpochDayNumber;
        if (dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
        {
            throw _location.OutOfRange(index, days, "date of days since the epoch", "DateOnly can represent (years 1 to 9999)");
        }

        return DateOnly.FromDayNumber((int)dayNumber);
    }
}

/// <summary>A TimeOnly member's column: time32 in s or ms, time64 in µs or ns (ns truncated to 100 ns ticks).</summary>
public sealed class TimeColumn
{
    private readonly ArrowArray _array;
    private readonly PrimitiveArray<int>? _values32;
    private readonly PrimitiveArray<long>? _values64;
    private readonly long _ticksPerUnit;
    private readonly long _unitsPerDay;
    private readonly TimeUnit _unit;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public TimeColumn(ArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        _array = array;
        if (array.Type is not TimeType type)
        {
            throw _location.Unexpected(array);
        }

        switch (array)
        {
            case PrimitiveArray<int> values32 when type.Unit is TimeUnit.Second or TimeUnit.Millisecond:
                _values32 = values32;
                break;
            case PrimitiveArray<long> values64 when type.Unit is TimeUnit.Microsecond or TimeUnit.Nanosecond:
                _values64 = values64;
                break;
            default:
                throw _location.Unexpected(array);
        }

        _unit = type.Unit;
        _ticksPerUnit = TemporalUnits.TicksPer(type.Unit);
        _unitsPerDay = _ticksPerUnit == 0 ? TimeSpan.TicksPerDay * TemporalUnits.NanosecondsPerTick : TimeSpan.TicksPerDay / _ticksPerUnit;
    }

    public bool IsNull(int index) => _array.IsNull(index);

    /// <exception cref="ArrowValueException">The value is not within [00:00, 24:00).</exception>
    public TimeOnly GetValue(int index)
    {
        long value = _values32 is not null ? _values32.GetValue(index) : _values64!.GetValue(index);
        if ((ulong)value >= (ulong)_unitsPerDay)
        {
            throw _location.OutOfRange(index, value, "time of day in " + TemporalUnits.Name(_unit), "[00:00, 24:00)");
        }

        return new TimeOnly(_ticksPerUnit == 0 ? value / TemporalUnits.NanosecondsPerTick : value * _ticksPerUnit);
    }
}

/// <summary>A TimeSpan member's column: duration in s, ms, µs or ns (ns truncated toward negative infinity to 100 ns ticks).</summary>
public sealed class DurationColumn
{
    private readonly PrimitiveArray<long> _values;
    private readonly long _ticksPerUnit;
    private readonly long _min;
    private readonly long _max;
    private readonly TimeUnit _unit;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public DurationColumn(ArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        if (array is not PrimitiveArray<long> values || array.Type is not DurationType type)
        {
            throw _location.Unexpected(array);
        }

        _values = values;
        _unit = type.Unit;
        _ticksPerUnit = TemporalUnits.TicksPer(type.Unit);
        (_min, _max) = TemporalUnits.Range(TimeSpan.MinValue.Ticks, TimeSpan.MaxValue.Ticks, _ticksPerUnit);
    }

    public bool IsNull(int index) => _values.IsNull(index);

    /// <exception cref="ArrowValueException">The duration is outside the range of <see cref="TimeSpan"/>.</exception>
    public TimeSpan GetValue(int index)
    {
        var value = _values.GetValue(index);
        if (value < _min || value > _max)
        {
            throw _location.OutOfRange(index, value, "duration in " + TemporalUnits.Name(_unit), "TimeSpan can represent");
        }

        return new TimeSpan(_ticksPerUnit == 0 ? TemporalUnits.FloorDiv(value, TemporalUnits.NanosecondsPerTick) : value * _ticksPerUnit);
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
    public EnumColumn(ArrowArray array, IReadOnlyList<string> names, TEnum[] values, string recordType, string path, ListArray? list = null)
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
            name = _names.GetString(position);
        }
        catch (ArrowFormatException ex)
        {
            return _location.Fail(index, $"the name of a member of {typeof(TEnum).FullName} is not valid UTF-8.", ex);
        }

        return _location.Fail(index, $"'{name}' is not a member of {typeof(TEnum).FullName}.", null);
    }
}
