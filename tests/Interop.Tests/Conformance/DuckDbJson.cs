using System.Globalization;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using ArrowTimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Interop.Tests.Conformance;

/// <summary>
/// Bulwark's arrays in the value conventions of js/duckdb-values.mjs, so that what Bulwark reads from a Parquet file
/// can be compared with what DuckDB reads from it. The conversion is written from the Arrow type alone, never from
/// what DuckDB printed: integers up to 32 bits are numbers, 64-bit ones decimal strings; floats (float16 widened)
/// are numbers with "NaN"/"Infinity"/"-Infinity"/"-0" as strings; decimals the unscaled integer; strings as they are;
/// binary, fixed-size binary and geometry as lowercase hex; dates as days; times and timestamps (with or without a
/// zone, DuckDB stores both as an instant or wall clock in microseconds) in microseconds, except nanosecond ones,
/// which DuckDB keeps in nanoseconds (TIMESTAMP_NS, TIME_NS); lists as arrays, structs as objects, maps as arrays of
/// {key, value} objects, dictionaries as their decoded values, nulls as null.
/// </summary>
internal static class DuckDbJson
{
    /// <summary>One column of a reader's output: every value of every batch, in order.</summary>
    public static JsonArray Column(IEnumerable<IArrowArray> chunks, bool nanosecondsAsMicroseconds)
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
    public static JsonNode? Value(IArrowArray array, int index, bool nanosecondsAsMicroseconds = false)
    {
        if (array.IsNull(index))
        {
            return null;
        }

        switch (array.Data.DataType)
        {
            case TimestampType timestamp:
                var instant = ((PrimitiveArray<long>)array).Values[index];
                return timestamp.Unit == ArrowTimeUnit.Nanosecond && nanosecondsAsMicroseconds
                    ? NanosecondsInMicroseconds(instant)
                    : Invariant(timestamp.Unit == ArrowTimeUnit.Nanosecond ? instant : ToMicroseconds(instant, timestamp.Unit));
            case TimeType time:
                long raw = array switch
                {
                    PrimitiveArray<int> p => p.Values[index],
                    PrimitiveArray<long> p => p.Values[index],
                    _ => throw new ArgumentOutOfRangeException(nameof(array), array.GetType().Name, "A time array of an unexpected layout."),
                };
                return Invariant(time.Unit == ArrowTimeUnit.Nanosecond ? raw : ToMicroseconds(raw, time.Unit));
            case Date64Type:
                return JsonValue.Create(checked((int)Math.Floor(((PrimitiveArray<long>)array).Values[index] / 86_400_000.0)));
        }

        // Subclasses before their bases: StringArray is a BinaryArray, Decimal128Array a FixedSizeBinaryArray, MapArray a ListArray.
        return array switch
        {
            DictionaryArray d => Value(d.Dictionary, ArrowValues.DictionaryIndex(d, index), nanosecondsAsMicroseconds),
            BooleanArray b => b.GetValue(index)!.Value,
            PrimitiveArray<sbyte> p => p.Values[index],
            PrimitiveArray<short> p => p.Values[index],
            PrimitiveArray<int> p => p.Values[index],
            PrimitiveArray<long> p => Invariant(p.Values[index]),
            PrimitiveArray<byte> p => p.Values[index],
            PrimitiveArray<ushort> p => p.Values[index],
            PrimitiveArray<uint> p => p.Values[index],
            PrimitiveArray<ulong> p => p.Values[index].ToString(CultureInfo.InvariantCulture),
            PrimitiveArray<Half> p => ArrowJson.Float((double)p.Values[index]),
            PrimitiveArray<float> p => ArrowJson.Float(p.Values[index]),
            PrimitiveArray<double> p => ArrowJson.Float(p.Values[index]),
            Decimal128Array d => ArrowValues.Unscaled(d, index).ToString(CultureInfo.InvariantCulture),
            StringArray s => s.GetString(index),
            BinaryArray b => ArrowJson.Hex(b.GetBytes(index)),
            FixedSizeBinaryArray f => ArrowJson.Hex(f.GetBytes(index)),
            MapArray m => MapValue(m, index, nanosecondsAsMicroseconds),
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
        var (start, end) = ArrowValues.ListRange(list, index);
        var items = new JsonArray();
        for (var j = start; j < end; j++)
        {
            items.Add(Value(list.Values, j, nanosecondsAsMicroseconds));
        }

        return items;
    }

    /// <summary>A map as DuckDB's entries, whatever the file named its key and value fields.</summary>
    private static JsonArray MapValue(MapArray map, int index, bool nanosecondsAsMicroseconds)
    {
        var (start, end) = ArrowValues.ListRange(map, index);
        var items = new JsonArray();
        for (var j = start; j < end; j++)
        {
            items.Add(new JsonObject
            {
                ["key"] = Value(map.Keys, j, nanosecondsAsMicroseconds),
                ["value"] = Value(map.Values, j, nanosecondsAsMicroseconds),
            });
        }

        return items;
    }

    private static JsonObject StructValue(StructArray array, int index, bool nanosecondsAsMicroseconds)
    {
        var fields = ((StructType)array.Data.DataType).Fields;
        var result = new JsonObject();
        for (var k = 0; k < fields.Count; k++)
        {
            result[fields[k].Name] = Value(array.Fields[k], index, nanosecondsAsMicroseconds);
        }

        return result;
    }
}
