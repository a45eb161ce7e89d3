using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Scalars;
using Apache.Arrow.Types;

namespace Bulwark.Interop.Tests.Conformance;

/// <summary>
/// Compares batches Bulwark read with the Arrow integration-test JSON that describes the same file ("golden" files of
/// arrow-testing): every column's length, validity and value, recursively through lists, structs, maps, unions and
/// dictionaries. Returns the first difference as text, or null when everything matches.
/// </summary>
internal static class GoldenJson
{

    public static string? Compare(JsonObject golden, IReadOnlyList<RecordBatch> batches)
    {
        var fields = golden["schema"]!["fields"]!.AsArray();
        var goldenBatches = golden["batches"]!.AsArray();
        if (goldenBatches.Count != batches.Count)
        {
            return $"{batches.Count} batches, golden has {goldenBatches.Count}";
        }

        var dictionaries = new Dictionary<long, JsonObject>();
        foreach (var dictionary in golden["dictionaries"]?.AsArray() ?? [])
        {
            dictionaries[dictionary!["id"]!.GetValue<long>()] = dictionary["data"]!["columns"]![0]!.AsObject();
        }

        for (var b = 0; b < batches.Count; b++)
        {
            var columns = goldenBatches[b]!["columns"]!.AsArray();
            if (batches[b].Length != goldenBatches[b]!["count"]!.GetValue<int>())
            {
                return $"batch {b}: {batches[b].Length} rows, golden has {goldenBatches[b]!["count"]}";
            }

            for (var c = 0; c < fields.Count; c++)
            {
                var difference = CompareColumn(fields[c]!.AsObject(), columns[c]!.AsObject(), batches[b].Column(c), dictionaries, $"batch {b}, column '{fields[c]!["name"]}'");
                if (difference is not null)
                {
                    return difference;
                }
            }
        }

        return null;
    }

    private static string? CompareColumn(JsonObject field, JsonObject column, IArrowArray actual, Dictionary<long, JsonObject> dictionaries, string where)
    {
        var count = column["count"]!.GetValue<int>();
        if (actual.Length != count)
        {
            return $"{where}: length {actual.Length}, golden {count}";
        }

        for (var i = 0; i < count; i++)
        {
            var valid = GoldenValid(field, column, i);
            if (actual.IsValid(i) != valid)
            {
                return $"{where}, row {i}: valid={actual.IsValid(i)}, golden valid={valid}";
            }

            if (valid && CompareValue(field, column, i, actual, i, dictionaries, $"{where}, row {i}") is { } difference)
            {
                return difference;
            }
        }

        return null;
    }

    /// <summary>A slot is valid unless VALIDITY says 0; a null-type column has every slot null, a union none of its own.</summary>
    private static bool GoldenValid(JsonObject field, JsonObject column, int g) =>
        field["type"]!["name"]!.GetValue<string>() != "null" && (column["VALIDITY"] is not JsonArray v || v[g]!.GetValue<int>() != 0);

    /// <summary>Compares the validity and (when valid) value of golden slot <paramref name="g"/> with actual slot <paramref name="a"/>.</summary>
    private static string? CompareSlot(JsonObject field, JsonObject column, int g, IArrowArray actual, int a, Dictionary<long, JsonObject> dictionaries, string where)
    {
        var goldenValid = GoldenValid(field, column, g);
        if (actual.IsValid(a) != goldenValid)
        {
            return $"{where}: valid={actual.IsValid(a)}, golden valid={goldenValid}";
        }

        return goldenValid ? CompareValue(field, column, g, actual, a, dictionaries, where) : null;
    }

