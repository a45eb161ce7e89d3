using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using Apache.Arrow;
using Apache.Arrow.Types;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Cli;

/// <summary>
/// The text of one non-null scalar Arrow value, exact and culture-free: decimals from their unscaled integer (never
/// through a floating point or System.Decimal, which cannot hold 38 digits), times and timestamps in ISO 8601 with as
/// many fraction digits as their unit has, timestamps with their time zone, durations and intervals as ISO 8601
/// durations, binary as lowercase hex.
/// </summary>
internal static class ArrowScalars
{
    private const long UnixEpochDayNumber = 719162;
    private const long MinUnixSeconds = -62135596800;
    private const long MaxUnixSeconds = 253402300799;

    /// <summary>The text of value <paramref name="index"/>, or null when the type is not a scalar (nested, union, dictionary).</summary>
    public static string? Text(IArrowArray array, int index) => array switch
    {
        BooleanArray a => a.GetValue(index) == true ? "true" : "false",
        Int8Array a => Invariant(a.Values[index]),
        Int16Array a => Invariant(a.Values[index]),
        Int32Array a => Invariant(a.Values[index]),
        Int64Array a => Invariant(a.Values[index]),
        UInt8Array a => Invariant(a.Values[index]),
        UInt16Array a => Invariant(a.Values[index]),
        UInt32Array a => Invariant(a.Values[index]),
        UInt64Array a => Invariant(a.Values[index]),
        HalfFloatArray a => Half.IsFinite(a.Values[index]) ? Invariant(a.Values[index]) : Float((double)a.Values[index]),
        FloatArray a => float.IsFinite(a.Values[index]) ? Invariant(a.Values[index]) : Float(a.Values[index]),
        DoubleArray a => Float(a.Values[index]),
        StringArray a => a.GetString(index),
        LargeStringArray a => a.GetString(index),
        StringViewArray a => a.GetString(index),
        BinaryArray a => Convert.ToHexStringLower(a.GetBytes(index)),
        LargeBinaryArray a => Convert.ToHexStringLower(a.GetBytes(index)),
        BinaryViewArray a => Convert.ToHexStringLower(a.GetBytes(index)),
        Date32Array a => Date(a.Values[index]),
        Date64Array a => Date64(a.Values[index]),
        Time32Array a => TimeOfDay(a.Values[index], ((Time32Type)a.Data.DataType).Unit),
        Time64Array a => TimeOfDay(a.Values[index], ((Time64Type)a.Data.DataType).Unit),
        TimestampArray a => Timestamp(a.Values[index], (TimestampType)a.Data.DataType),
        DurationArray a => Duration(a.Values[index], ((DurationType)a.Data.DataType).Unit),
        _ => FixedWidth(array, index),
    };

    /// <summary>Whether JSON should carry the value as a number rather than a string.</summary>
    public static bool IsJsonNumber(IArrowType type) => type is IntegerType or FloatingPointType;

