using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// What a health check makes of a controller's snapshot: failing, or a row waiting past MaxAge, is unhealthy; and how
/// long the oldest row has waited is counted from its append, not from the cut that took it into a flush.
/// </summary>
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

    [Fact]
    public async Task The_oldest_pending_age_of_a_flush_being_retried_counts_from_its_first_row_not_from_its_cut()
    {
        await using var h = await IngestHarness.OpenAsync();
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var done = (await h.VisitAsync(1, pages: 1, requests: 0)).FinalizeAsync(true);

        // The row came at the start; the flush interval (1 s) cuts it, and the destination refuses every attempt.
        await h.RunUntilAsync(() => h.Elapsed >= TimeSpan.FromSeconds(3));

        var health = h.Controller.Health;
        Assert.True(health.ConsecutiveFailures > 0);
        Assert.Equal(h.Elapsed, health.OldestPendingAge);
        Assert.False(done.IsCompleted);

        // Nothing is uncut: what is held is the flush being retried, all of it.
        Assert.True(health.CachedBytes > 0, $"a flush being retried holds {health.CachedBytes} bytes");

        // Rows that came later do not make the oldest pending row younger.
        await h.VisitAsync(2, pages: 1, requests: 0);
        Assert.Equal(h.Elapsed, h.Controller.Health.OldestPendingAge);
    }

    [Fact]
    public async Task On_the_system_clock_a_row_is_stamped_with_the_time_it_came()
    {
        // The system clock is read at most once per millisecond tick for appends, not per record; the stamp must
        // still be the time of the append. An hour-long interval keeps the row uncut while the test looks at it.
        var options = new IngestOptions { WriterId = "w1", FlushInterval = TimeSpan.FromHours(1), MaxAge = TimeSpan.FromHours(2), VisitTimeout = TimeSpan.FromHours(1) };
        var controller = await IngestController.OpenAsync(new InMemoryBackend(), options);
        try
        {
            await controller.AppendAsync(1, new PageRow(1, "https://example.org/1", 200));

            var age = controller.Health.OldestPendingAge;
            Assert.NotNull(age);
            Assert.InRange(age.Value, TimeSpan.Zero, TimeSpan.FromMinutes(30));
        }
        finally
        {
            await controller.DisposeAsync();
        }
    }
}
