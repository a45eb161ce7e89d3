using System.Reflection;
using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// The loop's timer is relative to a clock reading taken just before it is created, so a fake clock moved in between
/// makes it fire late — and a test that waits for the loop before moving the clock again then waits forever (seen as
/// "the ingest loop did not settle … parkedUntil=00:00:01 … now=00:00:01" on a loaded machine). The loop must not
/// look quiescent until its timer exists. And whatever it parks for, the earliest thing due wakes it: a cut due sooner
/// than the visit timeout it sleeps until, or the first of several idle visits to time out.
/// </summary>
public sealed class IngestLoopParkingTests
{
    [Fact]
    public async Task TheLoopIsNeverQuiescentWhileItCreatesItsTimer()
    {
        var fake = new FakeTimeProvider(IngestHarness.Start);
        var clock = new RecordingTimeProvider(fake);
        var controller = await IngestController.OpenAsync(new InMemoryBackend(), IngestHarness.DefaultOptions(), null, clock);
        var created = 0;
        var createdWhileQuiescent = 0;
        clock.TimerCreating = _ =>
        {
            Interlocked.Increment(ref created);
            if (controller.IsQuiescent)
            {
                Interlocked.Increment(ref createdWhileQuiescent);
            }
        };

        var visit = controller.StartVisit(1);
        await visit.AppendAsync(new PageRow(1, "https://example.org/1", 200));
        var done = visit.FinalizeAsync(true);
        await IngestHarness.RunUntilAsync(controller, fake, () => done.IsCompleted);
        Assert.Equal(VisitState.Committed, (await done).State);

        // Parked at least once with a deadline (the cut due after FlushInterval), so timers were made while watched.
        Assert.True(Volatile.Read(ref created) > 0, "the loop never parked with a deadline");
        Assert.Equal(0, Volatile.Read(ref createdWhileQuiescent));

        clock.TimerCreating = null;
        await IngestHarness.ShutdownAsync(controller, fake);
    }

    [Fact]
    public async Task A_cut_due_sooner_than_the_parked_deadline_wakes_the_loop()
    {
        await using var h = await IngestHarness.OpenAsync();
        var idle = h.Controller.StartVisit(1);
        await IngestHarness.SettleAsync(h.Controller); // parked until visit 1 times out, VisitTimeout from now
        var start = h.Elapsed;

        var done = (await h.VisitAsync(2, pages: 1, requests: 0)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);

        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.InRange(h.Elapsed - start, h.Options.FlushInterval, h.Options.FlushInterval + IngestHarness.ObservationSlack);
        Assert.False(idle.Outcome.IsCompleted);
    }

    [Fact]
    public async Task The_first_idle_visit_times_out_at_its_own_deadline_though_others_opened_after_it()
    {
        await using var h = await IngestHarness.OpenAsync();
        var first = h.Controller.StartVisit(1);
        await h.RunUntilAsync(() => h.Elapsed >= TimeSpan.FromSeconds(5));
        var second = h.Controller.StartVisit(2);

        // A flush after both opened: the loop plans its next wake-up with both visits idle.
        var done = (await h.VisitAsync(3, pages: 1, requests: 0)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);
        await h.RunUntilAsync(() => first.Outcome.IsCompleted);

        var outcome = await first.Outcome;
        Assert.Equal(VisitState.Incomplete, outcome.State);
        Assert.StartsWith($"not finalized within VisitTimeout ({h.Options.VisitTimeout})", outcome.Reason, StringComparison.Ordinal);
        // Its timeout, then the flush of its incomplete mark one FlushInterval later.
        Assert.InRange(h.Elapsed, h.Options.VisitTimeout + h.Options.FlushInterval, h.Options.VisitTimeout + h.Options.FlushInterval + IngestHarness.ObservationSlack);
        Assert.False(second.Outcome.IsCompleted);
    }

    [Fact]
    public async Task A_visit_times_out_at_its_deadline_though_the_next_cut_is_due_later()
    {
        var options = new IngestOptions
        {
            WriterId = "w1",
            FlushInterval = TimeSpan.FromMinutes(10),
            MaxAge = TimeSpan.FromMinutes(20),
            VisitTimeout = TimeSpan.FromSeconds(30),
            RetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        };
        await using var h = await IngestHarness.OpenAsync(options);

        // Its row waits for a cut ten minutes away; the visit's own deadline comes first and must wake the loop.
        var visit = await h.VisitAsync(1, pages: 1, requests: 0);
        await h.RunUntilAsync(() => h.Elapsed >= options.VisitTimeout + IngestHarness.ObservationSlack);
        await h.SettleAsync();

        var late = await Assert.ThrowsAsync<InvalidOperationException>(() => visit.AppendAsync(new PageRow(1, "late", 200)).AsTask());
        Assert.StartsWith($"Visit 1 has already ended (not finalized within VisitTimeout ({options.VisitTimeout})", late.Message, StringComparison.Ordinal);
        Assert.True(h.Elapsed < options.FlushInterval);
    }

