using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json.Nodes;
using AA = Apache.Arrow;
using AAT = Apache.Arrow.Types;

namespace Bulwark.Interop.Tests;

/// <summary>
/// Apache.Arrow's (C#) schemas and arrays in the JSON shape of <see cref="ArrowJson"/> (js/describe.mjs), written
/// against Apache's own types only, so what Apache.Arrow read is compared with expectations built from source values.
/// </summary>
internal static class ApacheArrowJson
{
    public static string TypeString(AAT.IArrowType type) => type switch
    {
        AAT.DictionaryType d => TypeString(d.ValueType),
        AA.ExtensionType e => TypeString(e.StorageType),
        AAT.BooleanType => "bool",
        AAT.IntegerType i => (i.IsSigned ? "int" : "uint") + ArrowJson.Invariant(i.BitWidth),
        AAT.HalfFloatType => "float16",
        AAT.FloatType => "float32",
        AAT.DoubleType => "float64",
        AAT.Decimal128Type d => $"decimal128({ArrowJson.Invariant(d.Precision)}, {ArrowJson.Invariant(d.Scale)})",
        AAT.StringType => "utf8",
        AAT.BinaryType => "binary",
        AAT.FixedSizeBinaryType f => $"fixed_size_binary({ArrowJson.Invariant(f.ByteWidth)})",
        AAT.Date32Type => "date32[day]",
        AAT.Date64Type => "date64[ms]",
        AAT.Time32Type t => $"time32[{UnitName(t.Unit)}]",
        AAT.Time64Type t => $"time64[{UnitName(t.Unit)}]",
        AAT.TimestampType { Timezone: null or "" } t => $"timestamp[{UnitName(t.Unit)}]",
        AAT.TimestampType t => $"timestamp[{UnitName(t.Unit)}, {t.Timezone}]",
        AAT.DurationType d => $"duration[{UnitName(d.Unit)}]",
        AAT.ListType => "list",
        AAT.StructType => "struct",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type.Name, "No canonical name for this Apache.Arrow type."),
    };

    /// <summary>
    /// The schema in describe.mjs's shape. Apache.Arrow does not expose a dictionary's id on its types, so the
    /// "dictionary" entry holds the index type and ordering only; callers drop "id" from the expectation.
    /// </summary>
    public static JsonObject DescribeSchema(AA.Schema schema) => new()
    {
        ["metadata"] = DescribeMetadata(schema.Metadata),
        ["fields"] = new JsonArray(schema.FieldsList.Select(f => (JsonNode?)DescribeField(f)).ToArray()),
    };

    public static JsonObject DescribeField(AA.Field field)
    {
        IEnumerable<AA.Field> children = field.DataType switch
        {
            AAT.ListType list => [list.ValueField],
            AAT.StructType st => st.Fields,
            _ => [],
        };
        return new JsonObject
        {
            ["name"] = field.Name,
            ["type"] = TypeString(field.DataType),
            ["nullable"] = field.IsNullable,
            ["metadata"] = DescribeFieldMetadata(field),
            ["dictionary"] = field.DataType is AAT.DictionaryType d
                ? new JsonObject { ["indexType"] = TypeString(d.IndexType), ["ordered"] = d.Ordered }
                : null,
            ["children"] = new JsonArray(children.Select(c => (JsonNode?)DescribeField(c)).ToArray()),
        };
    }

    public static JsonObject DescribeBatch(AA.RecordBatch batch)
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
                ["name"] = batch.Schema.GetFieldByIndex(c).Name,
                ["length"] = array.Length,
                ["nullCount"] = array.NullCount,
                ["values"] = values,
            };
            if (array is AA.DictionaryArray dictionary)
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

    public static JsonNode? Value(AA.IArrowArray array, int index)
    {
        if (array.IsNull(index))
        {
            return null;
        }

        // Subclasses before their bases: StringArray is a BinaryArray, Decimal128Array a FixedSizeBinaryArray.
        return array switch
        {
            // An extension Apache.Arrow recognised (arrow.uuid is registered by default) is compared by its storage.
            AA.ExtensionArray e => Value(e.Storage, index),
            AA.DictionaryArray d => Value(d.Dictionary, DictionaryIndex(d.Indices, index)),
            AA.BooleanArray b => b.GetValue(index)!.Value,
            AA.Int8Array p => p.GetValue(index)!.Value,
            AA.Int16Array p => p.GetValue(index)!.Value,
            AA.Int32Array p => p.GetValue(index)!.Value,
            AA.Int64Array p => ArrowJson.Invariant(p.GetValue(index)!.Value),
            AA.UInt8Array p => p.GetValue(index)!.Value,
            AA.UInt16Array p => p.GetValue(index)!.Value,
            AA.UInt32Array p => p.GetValue(index)!.Value,
            AA.UInt64Array p => ArrowJson.Invariant(p.GetValue(index)!.Value),
            AA.FloatArray p => ArrowJson.Float(p.GetValue(index)!.Value),
            AA.DoubleArray p => ArrowJson.Float(p.GetValue(index)!.Value),
            AA.Date32Array p => p.GetValue(index)!.Value,
            AA.Time64Array p => ArrowJson.Invariant(p.GetValue(index)!.Value),
            AA.TimestampArray p => ArrowJson.Invariant(p.GetValue(index)!.Value),
            AA.DurationArray p => ArrowJson.Invariant(p.GetValue(index)!.Value),
            // The unscaled 128-bit integer, read from the bytes: GetValue's System.Decimal cannot hold 38 digits.
            AA.Decimal128Array d => BinaryPrimitives.ReadInt128LittleEndian(d.GetBytes(index)).ToString(CultureInfo.InvariantCulture),
            AA.StringArray s => s.GetString(index),
            AA.BinaryArray b => ArrowJson.Hex(b.GetBytes(index)),
            AA.Arrays.FixedSizeBinaryArray f => ArrowJson.Hex(f.GetBytes(index)),
            AA.ListArray l => ListValue(l, index),
            AA.StructArray s => StructValue(s, index),
            _ => throw new ArgumentOutOfRangeException(nameof(array), array.GetType().Name, "No JSON encoding for this Apache.Arrow array."),
        };
    }

    /// <summary>Drops "id" from every field's "dictionary" entry, for comparison with <see cref="DescribeSchema"/>.</summary>
    public static JsonNode WithoutDictionaryIds(JsonNode schema)
    {
        var copy = schema.DeepClone();
        foreach (var field in copy["fields"]!.AsArray())
        {
            field!["dictionary"]?.AsObject().Remove("id");
        }

        return copy;
    }

    private static int DictionaryIndex(AA.IArrowArray indices, int index) => indices switch
    {
        AA.Int8Array i => i.GetValue(index)!.Value,
        AA.Int16Array i => i.GetValue(index)!.Value,
        AA.Int32Array i => i.GetValue(index)!.Value,
        AA.Int64Array i => checked((int)i.GetValue(index)!.Value),
        _ => throw new ArgumentOutOfRangeException(nameof(indices), indices.GetType().Name, "Unexpected dictionary index array."),
    };

    private static JsonNode ListValue(AA.ListArray list, int index)
    {
        var offsets = list.ValueOffsets;
        var items = new JsonArray();
        for (var j = offsets[index]; j < offsets[index + 1]; j++)
        {
            items.Add(Value(list.Values, j));
        }

        return items;
    }

    private static JsonNode StructValue(AA.StructArray array, int index)
    {
        var fields = ((AAT.StructType)array.Data.DataType).Fields;
        var result = new JsonObject();
        for (var k = 0; k < fields.Count; k++)
        {
            result[fields[k].Name] = Value(array.Fields[k], index);
        }

        return result;
    }

    private static string UnitName(AAT.TimeUnit unit) => unit switch
    {
        AAT.TimeUnit.Second => "s",
        AAT.TimeUnit.Millisecond => "ms",
        AAT.TimeUnit.Microsecond => "us",
        _ => "ns",
    };

    /// <summary>
    /// A field's metadata; for a field Apache.Arrow turned into a registered extension type (its reader then drops the
    /// extension keys from the metadata), the extension name is put back under its key, as the file holds it.
    /// </summary>
    private static JsonObject DescribeFieldMetadata(AA.Field field)
    {
        var result = DescribeMetadata(field.Metadata);
        if (field.DataType is AA.ExtensionType extension)
        {
            result[Bulwark.Arrow.ArrowTypes.ExtensionNameKey] = extension.Name;
        }

        return result;
    }

    private static JsonObject DescribeMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        var result = new JsonObject();
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            result[key] = value;
        }

        return result;
    }
}
