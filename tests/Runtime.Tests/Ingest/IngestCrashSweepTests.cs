using Bulwark.Ingest;
using Bulwark.Storage;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// Every crash state a disk could be left in at every step of a small workload (lost unsynced renames, reordered
/// changes, torn writes): a reopened writer loses nothing it had reported Committed, duplicates nothing, keeps no
/// uncommitted part, and readers see no part of a visit.
/// </summary>
public sealed class IngestCrashSweepTests
{
    [Fact]
    public async Task EveryCrashStateRecoversWithoutLossOrDuplicates()
    {
        var crash = new CrashSimulatingBackend();
        var h = await IngestHarness.OpenAsync(storage: crash);
        var committedAt = new Dictionary<long, int>();

        var first = (await h.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);
        await h.RunUntilAsync(() => first.IsCompleted);
        committedAt[1] = crash.TraceCount;

        var second = await h.VisitAsync(2, pages: 1, requests: 2);
        await h.Controller.FlushAsync(); // visit 2's rows committed before it ends
        await second.AppendAsync(new PageRow(2, "https://example.org/2/last", 200));
        var secondDone = second.FinalizeAsync(true);
        var third = h.Controller.StartVisit(3).FinalizeAsync(false, "timeout");
        await h.RunUntilAsync(() => secondDone.IsCompleted && third.IsCompleted);
        committedAt[2] = crash.TraceCount;
        Assert.Equal(VisitState.Committed, (await secondDone).State);
        await h.ShutdownAsync();

        var expected = new Dictionary<long, (int Pages, int Requests)> { [1] = (2, 1), [2] = (2, 2) };
        var states = CrashSimulatingBackend.EnumerateCrashStates(CrashState.Empty, crash.Trace).ToArray();
        Assert.True(states.Length > 20, $"only {states.Length} crash states");
        foreach (var state in states)
        {
            var disk = CrashSimulatingBackend.FromState(state);
            var time = new FakeTimeProvider(IngestHarness.Start);
            var reopened = await IngestController.OpenAsync(disk, IngestHarness.DefaultOptions(), null, time);
            var dataset = await IngestDataset.OpenAsync(disk);
            Assert.True((await dataset.GetStatusAsync()).UnreferencedParts.Count == 0, $"{state}: an uncommitted part survived the reopen");

            var pages = await ReadAsync<PageRow>(dataset);
            var requests = await ReadAsync<RequestRow>(dataset);
            Assert.True(pages.Distinct().Count() == pages.Count && requests.Distinct().Count() == requests.Count, $"{state}: duplicate rows");
            foreach (var (visit, (pageCount, requestCount)) in expected)
            {
                var seen = (pages.Count(p => p.VisitId == visit), requests.Count(r => r.VisitId == visit));
                if (state.PrefixLength >= committedAt[visit])
                {
                    Assert.True(seen == (pageCount, requestCount), $"{state}: visit {visit}, reported Committed, reads {seen}");
                }
                else
                {
                    Assert.True(seen == (0, 0) || seen == (pageCount, requestCount), $"{state}: a reader sees part of visit {visit}: {seen}");
                }
            }

            await IngestHarness.ShutdownAsync(reopened, time);
            Assert.Empty((await (await IngestDataset.OpenAsync(disk)).GetStatusAsync()).UnendedVisits);
        }
    }

    private static async Task<List<T>> ReadAsync<T>(IngestDataset dataset)
        where T : Records.IArrowRecord<T>
    {
        var rows = new List<T>();
        await foreach (var row in dataset.ReadAsync<T>())
        {
            rows.Add(row);
        }

        return rows;
    }
}
