using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>
/// Damaged files give a <see cref="ParquetFormatException"/> or a correct read, never another exception, a hang or an
/// unbounded allocation.
/// </summary>
public sealed class CorruptionTests
{
    private static readonly ParquetReadOptions Limits = new() { MaxPageBytes = 1 << 20, MaxRowGroupRows = 100_000, MaxMetadataBytes = 1 << 20, MaxColumnBytes = 4 << 20 };

    public static TheoryData<ParquetDataPageVersion, ParquetCompression> Files() => new()
    {
        { ParquetDataPageVersion.V1, ParquetCompression.None },
        { ParquetDataPageVersion.V1, ParquetCompression.Snappy },
        { ParquetDataPageVersion.V2, ParquetCompression.Gzip },
        { ParquetDataPageVersion.V2, ParquetCompression.Brotli },
        { ParquetDataPageVersion.V1, ParquetCompression.Zstd },
        { ParquetDataPageVersion.V2, ParquetCompression.Zstd },
        { ParquetDataPageVersion.V1, ParquetCompression.Lz4Raw },
        { ParquetDataPageVersion.V2, ParquetCompression.Lz4Raw },
    };

    private static async Task<byte[]> SmallFileAsync(ParquetDataPageVersion version, ParquetCompression codec)
    {
        using var batch = AllTypes.Batch(12, true, seed: 9);
        return await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DataPageVersion = version, Compression = codec, PageSize = 64 });
    }

    /// <summary>Reads the file completely, touching every value; returns false when it is rejected as invalid.</summary>
    internal static bool ReadOrReject(byte[] bytes)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            var (_, batches) = Pq.ReadAsync(bytes, Limits).GetAwaiter().GetResult();
            foreach (var batch in batches)
            {
                foreach (var column in batch.Arrays)
                {
                    Ipc.ArrayAssert.Touch(column);
                }

                batch.Dispose();
            }

            return true;
        }
        catch (ParquetFormatException)
        {
            return false;
        }
        finally
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 16L << 20, $"reading {bytes.Length} bytes allocated {allocated}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task EveryTruncationIsRejected(ParquetDataPageVersion version, ParquetCompression codec)
    {
        var bytes = await SmallFileAsync(version, codec);
        Assert.True(ReadOrReject(bytes));
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(ReadOrReject(bytes[..length]), $"truncated to {length} bytes");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task RandomByteFlipsAreRejectedOrReadCleanly(ParquetDataPageVersion version, ParquetCompression codec)
    {
        var bytes = await SmallFileAsync(version, codec);
        var rng = new Random(42);
        for (var trial = 0; trial < 1500; trial++)
        {
            var damaged = (byte[])bytes.Clone();
            var flips = rng.Next(1, 4);
            for (var f = 0; f < flips; f++)
            {
                damaged[rng.Next(damaged.Length)] ^= (byte)(1 << rng.Next(8));
            }

            ReadOrReject(damaged);
        }
    }

    [Fact]
    public async Task ErrorsNameFileColumnRowGroupAndPage()
    {
        var bytes = await SmallFileAsync(ParquetDataPageVersion.V1, ParquetCompression.None);
        var footer = ParquetInspect.Footer(bytes);
        var meta = footer.RowGroups[0].Columns[3].MetaData!;
        var damaged = (byte[])bytes.Clone();

        // The first byte of the page header: field 1 (type) becomes an unknown type code 13.
        damaged[meta.DictionaryPageOffset ?? meta.DataPageOffset] = 0x1D;
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(damaged, Limits));
        Assert.Equal("test.parquet", error.Source);
        Assert.Equal("i32", error.Column);
        Assert.Equal(0, error.RowGroup);
        Assert.Equal(0, error.Page);
        Assert.Contains("'test.parquet', column 'i32', row group 0, page 0", error.Message);
    }

    [Fact]
    public async Task BadMagicAndFooterLengthsAreRejected()
    {
        var bytes = await SmallFileAsync(ParquetDataPageVersion.V1, ParquetCompression.None);
        var badMagic = (byte[])bytes.Clone();
        badMagic[0] = (byte)'X';
        Assert.Contains("magic", (await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(badMagic))).Message);
        var longFooter = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(longFooter.AsSpan(longFooter.Length - 8), bytes.Length);
        Assert.Contains("footer length", (await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(longFooter))).Message);
    }

    [Fact]
    public async Task DictionaryIndexOutOfRangeIsRejected()
    {
        var values = Enumerable.Repeat(7L, 32).Concat(Enumerable.Repeat(8L, 32)).ToArray();
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, false)], null), [Pq.Fixed(Int64Type.Default, values)], 64);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { Compression = ParquetCompression.None, WritePageChecksums = false });
        var meta = ParquetInspect.Footer(bytes).RowGroups[0].Columns[0].MetaData!;
        Assert.NotNull(meta.DictionaryPageOffset);

        // The data page body is: bit width 1, then RLE runs 32 x index 0 and 32 x index 1. Make the last index 3.
        var end = (int)(meta.DictionaryPageOffset!.Value + meta.TotalCompressedSize);
        Assert.Equal(new byte[] { 1, 0x40, 0, 0x40, 1 }, bytes[(end - 5)..end]);
        var damaged = (byte[])bytes.Clone();
        damaged[end - 1] = 3;
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(damaged));
        Assert.Contains("outside the dictionary", error.Message);
    }

    [Fact]
    public async Task DecompressionBombsAreRejectedBeforeAllocating()
    {
        // 400 000 equal longs compress to a few kilobytes but decompress to 3.2 MB.
        var rows = 400_000;
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, false)], null), [Pq.Fixed(Int64Type.Default, new long[rows])], rows);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { Compression = ParquetCompression.Gzip, DictionaryEnabled = false, PageSize = 8 << 20 });
        Assert.True(bytes.Length < 64 * 1024);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(bytes, new ParquetReadOptions { MaxPageBytes = 1 << 20 }));
        Assert.Contains("MaxPageBytes", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);

        // A header that understates the size: the page must not decompress past the declared length.
        var meta = ParquetInspect.Footer(bytes).RowGroups[0].Columns[0].MetaData!;
        var header = ReadHeader(bytes, meta.DataPageOffset, out var headerLength);
        header.UncompressedPageSize /= 2;
        var rewritten = WriteHeader(header);
        Assert.Equal(headerLength, rewritten.Length);
        var damaged = (byte[])bytes.Clone();
        rewritten.CopyTo(damaged, (int)meta.DataPageOffset);
        error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(damaged));
        Assert.Contains("more than the declared", error.Message);
    }

    [Fact]
    public async Task DictionaryExpansionIsBoundedBeforeMaterializing()
    {
        // 2 000 copies of one 10 KB string: a 10 KB dictionary page and a few bytes of indices expand to 20 MB.
        var value = new string('q', 10_000);
        using var batch = new RecordBatch(new Schema([new Field("s", StringType.Default, false)], null), [Pq.Strings(Enumerable.Repeat(value, 2000).ToArray())], 2000);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DictionaryPageSizeLimit = 1 << 20 });
        Assert.True(bytes.Length < 100_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(bytes, new ParquetReadOptions { MaxColumnBytes = 1 << 20 }));
        Assert.Contains("MaxColumnBytes", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
        var (_, read) = await Pq.ReadAsync(bytes);
        Assert.Equal(value, ((StringArray)read.Single().Column(0)).GetString(1999));
    }

    private static PageHeader ReadHeader(byte[] file, long offset, out int length)
    {
        var reader = new ThriftReader(file.AsSpan((int)offset), offset, new ParquetLocation("t"), "page header", 64, new short[66]);
        var header = MetadataCodec.ReadPageHeader(ref reader);
        length = reader.Position;
        return header;
    }

    private static byte[] WriteHeader(PageHeader header)
    {
        var buffer = new PooledBuffer();
        MetadataCodec.Write(new ThriftWriter(buffer), header);
        var bytes = buffer.Written.ToArray();
        buffer.Release();
        return bytes;
    }
}
