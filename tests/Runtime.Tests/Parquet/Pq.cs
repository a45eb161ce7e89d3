using System.Buffers.Binary;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>In-memory write/read helpers and hand-built columns for the Parquet tests.</summary>
internal static class Pq
{
    public static async Task<byte[]> WriteAsync(Schema schema, IEnumerable<RecordBatch> batches, ParquetWriteOptions? options = null)
    {
        var stream = new MemoryStream();
        var writer = new ParquetFileWriter(stream, schema, options, leaveOpen: true);
        await using (writer)
        {
            foreach (var batch in batches)
            {
                await writer.WriteBatchAsync(batch);
            }

            await writer.CompleteAsync();
        }

        return stream.ToArray();
    }

    public static async Task<(Schema Schema, List<RecordBatch> Batches)> ReadAsync(byte[] bytes, ParquetReadOptions? options = null)
    {
        var reader = await ParquetFileReader.OpenAsync(new MemoryStream(bytes, writable: false), "test.parquet", options);
        await using (reader)
        {
            var batches = new List<RecordBatch>();
            await foreach (var batch in reader.ReadBatchesAsync())
            {
                batches.Add(batch);
            }

            return (reader.Schema, batches);
        }
    }

    // Apache's types, fields and schemas compare by reference: these compare structurally and print both sides.
    public static void AssertEqual(IArrowType expected, IArrowType actual) =>
        Xunit.Assert.True(ArrowTypes.Equal(expected, actual), $"{ArrowTypes.Describe(actual)}, expected {ArrowTypes.Describe(expected)}");

    public static void AssertEqual(Field expected, Field actual) =>
        Xunit.Assert.True(ArrowTypes.Equal(expected, actual), $"{ArrowTypes.Describe(actual)}, expected {ArrowTypes.Describe(expected)}");

    public static void AssertEqual(Schema expected, Schema actual) =>
        Xunit.Assert.True(ArrowTypes.Equal(expected, actual), $"{ArrowTypes.Describe(actual)}, expected {ArrowTypes.Describe(expected)}");

    /// <summary>The type of the named top-level field.</summary>
    public static IArrowType TypeOf(Schema schema, string name) => schema.GetFieldByName(name).DataType;

    /// <summary>Concatenates batches row by row into one list of slot views, so differently cut row groups compare.</summary>
    public static void AssertSameRows(IReadOnlyList<RecordBatch> expected, IReadOnlyList<RecordBatch> actual)
    {
        var expectedRows = expected.Sum(b => b.Length);
        var actualRows = actual.Sum(b => b.Length);
        Xunit.Assert.Equal(expectedRows, actualRows);
        if (expected.Count == actual.Count && expected.Zip(actual).All(p => p.First.Length == p.Second.Length))
        {
            for (var i = 0; i < expected.Count; i++)
            {
                Ipc.ArrayAssert.BatchesEqual(expected[i], actual[i]);
            }

            return;
        }

        // Row groups cut differently from the input batches: compare through single-row re-reads is not possible,
        // so the callers that cut differently keep one input batch and compare slice by slice.
        var e = expected.Single();
        var offset = 0;
        foreach (var batch in actual)
        {
            for (var c = 0; c < e.ColumnCount; c++)
            {
                for (var r = 0; r < batch.Length; r++)
                {
                    AssertSlotEqual(e.Column(c), offset + r, batch.Column(c), r, $"{e.Schema.FieldsList[c].Name}[{offset + r}]");
                }
            }

            offset += batch.Length;
        }
    }

    private static void AssertSlotEqual(IArrowArray expected, int i, IArrowArray actual, int j, string path)
    {
        Xunit.Assert.True(expected.IsNull(i) == actual.IsNull(j), $"{path}: nullness differs");
        if (expected.IsNull(i))
        {
            return;
        }

        switch (expected)
        {
            case BinaryArray b:
                Xunit.Assert.True(b.GetBytes(i).SequenceEqual(((BinaryArray)actual).GetBytes(j)), path);
                break;
            case BooleanArray b:
                Xunit.Assert.Equal(b.GetValue(i), ((BooleanArray)actual).GetValue(j));
                break;
            case FixedSizeBinaryArray f:
                Xunit.Assert.True(f.GetBytes(i).SequenceEqual(((FixedSizeBinaryArray)actual).GetBytes(j)), path);
                break;
            case ListArray l:
            {
                var a = (ListArray)actual;
                var (es, ee) = Range(l, i);
                var (@as, ae) = Range(a, j);
                Xunit.Assert.Equal(ee - es, ae - @as);
                for (var k = 0; k < ee - es; k++)
                {
                    AssertSlotEqual(l.Values, es + k, a.Values, @as + k, $"{path}[{k}]");
                }

                break;
            }

            case StructArray s:
                for (var f = 0; f < s.Fields.Count; f++)
                {
                    AssertSlotEqual(s.Fields[f], i, ((StructArray)actual).Fields[f], j, $"{path}.{f}");
                }

                break;
            case DictionaryArray d:
            {
                var a = (DictionaryArray)actual;
                AssertSlotEqual(d.Dictionary, Index(d, i), a.Dictionary, Index(a, j), path);
                break;
            }

            default:
            {
                var width = ((FixedWidthType)expected.Data.DataType).BitWidth / 8;
                Xunit.Assert.Equal(expected.GetType(), actual.GetType());
                var e = expected.Data.Buffers[1].Span.Slice((expected.Offset + i) * width, width);
                var a = actual.Data.Buffers[1].Span.Slice((actual.Offset + j) * width, width);
                Xunit.Assert.True(e.SequenceEqual(a), path);
                break;
            }
        }
    }

