using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using Xunit.Sdk;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Interop.Tests;

/// <summary>
/// The JSON shape of js/describe.mjs, produced from the Apache.Arrow schemas and arrays Bulwark reads and builds, and a comparison that lists every
/// difference by path. Both sides encode values the same way: 64-bit integers as decimal strings, floats with
/// "NaN"/"Infinity"/"-Infinity"/"-0" as strings, decimals as the unscaled integer, bytes as lowercase hex, temporal
/// values as their raw stored integers.
/// </summary>
internal static class ArrowJson
{
    /// <summary>The type as describe.mjs names it; a dictionary-encoded type by its value type, as arrow-js reports it.</summary>
    public static string TypeString(IArrowType type) => type switch
    {
        DictionaryType d => TypeString(d.ValueType),
        NullType => "null",
        BooleanType => "bool",
        IntegerType i => (i.IsSigned ? "int" : "uint") + Invariant(i.BitWidth),
        HalfFloatType => "float16",
        FloatType => "float32",
        DoubleType => "float64",
        Decimal128Type d => $"decimal128({Invariant(d.Precision)}, {Invariant(d.Scale)})",
        StringType => "utf8",
        BinaryType => "binary",
        FixedSizeBinaryType f => $"fixed_size_binary({Invariant(f.ByteWidth)})",
        Date32Type => "date32[day]",
        Date64Type => "date64[ms]",
        TimeType t => $"time{Invariant(t.BitWidth)}[{UnitName(t.Unit)}]",
        TimestampType { Timezone: null } t => $"timestamp[{UnitName(t.Unit)}]",
        TimestampType t => $"timestamp[{UnitName(t.Unit)}, {t.Timezone}]",
        DurationType d => $"duration[{UnitName(d.Unit)}]",
        ListType => "list",
        StructType => "struct",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No canonical name for this type."),
    };

    /// <summary>
    /// The schema in describe.mjs's shape. Apache.Arrow fields carry no dictionary id (ids exist only inside an IPC
    /// file), so the ids are numbered here as Bulwark's IPC writer assigns them: pre-order over the fields, from 0.
    /// </summary>
    public static JsonObject DescribeSchema(Schema schema)
    {
        var nextId = 0L;
        var fields = new JsonArray();
        foreach (var field in schema.FieldsList)
        {
            fields.Add(DescribeField(field, ref nextId));
        }

        return new JsonObject
        {
            ["metadata"] = DescribeMetadata(schema.HasMetadata ? schema.Metadata : null),
            ["fields"] = fields,
        };
    }

    private static JsonObject DescribeField(Field field, ref long nextId)
    {
        JsonObject? dictionary = null;
        var type = field.DataType;
        if (type is DictionaryType encoding)
        {
            dictionary = new JsonObject { ["id"] = nextId++, ["indexType"] = TypeString(encoding.IndexType), ["ordered"] = encoding.Ordered };
            type = encoding.ValueType;
        }

        IEnumerable<Field> childFields = type switch
        {
            ListType list => [list.ValueField],
            StructType st => st.Fields,
            _ => [],
        };
        var children = new JsonArray();
        foreach (var child in childFields)
        {
            children.Add(DescribeField(child, ref nextId));
        }

        return new JsonObject
        {
            ["name"] = field.Name,
            ["type"] = TypeString(type),
            ["nullable"] = field.IsNullable,
            ["metadata"] = DescribeMetadata(field.HasMetadata ? field.Metadata : null),
            ["dictionary"] = dictionary,
            ["children"] = children,
        };
    }

