using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Facade;
using Bulwark.Runtime.Tests.Ingest;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.IngestBuffers;

/// <summary>
/// The controller caches every visit's rows of a table in shared builders and regroups them visit by visit when it
/// cuts a flush: each part still holds each visit's rows as one run in the order the visit appended them, and a
/// record the builder rejects takes only its own visit's rows of that table with it.
/// </summary>
public sealed class SharedTableBufferTests
{
    [Theory]
    [InlineData(Flaw.Text)]
    [InlineData(Flaw.ListItem)]
    [InlineData(Flaw.MapValue)]
    [InlineData(Flaw.NestedText)]
    [InlineData(Flaw.DeepNote)]
    public async Task ARecordRejectedHalfwayDropsOnlyItsVisitsRowsOfThatTable(Flaw flaw)
    {
        await using var h = await IngestHarness.OpenAsync();
        var random = new Random((int)flaw);
        var visits = Enumerable.Range(1, 6).Select(id => h.Controller.StartVisit(id)).ToArray();
        var appended = visits.ToDictionary(v => v.VisitId, _ => new List<LayoutRow>());

        // Row by row in turn, so that every visit's rows are interleaved with the others' in the shared builder.
        for (var seq = 0; seq < 12; seq++)
        {
            foreach (var visit in visits)
            {
                if (visit.VisitId == 4 && seq == 5)
                {
                    var broken = LayoutRows.Broken(random, 4, seq, flaw);
                    var error = await Assert.ThrowsAsync<IngestRecordException>(async () => await visit.AppendAsync(broken));
                    Assert.Equal("layouts", error.Table);
                    continue;
                }

                if (visit.VisitId == 4 && seq > 5)
                {
                    continue;
                }

                var row = LayoutRows.Create(random, visit.VisitId, seq);
                await visit.AppendAsync(row);
                appended[visit.VisitId].Add(row);
                if (seq == 0)
                {
                    await visit.AppendAsync(new PageRow(visit.VisitId, $"https://example.org/{visit.VisitId}", 200));
                }
            }
        }

        var outcomes = visits.Select(v => v.FinalizeAsync(true)).ToArray();
        await h.RunUntilAsync(() => outcomes.All(o => o.IsCompleted));
        var results = await Task.WhenAll(outcomes);

        Assert.All(results.Where(o => o.VisitId != 4), o => Assert.Equal(VisitState.Committed, o.State));
        Assert.Equal(VisitState.Incomplete, results[3].State);
        var expected = appended.Where(v => v.Key != 4).OrderBy(v => v.Key).SelectMany(v => v.Value).Select(r => r.Describe());
        Assert.Equal(expected, (await h.ReadAsync<LayoutRow>()).Select(r => r.Describe()));
        Assert.Equal([1L, 2, 3, 4, 5, 6], (await h.ReadAsync<PageRow>()).Select(r => r.VisitId));
    }

    [Fact]
    public async Task AppendErrorsComeThroughTheReturnedTask()
    {
        // Appends complete synchronously while there is room; a caller that starts several before awaiting them still
        // gets each one's error from its task, as from an async method.
        await using var h = await IngestHarness.OpenAsync();
        var visit = h.Controller.StartVisit(1);
        var bad = visit.AppendAsync(new PageRow(1, "\uD800", 200)).AsTask();
        var after = visit.AppendAsync(new PageRow(1, "fine", 200)).AsTask();
        await Assert.ThrowsAsync<IngestRecordException>(() => bad);
        await Assert.ThrowsAsync<InvalidOperationException>(() => after);
    }

