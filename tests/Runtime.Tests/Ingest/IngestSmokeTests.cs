using Bulwark.Ingest;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

public sealed class IngestSmokeTests
{
    [Fact]
    public async Task VisitsCommitAndReadBack()
    {
        await using var h = await IngestHarness.OpenAsync();
        var a = await h.VisitAsync(1, 2, 3);
        var b = await h.VisitAsync(2, 1, 0);
        var doneA = a.FinalizeAsync(true);
        var doneB = b.FinalizeAsync(true);
        await h.RunUntilAsync(() => doneA.IsCompleted && doneB.IsCompleted);

        Assert.Equal(new VisitOutcome(1, VisitState.Committed, null), await doneA);
        Assert.Equal(VisitState.Committed, (await doneB).State);
        Assert.Equal(3, (await h.ReadAsync<PageRow>()).Count);
        Assert.Equal(3, (await h.ReadAsync<RequestRow>()).Count);
        Assert.Equal(["000000000001-w1.json"], await h.FilesAsync("_commits"));
    }
}
