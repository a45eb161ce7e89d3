using Bulwark.Ingest;
using Bulwark.Records;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Cli.Tests;

[ArrowRecord("pages")]
public sealed partial record PageRow(long VisitId, string Url, int Status);

[ArrowRecord("requests")]
public sealed partial record RequestRow(long VisitId, string Url);

/// <summary>
/// Ingest datasets built through <see cref="IngestController"/> on local files. Flushes happen when a test asks for
/// them (<see cref="IngestController.FlushAsync"/>) or at shutdown: the flush interval is longer than any test.
/// </summary>
internal static class IngestKit
{
    public static IngestOptions Options(string? spill = null, IngestFormat format = IngestFormat.Parquet) => new()
    {
        WriterId = "w1",
        Format = format,
        SpillDirectory = spill,
        FlushInterval = TimeSpan.FromHours(1),
        MaxAge = TimeSpan.FromHours(1),
        VisitTimeout = TimeSpan.FromHours(1),
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),

        // Only reached when a test takes the destination down for good: then shutdown spills (or drops) after it.
        ShutdownTimeout = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>
    /// Flush 1 of writer w1: visit 1 (2 pages, 1 request, completed) and visit 2 (1 page, failed: "crawler crashed");
    /// flush 2: visit 3 (3 pages, completed).
    /// </summary>
    public static async Task BuildAsync(string dataset, IngestFormat format = IngestFormat.Parquet)
    {
        await using var ingest = await IngestController.OpenAsync(new LocalFileSystemBackend(dataset), Options(format: format));
        var first = await VisitAsync(ingest, 1, pages: 2, requests: 1);
        var second = await VisitAsync(ingest, 2, pages: 1, requests: 0);
        var done = new[] { first.FinalizeAsync(true), second.FinalizeAsync(false, "crawler crashed") };
        await ingest.FlushAsync();
        var third = await VisitAsync(ingest, 3, pages: 3, requests: 0);
        var last = third.FinalizeAsync(true);
        await ingest.FlushAsync();
        Assert.Equal([VisitState.Committed, VisitState.Incomplete, VisitState.Committed], (await Task.WhenAll([.. done, last])).Select(o => o.State));
    }

    public static async Task<IngestVisit> VisitAsync(IngestController ingest, long id, int pages, int requests)
    {
        var visit = ingest.StartVisit(id);
        for (var i = 0; i < pages; i++)
        {
            await visit.AppendAsync(new PageRow(id, $"https://example.org/{id}/{i}", 200));
        }

        for (var i = 0; i < requests; i++)
        {
            await visit.AppendAsync(new RequestRow(id, $"https://cdn.example.org/{id}/{i}"));
        }

        return visit;
    }

    /// <summary>
    /// Opens writer w1 over <paramref name="dataset"/> behind a fault-injecting layer, lets <paramref name="work"/> run,
    /// then takes the destination down as <paramref name="fail"/> says and shuts down: what could not be committed is
    /// spilled to <paramref name="spill"/> (or, without one, dropped).
    /// </summary>
    /// <remarks>
    /// The controller runs on a fake clock, and its <see cref="IngestOptions.ShutdownTimeout"/> (and retry delays) pass
    /// only once an injected fault has fired: on real time a loaded machine could give up before the shutdown's first
    /// attempt even reached the storage, and spill a flush whose commit the test means to land.
    /// </remarks>
    public static async Task ShutDownWhileDownAsync(string dataset, string? spill, Func<IngestController, Task> work, Action<FaultInjectingBackend> fail)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var faults = new FaultInjectingBackend(new LocalFileSystemBackend(dataset));
        var ingest = await IngestController.OpenAsync(faults, Options(spill), timeProvider: time);
        await work(ingest);
        fail(faults);
        var disposed = ingest.DisposeAsync().AsTask();
        for (var round = 0; !disposed.IsCompleted; round++)
        {
            Assert.True(round < 100_000, "the shutdown never finished while the fake clock advanced");
            if (faults.FaultsFired > 0)
            {
                time.Advance(TimeSpan.FromMilliseconds(50));
            }

            await Task.WhenAny(disposed, Task.Delay(5));
        }

        await disposed;
    }

    public static async Task<List<T>> ReadAsync<T>(string dataset)
        where T : IArrowRecord<T>
    {
        var rows = new List<T>();
        await foreach (var row in (await IngestDataset.OpenAsync(new LocalFileSystemBackend(dataset))).ReadAsync<T>())
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The committed file of <paramref name="table"/> in flush <paramref name="flush"/>, as the commit record lists it.</summary>
    public static async Task<IngestCommitFile> CommittedFileAsync(string dataset, string table, long flush)
    {
        var opened = await IngestDataset.OpenAsync(new LocalFileSystemBackend(dataset));
        return opened.Commits.Single(c => c.Flush == flush && c.Writer == "w1").Files.Single(f => f.Table == table);
    }
}