    private static string? CompareValue(JsonObject field, JsonObject column, int g, IArrowArray actual, int a, Dictionary<long, JsonObject> dictionaries, string where)
    {
        if (field["dictionary"] is JsonObject encoding)
        {
            // Golden DATA holds the index; both sides are compared by the value the index selects, nulls included.
            var dictionary = dictionaries[encoding["id"]!.GetValue<long>()];
            var actualDictionary = (DictionaryArray)actual;
            var goldenIndex = (int)ParseInteger(column["DATA"]![g]!);
            var actualIndex = (int)IntegerValue(actualDictionary.Indices, a)!.Value;
            var valueField = new JsonObject { ["type"] = field["type"]!.DeepClone(), ["children"] = field["children"]?.DeepClone() ?? new JsonArray() };
            return CompareSlot(valueField, dictionary, goldenIndex, actualDictionary.Dictionary, actualIndex, dictionaries, $"{where} (dictionary)");
        }

        var type = field["type"]!.AsObject();
        var name = type["name"]!.GetValue<string>();
        switch (name)
        {
            case "list" or "largelist" or "map":
            {
                var offsets = column["OFFSET"]!.AsArray();
                var (start, end, values) = actual switch
                {
                    ListArray list => (list.ValueOffsets[a], list.ValueOffsets[a + 1], list.Values),
                    LargeListArray large => ((int)large.ValueOffsets[a], (int)large.ValueOffsets[a + 1], large.Values),
                    _ => (0, -1, actual),
                };
                if (end < 0)
                {
                    return $"{where}: an array of {actual.GetType().Name} for golden type {name}";
                }

                return CompareRange(field, column, (int)ParseInteger(offsets[g]!), (int)ParseInteger(offsets[g + 1]!), values, start, end, dictionaries, where);
            }

            case "fixedsizelist":
            {
                var size = type["listSize"]!.GetValue<int>();
                if (actual is not FixedSizeListArray fixedSizeList)
                {
                    return $"{where}: an array of {actual.GetType().Name} for golden type {name}";
                }

                return CompareRange(field, column, g * size, (g + 1) * size, fixedSizeList.Values, a * size, (a + 1) * size, dictionaries, where);
            }

            case "struct":
            {
                var children = field["children"]!.AsArray();
                var fields = ((StructArray)actual).Fields;
                for (var c = 0; c < children.Count; c++)
                {
                    var difference = CompareSlot(children[c]!.AsObject(), column["children"]![c]!.AsObject(), g, fields[c], a, dictionaries, $"{where}.{children[c]!["name"]}");
                    if (difference is not null)
                    {
                        return difference;
                    }
                }

                return null;
            }

            case "union":
            {
                if (actual is not UnionArray union)
                {
                    return $"{where}: an array of {actual.GetType().Name} for golden type union";
                }

                var goldenTypeId = column["TYPE_ID"]![g]!.GetValue<int>();
                var actualTypeId = (sbyte)union.TypeIds[a];
                if (goldenTypeId != actualTypeId)
                {
                    return $"{where}: type id {actualTypeId}, golden {goldenTypeId}";
                }

                var child = System.Array.IndexOf(union.Type.TypeIds, actualTypeId);
                var goldenChild = type["typeIds"]!.AsArray().Select(n => n!.GetValue<int>()).ToList().IndexOf(goldenTypeId);
                var dense = union.Mode == UnionMode.Dense;
                var goldenSlot = dense ? (int)ParseInteger(column["OFFSET"]![g]!) : g;
                var actualSlot = dense ? ((DenseUnionArray)union).ValueOffsets[a] : a;
                var childField = field["children"]![goldenChild]!.AsObject();
                return CompareSlot(childField, column["children"]![goldenChild]!.AsObject(), goldenSlot, union.Fields[child], actualSlot, dictionaries, $"{where}.{childField["name"]}");
            }

            default:
            {
                var (same, shown) = SameScalar(name, type, column, g, actual, a);
                return same ? null : $"{where}: {shown}, golden {Shown(column, g)}";
            }
        }
    }

    private static string Shown(JsonObject column, int g) =>
        (column["DATA"] ?? column["VIEWS"])?[g]?.ToJsonString() ?? "(none)";

    /// <summary>A list-like slot: same element count, then each element's validity and value.</summary>
    private static string? CompareRange(JsonObject field, JsonObject column, int goldenStart, int goldenEnd, IArrowArray values, int start, int end, Dictionary<long, JsonObject> dictionaries, string where)
    {
        if (end - start != goldenEnd - goldenStart)
        {
            return $"{where}: {end - start} elements, golden {goldenEnd - goldenStart}";
        }

        var childField = field["children"]![0]!.AsObject();
        var childColumn = column["children"]![0]!.AsObject();
        for (var k = 0; k < end - start; k++)
        {
            if (CompareSlot(childField, childColumn, goldenStart + k, values, start + k, dictionaries, $"{where}[{k}]") is { } difference)
            {
                return difference;
            }
        }

        return null;
    }

