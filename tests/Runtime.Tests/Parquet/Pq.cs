using System.Buffers.Binary;
using System.Text;
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
                    AssertSlotEqual(e.Column(c), offset + r, batch.Column(c), r, $"{e.Schema.Fields[c].Name}[{offset + r}]");
                }
            }

            offset += batch.Length;
        }
    }

    private static void AssertSlotEqual(ArrowArray expected, int i, ArrowArray actual, int j, string path)
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
            case ListArray l:
            {
                var a = (ListArray)actual;
                var (es, ee) = l.GetRange(i);
                var (@as, ae) = a.GetRange(j);
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
                AssertSlotEqual(d.Dictionary, d.GetIndex(i), a.Dictionary, a.GetIndex(j), path);
                break;
            }

            default:
            {
                var width = expected.Type.BitWidth / 8;
                Xunit.Assert.True(expected.Data.Buffers[1].Span.Slice(i * width, width).SequenceEqual(actual.Data.Buffers[1].Span.Slice(j * width, width)), path);
                break;
            }
        }
    }

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

        return nulls == 0 ? ArrowBuffer.Empty : ArrowBuffer.Wrap(bits);
    }

    public static ArrowArray Fixed<T>(ArrowType type, T[] values, bool[]? valid = null)
        where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var validity = Validity(valid, out var nulls);
        return ArrowArray.Create(new ArrayData(type, values.Length, nulls, [validity, ArrowBuffer.Wrap(bytes)]));
    }

    public static ArrowArray Bools(bool[] values, bool[]? valid = null)
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
        return ArrowArray.Create(new ArrayData(BooleanType.Default, values.Length, nulls, [validity, ArrowBuffer.Wrap(bits)]));
    }

    public static ArrayData BinaryData(ArrowType type, byte[]?[] values)
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
        return new ArrayData(type, values.Length, nulls, [validity, ArrowBuffer.Wrap(offsets), ArrowBuffer.Wrap(data.ToArray())]);
    }

    public static ArrowArray Strings(string?[] values) =>
        ArrowArray.Create(BinaryData(Utf8Type.Default, values.Select(v => v is null ? null : Encoding.UTF8.GetBytes(v)).ToArray()));

    public static ArrowArray FixedBinary(int width, byte[]?[] values)
    {
        var data = new byte[values.Length * width];
        var valid = values.Select(v => v is not null).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            values[i]?.CopyTo(data, i * width);
        }

        var validity = Validity(valid, out var nulls);
        return ArrowArray.Create(new ArrayData(new FixedSizeBinaryType(width), values.Length, nulls, [validity, ArrowBuffer.Wrap(data)]));
    }

    public static ArrowArray Decimals(Decimal128Type type, Int128?[] values)
    {
        var data = new byte[values.Length * 16];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt128LittleEndian(data.AsSpan(i * 16), values[i] ?? 0);
        }

        var validity = Validity(values.Select(v => v.HasValue).ToArray(), out var nulls);
        return ArrowArray.Create(new ArrayData(type, values.Length, nulls, [validity, ArrowBuffer.Wrap(data)]));
    }

    public static ArrowArray Enum(string[] names, int?[] indices)
    {
        var dictionary = BinaryData(Utf8Type.Default, names.Select(n => (byte[]?)Encoding.UTF8.GetBytes(n)).ToArray());
        var data = new byte[indices.Length * 4];
        for (var i = 0; i < indices.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i * 4), indices[i] ?? 0);
        }

        var validity = Validity(indices.Select(v => v.HasValue).ToArray(), out var nulls);
        return ArrowArray.Create(new ArrayData(IntType.Int32, indices.Length, nulls, [validity, ArrowBuffer.Wrap(data)], dictionary: dictionary));
    }

    public static ArrowArray List(Field itemField, ArrowArray items, int[] offsets, bool[]? valid = null)
    {
        var bytes = new byte[offsets.Length * 4];
        for (var i = 0; i < offsets.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), offsets[i]);
        }

        var validity = Validity(valid, out var nulls);
        return ArrowArray.Create(new ArrayData(new ListType(itemField), offsets.Length - 1, nulls, [validity, ArrowBuffer.Wrap(bytes)], [items.Data]));
    }

    public static ArrowArray Struct(IReadOnlyList<Field> fields, ArrowArray[] children, bool[]? valid = null)
    {
        var validity = Validity(valid, out var nulls);
        return ArrowArray.Create(new ArrayData(new StructType(fields), children[0].Length, nulls, [validity], children.Select(c => c.Data).ToArray()));
    }
}
