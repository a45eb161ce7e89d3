using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// MaxCachedBytes bounds what a controller holds. Uncut rows are cut as soon as they reach half of it, so that the
/// flush being encoded and the rows arriving meanwhile fit together; and an append that waits for room is the visit
/// being active, not idle: VisitTimeout does not end a visit while the destination keeps it waiting.
/// </summary>
public sealed class IngestBackpressureTests
{
    [Fact]
    public async Task Uncut_rows_reaching_half_of_MaxCachedBytes_are_cut_without_waiting_for_FlushInterval()
    {
        var options = IngestHarness.DefaultOptions(maxCachedBytes: 64 * 1024);
        await using var h = await IngestHarness.OpenAsync(options);
        var visit = h.Controller.StartVisit(1);
        var rows = 0;

        // Stop at the append that crosses half (or at the cut it starts, which may already have shrunk what is held).
        // The loop settles after each append, so the cut can only come from the append that reached half.
        while (h.Controller.Health.NextFlush == 1 && h.Controller.Health.CachedBytes < options.MaxCachedBytes / 2)
        {
            var append = visit.AppendAsync(new PageRow(1, new string('x', 100), rows++));
            Assert.True(append.IsCompletedSuccessfully, $"append {rows} waited for room below half of MaxCachedBytes");
            Assert.True(rows < 10_000, "10,000 rows never reached half of MaxCachedBytes");
            await h.SettleAsync();
        }

        await h.SettleAsync();

        var commit = Assert.Single((await IngestDataset.OpenAsync(h.Storage)).Commits);
        Assert.Equal(rows, Assert.Single(commit.Files).Rows);
        Assert.Equal(TimeSpan.Zero, h.Elapsed);
    }

    [Fact]
    public async Task A_table_reaching_MaxRowsPerFile_is_cut_without_waiting_for_FlushInterval_or_another_append()
    {
        var options = ThreeRowsPerFile();
        await using var h = await IngestHarness.OpenAsync(options);

        // The loop settles after each append, so the cut can only come from the append that filled the table.
        var visit = h.Controller.StartVisit(1);
        for (var i = 0; i < 3; i++)
        {
            await visit.AppendAsync(new PageRow(1, $"https://example.org/1/{i}", 200));
            await h.SettleAsync();
        }

        var commit = Assert.Single((await IngestDataset.OpenAsync(h.Storage)).Commits);
        Assert.Equal(3, Assert.Single(commit.Files).Rows);
        Assert.Equal(TimeSpan.Zero, h.Elapsed);
        Assert.False(visit.Outcome.IsCompleted);
    }

    [Fact]
    public async Task A_visit_whose_append_waits_for_room_does_not_time_out_and_commits_once_the_destination_is_back()
    {
        await using var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(maxCachedBytes: 4096));
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var visit = h.Controller.StartVisit(1);
        var appended = 0;
        while (true)
        {
            var (pending, before) = await h.AppendUntilOneWaitsAsync(visit);
            appended += before;
            var waitedFrom = h.Elapsed;
            await h.RunUntilAsync(() => pending.IsCompleted || h.Elapsed >= waitedFrom + (2 * h.Options.VisitTimeout), step: TimeSpan.FromSeconds(1));
            Assert.False(visit.Outcome.IsCompleted, "the visit ended while its append waited for room");
            if (!pending.IsCompleted)
            {
                await h.ResumeAndCommitAsync(visit, pending, appended);
                return;
            }

            // The append was let through after all: its wake-up was on its way when the helper looked (room appears
            // once a cut is encoded smaller than its rows). Wait on the next one that waits.
            await pending;
            appended++;
        }
    }

    [Fact]
    public async Task A_visit_whose_append_waited_for_room_times_out_once_it_is_idle_again()
    {
        await using var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(maxCachedBytes: 4096));
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var visit = h.Controller.StartVisit(1);
        var (waiting, _) = await h.AppendUntilOneWaitsAsync(visit);
        h.Faults.ClearFaults();
        await h.RunUntilAsync(() => waiting.IsCompleted);
        await waiting;

        // The wait is over and nothing more comes: the visit is idle, and VisitTimeout ends it like any other.
        await h.RunUntilAsync(() => visit.Outcome.IsCompleted);

        var outcome = await visit.Outcome;
        Assert.Equal(VisitState.Incomplete, outcome.State);
        Assert.StartsWith($"not finalized within VisitTimeout ({h.Options.VisitTimeout})", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_append_cancelled_while_it_waits_for_room_appends_nothing_and_its_visit_can_time_out()
    {
        await using var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(maxCachedBytes: 4096));
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var visit = h.Controller.StartVisit(1);
        using var cancel = new CancellationTokenSource();
        var (waiting, appended) = await h.AppendUntilOneWaitsAsync(visit, cancellationToken: cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        // No longer waiting: the controller comes to rest, and once the destination is back the idle visit times out
        // with the rows appended before the cancelled one.
        await h.SettleAsync();
        h.Faults.ClearFaults();
        await h.RunUntilAsync(() => visit.Outcome.IsCompleted);
        var outcome = await visit.Outcome;
        Assert.Equal(VisitState.Incomplete, outcome.State);
        Assert.StartsWith($"not finalized within VisitTimeout ({h.Options.VisitTimeout})", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, appended), (await h.ReadAsync<PageRow>()).Select(r => r.Status).Order());
    }

    [Fact]
    public async Task Rows_appended_while_a_flush_is_retried_wait_at_MaxRowsPerFile_and_no_part_holds_more()
    {
        var options = ThreeRowsPerFile();
        await using var h = await IngestHarness.OpenAsync(options);
        var visit = await h.VisitAsync(1, pages: 1, requests: 0);
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        await Assert.ThrowsAnyAsync<IOException>(() => h.Controller.FlushAsync());

        // Flush 1 is being retried, so nothing more can be cut: the table fills to MaxRowsPerFile and the next row waits.
        for (var i = 1; i <= 3; i++)
        {
            await visit.AppendAsync(new PageRow(1, $"https://example.org/1/{i}", 200));
        }

        var fourth = visit.AppendAsync(new PageRow(1, "https://example.org/1/4", 200)).AsTask();
        Assert.False(fourth.IsCompleted);

        h.Faults.ClearFaults();
        await h.RunUntilAsync(() => fourth.IsCompleted);
        await fourth;
        var done = visit.FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);

        Assert.Equal(VisitState.Committed, (await done).State);
        var parts = (await IngestDataset.OpenAsync(h.Storage)).Commits.SelectMany(c => c.Files).Where(f => f.Table == "pages").ToArray();
        Assert.All(parts, part => Assert.InRange(part.Rows, 1, options.MaxRowsPerFile));
        Assert.Equal(5, parts.Sum(part => part.Rows));
    }

    /// <summary>The harness's timings with <see cref="IngestOptions.MaxRowsPerFile"/> at 3, so a table fills in three appends.</summary>
    private static IngestOptions ThreeRowsPerFile() => new()
    {
        WriterId = "w1",
        MaxRowsPerFile = 3,
        FlushInterval = TimeSpan.FromSeconds(1),
        MaxAge = TimeSpan.FromSeconds(5),
        VisitTimeout = TimeSpan.FromSeconds(30),
    };
}