    private static (bool Same, string Shown) SameScalar(string typeName, JsonObject type, JsonObject column, int g, IArrowArray actual, int i)
    {
        var data = column["DATA"]?[g];
        switch (actual)
        {
            case BooleanArray b:
                return (b.GetValue(i) == data!.GetValue<bool>(), b.GetValue(i).ToString()!);
            case StringArray s:
                return (s.GetString(i) == data!.GetValue<string>(), s.GetString(i) ?? "null");
            case LargeStringArray s:
                return (s.GetString(i) == data!.GetValue<string>(), s.GetString(i) ?? "null");
            case BinaryArray bin:
                return SameHex(bin.GetBytes(i), data!);
            case LargeBinaryArray bin:
                return SameHex(bin.GetBytes(i), data!);
            case StringViewArray or BinaryViewArray:
            {
                var bytes = ((BinaryViewArray)actual).GetBytes(i);
                var expected = GoldenViewBytes(column, g, actual is StringViewArray);
                return (bytes.SequenceEqual(expected), Convert.ToHexString(bytes));
            }

            case Decimal32Array or Decimal64Array or Decimal128Array or Decimal256Array:
            {
                // Golden decimals are unscaled integers; the bytes are little-endian two's complement.
                var unscaled = new BigInteger(((FixedSizeBinaryArray)actual).GetBytes(i), isUnsigned: false, isBigEndian: false);
                return (unscaled == BigInteger.Parse(data!.GetValue<string>(), CultureInfo.InvariantCulture), unscaled.ToString(CultureInfo.InvariantCulture));
            }

            case FixedSizeBinaryArray fsb:
                return SameHex(fsb.GetBytes(i), data!);
            case YearMonthIntervalArray ym:
            {
                var interval = ym.GetValue(i)!.Value;
                return (interval.Equals(new YearMonthInterval(data!.GetValue<int>())), interval.ToString()!);
            }

            case DayTimeIntervalArray dt:
            {
                var interval = dt.GetValue(i)!.Value;
                return (interval.Equals(new DayTimeInterval(data!["days"]!.GetValue<int>(), data["milliseconds"]!.GetValue<int>())), $"{interval.Days}d {interval.Milliseconds}ms");
            }

            case MonthDayNanosecondIntervalArray mdn:
            {
                var interval = mdn.GetValue(i)!.Value;
                var expected = new MonthDayNanosecondInterval(data!["months"]!.GetValue<int>(), data["days"]!.GetValue<int>(), (long)ParseInteger(data["nanoseconds"]!));
                return (interval.Equals(expected), $"{interval.Months}m {interval.Days}d {interval.Nanoseconds}ns");
            }

            case PrimitiveArray<float> f:
                return (f.GetValue(i).Equals((float)data!.GetValue<double>()), f.GetValue(i)!.Value.ToString(CultureInfo.InvariantCulture));
            case PrimitiveArray<double> d:
                return (d.GetValue(i).Equals(data!.GetValue<double>()), d.GetValue(i)!.Value.ToString(CultureInfo.InvariantCulture));
            case PrimitiveArray<Half> h:
                return (h.GetValue(i).Equals((Half)data!.GetValue<double>()), h.GetValue(i)!.Value.ToString(CultureInfo.InvariantCulture));
            default:
                var integer = IntegerValue(actual, i);
                return integer is { } value
                    ? (value == ParseInteger(data!), value.ToString(CultureInfo.InvariantCulture))
                    : (false, $"an array of {actual.GetType().Name} for golden type {typeName} ({type.ToJsonString()}) that this comparer does not know");
        }
    }

    private static (bool Same, string Shown) SameHex(ReadOnlySpan<byte> bytes, JsonNode expected)
    {
        var hex = Convert.ToHexString(bytes);
        return (hex == expected.GetValue<string>().ToUpperInvariant(), hex);
    }

    /// <summary>A golden view is either INLINED (text for utf8view, hex for binaryview) or a range of a variadic buffer.</summary>
    private static byte[] GoldenViewBytes(JsonObject column, int g, bool utf8)
    {
        var view = column["VIEWS"]![g]!.AsObject();
        if (view["INLINED"] is { } inlined)
        {
            return utf8 ? Encoding.UTF8.GetBytes(inlined.GetValue<string>()) : Convert.FromHexString(inlined.GetValue<string>());
        }

        var buffer = Convert.FromHexString(column["VARIADIC_DATA_BUFFERS"]![view["BUFFER_INDEX"]!.GetValue<int>()]!.GetValue<string>());
        return buffer.AsSpan(view["OFFSET"]!.GetValue<int>(), view["SIZE"]!.GetValue<int>()).ToArray();
    }

    private static BigInteger? IntegerValue(IArrowArray actual, int i) => actual switch
    {
        PrimitiveArray<sbyte> p => p.GetValue(i),
        PrimitiveArray<short> p => p.GetValue(i),
        PrimitiveArray<int> p => p.GetValue(i),
        PrimitiveArray<long> p => p.GetValue(i),
        PrimitiveArray<byte> p => p.GetValue(i),
        PrimitiveArray<ushort> p => p.GetValue(i),
        PrimitiveArray<uint> p => p.GetValue(i),
        PrimitiveArray<ulong> p => p.GetValue(i),
        _ => null,
    };

    /// <summary>Golden JSON spells 64-bit integers as strings and narrower ones as numbers.</summary>
    private static BigInteger ParseInteger(JsonNode node) =>
        node.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? BigInteger.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture)
            : new BigInteger(node.GetValue<long>());
}
