using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Parquet;
using PS = ParquetSharp;

namespace Bulwark.Interop.Tests;

/// <summary>A row of the large-dictionary tests: every value distinct, so the dictionary holds one entry per row.</summary>
[ArrowRecord("distinct_rows")]
public partial record DistinctRow(long Id, string Name);

/// <summary>
/// Dictionary-encoded chunks with more than 65,536 distinct values, in both directions with arrow-cpp (ParquetSharp):
/// their indices are 17 bits wide or more, so a bit-packed group is wider than 16 bytes. arrow-cpp writes such chunks
/// routinely; a decoder limited to 128-bit groups reads them as wrong values or as indices outside the dictionary.
/// </summary>
public sealed class ParquetSharpLargeDictionaryTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(70_000)]
    [InlineData(150_000)]
    [InlineData(300_000)]
    public async Task ParquetSharp_dictionary_of_more_than_65536_values_reads_exactly(int rows)
    {
        var (ids, names) = DistinctColumns(rows, seed: rows);
        var path = _directory.File($"parquetsharp-{rows}.parquet");
        using (var properties = new PS.WriterPropertiesBuilder()
                   .EnableDictionary()
                   .DictionaryPagesizeLimit(256L << 20)
                   .Compression(PS.Compression.Snappy)
                   .Build())
        using (var file = new PS.ParquetFileWriter(path, [new PS.Column<long>("Id"), new PS.Column<string>("Name")], properties))
        {
            using (var rowGroup = file.AppendRowGroup())
            {
                using (var idWriter = rowGroup.NextColumn().LogicalWriter<long>())
                {
                    idWriter.WriteBatch(ids);
                }

                using var nameWriter = rowGroup.NextColumn().LogicalWriter<string>();
                nameWriter.WriteBatch(names);
            }

            file.Close();
        }

        AssertDictionaryEncoded(path, rows);

        var reader = await Bulwark.Parquet.ParquetFileReader.OpenAsync(File.OpenRead(path), path);
        await using (reader)
        {
            var offset = 0;
            await foreach (var batch in reader.ReadBatchesAsync())
            {
                var idColumn = (PrimitiveArray<long>)batch.Column("Id");
                var nameColumn = (StringArray)batch.Column("Name");
                for (var i = 0; i < batch.Length; i++)
                {
                    Assert.Equal(ids[offset + i], idColumn.GetValue(i));
                    Assert.Equal(names[offset + i], nameColumn.GetString(i));
                }

                offset += batch.Length;
            }

            Assert.Equal(rows, offset);
        }

        var records = await ParquetFile.ReadAsync<DistinctRow>(path);
        Assert.Equal(ids, records.Select(r => r.Id).ToArray());
        Assert.Equal(names, records.Select(r => r.Name).ToArray());
    }

    [Theory]
    [InlineData(70_000)]
    [InlineData(100_000)]
    public async Task Bulwark_dictionary_of_more_than_65536_values_is_read_exactly_by_ParquetSharp(int distinct)
    {
        // Each value three times in a row: Bulwark's writer keeps the dictionary (a chunk of all-distinct values
        // falls back to PLAIN), and runs of three are bit-packed, not run-length encoded.
        var (distinctIds, distinctNames) = DistinctColumns(distinct, seed: distinct + 1);
        var ids = distinctIds.SelectMany(id => new[] { id, id, id }).ToArray();
        var names = distinctNames.SelectMany(name => new[] { name, name, name }).ToArray();
        var rows = ids.Length;
        var path = _directory.File($"bulwark-{distinct}.parquet");
        await ParquetFile.WriteAsync(
            path,
            ids.Zip(names, (id, name) => new DistinctRow(id, name)),
            new ParquetWriteOptions { RowGroupSize = rows, DictionaryPageSizeLimit = 256 << 20 });

        AssertDictionaryEncoded(path, rows);

        using var file = new PS.ParquetFileReader(path);
        Assert.Equal(1, file.FileMetaData.NumRowGroups);
        using var rowGroup = file.RowGroup(0);
        using var idReader = rowGroup.Column(0).LogicalReader<long>();
        using var nameReader = rowGroup.Column(1).LogicalReader<string>();
        Assert.Equal(ids, idReader.ReadAll(rows));
        Assert.Equal(names, nameReader.ReadAll(rows));
        Assert.Equal(ids, (await ParquetFile.ReadAsync<DistinctRow>(path)).Select(r => r.Id).ToArray());
    }

    /// <summary>Distinct ids and names in a shuffled order, so the indices are bit-packed rather than run-length encoded.</summary>
    private static (long[] Ids, string[] Names) DistinctColumns(int rows, int seed)
    {
        var order = Enumerable.Range(0, rows).ToArray();
        new Random(seed).Shuffle(order);
        var ids = order.Select(i => (i * 7_919L) - 1_000_000_007L).ToArray();
        var names = order.Select(i => $"host-{i:D7}.example").ToArray();
        return (ids, names);
    }

    /// <summary>Both columns of the only row group are dictionary-encoded with one entry per row: indices of 17+ bits.</summary>
    private static void AssertDictionaryEncoded(string path, int rows)
    {
        using var file = new PS.ParquetFileReader(path);
        using var rowGroup = file.RowGroup(0);
        Assert.Equal(rows, rowGroup.MetaData.NumRows);
        for (var column = 0; column < 2; column++)
        {
            using var chunk = rowGroup.MetaData.GetColumnChunkMetaData(column);
            Assert.Contains(PS.Encoding.RleDictionary, chunk.Encodings);
        }
    }
}
