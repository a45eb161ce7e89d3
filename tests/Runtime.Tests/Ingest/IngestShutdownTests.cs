using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// What disposal does with a flush the destination never took within ShutdownTimeout: spills it, or, with no spill
/// directory, reports its visits lost, saying why and with the destination's last error; either way the flush's bytes
/// stop counting as held. A second disposal joins the first, and a write that ignores the cancellation at
/// ShutdownTimeout is given a grace to finish before anything is spilled, so that a flush is never both committed and
/// spilled.
/// </summary>
public sealed class IngestShutdownTests
{
    /// <summary>Only a bound on a hang: nothing here waits on real time otherwise.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(10);

    private const string LastError = "last error: Injected permanent fault at ";

    [Fact]
    public async Task Without_a_spill_directory_the_visits_of_a_flush_never_taken_are_lost_with_the_reason()
    {
        using var refused = await RefusedFlush.OpenAsync(spill: false);

        await refused.Harness.ShutdownAsync();

        var outcome = await refused.Done;
        Assert.Equal(VisitState.Incomplete, outcome.State);
        Assert.StartsWith($"lost: the destination did not take flush 1 within ShutdownTimeout (00:00:10) and no SpillDirectory is configured ({LastError}", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(0, refused.Totals[IngestMetrics.Spills]);
        Assert.Equal(0, refused.Totals[IngestMetrics.CachedBytes]);
        Assert.Empty(await refused.Harness.ReadAsync<PageRow>());
    }

    [Fact]
    public async Task A_spilled_flush_is_counted_and_its_visits_say_where_it_went_and_why()
    {
        using var refused = await RefusedFlush.OpenAsync(spill: true);

        await refused.Harness.ShutdownAsync();

        var outcome = await refused.Done;
        Assert.Equal(VisitState.Incomplete, outcome.State);
        Assert.StartsWith($"spilled to '{refused.Spill}", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains($"(the destination did not take it within ShutdownTimeout (00:00:10); {LastError}", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(1, refused.Totals[IngestMetrics.Spills]);
        Assert.Equal(0, refused.Totals[IngestMetrics.CachedBytes]);
    }

    [Fact]
    public async Task A_flush_that_can_neither_be_committed_nor_spilled_is_lost_saying_both()
    {
        using var refused = await RefusedFlush.OpenAsync(spill: true, spillBlocked: true);

        await refused.Harness.ShutdownAsync();

        var outcome = await refused.Done;
        Assert.Equal(VisitState.Incomplete, outcome.State);
        Assert.StartsWith($"lost: flush 1 could not be committed by shutdown nor spilled to '{refused.Spill}': ", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(0, refused.Totals[IngestMetrics.Spills]);
        Assert.Equal(0, refused.Totals[IngestMetrics.CachedBytes]);
    }

    [Fact]
    public async Task A_second_DisposeAsync_during_the_drain_joins_it_and_the_flush_is_spilled_once()
    {
        using var refused = await RefusedFlush.OpenAsync(spill: true);
        var controller = refused.Harness.Controller;

        var first = controller.DisposeAsync().AsTask();
        var second = controller.DisposeAsync().AsTask();

        // Joined, not run again: the second call hands back the first call's disposal.
        Assert.Same(first, second);
        await refused.Harness.ShutdownAsync();
        await Task.WhenAll(first, second);

        Assert.Equal(VisitState.Incomplete, (await refused.Done).State);
        Assert.Equal(1, refused.Totals[IngestMetrics.Spills]);
        Assert.Single(Directory.GetFiles(refused.Spill!, "*.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_commit_under_way_at_ShutdownTimeout_is_given_its_grace_and_its_flush_is_committed_not_spilled()
    {
        using var temp = new TempDirectory();
        var spill = temp.Join("spill");
        var fake = new FakeTimeProvider(IngestHarness.Start);
        var clock = new RecordingTimeProvider(fake);
        var options = IngestHarness.DefaultOptions(spill);
        var storage = new InMemoryBackend();
        var held = new HeldCommitBackend(storage, path => path.StartsWith("_commits/", StringComparison.Ordinal));
        var controller = await IngestController.OpenAsync(held, options, null, clock);
        var visit = controller.StartVisit(1);
        await visit.AppendAsync(new PageRow(1, "https://a.example/", 200));
        var done = visit.FinalizeAsync(success: true);
        var flush = controller.FlushAsync();
        await held.Reached.WaitAsync(HangGuard);

        // ShutdownTimeout passes with the commit record's publication under way; the loop is cancelled, and the
        // shutdown waits a grace for it (a timer shorter than ShutdownTimeout) before it spills anything.
        var graceStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        clock.TimerCreating = due =>
        {
            if (due > TimeSpan.Zero && due < options.ShutdownTimeout)
            {
                graceStarted.TrySetResult();
            }
        };
        var disposal = controller.DisposeAsync().AsTask();
        fake.Advance(options.ShutdownTimeout);
        await Task.WhenAny(graceStarted.Task, disposal).WaitAsync(HangGuard);

        // The publication completes (it cannot be called back); the grace has not run out, as the clock stays put.
        held.Release();
        await disposal.WaitAsync(HangGuard);

        Assert.Equal(VisitState.Committed, (await done).State);
        await flush;
        Assert.False(Directory.Exists(spill) && Directory.EnumerateFileSystemEntries(spill).Any(), "the committed flush was also spilled");
        Assert.Single((await IngestDataset.OpenAsync(storage)).Commits);
    }

    /// <summary>
    /// A controller with private meters (and a spill directory, when asked) holding one finalized visit of two pages
    /// and a request, whose flush the destination refuses for good.
    /// </summary>
    private sealed class RefusedFlush : IDisposable
    {
        private readonly TempDirectory _temp = new();
        private readonly TestMeterFactory _meters = new();

        private RefusedFlush(bool spill, bool spillBlocked)
        {
            Totals = new MeterTotals(_meters, IngestMetrics.MeterName);
            if (spillBlocked)
            {
                // A file where the spill directory's parent should be: the directory cannot be created.
                File.WriteAllText(_temp.Join("blocker"), "not a directory");
            }

            Spill = !spill ? null : spillBlocked ? Path.Combine(_temp.Join("blocker"), "spill") : _temp.Join("spill");
        }

        public MeterTotals Totals { get; }

        public string? Spill { get; }

        public IngestHarness Harness { get; private set; } = null!;

        public Task<VisitOutcome> Done { get; private set; } = null!;

        public static async Task<RefusedFlush> OpenAsync(bool spill, bool spillBlocked = false)
        {
            var refused = new RefusedFlush(spill, spillBlocked);
            refused.Harness = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(refused.Spill, refused._meters));
            refused.Done = (await refused.Harness.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);
            refused.Harness.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
            return refused;
        }

        public void Dispose()
        {
            Totals.Dispose();
            _meters.Dispose();
            _temp.Dispose();
        }
    }
}
