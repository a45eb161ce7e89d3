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
}
