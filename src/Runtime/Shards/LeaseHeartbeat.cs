using Microsoft.Extensions.Logging;

namespace Bulwark.Shards;

/// <summary>
/// Renews a lease every <see cref="ShardOptions.HeartbeatInterval"/> on the shard's clock. A failed renewal is logged
/// and tried again at the next tick: one transient consensus error must not end the loop and let the lease expire.
/// </summary>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LeaseHeartbeat(ShardOptions options, ILogger logger, string shardId, string holderId, Func<Guid> leaseId, Func<CancellationToken, Task> renew)
    {
        _loop = RunAsync(options, logger, shardId, holderId, leaseId, renew, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private static async Task RunAsync(ShardOptions options, ILogger logger, string shardId, string holderId, Func<Guid> leaseId, Func<CancellationToken, Task> renew, CancellationToken stop)
    {
        // Yield first so that the constructor returns before the loop's first wait is set up.
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.HeartbeatInterval, options.TimeProvider, stop).ConfigureAwait(false);
                await renew(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                ShardLog.HeartbeatFailed(logger, e, leaseId(), holderId, shardId);
            }
        }
    }
}
