using Apache.Arrow;
using Apache.Arrow.Types;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Records;

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

/// <summary>
/// A DateTime or DateTimeOffset member's column: timestamp in s, ms, µs or ns, with any time zone or none. Arrow
/// timestamps with a zone are UTC instants; zone-less ones are taken as UTC too, as Bulwark writes Unspecified times.
/// Nanoseconds are truncated toward negative infinity to 100 ns ticks.
/// </summary>
public sealed class TimestampColumn
{
    private static readonly long MinOffset = DateTime.MinValue.Ticks - TemporalUnits.UnixEpochTicks;
    private static readonly long MaxOffset = DateTime.MaxValue.Ticks - TemporalUnits.UnixEpochTicks;

    private readonly IArrowArray _array;
    private readonly FixedValues<long> _values;
    private readonly long _ticksPerUnit;
    private readonly long _min;
    private readonly long _max;
    private readonly TimeUnit _unit;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public TimestampColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        if (array.Data.DataType is not TimestampType type)
        {
            throw _location.Unexpected(array);
        }

        _array = array;
        _values = new FixedValues<long>(array.Data);
        _unit = type.Unit;
        _ticksPerUnit = TemporalUnits.TicksPer(type.Unit);
        (_min, _max) = TemporalUnits.Range(MinOffset, MaxOffset, _ticksPerUnit);
    }

    public bool IsNull(int index) => _array.IsNull(index);

    /// <returns>A <see cref="DateTimeKind.Utc"/> time.</returns>
    /// <exception cref="ArrowValueException">The timestamp is outside years 1 to 9999.</exception>
    public DateTime GetDateTime(int index) => new(GetTicks(index), DateTimeKind.Utc);

    /// <returns>A time with offset zero.</returns>
    /// <exception cref="ArrowValueException">The timestamp is outside years 1 to 9999.</exception>
    public DateTimeOffset GetDateTimeOffset(int index) => new(GetTicks(index), TimeSpan.Zero);

    private long GetTicks(int index)
    {
        var value = _values[index];
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

    private readonly IArrowArray _array;
    private readonly FixedValues<int> _days;
    private readonly FixedValues<long> _milliseconds;
    private readonly bool _isDate32;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public DateColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        _array = array;
        switch (array.Data.DataType)
        {
            case Date32Type:
                _days = new FixedValues<int>(array.Data);
                _isDate32 = true;
                break;
            case Date64Type:
                _milliseconds = new FixedValues<long>(array.Data);
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
        if (_isDate32)
        {
            days = _days[index];
        }
        else
        {
            var milliseconds = _milliseconds[index];
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
    private readonly IArrowArray _array;
    private readonly FixedValues<int> _values32;
    private readonly bool _is32;
    private readonly FixedValues<long> _values64;
    private readonly long _ticksPerUnit;
    private readonly long _unitsPerDay;
    private readonly TimeUnit _unit;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public TimeColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        _array = array;
        switch (array.Data.DataType)
        {
            case Time32Type { Unit: TimeUnit.Second or TimeUnit.Millisecond }:
                _values32 = new FixedValues<int>(array.Data);
                _is32 = true;
                break;
            case Time64Type { Unit: TimeUnit.Microsecond or TimeUnit.Nanosecond }:
                _values64 = new FixedValues<long>(array.Data);
                break;
            default:
                throw _location.Unexpected(array);
        }

        var type = (TimeType)array.Data.DataType;

        _unit = type.Unit;
        _ticksPerUnit = TemporalUnits.TicksPer(type.Unit);
        _unitsPerDay = _ticksPerUnit == 0 ? TimeSpan.TicksPerDay * TemporalUnits.NanosecondsPerTick : TimeSpan.TicksPerDay / _ticksPerUnit;
    }

    public bool IsNull(int index) => _array.IsNull(index);

    /// <exception cref="ArrowValueException">The value is not within [00:00, 24:00).</exception>
    public TimeOnly GetValue(int index)
    {
        long value = _is32 ? _values32[index] : _values64[index];
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
    private readonly IArrowArray _array;
    private readonly FixedValues<long> _values;
    private readonly long _ticksPerUnit;
    private readonly long _min;
    private readonly long _max;
    private readonly TimeUnit _unit;
    private readonly ColumnLocation _location;

    /// <param name="array">The bound column (or list items).</param>
    /// <param name="recordType">The record type, for error messages.</param>
    /// <param name="path">The column path, for error messages.</param>
    /// <param name="list">When <paramref name="array"/> holds the items of a list column, that column.</param>
    public DurationColumn(IArrowArray array, string recordType, string path, ListArray? list = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        _location = new ColumnLocation(recordType, path, list);
        if (array.Data.DataType is not DurationType type)
        {
            throw _location.Unexpected(array);
        }

        _array = array;
        _values = new FixedValues<long>(array.Data);
        _unit = type.Unit;
        _ticksPerUnit = TemporalUnits.TicksPer(type.Unit);
        (_min, _max) = TemporalUnits.Range(TimeSpan.MinValue.Ticks, TimeSpan.MaxValue.Ticks, _ticksPerUnit);
    }

    public bool IsNull(int index) => _array.IsNull(index);

    /// <exception cref="ArrowValueException">The duration is outside the range of <see cref="TimeSpan"/>.</exception>
    public TimeSpan GetValue(int index)
    {
        var value = _values[index];
        if (value < _min || value > _max)
        {
            throw _location.OutOfRange(index, value, "duration in " + TemporalUnits.Name(_unit), "TimeSpan can represent");
        }

        return new TimeSpan(_ticksPerUnit == 0 ? TemporalUnits.FloorDiv(value, TemporalUnits.NanosecondsPerTick) : value * _ticksPerUnit);
    }
}

