using Bulwark.Ingest;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// Once shut down, a controller takes nothing more: a flush request, a new visit and an append to a visit that was
/// open at shutdown are refused as calls on a disposed object, not answered as if there were nothing to do.
/// </summary>
public sealed class IngestDisposedControllerTests
{
    [Fact]
    public async Task A_shut_down_controller_refuses_flushes_visits_and_appends()
    {
        await using var h = await IngestHarness.OpenAsync();
        var open = await h.VisitAsync(1, pages: 1, requests: 0);
        await h.ShutdownAsync();

        Assert.Throws<ObjectDisposedException>(() => h.Controller.StartVisit(2));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Controller.FlushAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => open.AppendAsync(new PageRow(1, "https://example.org/1/late", 200)).AsTask());
    }
}
