using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// I6: once the destination recovers from an outage, every completion pending at that moment resolves within one
/// flush interval plus the backoff the loop had reached — measured on the fake clock, while new records keep arriving.
/// Random timings (flush interval, first and longest retry delay), fault kinds (refused before, or applied but reported
/// failed), outage lengths and visits finalized before and during the outage.
/// </summary>
public sealed class IngestOutagePropertyTests
{
    /// <summary>The fake clock's step after recovery: a resolution is seen at most this late.</summary>
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    private static readonly Arbitrary<int> Seeds = Gen.Choose(0, int.MaxValue).ToArbitrary();

    private static readonly StorageOperationKind[] FlushOperations =
        [StorageOperationKind.Create, StorageOperationKind.Write, StorageOperationKind.Rename, StorageOperationKind.SyncDirectory];

    [Fact]
    public void AfterAnOutageEveryPendingCompletionResolvesWithinOneFlushIntervalPlusTheBackoff() =>
        Prop.ForAll(Seeds, seed =>
        {
            var violation = Task.Run(() => OutageAsync(seed, IngestDeviation.None)).GetAwaiter().GetResult();
            Assert.True(violation is null, violation);
        })
            .Check(Config.QuickThrowOnFailure.WithMaxTest(25));

    /// <summary>
    /// Negative control: a loop that, after recovering, cuts only once appends pause for a flush interval (the idle
    /// debounce) retries its failed flush on time but starves the completions cut after it while records trickle in.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task TheBoundFailsForALoopThatWaitsForAnIdlePauseAfterRecovering(int seed)
    {
        var violation = await OutageAsync(seed, IngestDeviation.IdleDebounce);
        Assert.NotNull(violation);
        Assert.Contains("not resolved", violation, StringComparison.Ordinal);
    }

    /// <summary>Runs one outage; returns what broke the bound, or null.</summary>
    private static async Task<string?> OutageAsync(int seed, IngestDeviation deviations)
    {
        var random = new Random(seed);
        var flushInterval = TimeSpan.FromMilliseconds(random.Next(100, 2_000));
        var maxRetryDelay = TimeSpan.FromMilliseconds(random.Next(50, 4_000));
        var options = new IngestOptions
        {
            WriterId = "outage",
            FlushInterval = flushInterval,
            MaxAge = flushInterval * 2,
            RetryDelay = TimeSpan.FromMilliseconds(random.Next(10, (int)maxRetryDelay.TotalMilliseconds + 1)),
            MaxRetryDelay = maxRetryDelay,
            VisitTimeout = TimeSpan.FromHours(1),
            ShutdownTimeout = TimeSpan.FromSeconds(10),
            Format = random.Next(2) == 0 ? IngestFormat.Parquet : IngestFormat.ArrowIpc,
            Deviations = deviations,
        };
        await using var h = await IngestHarness.OpenAsync(options);
        var pending = new List<(long Id, Task<VisitOutcome> Outcome)>();
        var nextVisit = 1L;
        async Task FinalizeNewVisitAsync()
        {
            var id = nextVisit++;
            pending.Add((id, (await h.VisitAsync(id, random.Next(3), random.Next(3))).FinalizeAsync(true)));
        }

        // Healthy first, now and then.
        for (var i = random.Next(3); i > 0; i--)
        {
            await FinalizeNewVisitAsync();
        }

        await h.RunUntilAsync(() => pending.All(p => p.Outcome.IsCompleted));

        // The outage: every flush attempt is refused at one kind of operation, and perhaps another kind takes effect
        // but reports failure. Visits are finalized before the loop meets it and after its flush has failed.
        h.Faults.FailWhen(FlushOperations[random.Next(FlushOperations.Length)], permanent: true, timing: FaultTiming.Before);
        if (random.Next(2) == 0)
        {
            h.Faults.FailWhen(FlushOperations[random.Next(FlushOperations.Length)], permanent: true, timing: FaultTiming.After);
        }

        await FinalizeNewVisitAsync();
        await h.RunUntilAsync(() => h.Controller.Health.ConsecutiveFailures > 0, step: TimeSpan.FromMilliseconds(100));
        await FinalizeNewVisitAsync();
        for (var i = random.Next(6); i > 0; i--)
        {
            if (random.Next(2) == 0)
            {
                await FinalizeNewVisitAsync();
            }
            else
            {
                var until = h.Time.GetUtcNow() + TimeSpan.FromMilliseconds(random.Next((int)(3 * maxRetryDelay.TotalMilliseconds)));
                await h.RunUntilAsync(() => h.Time.GetUtcNow() >= until, step: TimeSpan.FromMilliseconds(100));
            }
        }

        // Recovery. The bound is the backoff formula's longest delay after this many failures (jitter only shortens
        // it; the retry was scheduled at the last failure, at or before now) plus one flush interval for what was
        // cached behind the failed flush.
        await h.SettleAsync();
        var failures = h.Controller.Health.ConsecutiveFailures;
        h.Faults.ClearFaults();
        var recovered = h.Time.GetUtcNow();
        var backoff = TimeSpan.FromTicks((long)Math.Min(maxRetryDelay.Ticks, options.RetryDelay.Ticks * Math.Pow(2, Math.Min(failures - 1, 30))));
        var bound = flushInterval + backoff;
        var waiting = pending.Where(p => !p.Outcome.IsCompleted).ToArray();
        if (failures == 0 || waiting.Length == 0)
        {
            return $"seed {seed}: the outage left {failures} failures and {waiting.Length} pending completions; it tested nothing";
        }

        // Records keep arriving after the recovery (a visit that never ends), faster than one per flush interval.
        var trickle = h.Controller.StartVisit(nextVisit);
        var resolvedAt = new Dictionary<long, TimeSpan>();
        for (var appended = 0; ; h.Time.Advance(Step))
        {
            await h.SettleAsync();
            var elapsed = h.Time.GetUtcNow() - recovered;
            foreach (var (id, outcome) in waiting.Where(w => w.Outcome.IsCompleted && !resolvedAt.ContainsKey(w.Id)))
            {
                resolvedAt[id] = elapsed;
            }

            if (resolvedAt.Count == waiting.Length || elapsed > 2 * bound)
            {
                break;
            }

            if (elapsed >= appended * (flushInterval / 4))
            {
                await trickle.AppendAsync(new PageRow(trickle.VisitId, $"https://example.org/trickle/{appended++}", 200));
            }
        }

        var context = $"seed {seed}: FlushInterval {flushInterval}, RetryDelay {options.RetryDelay}, MaxRetryDelay {maxRetryDelay}, {failures} failures, bound {bound}";
        foreach (var (id, outcome) in waiting)
        {
            if (!resolvedAt.TryGetValue(id, out var after))
            {
                return $"{context}: visit {id} not resolved {2 * bound} after the recovery; {h.Controller.DebugState}";
            }

            if ((await outcome).State != VisitState.Committed)
            {
                return $"{context}: visit {id} resolved {(await outcome).State} ({(await outcome).Reason}) after the recovery";
            }

            if (after > bound + Step)
            {
                return $"{context}: visit {id} resolved {after} after the recovery";
            }
        }

        return null;
    }
}
