using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>
/// Each block codec decompresses to exactly the size a page header declares: pages that expand further, fall short or
/// hold garbage are <see cref="ParquetFormatException"/>s, and nothing beyond the declared size is ever allocated.
/// </summary>
public sealed class CodecTests
{
    private const int Rows = 400_000;

    public static TheoryData<ParquetCompression, ParquetDataPageVersion> Codecs() => new()
    {
        { ParquetCompression.Zstd, ParquetDataPageVersion.V1 },
        { ParquetCompression.Zstd, ParquetDataPageVersion.V2 },
        { ParquetCompression.Lz4Raw, ParquetDataPageVersion.V1 },
        { ParquetCompression.Lz4Raw, ParquetDataPageVersion.V2 },
        { ParquetCompression.Snappy, ParquetDataPageVersion.V1 },
        { ParquetCompression.Snappy, ParquetDataPageVersion.V2 },
    };

    /// <summary>400 000 equal longs in one page: a few kilobytes that decompress to 3.2 MB.</summary>
    private static async Task<byte[]> BombAsync(ParquetCompression codec, ParquetDataPageVersion version)
    {
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, false)], null), [Pq.Fixed(Int64Type.Default, new long[Rows])], Rows);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { Compression = codec, DataPageVersion = version, DictionaryEnabled = false, PageSize = 8 << 20 });
        Assert.True(bytes.Length < 256 * 1024, $"{codec} wrote {bytes.Length} bytes");
        Assert.Equal(Rows * 8, Assert.Single(ParquetInspect.Pages(bytes)).Header.UncompressedPageSize);
        return bytes;
    }

    private static async Task<ParquetFormatException> RejectedAsync(byte[] bytes, long allocationBound, ParquetReadOptions? options = null)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(bytes, options));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < allocationBound, $"the rejected read allocated {allocated} bytes");
        Assert.Equal("test.parquet", error.Source);
        Assert.Equal("x", error.Column);
        Assert.Equal(0, error.RowGroup);
        return error;
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task TheBombReadsWithinTheLimitsAndIsRefusedAboveThem(ParquetCompression codec, ParquetDataPageVersion version)
    {
        var bytes = await BombAsync(codec, version);
        var (_, read) = await Pq.ReadAsync(bytes);
        Assert.Equal(Rows, read.Single().Length);
        Assert.All(Enumerable.Range(0, 1000).Select(i => i * 397), i => Assert.Equal(0L, ((PrimitiveArray<long>)read[0].Column(0)).GetValue(i)));
        read[0].Dispose();

        var error = await RejectedAsync(bytes, 1 << 20, new ParquetReadOptions { MaxPageBytes = 1 << 20 });
        Assert.Contains("MaxPageBytes", error.Message);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task APageExpandingPastItsDeclaredSizeIsRefusedWithoutAllocatingItsTrueSize(ParquetCompression codec, ParquetDataPageVersion version)
    {
        var bytes = await BombAsync(codec, version);
        var page = Assert.Single(ParquetInspect.Pages(bytes));
        page.Header.UncompressedPageSize = 4096 + (version == ParquetDataPageVersion.V2 ? page.Header.DataPageV2!.DefinitionLevelsByteLength : 0);
        var error = await RejectedAsync(ParquetInspect.WithPages(bytes, [page]), 1 << 20);
        Assert.Equal(0, error.Page);
        Assert.Matches("more than the declared 4096 bytes|does not declare the page's 4096 uncompressed bytes", error.Reason);
    }

    /// <summary>
    /// A corrupt header declaring a page far larger than its compressed bytes could expand to, yet under MaxPageBytes,
    /// is refused before the page buffer is rented: the fuzzer found 4 KB shard parts that made the reader allocate
    /// 128 and 256 MiB this way.
    /// </summary>
    [Theory]
    [MemberData(nameof(Codecs))]
    [InlineData(ParquetCompression.Gzip, ParquetDataPageVersion.V1)]
    public async Task APageDeclaringMoreThanItsCodecCanExpandToIsRefusedBeforeItsBufferIsAllocated(ParquetCompression codec, ParquetDataPageVersion version)
    {
        var bytes = await BombAsync(codec, version);
        var page = Assert.Single(ParquetInspect.Pages(bytes));
        const int declared = 200 << 20;
        Assert.True(declared < ParquetReadOptions.Default.MaxPageBytes);
        page.Header.UncompressedPageSize = declared;
        var error = await RejectedAsync(ParquetInspect.WithPages(bytes, [page]), 8 << 20);
        Assert.Equal(0, error.Page);
        Assert.Matches($"compressed bytes cannot decompress to the declared {declared - (version == ParquetDataPageVersion.V2 ? page.Header.DataPageV2!.DefinitionLevelsByteLength : 0)} bytes \\(\\w+ expands at most \\d+ to 1\\)", error.Reason);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task APageFallingShortOfItsDeclaredSizeIsRefused(ParquetCompression codec, ParquetDataPageVersion version)
    {
        var bytes = await BombAsync(codec, version);
        var page = Assert.Single(ParquetInspect.Pages(bytes));
        page.Header.UncompressedPageSize += 8;
        var error = await RejectedAsync(ParquetInspect.WithPages(bytes, [page]), 8 << 20);
        Assert.Equal(0, error.Page);
        Assert.Matches($"decompresses to {Rows * 8} bytes, not the declared {(Rows * 8) + 8}|does not declare the page's {(Rows * 8) + 8} uncompressed bytes", error.Reason);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task GarbageInPlaceOfTheCompressedValuesIsRefused(ParquetCompression codec, ParquetDataPageVersion version)
    {
        var rng = new Random(5);
        var values = Enumerable.Range(0, 300).Select(_ => rng.NextInt64(-1000, 1000)).ToArray();
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, true)], null), [Pq.Fixed(Int64Type.Default, values, values.Select(v => v % 7 != 0).ToArray())], values.Length);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { Compression = codec, DataPageVersion = version, DictionaryEnabled = false });
        for (var trial = 0; trial < 50; trial++)
        {
            var page = Assert.Single(ParquetInspect.Pages(bytes));
            var levels = version == ParquetDataPageVersion.V2 ? page.Header.DataPageV2!.DefinitionLevelsByteLength : 0;
            var garbage = (byte[])page.Body.Clone();
            rng.NextBytes(garbage.AsSpan(levels));

            // Without a checksum the codec itself must notice.
            page.Header.Crc = null;
            var damaged = ParquetInspect.WithPages(bytes, [page with { Body = garbage }]);
            Assert.False(CorruptionTests.ReadOrReject(damaged), $"trial {trial}: garbage read as valid");
        }
    }

    [Fact]
    public async Task TheZstdLevelIsValidatedAndApplied()
    {
        using var batch = AllTypes.Batch(2000, true, seed: 12);
        var fast = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { Compression = ParquetCompression.Zstd, ZstdLevel = 1 });
        var strong = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { Compression = ParquetCompression.Zstd, ZstdLevel = 19 });
        Assert.False(fast.AsSpan().SequenceEqual(strong));
        foreach (var bytes in new[] { fast, strong })
        {
            var (_, read) = await Pq.ReadAsync(bytes);
            Pq.AssertSameRows([batch], read);
        }

        foreach (var level in new[] { 0, 23 })
        {
            var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { Compression = ParquetCompression.Zstd, ZstdLevel = level }));
            Assert.Equal("ZstdLevel", error.ParamName);
        }
    }
}