    /// <summary>Values read straight from the values buffer: decimals, intervals and fixed-size binary.</summary>
    private static string? FixedWidth(IArrowArray array, int index)
    {
        var type = array.Data.DataType;
        var width = type switch
        {
            Decimal32Type => 4,
            Decimal64Type => 8,
            Decimal128Type => 16,
            Decimal256Type => 32,
            FixedSizeBinaryType f => f.ByteWidth,
            IntervalType { Unit: IntervalUnit.YearMonth } => 4,
            IntervalType { Unit: IntervalUnit.DayTime } => 8,
            IntervalType => 16,
            _ => 0,
        };
        if (width == 0)
        {
            return null;
        }

        var bytes = array.Data.Buffers[1].Span.Slice((array.Offset + index) * width, width);
        return type switch
        {
            Decimal32Type d => Decimal(BinaryPrimitives.ReadInt32LittleEndian(bytes), d.Scale),
            Decimal64Type d => Decimal(BinaryPrimitives.ReadInt64LittleEndian(bytes), d.Scale),
            Decimal128Type d => Decimal((BigInteger)BinaryPrimitives.ReadInt128LittleEndian(bytes), d.Scale),
            Decimal256Type d => Decimal(new BigInteger(bytes, isUnsigned: false, isBigEndian: false), d.Scale),
            FixedSizeBinaryType => Convert.ToHexStringLower(bytes),
            IntervalType { Unit: IntervalUnit.YearMonth } => Interval(BinaryPrimitives.ReadInt32LittleEndian(bytes), 0, 0),
            IntervalType { Unit: IntervalUnit.DayTime } => Interval(0, BinaryPrimitives.ReadInt32LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]) * 1_000_000L),
            _ => Interval(BinaryPrimitives.ReadInt32LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]), BinaryPrimitives.ReadInt64LittleEndian(bytes[8..])),
        };
    }

    private static string Invariant<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    /// <summary>The shortest text that reads back as the same value (for floats and halves, their own shortest); NaN and the infinities by name.</summary>
    private static string Float(double value) => double.IsInfinity(value)
        ? (value > 0 ? "Infinity" : "-Infinity")
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The unscaled integer with the decimal point put in by the scale: 12345 at scale 2 is 123.45, at -2 is 1234500.</summary>
    internal static string Decimal(BigInteger unscaled, int scale)
    {
        var digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture);
        if (scale < 0)
        {
            digits += new string('0', -scale);
        }
        else if (scale > 0)
        {
            digits = digits.PadLeft(scale + 1, '0');
            digits = digits[..^scale] + "." + digits[^scale..];
        }

        return unscaled.Sign < 0 ? "-" + digits : digits;
    }

    private static string Date(long days) =>
        days >= -UnixEpochDayNumber && days <= DateOnly.MaxValue.DayNumber - UnixEpochDayNumber
            ? DateOnly.FromDayNumber((int)(days + UnixEpochDayNumber)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : $"{days} days since 1970-01-01 (out of range)";

    /// <summary>A date64 is a millisecond count meant to fall on midnight; one that does not keeps its time.</summary>
    private static string Date64(long milliseconds) =>
        milliseconds % 86_400_000 == 0
            ? Date(milliseconds / 86_400_000)
            : Timestamp(milliseconds, new TimestampType(TimeUnit.Millisecond, (string?)null));

    private static (long PerSecond, int Digits) Scale(TimeUnit unit) => unit switch
    {
        TimeUnit.Second => (1, 0),
        TimeUnit.Millisecond => (1_000, 3),
        TimeUnit.Microsecond => (1_000_000, 6),
        _ => (1_000_000_000, 9),
    };

    private static string Fraction(long fraction, int digits) =>
        digits == 0 ? string.Empty : "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');

    private static string TimeOfDay(long value, TimeUnit unit)
    {
        var (perSecond, digits) = Scale(unit);
        if (value < 0 || value >= 86_400 * perSecond)
        {
            return $"{value} {ArrowTypeNames.Unit(unit)} since midnight (out of range)";
        }

        var seconds = value / perSecond;
        return $"{seconds / 3600:00}:{seconds / 60 % 60:00}:{seconds % 60:00}{Fraction(value % perSecond, digits)}";
    }

    /// <summary>
    /// ISO 8601 with the unit's fraction digits. Without a time zone the value is a wall-clock time and gets no offset;
    /// UTC is "Z"; a fixed offset is applied and printed; a named zone is applied and printed after the offset in
    /// brackets (2024-03-01T13:00:00+01:00[Europe/Paris]), or kept in UTC when this machine does not know the zone.
    /// </summary>
    internal static string Timestamp(long value, TimestampType type)
    {
        var (perSecond, digits) = Scale(type.Unit);
        var seconds = Math.DivRem(value, perSecond, out var fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += perSecond;
        }

        if (seconds < MinUnixSeconds || seconds > MaxUnixSeconds)
        {
            return $"{value} {ArrowTypeNames.Unit(type.Unit)} since 1970-01-01 (out of range)";
        }

        var instant = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var text = Fraction(fraction, digits);
        var zone = type.Timezone;
        if (zone is null)
        {
            return instant.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + text;
        }

        if (zone is "UTC" or "Etc/UTC" or "Z" or "+00:00" or "GMT")
        {
            return instant.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + text + "Z";
        }

        string suffix;
        if (TimeSpan.TryParseExact(zone.TrimStart('+', '-'), @"hh\:mm", CultureInfo.InvariantCulture, out var offset) && zone[0] is '+' or '-')
        {
            offset = zone[0] == '-' ? -offset : offset;
            suffix = string.Empty;
        }
        else
        {
            try
            {
                offset = TimeZoneInfo.FindSystemTimeZoneById(zone).GetUtcOffset(instant);
                suffix = $"[{zone}]";
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                return instant.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + text + $"Z[{zone}]";
            }
        }

        var local = instant.ToOffset(offset);
        return local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + text + local.ToString("zzz", CultureInfo.InvariantCulture) + suffix;
    }

    /// <summary>ISO 8601: PT1.500S for 1500 ms, -PT0.000001S for -1 µs.</summary>
    private static string Duration(long value, TimeUnit unit)
    {
        var (perSecond, digits) = Scale(unit);
        var magnitude = BigInteger.Abs(value);
        var seconds = magnitude / perSecond;
        var fraction = (long)(magnitude % perSecond);
        return $"{(value < 0 ? "-" : "")}PT{seconds}{Fraction(fraction, digits)}S";
    }

    /// <summary>ISO 8601: P14M, P3DT0.500000000S, P1M2DT0.000000003S; each part keeps its own sign.</summary>
    private static string Interval(int months, int days, long nanoseconds)
    {
        var text = "P";
        if (months != 0)
        {
            text += $"{months}M";
        }

        if (days != 0)
        {
            text += $"{days}D";
        }

        if (nanoseconds != 0 || text == "P")
        {
            text += "T" + (nanoseconds < 0 ? "-" : "") + Decimal(BigInteger.Abs(nanoseconds), 9) + "S";
        }

        return text;
    }
}

/// <summary>Unit names as Arrow type descriptions print them.</summary>
internal static class ArrowTypeNames
{
    public static string Unit(TimeUnit unit) => unit switch
    {
        TimeUnit.Second => "s",
        TimeUnit.Millisecond => "ms",
        TimeUnit.Microsecond => "us",
        _ => "ns",
    };
}
