using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;

namespace Bulwark.Cli;

/// <summary>
/// One Arrow value as text (table and CSV cells) or JSON (JSON lines, and nested values in cells). Nested values are
/// JSON: a list is an array, a struct an object, a map an object when its keys are strings and otherwise an array of
/// {"key", "value"} objects; a union or dictionary value is the value it selects. Everything is written through
/// Utf8JsonWriter by hand, so nothing depends on reflection.
/// </summary>
internal static class ArrowValues
{
    /// <summary>Non-ASCII text stays readable; the writer still escapes what JSON requires (quotes, control characters).</summary>
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    public static JsonWriterOptions WriterOptions => JsonOptions;

    /// <summary>The value's text, or null for a null value; binary in hex.</summary>
    public static string? Text(IArrowArray array, int index)
    {
        if (IsNull(array, index))
        {
            return null;
        }

        switch (array)
        {
            case DictionaryArray d:
                return Text(d.Dictionary, DictionaryIndex(d, index));
            case UnionArray u:
                var (child, at) = Selected(u, index);
                return Text(child, at);
        }

        if (ArrowScalars.Text(array, index) is { } text)
        {
            return text;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            WriteJson(writer, array, index, hexBinary: true);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the value as JSON: numbers for integers and finite floats, strings for everything else scalar.</summary>
    /// <param name="writer">Where to.</param>
    /// <param name="array">The column.</param>
    /// <param name="index">The row.</param>
    /// <param name="hexBinary">Binary as hex (as in table cells) rather than base64 (as JSON tools expect).</param>
    public static void WriteJson(Utf8JsonWriter writer, IArrowArray array, int index, bool hexBinary)
    {
        if (IsNull(array, index))
        {
            writer.WriteNullValue();
            return;
        }

        switch (array)
        {
            case DictionaryArray d:
                WriteJson(writer, d.Dictionary, DictionaryIndex(d, index), hexBinary);
                return;
            case UnionArray u:
                var (child, at) = Selected(u, index);
                WriteJson(writer, child, at, hexBinary);
                return;
            case BooleanArray b:
                writer.WriteBooleanValue(b.GetValue(index) == true);
                return;
            case MapArray map:
                WriteMap(writer, map, index, hexBinary);
                return;
            case ListArray list:
                WriteItems(writer, list.Values, list.ValueOffsets[index], list.ValueOffsets[index + 1], hexBinary);
                return;
            case LargeListArray list:
                WriteItems(writer, list.Values, checked((int)list.ValueOffsets[index]), checked((int)list.ValueOffsets[index + 1]), hexBinary);
                return;
            case FixedSizeListArray list:
                var size = ((FixedSizeListType)list.Data.DataType).ListSize;
                WriteItems(writer, list.Values, (list.Offset + index) * size, (list.Offset + index + 1) * size, hexBinary);
                return;
            case StructArray s:
                var fields = ((StructType)s.Data.DataType).Fields;
                writer.WriteStartObject();
                for (var f = 0; f < fields.Count; f++)
                {
                    writer.WritePropertyName(fields[f].Name);
                    WriteJson(writer, s.Fields[f], index, hexBinary);
                }

                writer.WriteEndObject();
                return;
        }

        // By type id, not array class: decimal arrays are fixed-size binary arrays too.
        if (!hexBinary && array.Data.DataType.TypeId is ArrowTypeId.Binary or ArrowTypeId.LargeBinary or ArrowTypeId.BinaryView or ArrowTypeId.FixedSizedBinary)
        {
            writer.WriteBase64StringValue(Bytes(array, index));
            return;
        }

        var text = ArrowScalars.Text(array, index)
            ?? throw new NotSupportedException($"bulwark cannot print values of type {Bulwark.Arrow.ArrowTypes.Describe(array.Data.DataType)}");
        if (ArrowScalars.IsJsonNumber(array.Data.DataType) && text is not ("NaN" or "Infinity" or "-Infinity"))
        {
            // The text already is the exact, shortest form; JSON numbers cannot hold NaN or the infinities.
            writer.WriteRawValue(text, skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }

    /// <summary>Null by the validity bitmap; a union has none, so its value is null when the child it selects is.</summary>
    public static bool IsNull(IArrowArray array, int index) => array switch
    {
        NullArray => true,
        UnionArray u => Selected(u, index) is var (child, at) && IsNull(child, at),
        _ => array.IsNull(index),
    };

    private static (IArrowArray Child, int Index) Selected(UnionArray union, int index)
    {
        var type = (UnionType)union.Data.DataType;
        var typeId = union.TypeIds[index];
        var child = System.Array.IndexOf(type.TypeIds, (int)typeId);
        return (union.Fields[child], union is DenseUnionArray dense ? dense.ValueOffsets[index] : union.Offset + index);
    }

    private static int DictionaryIndex(DictionaryArray array, int index) => array.Indices switch
    {
        Int8Array i => i.Values[index],
        Int16Array i => i.Values[index],
        Int32Array i => i.Values[index],
        Int64Array i => checked((int)i.Values[index]),
        UInt8Array i => i.Values[index],
        UInt16Array i => i.Values[index],
        UInt32Array i => checked((int)i.Values[index]),
        UInt64Array i => checked((int)i.Values[index]),
        _ => throw new NotSupportedException($"dictionary indices of type {Bulwark.Arrow.ArrowTypes.Describe(array.Indices.Data.DataType)}"),
    };

    private static ReadOnlySpan<byte> Bytes(IArrowArray array, int index) => array switch
    {
        BinaryArray b => b.GetBytes(index),
        LargeBinaryArray b => b.GetBytes(index),
        BinaryViewArray b => b.GetBytes(index),
        FixedSizeBinaryArray b => b.GetBytes(index),
        _ => [],
    };

    private static void WriteItems(Utf8JsonWriter writer, IArrowArray values, int start, int end, bool hexBinary)
    {
        writer.WriteStartArray();
        for (var i = start; i < end; i++)
        {
            WriteJson(writer, values, i, hexBinary);
        }

        writer.WriteEndArray();
    }

    private static void WriteMap(Utf8JsonWriter writer, MapArray map, int index, bool hexBinary)
    {
        var (start, end) = (map.ValueOffsets[index], map.ValueOffsets[index + 1]);
        if (map.Keys.Data.DataType is StringType or LargeStringType or StringViewType)
        {
            writer.WriteStartObject();
            for (var i = start; i < end; i++)
            {
                writer.WritePropertyName(Text(map.Keys, i) ?? "null");
                WriteJson(writer, map.Values, i, hexBinary);
            }

            writer.WriteEndObject();
            return;
        }

        writer.WriteStartArray();
        for (var i = start; i < end; i++)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("key");
            WriteJson(writer, map.Keys, i, hexBinary);
            writer.WritePropertyName("value");
            WriteJson(writer, map.Values, i, hexBinary);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
