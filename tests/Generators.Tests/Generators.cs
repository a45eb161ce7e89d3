using System.Text;
using Bulwark.Generators.Tests.RoundTrip;
using FsCheck;
using FsCheck.Fluent;

namespace Bulwark.Generators.Tests;

/// <summary>FsCheck generators that favour the values storage gets wrong: extremes, NaN, empty, null and non-BMP text.</summary>
public static class Generators
{
    public static Gen<bool> Bool => Gen.Elements(true, false);

    public static Gen<int> Int32 => Gen.Frequency(
        (4, Gen.Choose(int.MinValue, int.MaxValue)),
        (1, Gen.Elements(int.MinValue, int.MaxValue, 0, -1, 1)));

    public static Gen<long> Int64 => Gen.Frequency(
        (4, from hi in Gen.Choose(int.MinValue, int.MaxValue) from lo in Gen.Choose(int.MinValue, int.MaxValue) select ((long)hi << 32) | (uint)lo),
        (1, Gen.Elements(long.MinValue, long.MaxValue, 0L, -1L)));

    public static Gen<double> Float64 => Gen.Frequency(
        (4, Int64.Select(BitConverter.Int64BitsToDouble)),
        (1, Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, double.MinValue, double.MaxValue, -0.0, 0.0)));

    public static Gen<float> Float32 => Gen.Frequency(
        (4, Int32.Select(BitConverter.Int32BitsToSingle)),
        (1, Gen.Elements(float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MinValue, float.MaxValue)));

    /// <summary>Decimals with at most <paramref name="precision"/> digits of which <paramref name="scale"/> are fractional.</summary>
    public static Gen<decimal> Decimal(int precision, int scale)
    {
        var max = Pow10(precision) - 1;
        var edge = Gen.Elements(0m, max / Pow10(scale), -max / Pow10(scale), 1m / Pow10(scale), -1m / Pow10(scale));
        var random =
            from hi in Gen.Choose(0, int.MaxValue)
            from mid in Gen.Choose(0, int.MaxValue)
            from lo in Gen.Choose(0, int.MaxValue)
            from negative in Bool
            let unscaled = ((((decimal)hi * int.MaxValue) + mid) * int.MaxValue + lo) % (max + 1)
            select (negative ? -unscaled : unscaled) / Pow10(scale);
        return Gen.Frequency((4, random), (1, edge));
    }

    /// <summary>Valid UTF-16 only: code points outside the surrogate range, so supplementary characters come as pairs.</summary>
    public static Gen<string> Strings
    {
        get
        {
            var codePoint = Gen.Frequency(
                (6, Gen.Choose(0x20, 0x7E)),
                (2, Gen.Choose(0, 0xD7FF)),
                (1, Gen.Choose(0xE000, 0xFFFF)),
                (2, Gen.Choose(0x10000, 0x10FFFF)));
            var text = Gen.ArrayOf(codePoint).Select(points =>
            {
                var builder = new StringBuilder();
                foreach (var point in points)
                {
                    builder.Append(char.ConvertFromUtf32(point));
                }

                return builder.ToString();
            });
            return Gen.Frequency((8, text), (1, Gen.Constant(string.Empty)));
        }
    }

    public static Gen<byte[]> Bytes => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));

    /// <summary>UTC date-times at microsecond precision, which is what a Timestamp(µs) column keeps.</summary>
    public static Gen<DateTime> Timestamps =>
        from day in Gen.Choose(0, System.DateOnly.MaxValue.DayNumber)
        from second in Gen.Choose(0, 86_399)
        from micro in Gen.Choose(0, 999_999)
        select new DateTime(((day * 86_400L) + second) * System.TimeSpan.TicksPerSecond + micro * 10L, DateTimeKind.Utc);

    public static Gen<DateTimeOffset> Offsets =>
        from time in Timestamps
        from minutes in Gen.Choose(-14 * 60, 14 * 60)
        let offset = System.TimeSpan.FromMinutes(minutes)
        select time.Ticks + offset.Ticks is >= 0 and <= 3_155_378_975_999_999_999 && time.Ticks - offset.Ticks is >= 0 and <= 3_155_378_975_999_999_999
            ? new DateTimeOffset(time).ToOffset(offset)
            : new DateTimeOffset(time);

    public static Gen<DateOnly> Dates => Gen.Choose(System.DateOnly.MinValue.DayNumber, System.DateOnly.MaxValue.DayNumber).Select(System.DateOnly.FromDayNumber);

    public static Gen<TimeOnly> TimesOfDay =>
        from second in Gen.Choose(0, 86_399)
        from micro in Gen.Choose(0, 999_999)
        select new TimeOnly((long)second * System.TimeSpan.TicksPerSecond + micro * 10L);

    public static Gen<TimeSpan> Durations => Gen.Frequency(
        (4, Int64.Select(micro => new TimeSpan(micro % (System.TimeSpan.MaxValue.Ticks / 10) * 10))),
        (1, Gen.Elements(System.TimeSpan.Zero, new TimeSpan(System.TimeSpan.MaxValue.Ticks / 10 * 10), new TimeSpan(System.TimeSpan.MinValue.Ticks / 10 * 10))));

    public static Gen<Guid> Guids => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 16).Select(bytes => new Guid(bytes));

    public static Gen<T> Enum<T>()
        where T : struct, Enum => Gen.Elements(System.Enum.GetValues<T>());

    public static Gen<T?> Nullable<T>(Gen<T> gen)
        where T : struct => Gen.Frequency((3, gen.Select(v => (T?)v)), (1, Gen.Constant<T?>(null)));

    public static Gen<T?> OrNull<T>(Gen<T> gen)
        where T : class => Gen.Frequency((3, gen.Select(v => (T?)v)), (1, Gen.Constant<T?>(null)));

    public static Gen<AllScalars> AllScalars =>
        from flag in Bool
        from i8 in Gen.Choose(sbyte.MinValue, sbyte.MaxValue)
        from i16 in Gen.Choose(short.MinValue, short.MaxValue)
        from i32 in Int32
        from i64 in Int64
        from u8 in Gen.Choose(0, byte.MaxValue)
        from u16 in Gen.Choose(0, ushort.MaxValue)
        from u32 in Int32
        from u64 in Int64
        from f32 in Float32
        from f64 in Float64
        from amount in Decimal(28, 10)
        from text in Strings
        from bytes in Bytes
        from when in Timestamps
        from whenOffset in Offsets
        from day in Dates
        from time in TimesOfDay
        from span in Durations
        from id in Guids
        from color in Enum<Color>()
        select new AllScalars(flag, (sbyte)i8, (short)i16, i32, i64, (byte)u8, (ushort)u16, unchecked((uint)u32), unchecked((ulong)u64), f32, f64, amount, text, bytes, when, whenOffset, day, time, span, id, color);

    public static Gen<NullableScalars> NullableScalars =>
        from flag in Nullable(Bool)
        from i8 in Nullable(Gen.Choose(sbyte.MinValue, sbyte.MaxValue).Select(v => (sbyte)v))
        from i16 in Nullable(Gen.Choose(short.MinValue, short.MaxValue).Select(v => (short)v))
        from i32 in Nullable(Int32)
        from i64 in Nullable(Int64)
        from u8 in Nullable(Gen.Choose(0, byte.MaxValue).Select(v => (byte)v))
        from u16 in Nullable(Gen.Choose(0, ushort.MaxValue).Select(v => (ushort)v))
        from u32 in Nullable(Int32.Select(v => unchecked((uint)v)))
        from u64 in Nullable(Int64.Select(v => unchecked((ulong)v)))
        from f32 in Nullable(Float32)
        from f64 in Nullable(Float64)
        from amount in Nullable(Decimal(18, 4))
        from text in OrNull(Strings)
        from bytes in OrNull(Bytes)
        from when in Nullable(Timestamps)
        from whenOffset in Nullable(Offsets)
        from day in Nullable(Dates)
        from time in Nullable(TimesOfDay)
        from span in Nullable(Durations)
        from id in Nullable(Guids)
        from level in Nullable(Enum<Level>())
        select new NullableScalars(flag, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, amount, text, bytes, when, whenOffset, day, time, span, id, level);

    public static Gen<InitProperties> InitProperties =>
        from visit in Int64
        from url in Strings
        from referrer in OrNull(Strings)
        from status in Int32
        select new InitProperties { VisitId = visit, Url = url, Referrer = referrer, Status = status };

    public static Gen<Lists> Lists =>
        from numbers in Gen.ArrayOf(Int32)
        from names in Gen.ListOf(Strings).Select(l => l.ToList())
        from maybeNames in OrNull(Gen.ListOf(OrNull(Strings)).Select(l => l.ToList()))
        from maybeNumbers in Gen.ArrayOf(Nullable(Int32))
        from colors in Gen.ArrayOf(Enum<Color>())
        from ids in OrNull(Gen.ListOf(Guids).Select(l => (IList<Guid>)l.ToList()))
        from blobs in Gen.ListOf(Bytes).Select(l => l.ToList())
        from times in Gen.ArrayOf(Timestamps)
        from prices in Gen.ListOf(Decimal(10, 2)).Select(l => l.ToList())
        select new Lists(numbers, names, maybeNames, maybeNumbers, colors, ids, blobs, times, prices);

    public static Gen<Address> Address =>
        from city in Strings
        from street in OrNull(Strings)
        from zip in Int32
        from level in Enum<Level>()
        select new Address(city, street, zip, level);

    public static Gen<Point> Point =>
        from x in Float64
        from y in Float64
        select new Point(x, y);

    public static Gen<Shipment> Shipment =>
        from id in Int64
        from home in Address
        from work in OrNull(Address)
        from origin in Point
        from destination in Nullable(Point)
        from stops in Gen.ListOf(Address).Select(l => l.ToList())
        from path in OrNull(Gen.ArrayOf(Nullable(Point)))
        select new Shipment(id, home, work, origin, destination, stops, path);

    public static Gen<Reading> Reading =>
        from sensor in Guids
        from value in Float64
        from at in Timestamps
        from note in OrNull(Strings)
        select new Reading(sensor, value, at, note);

    public static Gen<MoreLists> MoreLists =>
        from blobs in Gen.ListOf(OrNull(Bytes)).Select(l => l.ToList())
        from dates in OrNull(Gen.ListOf(Nullable(Dates)).Select(l => (IList<DateOnly?>)l.ToList()))
        from colors in Gen.ListOf(Nullable(Enum<Color>())).Select(l => l.ToList())
        from levels in OrNull(Gen.ArrayOf(Nullable(Enum<Level>())))
        from addresses in Gen.ListOf(OrNull(Address)).Select(l => l.ToList())
        from points in Gen.ArrayOf(Point)
        from flags in Gen.ArrayOf(Bool)
        from spans in Gen.ListOf(Durations).Select(l => l.ToList())
        from big in Gen.ArrayOf(Nullable(Decimal(28, 0)))
        select new MoreLists(blobs, dates, colors, levels, addresses, points, flags, spans, big);

    public static Gen<Dog> Dogs =>
        from name in Strings
        from barks in Int32
        select new Dog(name, barks);

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10;
        }

        return result;
    }
}
