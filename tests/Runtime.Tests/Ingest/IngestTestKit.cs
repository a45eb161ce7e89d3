using System.Diagnostics.Metrics;
using Bulwark.Ingest;
using Bulwark.Records;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

[ArrowRecord("pages")]
public sealed partial record PageRow(long VisitId, string Url, int Status);

[ArrowRecord("requests")]
public sealed partial record RequestRow(long VisitId, string Url);

/// <summary>A controller on a fault-injecting in-memory dataset, driven by a fake clock that only the test advances.</summary>
internal sealed class IngestHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private IngestHarness(FakeTimeProvider time, IStorageBackend storage, FaultInjectingBackend faults, IngestOptions options, IngestController controller)
    {
        Time = time;
        Storage = storage;
        Faults = faults;
        Options = options;
        Controller = controller;
    }

    public FakeTimeProvider Time { get; }

    /// <summary>The backend without faults: what is really stored.</summary>
    public IStorageBackend Storage { get; }

    public FaultInjectingBackend Faults { get; }

    public IngestOptions Options { get; }

    public IngestController Controller { get; private set; }

    public static IngestOptions DefaultOptions(string? spill = null, IMeterFactory? meters = null, long? maxCachedBytes = null, IngestFormat format = IngestFormat.Parquet, int? maxRowsPerFile = null, TimeSpan? visitTimeout = null) => new()
    {
        WriterId = "w1",
        MaxCachedBytes = maxCachedBytes ?? new IngestOptions().MaxCachedBytes,
        MaxRowsPerFile = maxRowsPerFile ?? new IngestOptions().MaxRowsPerFile,
        Format = format,
        FlushInterval = TimeSpan.FromSeconds(1),
        MaxAge = TimeSpan.FromSeconds(5),
        RetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromSeconds(1),
        VisitTimeout = visitTimeout ?? TimeSpan.FromSeconds(30),
        ShutdownTimeout = TimeSpan.FromSeconds(10),
        SpillDirectory = spill,
        MeterFactory = meters,
    };

    public static async Task<IngestHarness> OpenAsync(IngestOptions? options = null, IStorageBackend? storage = null, FakeTimeProvider? time = null)
    {
        time ??= new FakeTimeProvider(Start);
        storage ??= new InMemoryBackend();
        options ??= DefaultOptions();
        var faults = new FaultInjectingBackend(storage);
        var controller = await IngestController.OpenAsync(faults, options, null, time);
        return new IngestHarness(time, storage, faults, options, controller);
    }

    /// <summary>A dataset where writer w1 committed flush 1: visit 1's page and request rows, the visit completed.</summary>
    public static async Task<InMemoryBackend> OneCommittedFlushAsync(int pages, int requests)
    {
        var storage = new InMemoryBackend();
        await using var h = await OpenAsync(storage: storage);
        var done = (await h.VisitAsync(1, pages, requests)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);
        Assert.Equal(VisitState.Committed, (await done).State);
        return storage;
    }

    public TimeSpan Elapsed => Time.GetUtcNow() - Start;

    /// <summary>Waits (in real time, without asserting on it) until the loop has nothing to do before the fake clock moves.</summary>
    public static async Task SettleAsync(IngestController controller)
    {
        for (var i = 0; i < 20_000 && !controller.IsQuiescent; i++)
        {
            await Task.Delay(i < 100 ? 0 : 1);
        }

        Assert.True(controller.IsQuiescent, $"the ingest loop did not settle: {controller.DebugState}");
    }

    public Task SettleAsync() => SettleAsync(Controller);

    /// <summary>How far <see cref="RunUntilAsync(Func{bool}, TimeSpan?, TimeSpan?)"/> moves the clock at a time unless told.</summary>
    public static readonly TimeSpan RunStep = TimeSpan.FromMilliseconds(50);

    /// <summary>How much later than an event <see cref="RunUntilAsync(Func{bool}, TimeSpan?, TimeSpan?)"/> can observe it: two of its steps.</summary>
    public static readonly TimeSpan ObservationSlack = 2 * RunStep;

    /// <summary>Advances the clock in <paramref name="step"/>s, settling between them, until <paramref name="done"/> or <paramref name="limit"/> of fake time.</summary>
    public Task RunUntilAsync(Func<bool> done, TimeSpan? limit = null, TimeSpan? step = null) => RunUntilAsync(Controller, Time, done, limit, step);

    public static async Task RunUntilAsync(IngestController controller, FakeTimeProvider time, Func<bool> done, TimeSpan? limit = null, TimeSpan? step = null)
    {
        var end = time.GetUtcNow() + (limit ?? TimeSpan.FromMinutes(5));
        while (true)
        {
            await SettleAsync(controller);
            if (done())
            {
                return;
            }

            Assert.True(time.GetUtcNow() < end, $"not done within {limit ?? TimeSpan.FromMinutes(5)} of fake time: {controller.Health} {controller.DebugState}");
            time.Advance(step ?? RunStep);
        }
    }

    /// <summary>Disposes the controller while advancing the clock (its drain waits on the fake clock).</summary>
    public Task ShutdownAsync() => ShutdownAsync(Controller, Time);

    public static async Task ShutdownAsync(IngestController controller, FakeTimeProvider time)
    {
        var disposal = controller.DisposeAsync().AsTask();
        for (var i = 0; i < 20_000 && !disposal.IsCompleted; i++)
        {
            if (controller.IsQuiescent)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
            }

            await Task.Delay(i < 100 ? 0 : 1);
        }

        if (!disposal.IsCompleted)
        {
            throw new TimeoutException($"disposal did not finish; quiescent={controller.IsQuiescent} health={controller.Health} {controller.DebugState}");
        }

        await disposal;
    }

    public async Task<List<T>> ReadAsync<T>()
        where T : IArrowRecord<T>
    {
        var dataset = await IngestDataset.OpenAsync(Storage);
        var rows = new List<T>();
        await foreach (var row in dataset.ReadAsync<T>())
        {
            rows.Add(row);
        }

        return rows;
    }

    public async Task<string[]> FilesAsync(string directory) =>
        await Storage.GetEntryAsync(directory) is null ? [] : (await Storage.ListAsync(directory)).Select(e => e.Name).ToArray();

    public async ValueTask DisposeAsync() => await ShutdownAsync();

    /// <summary>
    /// With the destination refusing every write, appends 100-byte page rows to <paramref name="visit"/> until one waits
    /// for room (calling <paramref name="afterEach"/> after each that did not), and returns that append and how many
    /// came before it. Room may appear once a cut is encoded, as the frozen flush is smaller than the rows were, so a
    /// waiting append counts only once two more attempts have failed without it getting room.
    /// </summary>
    public Task<(Task Waiting, int Appended)> AppendUntilOneWaitsAsync(IngestVisit visit, Action? afterEach = null, CancellationToken cancellationToken = default) =>
        AppendUntilOneWaitsAsync(visit, i => new PageRow(visit.VisitId, new string('x', 100), i), afterEach, cancellationToken);

    /// <summary>As above, with the <paramref name="row"/> of each attempt's number.</summary>
    public async Task<(Task Waiting, int Appended)> AppendUntilOneWaitsAsync<T>(IngestVisit visit, Func<int, T> row, Action? afterEach = null, CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        for (var appended = 0; appended < 10_000; appended++)
        {
            var pending = visit.AppendAsync(row(appended), cancellationToken).AsTask();
            if (!pending.IsCompleted)
            {
                var failures = Controller.Health.ConsecutiveFailures;
                await RunUntilAsync(() => pending.IsCompleted || Controller.Health.ConsecutiveFailures >= failures + 2);
                if (!pending.IsCompleted)
                {
                    return (pending, appended);
                }
            }

            await pending;
            afterEach?.Invoke();
        }

        Assert.Fail("AppendAsync never waited while the destination was down");
        return default;
    }

    /// <summary>
    /// Brings the destination back, lets the append that waited for room through, finalizes the visit and checks that it
    /// committed with every row: <paramref name="appended"/> before the waiting append, and that one.
    /// </summary>
    public async Task ResumeAndCommitAsync(IngestVisit visit, Task waiting, int appended)
    {
        Faults.ClearFaults();
        await RunUntilAsync(() => waiting.IsCompleted);
        await waiting;
        var done = visit.FinalizeAsync(true);
        await RunUntilAsync(() => done.IsCompleted);
        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.Equal(appended + 1, (await ReadAsync<PageRow>()).Count);
    }

    /// <summary>Appends <paramref name="pages"/> page rows and <paramref name="requests"/> request rows to a new visit.</summary>
    public async Task<IngestVisit> VisitAsync(long id, int pages, int requests)
    {
        var visit = Controller.StartVisit(id);
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
}