    [Fact]
    public async Task VisitsAppendingFromManyThreadsAtOnceGetOneRunEachPerPart()
    {
        await using var h = await IngestHarness.OpenAsync();
        const int Visits = 16;
        const int Rows = 250;
        var rows = Enumerable.Range(1, Visits).ToDictionary(v => (long)v, v => Enumerable.Range(0, Rows).Select(i => LayoutRows.Create(new Random(v * 1000 + i), v, i)).ToArray());
        using var start = new Barrier(Visits);
        var outcomes = await Task.WhenAll(rows.Select(visit => Task.Run(async () =>
        {
            var handle = h.Controller.StartVisit(visit.Key);
            start.SignalAndWait();
            foreach (var row in visit.Value)
            {
                await handle.AppendAsync(row);
                if (row.Seq % 37 == 0)
                {
                    await Task.Yield();
                }
            }

            return handle.FinalizeAsync(true);
        })));
        await h.RunUntilAsync(() => outcomes.All(o => o.IsCompleted));

        Assert.All(await Task.WhenAll(outcomes), o => Assert.Equal(VisitState.Committed, o.State));
        var dataset = await IngestDataset.OpenAsync(h.Storage);
        var read = new List<LayoutRow>();
        await foreach (var row in dataset.ReadAsync<LayoutRow>())
        {
            read.Add(row);
        }

        // Each part lists a visit once, in ascending order, and its rows are exactly that run, in appended order.
        var at = 0;
        foreach (var file in dataset.Commits.SelectMany(c => c.Files).Where(f => f.Table == "layouts"))
        {
            Assert.Equal(file.Visits.Select(v => v.VisitId).Order(), file.Visits.Select(v => v.VisitId));
            Assert.Equal(file.Visits.Count, file.Visits.Select(v => v.VisitId).Distinct().Count());
            foreach (var segment in file.Visits)
            {
                var run = read.Skip(at).Take(segment.Rows).ToArray();
                Assert.All(run, r => Assert.Equal(segment.VisitId, r.VisitId));
                Assert.Equal(Enumerable.Range(run[0].Seq, run.Length), run.Select(r => r.Seq));
                at += segment.Rows;
            }
        }

        Assert.Equal(Visits * Rows, at);
        Assert.Equal(rows.Values.SelectMany(r => r).Select(r => r.Describe()).Order(StringComparer.Ordinal), read.Select(r => r.Describe()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AHandWrittenRecordsBuilderIsEachVisitsOwnAndAPoisonedOneGoesAlone()
    {
        // A hand-written IArrowRecord exposes no columns to cut back: its Append takes the id, then fails on the URL.
        await using var h = await IngestHarness.OpenAsync();
        var day = new DateOnly(2026, 1, 2);
        var visits = Enumerable.Range(1, 3).Select(id => h.Controller.StartVisit(id)).ToArray();
        foreach (var i in Enumerable.Range(0, 4))
        {
            foreach (var visit in visits)
            {
                await visit.AppendAsync(new Visit(visit.VisitId * 100 + i, $"https://example.org/{visit.VisitId}/{i}", i, day));
            }
        }

        await Assert.ThrowsAsync<IngestRecordException>(async () => await visits[1].AppendAsync(new Visit(299, "broken \uDC00", 0, day)));
        await visits[2].AppendAsync(new Visit(304, null, 4, day));
        var outcomes = visits.Select(v => v.FinalizeAsync(true)).ToArray();
        await h.RunUntilAsync(() => outcomes.All(o => o.IsCompleted));

        Assert.Equal([VisitState.Committed, VisitState.Incomplete, VisitState.Committed], (await Task.WhenAll(outcomes)).Select(o => o.State));
        Assert.Equal([100L, 101, 102, 103, 300, 301, 302, 303, 304], (await h.ReadAsync<Visit>()).Select(v => v.Id));
    }

    [Fact]
    public async Task HandWrittenBuildersWithTheirOwnDictionariesCommitEveryVisitsRowsAndAHalfAppendedOneIsNeverBuilt()
    {
        // Each visit's builder numbers the tags its own way, so the flush encodes the rows again. Visit 2's refused
        // record leaves its builder with an id and no tag, which its Build refuses: that builder must hold visit 2's
        // rows alone, and be dropped with them, unbuilt.
        await using var h = await IngestHarness.OpenAsync();
        string[] colours = ["red", "blue", "green"];
        var visits = Enumerable.Range(1, 3).Select(id => h.Controller.StartVisit(id)).ToArray();
        foreach (var i in Enumerable.Range(0, 4))
        {
            foreach (var visit in visits)
            {
                await visit.AppendAsync(new Tagged(visit.VisitId * 100 + i, colours[(visit.VisitId + i) % 3]));
            }
        }

        var refused = await Assert.ThrowsAsync<IngestRecordException>(async () => await visits[1].AppendAsync(new Tagged(299, "")));
        Assert.IsType<ArgumentException>(refused.InnerException); // the builder's own reason, not a failure to undo it
        await visits[2].AppendAsync(new Tagged(304, "violet"));
        var outcomes = visits.Select(v => v.FinalizeAsync(true)).ToArray();
        await h.RunUntilAsync(() => outcomes.All(o => o.IsCompleted));

        Assert.Equal([VisitState.Committed, VisitState.Incomplete, VisitState.Committed], (await Task.WhenAll(outcomes)).Select(o => o.State));
        Tagged[] expected =
        [
            new(100, "blue"), new(101, "green"), new(102, "red"), new(103, "blue"),
            new(300, "red"), new(301, "blue"), new(302, "green"), new(303, "red"), new(304, "violet"),
        ];
        Assert.Equal(expected, await h.ReadAsync<Tagged>());
    }

    [Fact]
    public async Task HandWrittenRowsCountTowardsMaxCachedBytes()
    {
        // A hand-written builder has no columns to measure, so its rows count by an estimate: without one, appends of
        // them would never wait while nothing commits, and the cache would grow without bound.
        await using var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(maxCachedBytes: 64 * 1024));
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var visit = h.Controller.StartVisit(1);

        var (waiting, appended) = await h.AppendUntilOneWaitsAsync(visit, i => new Tagged(i, "red"));

        h.Faults.ClearFaults();
        await h.RunUntilAsync(() => waiting.IsCompleted);
        await waiting;
        var done = visit.FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);
        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.Equal(Enumerable.Range(0, appended + 1).Select(i => (long)i), (await h.ReadAsync<Tagged>()).Select(t => t.Id));
    }

    [Fact]
    public async Task CutsCopyingTheirTablesStayWithinMaxCachedBytes()
    {
        const long Max = 256 * 1024;
        const long Slack = 1024;
        using var meters = new TestMeterFactory();
        using var listener = new MeterListener();
        var held = 0L;
        var peak = 0L;
        var gate = new object();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == IngestMetrics.CachedBytes)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (gate)
            {
                held += value;
                peak = Math.Max(peak, held);
            }
        });
        listener.Start();
        var defaults = IngestHarness.DefaultOptions();
        var options = new IngestOptions { WriterId = "w1", MeterFactory = meters, MaxCachedBytes = Max, FlushInterval = defaults.FlushInterval, MaxAge = defaults.MaxAge, RetryDelay = defaults.RetryDelay, MaxRetryDelay = defaults.MaxRetryDelay };
        await using var h = await IngestHarness.OpenAsync(options);

        // Nothing commits: the first cut stays frozen, and the rows after it fill what is left until appends wait.
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var visit = h.Controller.StartVisit(1);
        Task pending = Task.CompletedTask;
        for (var i = 0; i < 100_000 && pending.IsCompleted; i++)
        {
            await pending;
            pending = (i % 2 == 0 ? visit.AppendAsync(new PageRow(1, "https://example.org/the/same/page", i)) : visit.AppendAsync(new RequestRow(1, "https://cdn.example.org/the/same/script.js"))).AsTask();
            Assert.True(h.Controller.Health.CachedBytes <= Max + Slack, $"{h.Controller.Health.CachedBytes} bytes held");
        }

        Assert.False(pending.IsCompleted, "appends never waited with nothing committing");

        // The destination returns: the frozen flush commits, then the rows that filled the cache are cut and copied.
        h.Faults.ClearFaults();
        await h.RunUntilAsync(() => pending.IsCompleted);
        await pending;
        var done = visit.FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);
        Assert.Equal(VisitState.Committed, (await done).State);

        lock (gate)
        {
            Assert.Equal(0, held);
            Assert.True(peak <= Max + Slack, $"{peak} bytes were held at once, more than MaxCachedBytes {Max}");
        }
    }
}
