using Bulwark.Shards;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// A shard's heartbeat renews its lease in the background. Disposing it must wait for a renewal under way: once
/// disposal returns the shard releases its lease, and a renewal that lands after that would extend a lease already given
/// up.
/// </summary>
public sealed class LeaseHeartbeatTests
{
    [Fact]
    public async Task Disposal_returns_only_after_the_renewal_under_way_has_finished()
    {
        var fake = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new ShardOptions { TimeProvider = fake, HeartbeatInterval = TimeSpan.FromSeconds(1) };
        var renewing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var renewalFinished = false;

        var heartbeat = new LeaseHeartbeat(options, NullLogger.Instance, "shard", "holder", () => Guid.Empty, async _ =>
        {
            renewing.TrySetResult();
            await release.Task; // a renewal that does not stop at cancellation, as a request already sent
            Volatile.Write(ref renewalFinished, true);
        });

        // The loop's first wait may not exist yet when the clock first moves: move it until a renewal starts.
        while (!renewing.Task.IsCompleted)
        {
            fake.Advance(options.HeartbeatInterval);
            await Task.WhenAny(renewing.Task, Task.Delay(1));
        }

        var disposal = heartbeat.DisposeAsync().AsTask();
        var finishedWhenDisposed = disposal.ContinueWith(_ => Volatile.Read(ref renewalFinished), TaskScheduler.Default);

        // Give a disposal that does not wait every chance to return first; one that waits cannot, however long this is.
        await Task.WhenAny(disposal, Task.Delay(200));
        release.SetResult();
        await disposal;

        Assert.True(await finishedWhenDisposed, "DisposeAsync returned while a renewal was still under way");
    }
}
