using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// What disposal does with a flush the destination never took within ShutdownTimeout: spills it, or, with no spill
/// directory, reports its visits lost, saying why and with the destination's last error; either way the flush's bytes
/// stop counting as held.
/// </summary>
public sealed class IngestShutdownTests
{
    private const string LastError = "last error: Injected permanent fault at ";

    [Fact]
    public async Task Without_a_spill_directory_the_visits_of_a_flush_never_taken_are_lost_with_the_reason()
    {
        using var meters = new TestMeterFactory();
        using var totals = new MeterTotals(meters, IngestMetrics.MeterName);
        var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(meters: meters));
        var done = (await h.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);

        await h.ShutdownAsync();

        var outcome = await done;
        Assert.Equal(VisitState.Incomplete, outcome.State);
        Assert.StartsWith($"lost: the destination did not take flush 1 within ShutdownTimeout (00:00:10) and no SpillDirectory is configured ({LastError}", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(0, totals[IngestMetrics.Spills]);
        Assert.Equal(0, totals[IngestMetrics.CachedBytes]);
        Assert.Empty(await h.ReadAsync<PageRow>());
    }

    [Fact]
    public async Task A_spilled_flush_is_counted_and_its_visits_say_where_it_went_and_why()
    {
        using var temp = new TempDirectory();
        using var meters = new TestMeterFactory();
        using var totals = new MeterTotals(meters, IngestMetrics.MeterName);
        var spill = temp.Join("spill");
        var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(spill, meters));
        var done = (await h.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);

        await h.ShutdownAsync();

        var outcome = await done;
        Assert.Equal(VisitState.Incomplete, outcome.State);
        Assert.StartsWith($"spilled to '{spill}", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains($"(the destination did not take it within ShutdownTimeout (00:00:10); {LastError}", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(1, totals[IngestMetrics.Spills]);
        Assert.Equal(0, totals[IngestMetrics.CachedBytes]);
    }
}
