using Bulwark.Arrow;
using Bulwark.Parquet;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Bulwark.Runtime.Tests.Facade;

/// <summary>A record writer disposed without CompleteAsync says so: a warning naming the output and the rows it lost.</summary>
public sealed class RecordWriterWarningTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bulwark-writer-warning-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<Visit> Visits(int count) =>
        Enumerable.Range(0, count).Select(i => new Visit(i, $"https://example.com/{i}", i, new DateOnly(2024, 1, 1))).ToList();

    [Fact]
    public async Task Arrow_writer_to_a_path_disposed_without_completing_warns_with_the_path_and_the_rows()
    {
        var logger = new ListLogger();
        var path = Path.Combine(_directory, "visits.arrow");
        var writer = ArrowFile.CreateWriter<Visit>(path, new ArrowWriteOptions { BatchSize = 4 }, logger);
        await writer.AppendRangeAsync(Visits(10));

        await writer.DisposeAsync();

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal($"A record writer to '{path}' was disposed without CompleteAsync: 10 appended rows were not published and the output was abandoned", entry.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Parquet_writer_in_storage_disposed_without_completing_warns_with_the_storage_path()
    {
        var logger = new ListLogger();
        var storage = new InMemoryBackend();
        var writer = await ParquetFile.CreateWriterAsync<Visit>(storage, "t/visits.parquet", logger: logger);
        await writer.AppendRangeAsync(Visits(3));

        await writer.DisposeAsync();

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal("A record writer to 't/visits.parquet' in memory was disposed without CompleteAsync: 3 appended rows were not published and the output was abandoned", entry.Message);
        Assert.Null(await storage.GetEntryAsync("t/visits.parquet"));
    }

    [Fact]
    public async Task Parquet_writer_to_a_stream_names_the_stream()
    {
        var logger = new ListLogger();
        var writer = ParquetFile.CreateWriter<Visit>(new MemoryStream(), logger: logger);
        await writer.AppendAsync(Visits(1)[0]);

        await writer.DisposeAsync();

        Assert.Contains("A record writer to a MemoryStream was disposed without CompleteAsync: 1 appended rows", Assert.Single(logger.Entries).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_completed_writer_logs_nothing()
    {
        var logger = new ListLogger();
        var writer = ArrowFile.CreateWriter<Visit>(Path.Combine(_directory, "done.arrow"), logger: logger);
        await writer.AppendRangeAsync(Visits(5));
        await writer.CompleteAsync();

        await writer.DisposeAsync();

        Assert.Empty(logger.Entries);
    }

    [Fact]
    public async Task A_writer_whose_completion_failed_logs_nothing_more()
    {
        // The failed CompleteAsync has already reported the loss to its caller; the disposal must not report it twice.
        var logger = new ListLogger();
        var stream = new FailingStream();
        var writer = ArrowFile.CreateWriter<Visit>(stream, logger: logger);
        await writer.AppendRangeAsync(Visits(2));
        await Assert.ThrowsAsync<IOException>(() => writer.CompleteAsync().AsTask());

        await writer.DisposeAsync();

        Assert.Empty(logger.Entries);
    }

    private sealed class FailingStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("disk full");

        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("disk full");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => throw new IOException("disk full");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw new IOException("disk full");
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
