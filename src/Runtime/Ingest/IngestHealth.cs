namespace Bulwark.Ingest;

/// <summary>A snapshot of a controller's state, for health checks and dashboards.</summary>
/// <param name="LastSuccess">When a flush last committed; null before the first.</param>
/// <param name="ConsecutiveFailures">Failed flush attempts since the last commit.</param>
/// <param name="LastError">The last failure's message, while failures continue.</param>
/// <param name="OldestPendingAge">How long the oldest row or mark not yet committed has waited; null when nothing waits.</param>
/// <param name="CachedBytes">Encoded uncut bytes plus the serialized flush being written.</param>
/// <param name="OpenVisits">Visits not yet resolved.</param>
/// <param name="NextFlush">The number the next cut flush gets.</param>
/// <param name="MaxAge">The configured bound, for comparison with <paramref name="OldestPendingAge"/>.</param>
public sealed record IngestHealth(
    DateTimeOffset? LastSuccess,
    int ConsecutiveFailures,
    string? LastError,
    TimeSpan? OldestPendingAge,
    long CachedBytes,
    int OpenVisits,
    long NextFlush,
    TimeSpan MaxAge)
{
    /// <summary>True while the last attempt succeeded and nothing waits longer than MaxAge.</summary>
    public bool IsHealthy => ConsecutiveFailures == 0 && (OldestPendingAge is null || OldestPendingAge <= MaxAge);
}
