using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>Random states with a bias to extremes (min/max, NaN, -0, nulls, empty and non-BMP strings), from a seed.</summary>
internal sealed class StateRandom(int seed)
{
    private static readonly string[] Pieces = ["", "a.example", "ü", "\u00e9t\u00e9", "日本語", "\U0001F600", "\"quoted\\\"", "\0nul", "tab\there", "\u200b", "\uFEFF"];

    private readonly Random _random = new(seed);

    public Everything Everything(int depth = 0) => new()
    {
        Flag = Bool(),
        I8 = (sbyte)Long(sbyte.MinValue, sbyte.MaxValue),
        I16 = (short)Long(short.MinValue, short.MaxValue),
        I32 = (int)Long(int.MinValue, int.MaxValue),
        I64 = Long(long.MinValue, long.MaxValue),
        U8 = (byte)Long(0, byte.MaxValue),
        U16 = (ushort)Long(0, ushort.MaxValue),
        U32 = (uint)Long(0, uint.MaxValue),
        U64 = Pick(0UL, ulong.MaxValue, (ulong)_random.NextInt64() * 2),
        F32 = Pick(float.NaN, float.NegativeInfinity, float.PositiveInfinity, -0f, float.Epsilon, float.MaxValue, (float)_random.NextDouble()),
        F64 = Pick(double.NaN, double.NegativeInfinity, -0d, double.Epsilon, double.MinValue, _random.NextDouble() * 1e300),
        Money = Decimal(),
        Letter = Pick('\0', '\uFFFF', '\uD800', 'x', (char)_random.Next(0, 0x10000)),
        Text = Text(),
        Blob = Bytes(),
        Key = Guid(),
        When = DateTime(),
        WhenOffset = DateTimeOffset(),
        Span = Pick(TimeSpan.MinValue, TimeSpan.MaxValue, TimeSpan.Zero, TimeSpan.FromTicks(_random.NextInt64(long.MinValue, long.MaxValue))),
        Day = Pick(DateOnly.MinValue, DateOnly.MaxValue, DateOnly.FromDayNumber(_random.Next(0, DateOnly.MaxValue.DayNumber))),
        Time = Pick(TimeOnly.MinValue, TimeOnly.MaxValue, new TimeOnly(_random.NextInt64(0, TimeOnly.MaxValue.Ticks))),
        Mood = Pick(Mood.Calm, Mood.Angry, (Mood)77),
        Huge = Pick(Huge.Zero, Huge.Max, (Huge)12345),
        MaybeInt = Maybe(() => (int?)(int)Long(int.MinValue, int.MaxValue)),
        MaybeText = Maybe(Text),
        MaybeBlob = Maybe(Bytes),
        MaybeMood = Maybe(() => (Mood?)Mood.Busy),
        MaybeWhen = Maybe(() => (DateTime?)DateTime()),
        Numbers = List(() => (int)Long(int.MinValue, int.MaxValue)).ToArray(),
        Names = List(() => Maybe(Text)),
        Keys = [.. List(Guid)],
        Series = Distinct(List(() => (int)Long(int.MinValue, int.MaxValue)), _ => List(() => Maybe(() => (double?)Pick(double.NaN, -0d, _random.NextDouble())))),
        Leaves = Maybe(() => Distinct(List(Text), _ => Maybe(() => Leaf(depth)))),
        Root = Leaf(depth),
        MaybeLeaf = Maybe(() => Leaf(depth)),
        LeafList = List(() => Leaf(depth + 1)),
        Jagged = List(() => List(() => Long(long.MinValue, long.MaxValue))),
        Where = new Position { X = _random.NextDouble(), Y = Pick(double.NaN, -0d) },
        Corner = Maybe(() => new Point((int)Long(int.MinValue, int.MaxValue), (int)Long(int.MinValue, int.MaxValue), Text())),
        Prices = List(Decimal).ToArray(),
        Floats = List(() => (float)_random.NextDouble()).ToArray(),
    };

    public Leaf Leaf(int depth) => new()
    {
        Name = Text(),
        Weight = (int)Long(int.MinValue, int.MaxValue),
        Child = depth < 3 && Bool() ? Leaf(depth + 1) : null,
    };

    public string Text()
    {
        var builder = new StringBuilder();
        var count = _random.Next(0, 10) == 0 ? _random.Next(100, 400) : _random.Next(0, 4);
        for (var i = 0; i < count; i++)
        {
            builder.Append(_random.Next(3) == 0 ? char.ConvertFromUtf32(RandomScalar()) : Pieces[_random.Next(Pieces.Length)]);
        }

        return builder.ToString();
    }

    private int RandomScalar()
    {
        while (true)
        {
            var value = _random.Next(0, 0x110000);
            if (value is < 0xD800 or > 0xDFFF)
            {
                return value;
            }
        }
    }