    /// <summary>Batch description as describe.mjs prints it: per column its name, length, null count, values (and dictionary).</summary>
    public static JsonObject DescribeBatch(RecordBatch batch)
    {
        var columns = new JsonArray();
        for (var c = 0; c < batch.ColumnCount; c++)
        {
            var array = batch.Column(c);
            var values = new JsonArray();
            for (var i = 0; i < array.Length; i++)
            {
                values.Add(Value(array, i));
            }

            var column = new JsonObject
            {
                ["name"] = batch.Schema.FieldsList[c].Name,
                ["length"] = array.Length,
                ["nullCount"] = array.NullCount,
                ["values"] = values,
            };
            if (array is DictionaryArray dictionary)
            {
                var entries = new JsonArray();
                for (var j = 0; j < dictionary.Dictionary.Length; j++)
                {
                    entries.Add(Value(dictionary.Dictionary, j));
                }

                column["dictionary"] = entries;
            }

            columns.Add(column);
        }

        return new JsonObject { ["numRows"] = batch.Length, ["columns"] = columns };
    }

    // Subclasses before their bases: StringArray is a BinaryArray, Decimal128Array a FixedSizeBinaryArray.
    public static JsonNode? Value(IArrowArray array, int index)
    {
        if (array.IsNull(index))
        {
            return null;
        }

        return array switch
        {
            DictionaryArray d => Value(d.Dictionary, ArrowValues.DictionaryIndex(d, index)),
            BooleanArray b => b.GetValue(index)!.Value,
            PrimitiveArray<sbyte> p => p.Values[index],
            PrimitiveArray<short> p => p.Values[index],
            PrimitiveArray<int> p => p.Values[index],
            PrimitiveArray<long> p => Invariant(p.Values[index]),
            PrimitiveArray<byte> p => p.Values[index],
            PrimitiveArray<ushort> p => p.Values[index],
            PrimitiveArray<uint> p => p.Values[index],
            PrimitiveArray<ulong> p => Invariant(p.Values[index]),
            PrimitiveArray<Half> p => Float((double)p.Values[index]),
            PrimitiveArray<float> p => Float(p.Values[index]),
            PrimitiveArray<double> p => Float(p.Values[index]),
            Decimal128Array d => ArrowValues.Unscaled(d, index).ToString(CultureInfo.InvariantCulture),
            StringArray s => s.GetString(index),
            BinaryArray b => Hex(b.GetBytes(index)),
            FixedSizeBinaryArray f => Hex(f.GetBytes(index)),
            ListArray l => ListValue(l, index),
            StructArray s => StructValue(s, index),
            _ => throw new ArgumentOutOfRangeException(nameof(array), array.GetType().Name, "No JSON encoding for this array."),
        };
    }

