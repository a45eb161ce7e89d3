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
}
