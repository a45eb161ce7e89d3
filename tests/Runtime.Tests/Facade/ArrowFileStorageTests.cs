using Bulwark.Arrow;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Facade;

/// <summary>ArrowFile over an <see cref="IStorageBackend"/>: written through a PendingFile that only completion commits.</summary>
public sealed class ArrowFileStorageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bulwark-arrow-storage-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<Visit> Visits(int count) =>
        Enumerable.Range(0, count).Select(i => new Visit(i, i % 3 == 0 ? null : $"https://example.com/{i}", i * 0.25, new DateOnly(2024, 1, 1).AddDays(i))).ToList();

    [Theory]
    [InlineData(ArrowIpcFormat.File)]
    [InlineData(ArrowIpcFormat.Stream)]
    public async Task Writes_reads_and_streams_through_a_local_backend(ArrowIpcFormat format)
    {
        var storage = new LocalFileSystemBackend(_directory);
        var options = new ArrowWriteOptions { Format = format, BatchSize = 16 };

        await ArrowFile.WriteAsync(storage, "tables/visits.arrow", Visits(50), options);

        Assert.Equal(Visits(50), await ArrowFile.ReadAsync<Visit>(storage, "tables/visits.arrow"));
        var streamed = new List<Visit>();
        await foreach (var visit in ArrowFile.StreamAsync<Visit>(storage, "tables/visits.arrow"))
        {
            streamed.Add(visit);
        }

        Assert.Equal(Visits(50), streamed);
        Assert.Equal(Visits(50), await ArrowFile.ReadAsync<Visit>(Path.Combine(_directory, "tables", "visits.arrow")));
    }

    [Fact]
    public async Task Nothing_is_published_before_completion_and_an_abandoned_writer_publishes_nothing()
    {
        var storage = new InMemoryBackend();
        var writer = await ArrowFile.CreateWriterAsync<Visit>(storage, "v.arrow");
        await using (writer)
        {
            await writer.AppendRangeAsync(Visits(10));
            Assert.Null(await storage.GetEntryAsync("v.arrow"));
            await writer.CompleteAsync();
        }

        Assert.NotNull(await storage.GetEntryAsync("v.arrow"));
        Assert.Equal(Visits(10), await ArrowFile.ReadAsync<Visit>(storage, "v.arrow"));

        var dropped = await ArrowFile.CreateWriterAsync<Visit>(storage, "dropped.arrow");
        await dropped.AppendRangeAsync(Visits(3));
        await dropped.DisposeAsync();

        Assert.Null(await storage.GetEntryAsync("dropped.arrow"));
    }
}
