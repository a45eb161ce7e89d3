using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Arrow;
using ArrowTimeUnit = Bulwark.Arrow.TimeUnit;

namespace Bulwark.Interop.Tests.Conformance;

/// <summary>
/// Bulwark's arrays in the value conventions of js/duckdb-values.mjs, so that what Bulwark reads from a Parquet file
/// can be compared with what DuckDB reads from it. The conversion is written from the Arrow type alone, never from
/// what DuckDB printed: integers up to 32 bits are numbers, 64-bit ones decimal strings; floats (float16 widened)
/// are numbers with "NaN"/"Infinity"/"-Infinity"/"-0" as strings; decimals the unscaled integer; strings as they are;
/// binary, fixed-size binary and geometry as lowercase hex; dates as days; times and timestamps (with or without a
/// zone, DuckDB stores both as an instant or wall clock in microseconds) in microseconds, except nanosecond ones,
/// which DuckDB keeps in nanoseconds (TIMESTAMP_NS, TIME_NS); lists as arrays, structs as objects, dictionaries as
/// their decoded values, nulls as null.
/// </summary>
internal static class DuckDbJson
{
    /// <summary>One column of a reader's output: every value of every batch, in order.</summary>
    public static JsonArray Column(IEnumerable<ArrowArray> chunks, bool nanosecondsAsMicroseconds)
    {
        var values = new JsonArray();
        foreach (var chunk in chunks)
        {
            for (var i = 0; i < chunk.Length; i++)
            {
                values.Add(Value(chunk, i, nanosecondsAsMicroseconds));
            }
        }

        return values;
    }

    /// <summary>
    /// One value. <paramref name="nanosecondsAsMicroseconds"/> is for INT96 columns, which DuckDB reads as microsecond
    /// TIMESTAMPs: a nanosecond timestamp is then written in microseconds, exactly, or as "micros+Nns" when it has a
    /// sub-microsecond part, so that no truncation passes unseen.
    /// </summary>
    public static JsonNode? Value(ArrowArray array, int index, bool nanosecondsAsMicroseconds = false)
    {
        if (array.IsNull(index))
        {
            return null;
        }

        switch (array.Type)
        {
            case TimestampType timestamp:
                var instant = ((PrimitiveArray<long>)array).GetValue(index);
                return timestamp.Unit == ArrowTimeUnit.Nanosecond && nanosecondsAsMicroseconds
                    ? NanosecondsInMicroseconds(instant)
                    : Invariant(timestamp.Unit == ArrowTimeUnit.Nanosecond ? instant : ToMicroseconds(instant, timestamp.Unit));
            case TimeType time:
                long raw = array switch
                {
                    PrimitiveArray<int> p => p.GetValue(index),
                    PrimitiveArray<long> p => p.GetValue(index),
                    _ => throw new ArgumentOutOfRangeException(nameof(array), array.GetType().Name, "A time array of an unexpected layout."),
                };
                return Invariant(time.Unit == ArrowTimeUnit.Nanosecond ? raw : ToMicroseconds(raw, time.Unit));
            case DateType { Unit: DateUnit.Millisecond }:
                return JsonValue.Create(checked((int)Math.Floor(((PrimitiveArray<long>)array).GetValue(index) / 86_400_000.0)));
        }

        return array switch
        {
            DictionaryArray d => Value(d.Dictionary, d.GetIndex(index), nanosecondsAsMicroseconds),
            BooleanArray b => b.GetValue(index),
            PrimitiveArray<sbyte> p => p.GetValue(index),
            PrimitiveArray<short> p => p.GetValue(index),
            PrimitiveArray<int> p => p.GetValue(index),
            PrimitiveArray<long> p => Invariant(p.GetValue(index)),
            PrimitiveArray<byte> p => p.GetValue(index),
            PrimitiveArray<ushort> p => p.GetValue(index),
            PrimitiveArray<uint> p => p.GetValue(index),
            PrimitiveArray<ulong> p => p.GetValue(index).ToString(CultureInfo.InvariantCulture),
            PrimitiveArray<Half> p => ArrowJson.Float((double)p.GetValue(index)),
            PrimitiveArray<float> p => ArrowJson.Float(p.GetValue(index)),
            PrimitiveArray<double> p => ArrowJson.Float(p.GetValue(index)),
            Decimal128Array d => d.GetUnscaled(index).ToString(CultureInfo.InvariantCulture),
            StringArray s => s.GetString(index),
            BinaryArray b => ArrowJson.Hex(b.GetBytes(index)),
            FixedSizeBinaryArray f => ArrowJson.Hex(f.GetBytes(index)),
            ListArray l => ListValue(l, index, nanosecondsAsMicroseconds),
            StructArray s => StructValue(s, index, nanosecondsAsMicroseconds),
            _ => throw new ArgumentOutOfRangeException(nameof(array), array.GetType().Name, "No DuckDB JSON encoding for this array."),
        };
    }

    private static long ToMicroseconds(long value, ArrowTimeUnit unit) => unit switch
    {
        ArrowTimeUnit.Second => checked(value * 1_000_000),
        ArrowTimeUnit.Millisecond => checked(value * 1_000),
        ArrowTimeUnit.Microsecond => value,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Nanoseconds are not converted to microseconds."),
    };

    private static string NanosecondsInMicroseconds(long nanoseconds)
    {
        var micros = Math.DivRem(nanoseconds, 1_000, out var rest);
        return rest == 0 ? Invariant(micros) : $"{Invariant(micros)}+{Invariant(rest)}ns";
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static JsonArray ListValue(ListArray list, int index, bool nanosecondsAsMicroseconds)
    {
        var (start, end) = list.GetRange(index);
        var items = new JsonArray();
        for (var j = start; j < end; j++)
        {
            items.Add(Value(list.Values, j, nanosecondsAsMicroseconds));
        }

        return items;
    }

    private static JsonObject StructValue(StructArray array, int index, bool nanosecondsAsMicroseconds)
    {
        var fields = ((StructType)array.Type).Fields;
        var result = new JsonObject();
        for (var k = 0; k < fields.Count; k++)
        {
            result[fields[k].Name] = Value(array.Fields[k], index, nanosecondsAsMicroseconds);
        }

        return result;
    }
}
