using Bulwark.Records;
using Bulwark.Shards;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bulwark.Hosting;

/// <summary>
/// An ingest controller's <see cref="Ingest.IngestHealth"/> as a health check: Healthy while flushes commit and nothing
/// waits longer than MaxAge; Degraded while flushes fail but every pending row is still within MaxAge (the loop is
/// retrying); Unhealthy once a row has waited longer than MaxAge, or while the controller is not running.
/// </summary>
internal sealed class IngestHealthCheck(HostedIngest ingest) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!ingest.IsOpen)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"ingest controller '{ingest.Name}' is not running"));
        }

        var health = ingest.Controller.Health;
        var data = new Dictionary<string, object>
        {
            ["writer_id"] = ingest.Controller.WriterId,
            ["consecutive_failures"] = health.ConsecutiveFailures,
            ["cached_bytes"] = health.CachedBytes,
            ["open_visits"] = health.OpenVisits,
            ["next_flush"] = health.NextFlush,
            ["max_age_seconds"] = health.MaxAge.TotalSeconds,
        };
        if (health.LastSuccess is { } last)
        {
            data["last_success"] = last;
        }

        if (health.OldestPendingAge is { } age)
        {
            data["oldest_pending_age_seconds"] = age.TotalSeconds;
        }

        if (health.LastError is { } error)
        {
            data["last_error"] = error;
        }

        var result = health.OldestPendingAge > health.MaxAge
            ? HealthCheckResult.Unhealthy($"ingest '{ingest.Name}': a pending row has waited {health.OldestPendingAge}, longer than MaxAge {health.MaxAge} ({health.ConsecutiveFailures} failed flushes; last error: {health.LastError ?? "none"})", data: data)
            : health.ConsecutiveFailures > 0
                ? HealthCheckResult.Degraded($"ingest '{ingest.Name}': {health.ConsecutiveFailures} flush attempts failed since the last commit and are being retried; last error: {health.LastError}", data: data)
                : HealthCheckResult.Healthy($"ingest '{ingest.Name}': flushes commit", data);
        return Task.FromResult(result);
    }
}

/// <summary>
/// A checkpointer's state as a health check: Unhealthy while it is not open, after it was fenced off the store by a
/// newer owner, or while its catalog is in doubt; Degraded with damaged checkpoints, or when the newest checkpoint is
/// older than <see cref="CheckpointerHostOptions.MaxCheckpointAge"/>; Healthy otherwise.
/// </summary>
internal sealed class CheckpointerHealthCheck(HostedCheckpointer hosted, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!hosted.IsOpen)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"checkpointer '{hosted.Name}' is not open"));
        }

        var checkpointer = hosted.Checkpointer;
        var latest = checkpointer.Latest;
        var now = time.GetUtcNow();
        var data = new Dictionary<string, object>
        {
            ["store"] = checkpointer.Backend.Description,
            ["checkpoints"] = checkpointer.Checkpoints.Count,
            ["damaged_checkpoints"] = checkpointer.DamagedCheckpoints.Count,
        };
        if (latest is not null)
        {
            data["latest_id"] = latest.Id;
            data["latest_created_at"] = latest.CreatedAt;
            data["latest_age_seconds"] = (now - latest.CreatedAt).TotalSeconds;
        }

        var since = latest?.CreatedAt ?? hosted.StartedAt ?? now;
        HealthCheckResult result;
        if (checkpointer.IsFenced)
        {
            result = HealthCheckResult.Unhealthy($"checkpointer '{hosted.Name}' was fenced off {checkpointer.Backend.Description}: a checkpointer opened later owns the store", data: data);
        }
        else if (checkpointer.IsCatalogInDoubt)
        {
            result = HealthCheckResult.Unhealthy($"checkpointer '{hosted.Name}': the catalog may hold either list after a failed rollback; the next commit rewrites it", data: data);
        }
        else if (checkpointer.DamagedCheckpoints.Count > 0)
        {
            result = HealthCheckResult.Degraded($"checkpointer '{hosted.Name}': {checkpointer.DamagedCheckpoints.Count} damaged checkpoints (see `bulwark checkpoints drop`)", data: data);
        }
        else if (hosted.Options.MaxCheckpointAge is { } maxAge && now - since > maxAge)
        {
            result = HealthCheckResult.Degraded($"checkpointer '{hosted.Name}': no checkpoint committed for {now - since} (MaxCheckpointAge {maxAge})", data: data);
        }
        else
        {
            result = HealthCheckResult.Healthy($"checkpointer '{hosted.Name}': {checkpointer.Checkpoints.Count} checkpoints", data);
        }

        return Task.FromResult(result);
    }
}

/// <summary>
/// A shard's leases as a health check, from one consensus read: Unhealthy when the read fails, or a lease the host
/// holds is gone or expired (appends and reads under it fail); Degraded when a lease has missed heartbeats (less left
/// than LeaseDuration minus two HeartbeatIntervals); Healthy otherwise. The data carry the frontiers.
/// </summary>
internal sealed class ShardHealthCheck<T>(HostedShard<T> hosted, TimeProvider time) : IHealthCheck
    where T : IArrowRecord<T>
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!hosted.IsOpen)
        {
            return HealthCheckResult.Unhealthy($"shard '{hosted.Name}' is not open");
        }

        var options = hosted.Options;
        var data = new Dictionary<string, object> { ["shard_id"] = hosted.Shard.ShardId };
        var problems = new List<string>();
        var degraded = new List<string>();
        try
        {
            var holders = new List<(string Role, string Id, Func<CancellationToken, Task<(ShardHead Head, ShardLease? Lease)>> Probe)>();
            if (hosted.HeldWriter is { } writer)
            {
                holders.Add(("writer", writer.WriterId, writer.ProbeLeaseAsync));
            }

            if (hosted.HeldReader is { } reader)
            {
                holders.Add(("reader", reader.ReaderId, reader.ProbeLeaseAsync));
            }

            if (holders.Count == 0)
            {
                holders.Add(("shard", hosted.Shard.ShardId, ct => hosted.Shard.ProbeAsync(ct)));
            }

            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var fresh = (long)(options.LeaseDuration - (2 * options.HeartbeatInterval)).TotalMilliseconds;
            foreach (var (role, id, probe) in holders)
            {
                var (head, lease) = await probe(cancellationToken).ConfigureAwait(false);
                data["upper"] = head.State.Upper;
                data["since"] = head.State.Since;
                data["seq_no"] = head.SeqNo;
                if (role == "shard")
                {
                    continue;
                }

                data[$"{role}_id"] = id;
                if (lease is null)
                {
                    problems.Add($"the lease of {role} '{id}' is gone (it expired and was removed, or another handle took it over)");
                    continue;
                }

                var left = lease.ExpiresAtMs - nowMs;
                data[$"{role}_lease_expires_in_seconds"] = left / 1000.0;
                if (left <= 0)
                {
                    problems.Add($"the lease of {role} '{id}' expired {-left} ms ago");
                }
                else if (left < fresh)
                {
                    degraded.Add($"the lease of {role} '{id}' has missed heartbeats: {left} ms left of {options.LeaseDuration}");
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"shard '{hosted.Name}': consensus could not be read: {e.Message}", e, data);
        }

        return problems.Count > 0 ? HealthCheckResult.Unhealthy($"shard '{hosted.Name}': {string.Join("; ", problems)}", data: data)
            : degraded.Count > 0 ? HealthCheckResult.Degraded($"shard '{hosted.Name}': {string.Join("; ", degraded)}", data: data)
            : HealthCheckResult.Healthy($"shard '{hosted.Name}': leases held", data);
    }
}
