using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Xunit;

namespace Bulwark.Runtime.Tests.Facade;

public sealed class ArrowFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bulwark-arrowfile-" + Guid.NewGuid().ToString("N"));

    public ArrowFileTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static List<Visit> Visits(int count) => Enumerable.Range(0, count)
        .Select(i => new Visit(
            i == 0 ? long.MinValue : i,
            i % 5 == 0 ? null : (i % 7 == 0 ? string.Empty : $"https://example.com/{i}/ü"),
            i % 11 == 0 ? double.NaN : i * 0.5,
            new DateOnly(1970, 1, 1).AddDays(i - 500)))
        .ToList();

    [Theory]
    [InlineData(ArrowIpcFormat.File)]
    [InlineData(ArrowIpcFormat.Stream)]
    public async Task WriteThenReadAndStreamReturnTheSameRecords(ArrowIpcFormat format)
    {
        var path = PathOf("visits.arrow");
        var visits = Visits(250);
        await ArrowFile.WriteAsync(path, visits, new ArrowWriteOptions { BatchSize = 64, Format = format });

        var read = await ArrowFile.ReadAsync<Visit>(path);
        Assert.Equal(visits, read);
        var streamed = new List<Visit>();
        await foreach (var visit in ArrowFile.StreamAsync<Visit>(path))
        {
            streamed.Add(visit);
        }

        Assert.Equal(visits, streamed);
        Assert.Equal(format == ArrowIpcFormat.File ? "ARROW1"u8.ToArray() : [0xFF, 0xFF, 0xFF, 0xFF], File.ReadAllBytes(path)[..(format == ArrowIpcFormat.File ? 6 : 4)]);

        // 250 rows in batches of 64: 64 + 64 + 64 + 58.
        var lengths = new List<int>();
        await foreach (var batch in ArrowFile.ReadBatchesAsync(path))
        {
            lengths.Add(batch.Length);
            batch.Dispose();
        }

        Assert.Equal([64, 64, 64, 58], lengths);
        Assert.Equal(["visits.arrow"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(ArrowCompression.Lz4Frame)]
    [InlineData(ArrowCompression.Zstd)]
    public async Task CompressedWritesReadBackAndTakeLessSpace(ArrowCompression compression)
    {
        Assert.Equal(ArrowCompression.None, ArrowWriteOptions.Default.Compression);
        var visits = Visits(2000);
        var plain = PathOf("plain.arrow");
        var compressed = PathOf("compressed.arrow");
        await ArrowFile.WriteAsync(plain, visits, new ArrowWriteOptions { BatchSize = 500 });
        await ArrowFile.WriteAsync(compressed, visits, new ArrowWriteOptions { BatchSize = 500, Compression = compression });

        Assert.Equal(visits, await ArrowFile.ReadAsync<Visit>(compressed));
        var (plainLength, compressedLength) = (new FileInfo(plain).Length, new FileInfo(compressed).Length);
        Assert.True(compressedLength < plainLength / 2, $"{compression}: {compressedLength} bytes, uncompressed {plainLength}");
    }

    [Fact]
    public async Task DefaultBatchSizeIs64KAndEmptyInputWritesAReadableFile()
    {
        Assert.Equal(65536, ArrowWriteOptions.Default.BatchSize);
        Assert.Equal(ArrowIpcFormat.File, ArrowWriteOptions.Default.Format);
        var path = PathOf("empty.arrow");
        await ArrowFile.WriteAsync(path, Array.Empty<Visit>());
        Assert.Empty(await ArrowFile.ReadAsync<Visit>(path));
        await using var reader = await ArrowIpcFileReader.OpenAsync(File.OpenRead(path));
        Ipc.ArrayAssert.SchemasEqual(Visit.ArrowSchema, reader.Schema);
        Assert.Equal(0, reader.BatchCount);
    }

    [Fact]
    public async Task WriteReplacesAnExistingFileOnlyWhenComplete()
    {
        var path = PathOf("visits.arrow");
        await ArrowFile.WriteAsync(path, Visits(3));

        // A failure part-way (a string UTF-8 cannot hold) must leave the previous file intact and no temporary behind.
        var bad = Visits(10).Append(new Visit(99, "broken \ud800", 1, DateOnly.MinValue));
        await Assert.ThrowsAsync<ArgumentException>(() => ArrowFile.WriteAsync(path, bad, new ArrowWriteOptions { BatchSize = 4 }));
        Assert.Equal(Visits(3), await ArrowFile.ReadAsync<Visit>(path));
        Assert.Single(Directory.GetFiles(_directory));

        await ArrowFile.WriteAsync(path, Visits(5));
        Assert.Equal(Visits(5), await ArrowFile.ReadAsync<Visit>(path));
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task AWriterDisposedWithoutCompletingLeavesNothingUnderTheFinalName()
    {
        var path = PathOf("abandoned.arrow");
        await using (var writer = ArrowFile.CreateWriter<Visit>(path, new ArrowWriteOptions { BatchSize = 10 }))
        {
            await writer.AppendRangeAsync(Visits(35));
            Assert.Equal(35, writer.Count);
            Assert.False(File.Exists(path));
        }

        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task AFailedAppendMakesTheWriterUnusable()
    {
        var path = PathOf("failed.arrow");
        await using (var writer = ArrowFile.CreateWriter<Visit>(path))
        {
            await writer.AppendAsync(Visits(1)[0]);
            await Assert.ThrowsAsync<ArgumentException>(() => writer.AppendAsync(new Visit(1, "bad \udc00", 0, DateOnly.MinValue)).AsTask());
            await Assert.ThrowsAsync<InvalidOperationException>(() => writer.AppendAsync(Visits(1)[0]).AsTask());
            await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync().AsTask());
        }

        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task StreamWriterAppendsManyBatchesToAStream()
    {
        using var memory = new MemoryStream();
        await using (var writer = ArrowFile.CreateWriter<Visit>(memory, new ArrowWriteOptions { BatchSize = 7, Format = ArrowIpcFormat.Stream }, leaveOpen: true))
        {
            foreach (var visit in Visits(50))
            {
                await writer.AppendAsync(visit);
            }

            await writer.CompleteAsync();
            await Assert.ThrowsAsync<InvalidOperationException>(() => writer.AppendAsync(Visits(1)[0]).AsTask());
        }

        memory.Position = 0;
        await using var reader = await ArrowIpcStreamReader.OpenAsync(memory, leaveOpen: true);
        var rows = new List<Visit>();
        var batches = 0;
        while (await reader.ReadNextBatchAsync() is { } batch)
        {
            batches++;
            rows.AddRange(Visit.ReadBatch(batch));
            batch.Dispose();
        }

        Assert.Equal(8, batches);
        Assert.Equal(Visits(50), rows);
    }

    [Fact]
    public async Task ReadingAFileThatIsNotArrowRaisesFormatExceptionNamingIt()
    {
        var path = PathOf("notes.txt");
        await File.WriteAllTextAsync(path, "this is not an arrow file at all");
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => ArrowFile.ReadAsync<Visit>(path));
        Assert.Contains("notes.txt", error.Message);

        await File.WriteAllBytesAsync(path, "ARROW1\0\0garbage"u8.ToArray());
        error = await Assert.ThrowsAsync<ArrowFormatException>(() => ArrowFile.ReadAsync<Visit>(path));
        Assert.Contains("notes.txt", error.Message);
    }

    [Fact]
    public async Task CancellationIsObserved()
    {
        var path = PathOf("visits.arrow");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ArrowFile.WriteAsync(path, Visits(100), new ArrowWriteOptions { BatchSize = 10 }, cts.Token));
        Assert.False(File.Exists(path));
        await ArrowFile.WriteAsync(path, Visits(10));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ArrowFile.ReadAsync<Visit>(path, cts.Token));
    }
}
