using Bulwark.Ingest;
using Bulwark.Storage;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// The loop's timer is relative to a clock reading taken just before it is created, so a fake clock moved in between
/// makes it fire late — and a test that waits for the loop before moving the clock again then waits forever (seen as
/// "the ingest loop did not settle … parkedUntil=00:00:01 … now=00:00:01" on a loaded machine). The loop must not
/// look quiescent until its timer exists.
/// </summary>
public sealed class IngestLoopParkingTests
{
    [Fact]
    public async Task TheLoopIsNeverQuiescentWhileItCreatesItsTimer()
    {
        var fake = new FakeTimeProvider(IngestHarness.Start);
        var spy = new TimerSpy(fake);
        var controller = await IngestController.OpenAsync(new InMemoryBackend(), IngestHarness.DefaultOptions(), null, spy);
        spy.Controller = controller;

        var visit = controller.StartVisit(1);
        await visit.AppendAsync(new PageRow(1, "https://example.org/1", 200));
        var done = visit.FinalizeAsync(true);
        await IngestHarness.RunUntilAsync(controller, fake, () => done.IsCompleted);
        Assert.Equal(VisitState.Committed, (await done).State);

        // Parked at least once with a deadline (the cut due after FlushInterval), so timers were made while watched.
        Assert.True(spy.Created > 0, "the loop never parked with a deadline");
        Assert.Equal(0, spy.CreatedWhileQuiescent);

        spy.Controller = null;
        await IngestHarness.ShutdownAsync(controller, fake);
    }

    /// <summary>The fake clock, noting whether the controller called itself quiescent each time a timer was created.</summary>
    private sealed class TimerSpy(FakeTimeProvider inner) : TimeProvider
    {
        private int _created;
        private int _createdWhileQuiescent;

        public IngestController? Controller { get; set; }

        public int Created => Volatile.Read(ref _created);

        public int CreatedWhileQuiescent => Volatile.Read(ref _createdWhileQuiescent);

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (Controller is { } controller)
            {
                Interlocked.Increment(ref _created);
                if (controller.IsQuiescent)
                {
                    Interlocked.Increment(ref _createdWhileQuiescent);
                }
            }

            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }
}