    [Fact]
    public async Task A_visit_opened_while_the_loop_sleeps_with_nothing_to_do_times_out()
    {
        await using var h = await IngestHarness.OpenAsync();
        await h.SettleAsync(); // nothing cached and no visit: parked with no deadline

        var idle = h.Controller.StartVisit(1);
        await h.RunUntilAsync(() => idle.Outcome.IsCompleted);

        Assert.Equal(VisitState.Incomplete, (await idle.Outcome).State);
        Assert.InRange(h.Elapsed, h.Options.VisitTimeout, h.Options.VisitTimeout + h.Options.FlushInterval + IngestHarness.ObservationSlack);
    }

    /// <summary>
    /// Task.Delay drops a fraction of a millisecond: a loop that asked it for the 0.3 ms left to a deadline got no wait,
    /// found the deadline not yet due and parked again, spinning at full CPU — forever inside a test's
    /// FakeTimeProvider.Advance, whose clock could then never move (a mutation run's test run stuck for 20 minutes on
    /// a retry due 282.5 µs after the clock's time). The loop rounds its wait up to whole milliseconds.
    /// </summary>
    [Fact]
    public async Task A_deadline_a_fraction_of_a_millisecond_past_a_whole_one_is_waited_for_whole()
    {
        var fake = new FakeTimeProvider(IngestHarness.Start);
        var clock = new RecordingTimeProvider(fake);
        var options = IngestHarness.DefaultOptions(visitTimeout: TimeSpan.FromSeconds(1) + TimeSpan.FromTicks(3_000));
        var controller = await IngestController.OpenAsync(new InMemoryBackend(), options, null, clock);
        var visit = controller.StartVisit(1);
        await IngestHarness.SettleAsync(controller);

        // Parked until the idle visit's deadline, 1000.3 ms away: a timer of 1001 ms, not one of 1000 that would wake
        // the loop 0.3 ms early to a wait of nothing.
        Assert.Equal(TimeSpan.FromMilliseconds(1001), clock.DueTimes[^1]);

        await IngestHarness.RunUntilAsync(controller, fake, () => visit.Outcome.IsCompleted, step: TimeSpan.FromMilliseconds(1));
        Assert.Equal(VisitState.Incomplete, (await visit.Outcome).State);
        await IngestHarness.ShutdownAsync(controller, fake);
    }

    [Theory]
    [InlineData(3_000, 1)]
    [InlineData(10_000, 1)]
    [InlineData(10_001, 2)]
    [InlineData(0, 0)]
    [InlineData(-5_000, 0)]
    public void The_wait_for_a_deadline_is_rounded_up_to_whole_milliseconds(long ticksAway, int milliseconds)
    {
        var now = IngestHarness.Start;
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), IngestController.DelayUntil(now + TimeSpan.FromTicks(ticksAway), now));
    }

    /// <summary>
    /// An append woken to try for room again resumes on a thread-pool thread. Until it is back under the controller's
    /// lock the controller is not at rest: a test that moved the clock meanwhile ran out its fake minutes in a few real
    /// milliseconds while the append waited for a thread (seen on a loaded CI machine as "not done within 00:05:00 of
    /// fake time" with the append still waiting and nothing held). Holding the lock keeps the woken append from coming
    /// back, so the moment is caught every time; the lock and the wake are private, hence reflection.
    /// </summary>
    [Fact]
    public async Task An_append_woken_to_try_again_keeps_the_controller_from_rest_until_it_is_back()
    {
        await using var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(maxCachedBytes: 4096));
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var visit = h.Controller.StartVisit(1);
        var (waiting, appended) = await h.AppendUntilOneWaitsAsync(visit);
        Assert.True(h.Controller.IsQuiescent);

        var gate = (Lock)typeof(IngestController).GetField("_gate", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(h.Controller)!;
        var releaseSpace = typeof(IngestController).GetMethod("ReleaseSpace", BindingFlags.NonPublic | BindingFlags.Instance)!;
        using (gate.EnterScope())
        {
            releaseSpace.Invoke(h.Controller, null);
            Assert.False(waiting.IsCompleted);
            Assert.False(h.Controller.IsQuiescent, h.Controller.DebugState);
        }

        // Back, it finds no room yet and waits again; then the destination returns and the append goes through.
        await h.SettleAsync();
        Assert.False(waiting.IsCompleted);
        await h.ResumeAndCommitAsync(visit, waiting, appended);
    }
}
