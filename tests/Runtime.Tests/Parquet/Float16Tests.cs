using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>FIXED_LEN_BYTE_ARRAY(2) columns annotated FLOAT16 read as Arrow float16, bit for bit.</summary>
public sealed class Float16Tests
{
    // 1, -2.5, +0, -0, +inf, -inf, a quiet NaN, a NaN with payload and sign, the smallest subnormal, the largest finite.
    private static readonly ushort[] Bits = [0x3C00, 0xC100, 0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0xFE01, 0x0001, 0x7BFF];

    /// <summary>A file with one optional column 'h': <see cref="Bits"/> and a trailing null, annotated FLOAT16.</summary>
    private static async Task<byte[]> FileAsync(bool dictionary, Schema? hint)
    {
        var values = Bits.Select(b =>
        {
            var bytes = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, b);
            return (byte[]?)bytes;
        }).Append(null).ToArray();
        using var batch = new RecordBatch(new Schema([new Field("h", new FixedSizeBinaryType(2), true)], null), [Pq.FixedBinary(2, values)], values.Length);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DictionaryEnabled = dictionary });
        var footer = ParquetInspect.Footer(bytes);
        footer.KeyValueMetadata.Clear();
        if (hint is not null)
        {
            footer.KeyValueMetadata.Add(new(ParquetSchema.ArrowSchemaKey, ParquetFileWriter.EncodeArrowSchema(hint)));
        }

        footer.Schema[1].LogicalType = new LogicalTypeInfo(LogicalKind.Float16);
        footer.RowGroups[0].Columns[0].MetaData!.Statistics = null;
        return ParquetInspect.WithFooter(bytes, footer);
    }

    private static void AssertHalves(RecordBatch batch)
    {
        var column = Assert.IsType<HalfFloatArray>(batch.Column(0));
        Half At(int i) => column.GetValue(i) ?? throw new Xunit.Sdk.XunitException($"slot {i} is null");
        Assert.Equal(Bits.Length + 1, column.Length);
        Assert.Equal(Bits, Enumerable.Range(0, Bits.Length).Select(i => BitConverter.HalfToUInt16Bits(At(i))));
        Assert.True(column.IsNull(Bits.Length));
        Assert.Equal(-2.5f, (float)At(1));
        Assert.Equal(float.NegativeInfinity, (float)At(5));
        Assert.True(Half.IsNaN(At(7)));
        Assert.Equal(65504f, (float)At(9));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Float16ColumnsReadAsHalfFloats(bool dictionary)
    {
        var (schema, read) = await Pq.ReadAsync(await FileAsync(dictionary, hint: null));
        Pq.AssertEqual(new Field("h", HalfFloatType.Default, true), schema.FieldsList[0]);
        AssertHalves(read.Single());
    }

    [Fact]
    public async Task AFloat16ArrowSchemaAgreesWithTheColumn()
    {
        var hint = new Schema([new Field("h", HalfFloatType.Default, true, [new("origin", "hint")])], null);
        var (schema, read) = await Pq.ReadAsync(await FileAsync(dictionary: false, hint));
        Pq.AssertEqual(hint.FieldsList[0], schema.FieldsList[0]);
        AssertHalves(read.Single());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HalfFloatColumnsAreWrittenAsFloat16WithoutMinMax(bool dictionary)
    {
        var halves = Bits.Select(BitConverter.UInt16BitsToHalf).Append(Half.Zero).ToArray();
        var field = new Field("h", HalfFloatType.Default, true);
        var valid = Bits.Select(_ => true).Append(false).ToArray();
        using var batch = new RecordBatch(new Schema([field], null), [Pq.Fixed(field.DataType, halves, valid)], halves.Length);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DictionaryEnabled = dictionary });

        var footer = ParquetInspect.Footer(bytes);
        Assert.Equal(PhysicalType.FixedLenByteArray, footer.Schema[1].Type);
        Assert.Equal(2, footer.Schema[1].TypeLength);
        Assert.Equal(new LogicalTypeInfo(LogicalKind.Float16), footer.Schema[1].LogicalType);
        Assert.Null(footer.Schema[1].ConvertedType);
        var statistics = footer.RowGroups[0].Columns[0].MetaData!.Statistics!;
        Assert.Null(statistics.MinValue);
        Assert.Null(statistics.MaxValue);
        Assert.Equal(1, statistics.NullCount);

        foreach (var file in new[] { bytes, ParquetInspect.WithoutArrowSchema(bytes) })
        {
            var (schema, read) = await Pq.ReadAsync(file);
            Pq.AssertEqual(field, schema.FieldsList[0]);
            AssertHalves(read.Single());
        }
    }

    [Fact]
    public async Task Float16OnAnotherWidthIsAClearError()
    {
        using var batch = new RecordBatch(new Schema([new Field("h", new FixedSizeBinaryType(4), false)], null), [Pq.FixedBinary(4, [new byte[4]])], 1);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch]);
        var footer = ParquetInspect.Footer(bytes);
        footer.KeyValueMetadata.Clear();
        footer.Schema[1].LogicalType = new LogicalTypeInfo(LogicalKind.Float16);
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer)));
        Assert.Contains("FLOAT16 leaf 'h' has type_length 4; FLOAT16 needs 2", error.Reason);
    }
}
