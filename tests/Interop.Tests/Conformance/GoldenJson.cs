using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Arrays;

namespace Bulwark.Interop.Tests.Conformance;

/// <summary>
/// Compares batches Bulwark read with the Arrow integration-test JSON that describes the same file ("golden" files of
/// arrow-testing): every column's length, validity and value, recursively through lists, structs and dictionaries.
/// Returns the first difference as text, or null when everything matches.
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

        var validity = column["VALIDITY"]?.AsArray();
        var isNullType = field["type"]!["name"]!.GetValue<string>() == "null";
        for (var i = 0; i < count; i++)
        {
            // A column of the null type has no validity in the JSON: every slot is null.
            var valid = !isNullType && (validity is null || validity[i]!.GetValue<int>() != 0);
            if (actual.IsValid(i) != valid)
            {
                return $"{where}, row {i}: valid={actual.IsValid(i)}, golden valid={valid}";
            }
        }

        if (isNullType)
        {
            return null;
        }

        for (var i = 0; i < count; i++)
        {
            if (actual.IsValid(i))
            {
                var difference = CompareValue(field, column, i, actual, i, dictionaries, $"{where}, row {i}");
                if (difference is not null)
                {
                    return difference;
                }
            }
        }

        return null;
    }

    private static string? CompareValue(JsonObject field, JsonObject column, int g, IArrowArray actual, int a, Dictionary<long, JsonObject> dictionaries, string where)
    {
        if (field["dictionary"] is JsonObject encoding)
        {
            // Golden DATA holds the index; both sides are compared by the value the index selects, nulls included.
            var dictionary = dictionaries[encoding["id"]!.GetValue<long>()];
            var actualDictionary = (DictionaryArray)actual;
            var goldenIndex = (int)ParseInteger(column["DATA"]![g]!);
            var actualIndex = ArrowValues.DictionaryIndex(actualDictionary, a);
            var goldenValid = dictionary["VALIDITY"] is not JsonArray v || v[goldenIndex]!.GetValue<int>() != 0;
            if (actualDictionary.Dictionary.IsValid(actualIndex) != goldenValid)
            {
                return $"{where} (dictionary entry): valid={actualDictionary.Dictionary.IsValid(actualIndex)}, golden valid={goldenValid}";
            }

            var valueField = new JsonObject { ["type"] = field["type"]!.DeepClone(), ["children"] = field["children"]!.DeepClone() };
            return goldenValid ? CompareValue(valueField, dictionary, goldenIndex, actualDictionary.Dictionary, actualIndex, dictionaries, $"{where} (dictionary)") : null;
        }

        var type = field["type"]!.AsObject();
        var name = type["name"]!.GetValue<string>();
        switch (name)
        {
            case "list":
            {
                var offsets = column["OFFSET"]!.AsArray();
                var (start, end) = ArrowValues.ListRange((ListArray)actual, a);
                var goldenStart = (int)ParseInteger(offsets[g]!);
                var goldenEnd = (int)ParseInteger(offsets[g + 1]!);
                if (end - start != goldenEnd - goldenStart)
                {
                    return $"{where}: list of {end - start}, golden {goldenEnd - goldenStart}";
                }

                var childField = field["children"]![0]!.AsObject();
                var childColumn = column["children"]![0]!.AsObject();
                var values = ((ListArray)actual).Values;
                var childValidity = childColumn["VALIDITY"]?.AsArray();
                for (var k = 0; k < end - start; k++)
                {
                    var goldenValid = childValidity is null || childValidity[goldenStart + k]!.GetValue<int>() != 0;
                    if (values.IsValid(start + k) != goldenValid)
                    {
                        return $"{where}[{k}]: valid={values.IsValid(start + k)}, golden valid={goldenValid}";
                    }

                    if (goldenValid && CompareValue(childField, childColumn, goldenStart + k, values, start + k, dictionaries, $"{where}[{k}]") is { } difference)
                    {
                        return difference;
                    }
                }

                return null;
            }

            case "struct":
            {
                var children = field["children"]!.AsArray();
                var fields = ((StructArray)actual).Fields;
                for (var c = 0; c < children.Count; c++)
                {
                    var childColumn = column["children"]![c]!.AsObject();
                    var goldenValid = childColumn["VALIDITY"] is not JsonArray v || v[g]!.GetValue<int>() != 0;
                    if (fields[c].IsValid(a) != goldenValid)
                    {
                        return $"{where}.{children[c]!["name"]}: valid={fields[c].IsValid(a)}, golden valid={goldenValid}";
                    }

                    if (goldenValid && CompareValue(children[c]!.AsObject(), childColumn, g, fields[c], a, dictionaries, $"{where}.{children[c]!["name"]}") is { } difference)
                    {
                        return difference;
                    }
                }

                return null;
            }

            default:
            {
                var expected = column["DATA"]![g]!;
                var (same, shown) = SameScalar(name, type, expected, actual, a);
                return same ? null : $"{where}: {shown}, golden {expected.ToJsonString()}";
            }
        }
    }

    private static (bool Same, string Shown) SameScalar(string typeName, JsonObject type, JsonNode expected, IArrowArray actual, int i)
    {
        // Subclasses before their bases: StringArray is a BinaryArray, Decimal128Array a FixedSizeBinaryArray.
        switch (actual)
        {
            case BooleanArray b:
                return (b.GetValue(i) == expected.GetValue<bool>(), b.GetValue(i).ToString()!);
            case StringArray s:
                return (s.GetString(i) == expected.GetValue<string>(), s.GetString(i) ?? "null");
            case BinaryArray bin:
                return (Convert.ToHexString(bin.GetBytes(i)) == expected.GetValue<string>().ToUpperInvariant(), Convert.ToHexString(bin.GetBytes(i)));
            case Decimal128Array dec:
                var unscaled = ArrowValues.Unscaled(dec, i);
                return (unscaled == Int128.Parse(expected.GetValue<string>(), CultureInfo.InvariantCulture), unscaled.ToString(CultureInfo.InvariantCulture));
            case FixedSizeBinaryArray fsb:
                return (Convert.ToHexString(fsb.GetBytes(i)) == expected.GetValue<string>().ToUpperInvariant(), Convert.ToHexString(fsb.GetBytes(i)));
            case PrimitiveArray<float> f:
                return (f.Values[i].Equals((float)expected.GetValue<double>()), f.Values[i].ToString(CultureInfo.InvariantCulture));
            case PrimitiveArray<double> d:
                return (d.Values[i].Equals(expected.GetValue<double>()), d.Values[i].ToString(CultureInfo.InvariantCulture));
            case PrimitiveArray<Half> h:
                return (h.Values[i].Equals((Half)expected.GetValue<double>()), h.Values[i].ToString(CultureInfo.InvariantCulture));
            default:
                var integer = ArrowValues.Integer(actual, i);
                return integer is { } value
                    ? (value == ParseInteger(expected), value.ToString(CultureInfo.InvariantCulture))
                    : (false, $"an array of {actual.GetType().Name} for golden type {typeName} ({type.ToJsonString()}) that this comparer does not know");
        }
    }

    /// <summary>Golden JSON spells 64-bit integers as strings and narrower ones as numbers.</summary>
    private static BigInteger ParseInteger(JsonNode node) =>
        node.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? BigInteger.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture)
            : new BigInteger(node.GetValue<long>());
}