    private byte[] Bytes()
    {
        var bytes = new byte[_random.Next(0, 5) == 0 ? _random.Next(0, 300) : _random.Next(0, 4)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private Guid Guid()
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes);
    }

    private decimal Decimal() => Pick(
        decimal.MaxValue,
        decimal.MinValue,
        0m,
        -0.0000000000000000000000000001m,
        new decimal(_random.Next(), _random.Next(), _random.Next(), Bool(), (byte)_random.Next(0, 29)));

    private DateTime DateTime() => Pick(
        System.DateTime.MinValue,
        System.DateTime.MaxValue,
        new DateTime(_random.NextInt64(0, System.DateTime.MaxValue.Ticks), Pick(DateTimeKind.Utc, DateTimeKind.Local, DateTimeKind.Unspecified)));

    private DateTimeOffset DateTimeOffset() => Pick(
        System.DateTimeOffset.MinValue,
        System.DateTimeOffset.MaxValue,
        new DateTimeOffset(_random.NextInt64(System.TimeSpan.TicksPerDay, System.DateTime.MaxValue.Ticks - System.TimeSpan.TicksPerDay), System.TimeSpan.FromMinutes(_random.Next(-840, 841))));

    private bool Bool() => _random.Next(2) == 0;

    private long Long(long min, long max) => _random.Next(4) switch
    {
        0 => min,
        1 => max,
        2 => 0,
        _ => _random.NextInt64(min, max),
    };

    private T Pick<T>(params T[] values) => values[_random.Next(values.Length)];

    private T? Maybe<T>(Func<T?> value) => _random.Next(3) == 0 ? default : value();

    private List<T> List<T>(Func<T> item)
    {
        var count = _random.Next(0, 6) == 0 ? _random.Next(0, 40) : _random.Next(0, 3);
        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(item());
        }

        return list;
    }

    private static Dictionary<TKey, TValue> Distinct<TKey, TValue>(List<TKey> keys, Func<TKey, TValue> value)
        where TKey : notnull
    {
        var dictionary = new Dictionary<TKey, TValue>();
        foreach (var key in keys)
        {
            dictionary.TryAdd(key, value(key));
        }

        return dictionary;
    }
}

/// <summary>
/// A complete, exact text form of a state (floating point by bit pattern, dates with kind and offset, strings escaped),
/// so two states are equal exactly when their descriptions are.
/// </summary>
internal static class StateDescription
{
    public static string Describe(object? value)
    {
        var builder = new StringBuilder();
        Append(builder, value, 0);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, object? value, int depth)
    {
        if (depth > 40)
        {
            throw new InvalidOperationException("too deep");
        }

        switch (value)
        {
            case null:
                builder.Append("null");
                return;
            case string text:
                builder.Append('"');
                foreach (var c in text)
                {
                    builder.Append(c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString());
                }

                builder.Append('"');
                return;
            case byte[] bytes:
                builder.Append("0x").Append(Convert.ToHexString(bytes));
                return;
            case double d:
                builder.Append("d:").Append(BitConverter.DoubleToInt64Bits(d).ToString("X", CultureInfo.InvariantCulture));
                return;
            case float f:
                builder.Append("f:").Append(BitConverter.SingleToInt32Bits(f).ToString("X", CultureInfo.InvariantCulture));
                return;
            case decimal m:
                builder.Append("m:").Append(string.Join(",", decimal.GetBits(m)));
                return;
            case DateTime time:
                builder.Append("dt:").Append(time.Ticks).Append('/').Append(time.Kind);
                return;
            case DateTimeOffset offset:
                builder.Append("dto:").Append(offset.Ticks).Append('/').Append(offset.Offset.Ticks);
                return;
            case IFormattable formattable when value.GetType().IsPrimitive || value.GetType().IsEnum || value is Guid or TimeSpan or DateOnly or TimeOnly:
                builder.Append(value.GetType().Name).Append(':').Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                return;
            case char c:
                builder.Append("c:").Append((int)c);
                return;
            case bool b:
                builder.Append(b ? "true" : "false");
                return;
            case IDictionary dictionary:
                builder.Append('{');
                foreach (DictionaryEntry entry in dictionary)
                {
                    Append(builder, entry.Key, depth + 1);
                    builder.Append(": ");
                    Append(builder, entry.Value, depth + 1);
                    builder.Append(", ");
                }

                builder.Append('}');
                return;
            case IEnumerable items:
                builder.Append('[');
                foreach (var item in items)
                {
                    Append(builder, item, depth + 1);
                    builder.Append(", ");
                }

                builder.Append(']');
                return;
        }

        builder.Append(value.GetType().Name).Append('(');
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (var field in value.GetType().GetFields(flags).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            builder.Append(field.Name).Append('=');
            Append(builder, field.GetValue(value), depth + 1);
            builder.Append("; ");
        }

        builder.Append(')');
    }
}
