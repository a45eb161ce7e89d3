using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// <see cref="IngestController.FlushAsync"/> is how a caller gets rows committed now: it cuts what is cached at once,
/// not at the next FlushInterval, and with nothing left to cut it still waits for the flush being written. The clock
/// never moves in these tests, so whatever commits was not brought by the flush timer.
/// </summary>
public sealed class IngestFlushRequestTests
{
    [Fact]
    public async Task FlushAsync_cuts_and_commits_at_once_without_waiting_for_FlushInterval()
    {
        await using var h = await IngestHarness.OpenAsync();
        var done = (await h.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);

        var flush = h.Controller.FlushAsync();
        await h.SettleAsync();

        Assert.True(flush.IsCompletedSuccessfully, h.Controller.DebugState);
        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.Equal(TimeSpan.Zero, h.Elapsed);
        Assert.Equal(2, (await h.ReadAsync<PageRow>()).Count);
    }

    [Fact]
    public async Task FlushAsync_with_nothing_uncut_waits_for_the_flush_still_being_retried()
    {
        await using var h = await IngestHarness.OpenAsync();
        var done = (await h.VisitAsync(1, pages: 1, requests: 0)).FinalizeAsync(true);
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        await Assert.ThrowsAnyAsync<IOException>(() => h.Controller.FlushAsync());

        // Every row is in the frozen flush now; a second request has nothing to cut but must not return before it commits.
        var again = h.Controller.FlushAsync();
        await h.SettleAsync();
        Assert.False(again.IsCompleted);

        h.Faults.ClearFaults();
        await h.RunUntilAsync(() => again.IsCompleted);

        await again;
        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.Single(await h.ReadAsync<PageRow>());
    }

    [Fact]
    public async Task A_flush_record_lists_its_parts_in_table_name_order_whatever_order_the_tables_were_first_used_in()
    {
        await using var h = await IngestHarness.OpenAsync();
        var visit = h.Controller.StartVisit(1);
        await visit.AppendAsync(new RequestRow(1, "https://cdn.example.org/1/0"));
        await visit.AppendAsync(new PageRow(1, "https://example.org/1/0", 200));
        var done = visit.FinalizeAsync(true);
        await h.Controller.FlushAsync();
        Assert.Equal(VisitState.Committed, (await done).State);

        var commit = Assert.Single((await IngestDataset.OpenAsync(h.Storage)).Commits);
        Assert.Equal(["pages", "requests"], commit.Files.Select(f => f.Table));
    }

    [Fact]
    public async Task A_request_for_rows_cut_after_the_flush_being_retried_waits_for_their_own_flush()
    {
        await using var h = await IngestHarness.OpenAsync();
        var first = (await h.VisitAsync(1, pages: 1, requests: 0)).FinalizeAsync(true);
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        await Assert.ThrowsAnyAsync<IOException>(() => h.Controller.FlushAsync());

        // Flush 1 is being retried; these rows can only go in flush 2, so its commit is what the request waits for.
        var second = (await h.VisitAsync(2, pages: 1, requests: 0)).FinalizeAsync(true);
        var request = h.Controller.FlushAsync();
        h.Faults.ClearFaults();
        await h.RunUntilAsync(() => first.IsCompleted);
        await h.RunUntilAsync(() => request.IsCompleted);

        await request;
        Assert.True(second.IsCompleted);
        Assert.Equal(VisitState.Committed, (await second).State);
        Assert.Equal(2, (await IngestDataset.OpenAsync(h.Storage)).Commits.Count);
    }
}
