using Bulwark.Parquet;
using Bulwark.Runtime.Tests.Facade;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

public sealed class FacadeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bulwark-parquet-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<Visit> Visits(int count) =>
        Enumerable.Range(0, count).Select(i => new Visit(i, i % 4 == 0 ? null : $"https://example.com/{i % 17}", i * 0.25, new DateOnly(2024, 1, 1).AddDays(i % 365))).ToList();

    [Fact]
    public async Task WriteReadAndStreamRecords()
    {
        var path = Path.Combine(_directory, "visits.parquet");
        var visits = Visits(1000);
        await ParquetFile.WriteAsync(path, visits, new ParquetWriteOptions { RowGroupSize = 300 });
        Assert.Equal(visits, await ParquetFile.ReadAsync<Visit>(path));
        var streamed = new List<Visit>();
        await foreach (var visit in ParquetFile.StreamAsync<Visit>(path))
        {
            streamed.Add(visit);
        }

        Assert.Equal(visits, streamed);
        await using var reader = await ParquetFileReader.OpenAsync(File.OpenRead(path), path);
        Assert.Equal(4, reader.RowGroupCount);
        Assert.Equal(1000, reader.RowCount);
        Pq.AssertEqual(Visit.ArrowSchema, reader.Schema);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public async Task StreamingWriterWritesRowGroupAfterRowGroupAndPublishesOnlyOnCompletion()
    {
        var path = Path.Combine(_directory, "stream.parquet");
        var writer = ParquetFile.CreateWriter<Visit>(path, new ParquetWriteOptions { RowGroupSize = 100, Compression = ParquetCompression.Gzip });
        await using (writer)
        {
            foreach (var visit in Visits(250))
            {
                await writer.AppendAsync(visit);
            }

            Assert.False(File.Exists(path));
            await writer.CompleteAsync();
            Assert.Equal(250, writer.Count);
        }

        Assert.Equal(Visits(250), await ParquetFile.ReadAsync<Visit>(path));

        var abandoned = Path.Combine(_directory, "abandoned.parquet");
        await using (var dropped = new ParquetRecordWriter<Visit>(abandoned))
        {
            await dropped.AppendAsync(Visits(1)[0]);
        }

        Assert.False(File.Exists(abandoned));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public async Task WritesThroughAStorageBackend()
    {
        var storage = new LocalFileSystemBackend(_directory);
        await ParquetFile.WriteAsync(storage, "tables/visits.parquet", Visits(50));
        Assert.Equal(Visits(50), await ParquetFile.ReadAsync<Visit>(storage, "tables/visits.parquet"));
        Assert.Equal(Visits(50), await ParquetFile.ReadAsync<Visit>(Path.Combine(_directory, "tables", "visits.parquet")));

        var memory = new InMemoryBackend();
        await ParquetFile.WriteAsync(memory, "v.parquet", Visits(10), new ParquetWriteOptions { DataPageVersion = ParquetDataPageVersion.V2 });
        Assert.Equal(Visits(10), await ParquetFile.ReadAsync<Visit>(memory, "v.parquet"));
    }

    [Fact]
    public async Task AnEmptyCollectionWritesAValidFile()
    {
        var path = Path.Combine(_directory, "empty.parquet");
        await ParquetFile.WriteAsync(path, Array.Empty<Visit>());
        Assert.Empty(await ParquetFile.ReadAsync<Visit>(path));
    }
}
