using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

public sealed class IngestMetricsTests
{
    [Fact]
    public async Task FlushesVisitsFailuresAndHeldBytesAreCounted()
    {
        using var meters = new TestMeterFactory();
        using var totals = new MeterTotals(meters, IngestMetrics.MeterName);

        var defaults = IngestHarness.DefaultOptions();
        var options = new IngestOptions { WriterId = "w1", MeterFactory = meters, FlushInterval = defaults.FlushInterval, MaxAge = defaults.MaxAge, RetryDelay = defaults.RetryDelay, MaxRetryDelay = defaults.MaxRetryDelay };
        var h = await IngestHarness.OpenAsync(options);
        h.Faults.FailWhen(StorageOperationKind.Create);
        var ok = (await h.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);
        var failed = h.Controller.StartVisit(2).FinalizeAsync(false);
        await Assert.ThrowsAsync<IngestRecordException>(async () => await h.Controller.AppendAsync(3, new PageRow(3, "\uDC00", 0)));
        await h.RunUntilAsync(() => ok.IsCompleted && failed.IsCompleted && h.Controller.Health.OpenVisits == 0);
        await h.ShutdownAsync();

        Assert.Equal(1, totals[IngestMetrics.Flushes + "/failed"]);
        Assert.True(totals[IngestMetrics.Flushes + "/committed"] >= 1);
        Assert.Equal(3, totals[IngestMetrics.RowsCommitted] - 2); // 3 data rows + 2 incomplete_visits rows
        Assert.Equal(1, totals[IngestMetrics.Visits + "/committed"]);
        Assert.Equal(2, totals[IngestMetrics.Visits + "/incomplete"]);
        Assert.Equal(1, totals[IngestMetrics.EncodeFailures]);
        Assert.Equal(0, totals[IngestMetrics.OpenVisits]);
        Assert.Equal(0, totals[IngestMetrics.CachedBytes]);
        Assert.True(totals[IngestMetrics.BytesCommitted] > 0);
    }

    /// <summary>
    /// Records' bytes reach the instrument in steps, but a cut, a freeze or a commit publishes everything gathered: at
    /// rest it agrees with <see cref="IngestHealth.CachedBytes"/>, held or released.
    /// </summary>
    [Fact]
    public async Task CachedBytesAgreesWithHealthAtRestWhileAFlushIsHeldAndOnceItCommits()
    {
        using var meters = new TestMeterFactory();
        using var totals = new MeterTotals(meters, IngestMetrics.MeterName);
        await using var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(meters: meters));
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var done = (await h.VisitAsync(1, pages: 20, requests: 5)).FinalizeAsync(true);
        await h.RunUntilAsync(() => h.Controller.Health.ConsecutiveFailures >= 1);

        var held = h.Controller.Health.CachedBytes;
        Assert.True(held > 0, "nothing held while the flush is refused");
        Assert.Equal(held, totals[IngestMetrics.CachedBytes]);

        h.Faults.ClearFaults();
        await h.RunUntilAsync(() => done.IsCompleted);
        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.Equal(0, h.Controller.Health.CachedBytes);
        Assert.Equal(0, totals[IngestMetrics.CachedBytes]);
    }
}