    public static JsonNode Float(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Infinity"
        : double.IsNegativeInfinity(value) ? "-Infinity"
        : value == 0 && double.IsNegative(value) ? "-0"
        : JsonValue.Create(value);

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public static string Invariant<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    public static JsonNode Parse(string json, string what)
    {
        try
        {
            return JsonNode.Parse(json) ?? throw new XunitException($"{what} printed JSON null.");
        }
        catch (JsonException ex)
        {
            throw new XunitException($"{what} did not print JSON ({ex.Message}):\n{NodeEnvironment.Truncate(json, 4000)}");
        }
    }

    /// <summary>Fails with every difference (up to a limit) between <paramref name="expected"/> and <paramref name="actual"/>.</summary>
    public static void AssertEqual(JsonNode? expected, JsonNode? actual, string what, string? diagnostics = null)
    {
        var differences = new List<string>();
        Compare(expected, actual, "$", differences);
        if (differences.Count > 0)
        {
            throw new XunitException(
                $"{what}: {differences.Count} difference(s){(differences.Count >= MaxDifferences ? " (first ones only)" : string.Empty)}:\n  "
                + string.Join("\n  ", differences)
                + (diagnostics is null ? string.Empty : "\n" + diagnostics));
        }
    }

    private const int MaxDifferences = 40;

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        if (differences.Count >= MaxDifferences)
        {
            return;
        }

        if (expected is null || actual is null)
        {
            if (expected is not null || actual is not null)
            {
                differences.Add($"{path}: expected {Show(expected)}, got {Show(actual)}");
            }

            return;
        }

        var kind = expected.GetValueKind();
        var actualKind = actual.GetValueKind();
        var bothBool = kind is JsonValueKind.True or JsonValueKind.False && actualKind is JsonValueKind.True or JsonValueKind.False;
        if (kind != actualKind && !bothBool)
        {
            differences.Add($"{path}: expected {kind} {Show(expected)}, got {actualKind} {Show(actual)}");
            return;
        }

        switch (expected)
        {
            case JsonObject expectedObject:
                var actualObject = actual.AsObject();
                foreach (var (key, value) in expectedObject)
                {
                    if (!actualObject.TryGetPropertyValue(key, out var actualValue))
                    {
                        differences.Add($"{path}.{key}: missing (expected {Show(value)})");
                        continue;
                    }

                    Compare(value, actualValue, $"{path}.{key}", differences);
                }

                foreach (var (key, value) in actualObject)
                {
                    if (!expectedObject.ContainsKey(key))
                    {
                        differences.Add($"{path}.{key}: unexpected {Show(value)}");
                    }
                }

                return;
            case JsonArray expectedArray:
                var actualArray = actual.AsArray();
                if (expectedArray.Count != actualArray.Count)
                {
                    differences.Add($"{path}: expected {expectedArray.Count} elements, got {actualArray.Count}: {NodeEnvironment.Truncate(Show(actual), 400)}");
                }

                for (var i = 0; i < Math.Min(expectedArray.Count, actualArray.Count); i++)
                {
                    Compare(expectedArray[i], actualArray[i], $"{path}[{i}{ElementName(expectedArray[i])}]", differences);
                }

                return;
            default:
                var same = kind switch
                {
                    JsonValueKind.Number => ParseNumber(expected).Equals(ParseNumber(actual)),
                    JsonValueKind.String => string.Equals(expected.GetValue<string>(), actual.GetValue<string>(), StringComparison.Ordinal),
                    _ => string.Equals(expected.ToJsonString(), actual.ToJsonString(), StringComparison.Ordinal),
                };
                if (!same)
                {
                    differences.Add($"{path}: expected {Show(expected)}, got {Show(actual)}");
                }

                return;
        }
    }

    // Columns and fields carry their name into the path, so a difference reads "columns[3 i8].values[5]".
    private static string ElementName(JsonNode? element) =>
        element is JsonObject o && o.TryGetPropertyValue("name", out var name) && name?.GetValueKind() == JsonValueKind.String ? " " + name.GetValue<string>() : string.Empty;

    // Numbers from node and from System.Text.Json differ in spelling (1e-45 vs 1E-45) but not in value.
    private static double ParseNumber(JsonNode node) => double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Show(JsonNode? node) => node is null ? "null" : node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static JsonNode ListValue(ListArray list, int index)
    {
        var (start, end) = ArrowValues.ListRange(list, index);
        var items = new JsonArray();
        for (var j = start; j < end; j++)
        {
            items.Add(Value(list.Values, j));
        }

        return items;
    }

    private static JsonNode StructValue(StructArray array, int index)
    {
        var fields = ((StructType)array.Data.DataType).Fields;
        var result = new JsonObject();
        for (var k = 0; k < fields.Count; k++)
        {
            result[fields[k].Name] = Value(array.Fields[k], index);
        }

        return result;
    }

    private static string UnitName(TimeUnit unit) => unit switch
    {
        TimeUnit.Second => "s",
        TimeUnit.Millisecond => "ms",
        TimeUnit.Microsecond => "us",
        _ => "ns",
    };

    private static JsonObject DescribeMetadata(IEnumerable<KeyValuePair<string, string>>? metadata)
    {
        var result = new JsonObject();
        foreach (var (key, value) in metadata ?? [])
        {
            result[key] = value;
        }

        return result;
    }
}
