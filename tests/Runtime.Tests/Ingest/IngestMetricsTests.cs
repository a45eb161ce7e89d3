using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
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
        using var listener = new MeterListener();
        var totals = new ConcurrentDictionary<string, long>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Meter.Name == IngestMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += "/" + tag.Value;
            }

            totals.AddOrUpdate(key, value, (_, total) => total + value);
        });
        listener.Start();

        var defaults = IngestHarness.DefaultOptions();
        var options = new IngestOptions { WriterId = "w1", MeterFactory = meters, FlushInterval = defaults.FlushInterval, MaxAge = defaults.MaxAge, RetryDelay = defaults.RetryDelay, MaxRetryDelay = defaults.MaxRetryDelay };
        var h = await IngestHarness.OpenAsync(options);
        h.Faults.FailWhen(StorageOperationKind.Create);
        var ok = (await h.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);
        var failed = h.Controller.StartVisit(2).FinalizeAsync(false);
        await Assert.ThrowsAsync<IngestRecordException>(async () => await h.Controller.AppendAsync(3, new PageRow(3, "\uDC00", 0)));
        await h.RunUntilAsync(() => ok.IsCompleted && failed.IsCompleted && h.Controller.Health.OpenVisits == 0);
        await h.ShutdownAsync();

        Assert.Equal(1, totals.GetValueOrDefault(IngestMetrics.Flushes + "/failed"));
        Assert.True(totals.GetValueOrDefault(IngestMetrics.Flushes + "/committed") >= 1);
        Assert.Equal(3, totals.GetValueOrDefault(IngestMetrics.RowsCommitted) - 2); // 3 data rows + 2 incomplete_visits rows
        Assert.Equal(1, totals.GetValueOrDefault(IngestMetrics.Visits + "/committed"));
        Assert.Equal(2, totals.GetValueOrDefault(IngestMetrics.Visits + "/incomplete"));
        Assert.Equal(1, totals.GetValueOrDefault(IngestMetrics.EncodeFailures));
        Assert.Equal(0, totals.GetValueOrDefault(IngestMetrics.OpenVisits));
        Assert.Equal(0, totals.GetValueOrDefault(IngestMetrics.CachedBytes));
        Assert.True(totals.GetValueOrDefault(IngestMetrics.BytesCommitted) > 0);
    }
}