    /// <summary>The [start, end) range of list slot <paramref name="index"/> in the list's values.</summary>
    public static (int Start, int End) Range(ListArray array, int index)
    {
        var start = array.ValueOffsets[index];
        return (start, start + array.GetValueLength(index));
    }

    /// <summary>The dictionary index of slot <paramref name="index"/>, whatever the index type.</summary>
    public static int Index(DictionaryArray array, int index) =>
        (int)ArrayValidator.ReadIndex(array.Data.Buffers[1].Span, (IntegerType)((DictionaryType)array.Data.DataType).IndexType, array.Offset + index);

    // ---------------------------------------------------------------- column construction

    public static ArrowBuffer Validity(bool[]? valid, out int nulls)
    {
        nulls = 0;
        if (valid is null)
        {
            return ArrowBuffer.Empty;
        }

        var bits = new byte[BitUtil.BytesForBits(valid.Length)];
        for (var i = 0; i < valid.Length; i++)
        {
            if (valid[i])
            {
                BitUtil.SetBit(bits, i);
            }
            else
            {
                nulls++;
            }
        }

        return nulls == 0 ? ArrowBuffer.Empty : new ArrowBuffer(bits);
    }

    public static IArrowArray Fixed<T>(IArrowType type, T[] values, bool[]? valid = null)
        where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var validity = Validity(valid, out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(type, values.Length, nulls, 0, [validity, new ArrowBuffer(bytes)], []));
    }

    public static IArrowArray Bools(bool[] values, bool[]? valid = null)
    {
        var bits = new byte[BitUtil.BytesForBits(values.Length)];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i])
            {
                BitUtil.SetBit(bits, i);
            }
        }

        var validity = Validity(valid, out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(BooleanType.Default, values.Length, nulls, 0, [validity, new ArrowBuffer(bits)], []));
    }

    public static ArrayData BinaryData(IArrowType type, byte[]?[] values)
    {
        var offsets = new byte[(values.Length + 1) * 4];
        var data = new List<byte>();
        var valid = new bool[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            valid[i] = values[i] is not null;
            data.AddRange(values[i] ?? []);
            BinaryPrimitives.WriteInt32LittleEndian(offsets.AsSpan((i + 1) * 4), data.Count);
        }

        var validity = Validity(valid, out var nulls);
        return new ArrayData(type, values.Length, nulls, 0, [validity, new ArrowBuffer(offsets), new ArrowBuffer(data.ToArray())], []);
    }

    public static IArrowArray Strings(string?[] values) =>
        ArrowArrayFactory.BuildArray(BinaryData(StringType.Default, values.Select(v => v is null ? null : Encoding.UTF8.GetBytes(v)).ToArray()));

    public static IArrowArray FixedBinary(int width, byte[]?[] values)
    {
        var data = new byte[values.Length * width];
        var valid = values.Select(v => v is not null).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            values[i]?.CopyTo(data, i * width);
        }

        var validity = Validity(valid, out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(new FixedSizeBinaryType(width), values.Length, nulls, 0, [validity, new ArrowBuffer(data)], []));
    }

    public static IArrowArray Decimals(Decimal128Type type, Int128?[] values)
    {
        var data = new byte[values.Length * 16];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt128LittleEndian(data.AsSpan(i * 16), values[i] ?? 0);
        }

        var validity = Validity(values.Select(v => v.HasValue).ToArray(), out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(type, values.Length, nulls, 0, [validity, new ArrowBuffer(data)], []));
    }

    /// <summary>The type of an enum column: int32 indices into utf8 names.</summary>
    public static readonly DictionaryType EnumType = new(Int32Type.Default, StringType.Default, false);

    public static IArrowArray Enum(string[] names, int?[] indices)
    {
        var dictionary = BinaryData(StringType.Default, names.Select(n => (byte[]?)Encoding.UTF8.GetBytes(n)).ToArray());
        var data = new byte[indices.Length * 4];
        for (var i = 0; i < indices.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i * 4), indices[i] ?? 0);
        }

        var validity = Validity(indices.Select(v => v.HasValue).ToArray(), out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(EnumType, indices.Length, nulls, 0, [validity, new ArrowBuffer(data)], [], dictionary));
    }

    public static IArrowArray List(Field itemField, IArrowArray items, int[] offsets, bool[]? valid = null)
    {
        var bytes = new byte[offsets.Length * 4];
        for (var i = 0; i < offsets.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), offsets[i]);
        }

        var validity = Validity(valid, out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(new ListType(itemField), offsets.Length - 1, nulls, 0, [validity, new ArrowBuffer(bytes)], [items.Data]));
    }

    public static IArrowArray Struct(IReadOnlyList<Field> fields, IArrowArray[] children, bool[]? valid = null)
    {
        var validity = Validity(valid, out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(new StructType(fields), children[0].Length, nulls, 0, [validity], children.Select(c => c.Data).ToArray()));
    }
}
