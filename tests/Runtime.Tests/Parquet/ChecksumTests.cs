using System.IO.Hashing;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>Page CRC-32s: written over each page's stored bytes, verified on read, and what a damaged page does.</summary>
public sealed class ChecksumTests
{
    public static TheoryData<ParquetDataPageVersion, ParquetCompression, bool> Settings()
    {
        var data = new TheoryData<ParquetDataPageVersion, ParquetCompression, bool>();
        foreach (var version in new[] { ParquetDataPageVersion.V1, ParquetDataPageVersion.V2 })
        {
            foreach (var codec in Enum.GetValues<ParquetCompression>())
            {
                data.Add(version, codec, false);
                data.Add(version, codec, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task EveryPageCarriesTheCrc32OfItsStoredBytes(ParquetDataPageVersion version, ParquetCompression codec, bool dictionary)
    {
        using var batch = AllTypes.Batch(300, true, seed: 21);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DataPageVersion = version, Compression = codec, DictionaryEnabled = dictionary, PageSize = 512, RowGroupSize = 200 });
        var footer = ParquetInspect.Footer(bytes);
        var pages = 0;
        var dictionaryPages = 0;
        for (var g = 0; g < footer.RowGroups.Count; g++)
        {
            for (var c = 0; c < footer.RowGroups[g].Columns.Count; c++)
            {
                foreach (var page in ParquetInspect.Pages(bytes, g, c))
                {
                    Assert.Equal(unchecked((int)Crc32.HashToUInt32(page.Body)), page.Header.Crc);
                    pages++;
                    dictionaryPages += page.Header.Type == PageType.DictionaryPage ? 1 : 0;
                }
            }
        }

        Assert.True(pages > 2 * footer.RowGroups.Sum(g => g.Columns.Count), $"{pages} pages");
        Assert.Equal(dictionary, dictionaryPages > 0);
        var (_, read) = await Pq.ReadAsync(bytes);
        Pq.AssertSameRows([batch], read);
    }

    [Fact]
    public async Task WithoutChecksumsNoneIsWrittenAndTheFileStillReads()
    {
        using var batch = AllTypes.Batch(300, true, seed: 22);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { WritePageChecksums = false, PageSize = 512 });
        var footer = ParquetInspect.Footer(bytes);
        for (var c = 0; c < footer.RowGroups[0].Columns.Count; c++)
        {
            Assert.All(ParquetInspect.Pages(bytes, 0, c), page => Assert.Null(page.Header.Crc));
        }

        var (_, read) = await Pq.ReadAsync(bytes);
        Pq.AssertSameRows([batch], read);
    }

    /// <summary>One required long column, PLAIN, uncompressed: every byte of the single data page body is a value byte.</summary>
    private static async Task<(byte[] Bytes, long[] Values, int BodyStart, int BodyLength)> ValuesFileAsync(ParquetDataPageVersion version, ParquetCompression codec)
    {
        var rng = new Random(17);
        var values = Enumerable.Range(0, 500).Select(_ => rng.NextInt64()).ToArray();
        using var batch = new RecordBatch(new Schema([new Field("x", Int64Type.Default, false)], null), [Pq.Fixed(Int64Type.Default, values)], values.Length);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DataPageVersion = version, Compression = codec, DictionaryEnabled = false });
        var meta = ParquetInspect.Footer(bytes).RowGroups[0].Columns[0].MetaData!;
        var page = Assert.Single(ParquetInspect.Pages(bytes));
        var bodyStart = (int)(meta.DataPageOffset + meta.TotalCompressedSize) - page.Body.Length;
        Assert.True(bytes.AsSpan(bodyStart, page.Body.Length).SequenceEqual(page.Body));
        return (bytes, values, bodyStart, page.Body.Length);
    }

    [Theory]
    [InlineData(ParquetDataPageVersion.V1, ParquetCompression.None)]
    [InlineData(ParquetDataPageVersion.V2, ParquetCompression.None)]
    [InlineData(ParquetDataPageVersion.V1, ParquetCompression.Zstd)]
    [InlineData(ParquetDataPageVersion.V2, ParquetCompression.Snappy)]
    public async Task EverySingleBitFlipInAPageIsRefusedAsAChecksumMismatch(ParquetDataPageVersion version, ParquetCompression codec)
    {
        var (bytes, _, bodyStart, bodyLength) = await ValuesFileAsync(version, codec);
        var rng = new Random(3);
        for (var trial = 0; trial < 200; trial++)
        {
            var damaged = (byte[])bytes.Clone();
            var at = bodyStart + rng.Next(bodyLength);
            damaged[at] ^= (byte)(1 << rng.Next(8));
            var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(damaged));
            Assert.Contains("checksum does not match", error.Reason);
            Assert.Equal("test.parquet", error.Source);
            Assert.Equal("x", error.Column);
            Assert.Equal(0, error.RowGroup);
            Assert.Equal(0, error.Page);
            Assert.Contains("'test.parquet', column 'x', row group 0, page 0", error.Message);
        }
    }

    [Theory]
    [InlineData(ParquetDataPageVersion.V1)]
    [InlineData(ParquetDataPageVersion.V2)]
    public async Task WithVerificationOffAFlippedValueReadsBackAsTheWrongValue(ParquetDataPageVersion version)
    {
        // This is what the checksum guards against: an uncompressed page has no other way to notice a flipped value.
        var (bytes, values, bodyStart, bodyLength) = await ValuesFileAsync(version, ParquetCompression.None);
        Assert.Equal(values.Length * 8, bodyLength);
        var rng = new Random(4);
        for (var trial = 0; trial < 20; trial++)
        {
            var damaged = (byte[])bytes.Clone();
            var offset = rng.Next(bodyLength);
            var bit = rng.Next(8);
            damaged[bodyStart + offset] ^= (byte)(1 << bit);
            var (_, read) = await Pq.ReadAsync(damaged, new ParquetReadOptions { VerifyPageChecksums = false });
            var column = (PrimitiveArray<long>)read.Single().Column(0);
            for (var i = 0; i < values.Length; i++)
            {
                var expected = i == offset / 8 ? values[i] ^ (1L << ((offset % 8 * 8) + bit)) : values[i];
                Assert.Equal(expected, column.GetValue(i));
            }
        }
    }

    [Fact]
    public async Task AFlipInTheDictionaryPageIsRefusedAtPageZero()
    {
        var values = Enumerable.Range(0, 400).Select(i => "value " + (i % 13)).ToArray();
        using var batch = new RecordBatch(new Schema([new Field("x", StringType.Default, false)], null), [Pq.Strings(values)], values.Length);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { Compression = ParquetCompression.None });
        var pages = ParquetInspect.Pages(bytes);
        Assert.Equal(PageType.DictionaryPage, pages[0].Header.Type);
        var meta = ParquetInspect.Footer(bytes).RowGroups[0].Columns[0].MetaData!;
        var dictionaryBody = (int)meta.DataPageOffset - pages[0].Body.Length;
        var damaged = (byte[])bytes.Clone();
        damaged[dictionaryBody + 10] ^= 0x20;
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(damaged));
        Assert.Contains("checksum does not match", error.Reason);
        Assert.Equal(0, error.Page);
        Assert.Equal("x", error.Column);

        // Byte 10 of the dictionary body is the last character of its first entry (4-byte length, then "value 0").
        var (_, read) = await Pq.ReadAsync(damaged, new ParquetReadOptions { VerifyPageChecksums = false });
        var column = (StringArray)read.Single().Column(0);
        Assert.Equal(values.Select(v => v == "value 0" ? "value \u0010" : v), Enumerable.Range(0, values.Length).Select(i => column.GetString(i)));
    }
}
