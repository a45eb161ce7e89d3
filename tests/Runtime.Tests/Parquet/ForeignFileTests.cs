using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>Shapes other writers produce that Bulwark does not write itself.</summary>
public sealed class ForeignFileTests
{
    [Fact]
    public async Task Int96TimestampsReadAsNanoseconds()
    {
        var value = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(value, 5);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(8), 2_440_589);
        using var batch = new RecordBatch(new Schema([new Field("t", new FixedSizeBinaryType(12), true)], null), [Pq.FixedBinary(12, [value, null])], 2);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DictionaryEnabled = false });
        var footer = ParquetInspect.Footer(bytes);
        footer.KeyValueMetadata.Clear();
        footer.Schema[1].Type = PhysicalType.Int96;
        footer.Schema[1].TypeLength = null;
        footer.RowGroups[0].Columns[0].MetaData!.Type = PhysicalType.Int96;
        var (schema, read) = await Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer));
        Pq.AssertEqual(new TimestampType(TimeUnit.Nanosecond, (string?)null), schema.FieldsList[0].DataType);
        var column = (PrimitiveArray<long>)read.Single().Column(0);
        Assert.Equal(86_400_000_000_000L + 5, column.GetValue(0));
        Assert.True(column.IsNull(1));
    }

    [Fact]
    public async Task ConvertedTypesAloneAreUnderstood()
    {
        using var batch = AllTypes.Batch(20, true, seed: 4);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch]);
        var footer = ParquetInspect.Footer(bytes);
        footer.KeyValueMetadata.Clear();
        foreach (var element in footer.Schema)
        {
            element.LogicalType = null;
        }

        var (schema, read) = await Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer));
        Pq.AssertEqual(Int8Type.Default, schema.GetFieldByName("i8").DataType);
        Pq.AssertEqual(UInt64Type.Default, schema.GetFieldByName("u64").DataType);
        Pq.AssertEqual(AllTypes.Ts, schema.GetFieldByName("ts").DataType);
        Pq.AssertEqual(Time64Type.Microsecond, schema.GetFieldByName("time").DataType);
        Pq.AssertEqual(new Decimal128Type(18, 4), schema.GetFieldByName("d18").DataType);
        Pq.AssertEqual(StringType.Default, schema.GetFieldByName("enum").DataType);
        Assert.IsType<ListType>(schema.GetFieldByName("ints").DataType);
        Assert.Equal(20, read.Single().Length);
    }

    [Fact]
    public async Task LogicalTypesWinOverConflictingConvertedTypes()
    {
        using var batch = new RecordBatch(new Schema([new Field("x", UInt16Type.Default, false)], null), [Pq.Fixed(UInt16Type.Default, new ushort[] { 65535 })], 1);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch]);
        var footer = ParquetInspect.Footer(bytes);
        footer.KeyValueMetadata.Clear();
        footer.Schema[1].ConvertedType = ConvertedType.Int8;
        var (schema, read) = await Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer));
        Pq.AssertEqual(UInt16Type.Default, schema.FieldsList[0].DataType);
        Assert.Equal((ushort)65535, ((PrimitiveArray<ushort>)read.Single().Column(0)).GetValue(0));
    }

    [Theory]
    [InlineData(Codec.Lz4, "LZ4 (the deprecated Hadoop-framed LZ4, id 5) is not supported")]
    [InlineData(Codec.Lzo, "unsupported codec LZO")]
    [InlineData(99, "unsupported codec 99 (unknown)")]
    public async Task UnsupportedCodecsAreClearErrors(int codec, string reason)
    {
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, false)], null), [Pq.Fixed(Int64Type.Default, new long[] { 1 })], 1);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch]);
        var footer = ParquetInspect.Footer(bytes);
        footer.RowGroups[0].Columns[0].MetaData!.Codec = codec;
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer)));
        Assert.Contains(reason, error.Message);
        Assert.Equal("x", error.Column);
        Assert.Equal(0, error.RowGroup);
    }

    [Theory]
    [InlineData(ParquetCompression.Snappy)]
    [InlineData(ParquetCompression.Gzip)]
    [InlineData(ParquetCompression.Brotli)]
    [InlineData(ParquetCompression.Zstd)]
    [InlineData(ParquetCompression.Lz4Raw)]
    public async Task AV2PageWithoutValueBytesIsNotDecompressed(ParquetCompression codec)
    {
        // Other writers store an all-null v2 page as its levels alone: no compressed block at all for zero value bytes.
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, true)], null), [Pq.Fixed(Int64Type.Default, new long[10], new bool[10])], 10);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DataPageVersion = ParquetDataPageVersion.V2, Compression = codec, DictionaryEnabled = false });
        var (_, asWritten) = await Pq.ReadAsync(bytes);
        Assert.Equal(10, asWritten.Single().Column(0).NullCount);
        var page = Assert.Single(ParquetInspect.Pages(bytes));
        var levels = page.Header.DataPageV2!.DefinitionLevelsByteLength;
        Assert.Equal(levels, page.Header.UncompressedPageSize);
        Assert.True(page.Body.Length >= levels);
        page.Header.CompressedPageSize = levels;
        page.Header.Crc = null;
        var (_, read) = await Pq.ReadAsync(ParquetInspect.WithPages(bytes, [page with { Body = page.Body[..levels] }]));
        var column = read.Single().Column(0);
        Assert.Equal(10, column.Length);
        Assert.All(Enumerable.Range(0, 10), i => Assert.True(column.IsNull(i)));
    }

    [Fact]
    public async Task AV2PageMarkedUncompressedIsReadAsStoredInACompressedChunk()
    {
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, true)], null), [Pq.Fixed(Int64Type.Default, Enumerable.Range(0, 50).Select(i => (long)i * 3).ToArray(), Enumerable.Range(0, 50).Select(i => i % 4 != 0).ToArray())], 50);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DataPageVersion = ParquetDataPageVersion.V2, Compression = ParquetCompression.None, DictionaryEnabled = false });
        Assert.False(Assert.Single(ParquetInspect.Pages(bytes)).Header.DataPageV2!.IsCompressed);
        var footer = ParquetInspect.Footer(bytes);
        footer.RowGroups[0].Columns[0].MetaData!.Codec = Codec.Snappy;
        var (_, read) = await Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer));
        Pq.AssertSameRows([batch], read);

        // Stored values must then be exactly the declared size.
        var page = Assert.Single(ParquetInspect.Pages(bytes));
        page.Header.UncompressedPageSize += 1;
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(ParquetInspect.WithPages(bytes, [page])));
        Assert.Equal("x", error.Column);
        Assert.Equal(0, error.Page);
    }

    [Fact]
    public async Task AZeroValueChunkIsReadAsEmptyWithoutLookingAtItsOffsets()
    {
        // Such chunks carry offsets of 0 and a non-zero total size: nothing must be read from them.
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, true)], null), [Pq.Fixed(Int64Type.Default, new long[] { 1 })], 1);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch]);
        var footer = ParquetInspect.Footer(bytes);
        footer.NumRows = 0;
        footer.RowGroups[0].NumRows = 0;
        var meta = footer.RowGroups[0].Columns[0].MetaData!;
        meta.NumValues = 0;
        meta.DataPageOffset = 0;
        meta.DictionaryPageOffset = null;
        meta.TotalCompressedSize = 14;
        var (_, read) = await Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer));
        Assert.Equal(0, Assert.Single(read).Length);

        // Still bounded: a chunk that does hold values must lie inside the data region.
        meta.NumValues = 1;
        footer.NumRows = 1;
        footer.RowGroups[0].NumRows = 1;
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer)));
        Assert.Contains("outside the data region", error.Message);
    }

    [Fact]
    public async Task AChunkWithADictionaryAndADataPageOffsetOfZeroStartsAtTheDictionary()
    {
        var values = Enumerable.Range(0, 100).Select(i => (long)(i % 5)).ToArray();
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, false)], null), [Pq.Fixed(Int64Type.Default, values)], values.Length);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch]);
        var footer = ParquetInspect.Footer(bytes);
        var meta = footer.RowGroups[0].Columns[0].MetaData!;
        Assert.Equal(4, meta.DictionaryPageOffset);
        meta.DataPageOffset = 0;
        var (_, read) = await Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer));
        Pq.AssertSameRows([batch], read);

        // The zero-row form of the same chunk reads as empty.
        footer.NumRows = 0;
        footer.RowGroups[0].NumRows = 0;
        meta.NumValues = 0;
        (_, read) = await Pq.ReadAsync(ParquetInspect.WithFooter(bytes, footer));
        Assert.Equal(0, Assert.Single(read).Length);
    }
}
