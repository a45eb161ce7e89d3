using Bulwark.Ingest;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// A flush the destination refuses is retried after a delay that doubles with each failure up to MaxRetryDelay, each
/// drawn from ½ to all of it so that many writers do not retry in step.
/// </summary>
public sealed class IngestRetryTests
{
    [Fact]
    public async Task Retries_back_off_exponentially_up_to_MaxRetryDelay_with_jitter_in_its_upper_half()
    {
        await using var h = await IngestHarness.OpenAsync();
        const int failures = 7; // 100 ms doubled to 800 ms, then three at the 1 s cap
        var attempts = new List<TimeSpan>();
        h.Faults.FailWhen(
            op =>
            {
                lock (attempts)
                {
                    // An attempt's first file: each failed attempt stops there.
                    if (op.Kind != StorageOperationKind.Create || op.Path.StartsWith("_commits/", StringComparison.Ordinal))
                    {
                        return false;
                    }

                    attempts.Add(h.Elapsed);
                    return attempts.Count <= failures;
                }
            },
            permanent: true);

        var done = (await h.VisitAsync(1, pages: 1, requests: 0)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);

        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.Equal(failures + 1, attempts.Count);
        for (var n = 1; n <= failures; n++)
        {
            var full = TimeSpan.FromTicks(Math.Min(h.Options.MaxRetryDelay.Ticks, h.Options.RetryDelay.Ticks << (n - 1)));
            Assert.InRange(attempts[n] - attempts[n - 1], full / 2, full + IngestHarness.ObservationSlack);
        }
    }
}
