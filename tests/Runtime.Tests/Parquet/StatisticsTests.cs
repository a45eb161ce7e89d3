using System.Buffers.Binary;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>Statistics in each type's column order, and the footer details readers depend on.</summary>
public sealed class StatisticsTests
{
    private static async Task<ColumnMetaData> ColumnAsync(Field field, IArrowArray column, bool dictionary = false)
    {
        using var batch = new RecordBatch(new Schema([field], null), [column], column.Length);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DictionaryEnabled = dictionary });
        return ParquetInspect.Footer(bytes).RowGroups[0].Columns[0].MetaData!;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SignedAndUnsignedIntegersCompareInTheirOwnOrder(bool dictionary)
    {
        var signed = await ColumnAsync(new Field("x", Int32Type.Default, false), Pq.Fixed(Int32Type.Default, [-5, 3, 0, -5, 3]), dictionary);
        Assert.Equal(-5, BinaryPrimitives.ReadInt32LittleEndian(signed.Statistics!.MinValue));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(signed.Statistics.MaxValue));

        var unsigned = await ColumnAsync(new Field("x", UInt32Type.Default, false), Pq.Fixed(UInt32Type.Default, [1u, uint.MaxValue, 5u]), dictionary);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(unsigned.Statistics!.MinValue));
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(unsigned.Statistics.MaxValue));

        var unsigned8 = await ColumnAsync(new Field("x", UInt8Type.Default, false), Pq.Fixed(UInt8Type.Default, new byte[] { 200, 7, 255 }), dictionary);
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(unsigned8.Statistics!.MinValue));
        Assert.Equal(255, BinaryPrimitives.ReadInt32LittleEndian(unsigned8.Statistics.MaxValue));

        var wide = await ColumnAsync(new Field("x", UInt64Type.Default, false), Pq.Fixed(UInt64Type.Default, [3UL, ulong.MaxValue, 2UL]), dictionary);
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(wide.Statistics!.MinValue));
        Assert.Equal(ulong.MaxValue, BinaryPrimitives.ReadUInt64LittleEndian(wide.Statistics.MaxValue));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StringsCompareAsUnsignedUtf8Bytes(bool dictionary)
    {
        // UTF-16 ordinal puts U+1F600 (a surrogate pair, D83D) below U+FFFD; UTF-8 bytes (F0 vs EF) put it above.
        var meta = await ColumnAsync(new Field("s", StringType.Default, true), Pq.Strings(["\uFFFD", "😀", "a", null, "Z"]), dictionary);
        Assert.Equal("Z", Encoding.UTF8.GetString(meta.Statistics!.MinValue!));
        Assert.Equal("😀", Encoding.UTF8.GetString(meta.Statistics.MaxValue!));
        Assert.Equal(1, meta.Statistics.NullCount);
        Assert.Equal(5, meta.NumValues);
    }

    [Fact]
    public async Task FloatsSkipNaNAndWriteSignedZeros()
    {
        var meta = await ColumnAsync(new Field("f", DoubleType.Default, false), Pq.Fixed(DoubleType.Default, [double.NaN, 1.5, -2.0]));
        Assert.Equal(-2.0, BitConverter.ToDouble(meta.Statistics!.MinValue));
        Assert.Equal(1.5, BitConverter.ToDouble(meta.Statistics.MaxValue));

        meta = await ColumnAsync(new Field("f", FloatType.Default, false), Pq.Fixed(FloatType.Default, [0.0f, float.NaN, 0.0f]));
        Assert.True(float.IsNegative(BitConverter.ToSingle(meta.Statistics!.MinValue)));
        Assert.Equal(0.0f, BitConverter.ToSingle(meta.Statistics.MinValue));
        Assert.False(float.IsNegative(BitConverter.ToSingle(meta.Statistics.MaxValue)));

        meta = await ColumnAsync(new Field("f", DoubleType.Default, false), Pq.Fixed(DoubleType.Default, [double.NaN, double.NaN]));
        Assert.Null(meta.Statistics!.MinValue);
        Assert.Null(meta.Statistics.MaxValue);
        Assert.Equal(0, meta.Statistics.NullCount);
    }

    [Fact]
    public async Task WideDecimalsCompareAsSignedBigEndian()
    {
        var type = new Decimal128Type(30, 2);
        var meta = await ColumnAsync(new Field("d", type, false), Pq.Decimals(type, [1, -1, Int128.Parse("-100000000000000000000"), 5]));
        var min = meta.Statistics!.MinValue!;
        var max = meta.Statistics.MaxValue!;
        Assert.Equal(ParquetSchema.DecimalBytes(30), min.Length);
        Assert.Equal(0xFF, min[0]);
        Assert.Equal(5, max[^1]);
        Assert.All(max[..^1], b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task AllNullColumnsHaveOnlyANullCount()
    {
        var meta = await ColumnAsync(new Field("x", Int64Type.Default, true), Pq.Fixed(Int64Type.Default, [0L, 0L], [false, false]));
        Assert.Equal(2, meta.Statistics!.NullCount);
        Assert.Null(meta.Statistics.MinValue);
        Assert.Equal(2, meta.NumValues);
    }

    [Fact]
    public async Task FooterCarriesColumnOrdersCreatedByAndConsistentOffsets()
    {
        using var batch = AllTypes.Batch(300, true, seed: 2);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { PageSize = 256 });
        var footer = ParquetInspect.Footer(bytes);
        Assert.Matches(@"^bulwark version \d+\.\d+\.\d+$", footer.CreatedBy);
        Assert.Equal(footer.Schema.Count(e => e.Type is not null), footer.ColumnOrders);
        Assert.Contains(footer.KeyValueMetadata, p => p.Key == "ARROW:schema");
        long expectedStart = 4;
        foreach (var column in footer.RowGroups[0].Columns)
        {
            var meta = column.MetaData!;
            var start = meta.DictionaryPageOffset ?? meta.DataPageOffset;
            Assert.Equal(expectedStart, start);
            if (meta.DictionaryPageOffset is { } dictionary)
            {
                Assert.True(meta.DataPageOffset > dictionary);
                Assert.Contains(ParquetEncoding.RleDictionary, meta.Encodings);
            }
            else
            {
                Assert.DoesNotContain(ParquetEncoding.RleDictionary, meta.Encodings);
            }

            Assert.NotNull(meta.Statistics?.NullCount);
            expectedStart = start + meta.TotalCompressedSize;
        }

        Assert.Equal(bytes.Length - 8 - BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 8)), expectedStart);
        Assert.Equal(300, footer.RowGroups[0].NumRows);
        var list = footer.RowGroups[0].Columns.Single(c => c.MetaData!.PathInSchema[0] == "ints").MetaData!;
        Assert.Equal(new[] { "ints", "list", "element" }, list.PathInSchema);
        Assert.True(list.NumValues >= 300);
    }
}
