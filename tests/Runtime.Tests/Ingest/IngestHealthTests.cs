using Bulwark.Ingest;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>What a health check makes of a controller's snapshot: failing, or a row waiting past MaxAge, is unhealthy.</summary>
public sealed class IngestHealthTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0, null, true)]
    [InlineData(0, 0L, true)]
    [InlineData(0, 30_000L, true)] // exactly MaxAge is still within the bound
    [InlineData(0, 30_001L, false)]
    [InlineData(1, null, false)]
    [InlineData(1, 10L, false)]
    public void Healthy_means_no_failure_since_the_last_commit_and_nothing_waiting_past_MaxAge(int failures, long? oldestMs, bool healthy)
    {
        var health = new IngestHealth(null, failures, failures > 0 ? "injected" : null, oldestMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, 0, 0, 1, MaxAge);

        Assert.Equal(healthy, health.IsHealthy);
    }
}
