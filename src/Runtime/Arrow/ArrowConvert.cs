using System.Runtime.CompilerServices;

namespace Bulwark.Arrow;

/// <summary>
/// The conversions between .NET values and their Arrow storage that generated code uses. .NET ticks are 100 ns, so
/// sub-microsecond digits are truncated toward negative infinity when stored as microseconds.
/// </summary>
public static class ArrowConvert
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly int UnixEpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>Microseconds since the Unix epoch, UTC. Local times are converted; Unspecified is taken as UTC.</summary>
    public static long ToUnixMicroseconds(DateTime value)
    {
        if (value.Kind == DateTimeKind.Local)
        {
            value = value.ToUniversalTime();
        }

        return Math.DivRem(value.Ticks - UnixEpochTicks, TicksPerMicrosecond, out var rem) - (rem < 0 ? 1 : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ToUnixMicroseconds(DateTimeOffset value)
    {
        // Small enough to inline into generated appends (no Kind check: UtcTicks is UTC); rounds toward negative
        // infinity like the DateTime overload.
        var ticks = value.UtcTicks - UnixEpochTicks;
        return (ticks >= 0 ? ticks : ticks - (TicksPerMicrosecond - 1)) / TicksPerMicrosecond;
    }

    /// <exception cref="ArgumentOutOfRangeException">The timestamp is outside the range of <see cref="DateTime"/>.</exception>
    public static DateTime ToDateTime(long unixMicroseconds)
    {
        if (unixMicroseconds < (DateTime.MinValue.Ticks - UnixEpochTicks) / TicksPerMicrosecond
            || unixMicroseconds > (DateTime.MaxValue.Ticks - UnixEpochTicks) / TicksPerMicrosecond)
        {
            throw new ArgumentOutOfRangeException(nameof(unixMicroseconds), unixMicroseconds, "The timestamp is outside the range DateTime can represent (years 1 to 9999).");
        }

        return new DateTime(UnixEpochTicks + (unixMicroseconds * TicksPerMicrosecond), DateTimeKind.Utc);
    }

    public static DateTimeOffset ToDateTimeOffset(long unixMicroseconds) => new(ToDateTime(unixMicroseconds));

    /// <summary>Days since 1970-01-01 (Date32).</summary>
    public static int ToDays(DateOnly value) => value.DayNumber - UnixEpochDayNumber;

    public static DateOnly ToDateOnly(int days)
    {
        var dayNumber = (long)days + UnixEpochDayNumber;
        if (dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
        {
            throw new ArgumentOutOfRangeException(nameof(days), days, "The date is outside the range DateOnly can represent (years 1 to 9999).");
        }

        return DateOnly.FromDayNumber((int)dayNumber);
    }

    /// <summary>Microseconds since midnight (Time64[µs]).</summary>
    public static long ToMicroseconds(TimeOnly value) => value.Ticks / TicksPerMicrosecond;

    public static TimeOnly ToTimeOnly(long microseconds)
    {
        if (microseconds < 0 || microseconds >= TimeSpan.TicksPerDay / TicksPerMicrosecond)
        {
            throw new ArgumentOutOfRangeException(nameof(microseconds), microseconds, "A time of day must be within [00:00, 24:00).");
        }

        return new TimeOnly(microseconds * TicksPerMicrosecond);
    }

    /// <summary>Whole microseconds (Duration[µs]), truncated toward zero.</summary>
    public static long ToMicroseconds(TimeSpan value) => value.Ticks / TicksPerMicrosecond;

    public static TimeSpan ToTimeSpan(long microseconds)
    {
        if (microseconds < TimeSpan.MinValue.Ticks / TicksPerMicrosecond || microseconds > TimeSpan.MaxValue.Ticks / TicksPerMicrosecond)
        {
            throw new ArgumentOutOfRangeException(nameof(microseconds), microseconds, "The duration is outside the range TimeSpan can represent.");
        }

        return new TimeSpan(microseconds * TicksPerMicrosecond);
    }
}

/// <summary>decimal &lt;-&gt; Decimal128 unscaled integers, refusing any conversion that would lose digits.</summary>
public static class DecimalConvert
{
    private static readonly Int128[] PowersOfTen = BuildPowers();

    /// <summary>The unscaled integer of <paramref name="value"/> at <paramref name="scale"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value has more fractional digits than the scale, or more digits than the precision.</exception>
    public static Int128 ToUnscaled(decimal value, int precision, int scale)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var valueScale = (bits[3] >> 16) & 0xFF;
        var negative = bits[3] < 0;
        var mantissa = ((Int128)(uint)bits[2] << 64) | ((Int128)(uint)bits[1] << 32) | (uint)bits[0];
        while (valueScale > scale)
        {
            var quotient = Int128.DivRem(mantissa, 10);
            if (quotient.Remainder != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The value has more than {scale} fractional digits; Decimal128({precision}, {scale}) would lose them.");
            }

            mantissa = quotient.Quotient;
            valueScale--;
        }

        if (valueScale < scale)
        {
            var factor = PowersOfTen[scale - valueScale];
            if (mantissa > Int128.MaxValue / factor)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The value does not fit Decimal128({precision}, {scale}).");
            }

            mantissa *= factor;
        }

        if (mantissa >= PowersOfTen[precision])
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"The value has more than {precision} digits; it does not fit Decimal128({precision}, {scale}).");
        }

        return negative ? -mantissa : mantissa;
    }

    /// <exception cref="OverflowException">The value does not fit a <see cref="decimal"/>.</exception>
    public static decimal ToDecimal(Int128 unscaled, int scale)
    {
        var negative = unscaled < 0;
        var magnitude = negative ? (UInt128)(-(unscaled + 1)) + 1 : (UInt128)unscaled;
        while (scale > 28 || magnitude >> 96 != 0)
        {
            if (scale == 0 || magnitude % 10 != 0)
            {
                throw new OverflowException($"Decimal128 value {unscaled}e-{scale} does not fit System.Decimal without losing digits.");
            }

            magnitude /= 10;
            scale--;
        }

        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), (int)(uint)(magnitude >> 64), negative, (byte)scale);
    }

    private static Int128[] BuildPowers()
    {
        var powers = new Int128[39];
        powers[0] = 1;
        for (var i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }
}
