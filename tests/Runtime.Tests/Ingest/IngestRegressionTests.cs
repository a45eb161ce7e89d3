using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Checkpoints;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// The storage-controller failures this design replaces, one test each: each fails on the old behaviour (a flush that
/// releases its tokens only after writing every table, a loop that dies on the first error, an unguarded shutdown flush,
/// retries under new random names, an idle debounce, failed or unfinished visits never recorded).
/// </summary>
public sealed class IngestRegressionTests
{
    [Fact]
    public async Task TableAWrittenThenTableBFailsRetryWritesEachTableExactlyOnce()
    {
        await using var h = await IngestHarness.OpenAsync();
        // Tables are written in name order: "pages" lands, then "requests" fails once.
        h.Faults.FailWhen(StorageOperationKind.Rename, p => p.StartsWith("requests/", StringComparison.Ordinal));
        var visits = new List<Task<VisitOutcome>>();
        for (var id = 1; id <= 3; id++)
        {
            visits.Add((await h.VisitAsync(id, pages: 2, requests: 3)).FinalizeAsync(true));
        }

        await h.RunUntilAsync(() => visits.All(v => v.IsCompleted));

        Assert.Equal(1, h.Faults.FaultsFired);
        Assert.All(await Task.WhenAll(visits), o => Assert.Equal(VisitState.Committed, o.State));
        Assert.Equal(6, (await h.ReadAsync<PageRow>()).Count);
        Assert.Equal(9, (await h.ReadAsync<RequestRow>()).Count);
        Assert.Equal(["part-000000000001-w1.parquet"], await h.FilesAsync("pages"));
        Assert.Equal(["part-000000000001-w1.parquet"], await h.FilesAsync("requests"));
        Assert.Equal(["000000000001-w1.json"], await h.FilesAsync("_commits"));
    }

    [Fact]
    public async Task FirstWritesFailWhileIdleCompletionsResolveWithinOneIntervalPlusBackoff()
    {
        await using var h = await IngestHarness.OpenAsync();
        const int failures = 3;
        var left = failures;
        h.Faults.FailWhen(op => op.Kind == StorageOperationKind.Create && Interlocked.Decrement(ref left) >= 0, permanent: true);
        var done = (await h.VisitAsync(1, pages: 1, requests: 1)).FinalizeAsync(true);

        // Idle from here on: nothing else is appended, so only the loop's own retries can get the visit committed.
        var sawFailure = false;
        await h.RunUntilAsync(() =>
        {
            sawFailure |= h.Controller.Health.ConsecutiveFailures > 0;
            return done.IsCompleted;
        });

        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.True(sawFailure);
        Assert.Equal(failures, h.Faults.FaultsFired);
        var bound = h.Options.FlushInterval + (failures * h.Options.MaxRetryDelay) + TimeSpan.FromMilliseconds(50 * (failures + 2));
        Assert.True(h.Elapsed <= bound, $"committed after {h.Elapsed}, more than one flush interval plus backoff ({bound})");
        var health = h.Controller.Health;
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.NotNull(health.LastSuccess);
        Assert.Null(health.OldestPendingAge);
    }

    [Fact]
    public async Task ShutdownFlushFailingOnceStillCommits()
    {
        var h = await IngestHarness.OpenAsync();
        var done = (await h.VisitAsync(1, pages: 2, requests: 0)).FinalizeAsync(true);
        h.Faults.FailWhen(StorageOperationKind.Rename, p => p.StartsWith("_commits/", StringComparison.Ordinal));
        await h.ShutdownAsync();

        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.Equal(2, (await h.ReadAsync<PageRow>()).Count);
    }

    [Fact]
    public async Task ShutdownWithDestinationDownSpillsThenReplayCommitsExactlyOnce()
    {
        using var temp = new TempDirectory();
        var spill = temp.Join("spill");
        var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(spill));
        var ok = (await h.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);
        var failed = (await h.VisitAsync(2, pages: 1, requests: 0)).FinalizeAsync(false, "crawler crashed");
        var open = await h.VisitAsync(3, pages: 1, requests: 1);
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        await h.ShutdownAsync();

        var outcomes = new[] { await ok, await failed, await open.Outcome };
        Assert.All(outcomes, o => Assert.Equal(VisitState.Incomplete, o.State));
        Assert.All(outcomes, o => Assert.Contains($"spilled to '{spill}", o.Reason, StringComparison.Ordinal));
        Assert.Contains("crawler crashed", outcomes[1].Reason, StringComparison.Ordinal);
        Assert.Empty(await h.ReadAsync<PageRow>());
        var spilledPages = Path.Join(Directory.GetDirectories(spill).Single(), "pages.arrow");
        Assert.True((await File.ReadAllBytesAsync(spilledPages)).AsSpan().StartsWith(FileMagic.ArrowFile), $"{spilledPages} is not an Arrow IPC file");

        // Replay into the destination, now reachable; a crash mid-replay (the commit record fails) is finished by the next replay.
        var flaky = new FaultInjectingBackend(h.Storage);
        flaky.FailWhen(StorageOperationKind.Rename, p => p.StartsWith("_commits/", StringComparison.Ordinal));
        await Assert.ThrowsAsync<InjectedFaultException>(() => IngestSpill.ReplayAsync(spill, flaky));
        var first = await IngestSpill.ReplayAsync(spill, flaky);
        var second = await IngestSpill.ReplayAsync(spill, h.Storage);

        Assert.Single(first.Replayed);
        Assert.Empty(second.Replayed);
        Assert.Empty(Directory.EnumerateFileSystemEntries(spill));
        Assert.Equal(4, (await h.ReadAsync<PageRow>()).Count);
        Assert.Equal(2, (await h.ReadAsync<RequestRow>()).Count);
        var incomplete = await h.ReadAsync<IncompleteVisit>();
        Assert.Equal([1L, 2L, 3L], incomplete.Select(v => v.VisitId).Order());
        Assert.All(incomplete, v => Assert.Contains("spilled to", v.Reason, StringComparison.Ordinal));

        // Each visit's own reason stays in front of the spill's, and no visit takes another's.
        var reasons = incomplete.ToDictionary(v => v.VisitId, v => v.Reason);
        Assert.StartsWith($"spilled to '{spill}", reasons[1], StringComparison.Ordinal);
        Assert.StartsWith($"finalized as failed: crawler crashed; spilled to '{spill}", reasons[2], StringComparison.Ordinal);
        Assert.StartsWith($"the controller was disposed before the visit was finalized; spilled to '{spill}", reasons[3], StringComparison.Ordinal);

        // Spills are Arrow IPC files; replay converts them to the dataset's format (Parquet by default).
        var part = Assert.Single(await h.FilesAsync("pages"));
        Assert.True(FileMagic.IsParquet(await h.Storage.ReadAllBytesAsync($"pages/{part}")), $"pages/{part} is not Parquet");
        Assert.Single(await h.FilesAsync("pages"));
    }

    [Fact]
    public async Task ReplayOfASpillWhoseFlushTookEffectCommitsNothingTwice()
    {
        using var temp = new TempDirectory();
        var spill = temp.Join("spill");
        var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(spill));
        var done = (await h.VisitAsync(1, pages: 2, requests: 0)).FinalizeAsync(true);

        // The commit record lands but every attempt reports failure: the controller must spill, yet the flush is there.
        h.Faults.FailWhen(StorageOperationKind.Rename, p => p.StartsWith("_commits/", StringComparison.Ordinal), permanent: true, timing: FaultTiming.After);
        h.Faults.FailWhen(StorageOperationKind.Read, permanent: true);
        h.Faults.FailWhen(StorageOperationKind.GetEntry, permanent: true);
        await h.ShutdownAsync();
        Assert.Equal(VisitState.Incomplete, (await done).State);

        var result = await IngestSpill.ReplayAsync(spill, h.Storage);
        Assert.Empty(result.Replayed);
        Assert.Single(result.AlreadyCommitted);
        Assert.Equal(2, (await h.ReadAsync<PageRow>()).Count);
        Assert.Equal(["part-000000000001-w1.parquet"], await h.FilesAsync("pages"));

        // The visit was reported Incomplete (spilled), so it is listed as such, by a commit of that mark alone.
        Assert.Equal(1, Assert.Single(await h.ReadAsync<IncompleteVisit>()).VisitId);
        Assert.Equal(2, (await h.FilesAsync("_commits")).Length);
        Assert.Empty((await IngestSpill.ReplayAsync(spill, h.Storage)).AlreadyCommitted);
    }

    [Fact]
    public async Task ShutdownFindsAFlushThatTookEffectAndReportsItCommittedInsteadOfSpilling()
    {
        using var temp = new TempDirectory();
        var spill = temp.Join("spill");
        var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(spill));
        var done = (await h.VisitAsync(1, pages: 2, requests: 0)).FinalizeAsync(true);

        // The commit record lands but the attempt reports failure; from then on no file can be created.
        h.Faults.FailWhen(StorageOperationKind.Rename, p => p.StartsWith("_commits/", StringComparison.Ordinal), timing: FaultTiming.After);
        h.Faults.FailWhen(op => op.Kind == StorageOperationKind.Create && h.Faults.FaultsFired > 0, permanent: true);
        await h.ShutdownAsync();

        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.False(Directory.Exists(spill) && Directory.EnumerateFileSystemEntries(spill).Any());
        Assert.Equal(2, (await h.ReadAsync<PageRow>()).Count);
    }

    [Fact]
    public async Task VisitNeverFinalizedIsIncompleteAfterVisitTimeoutFromItsLastActivity()
    {
        await using var h = await IngestHarness.OpenAsync();
        var visit = await h.VisitAsync(7, pages: 1, requests: 0);
        await h.RunUntilAsync(() => false || h.Elapsed >= TimeSpan.FromSeconds(20));
        await visit.AppendAsync(new PageRow(7, "late", 200));
        await h.RunUntilAsync(() => h.Elapsed >= TimeSpan.FromSeconds(45));
        Assert.False(visit.Outcome.IsCompleted, "timed out before VisitTimeout had passed since its last append");

        await h.RunUntilAsync(() => visit.Outcome.IsCompleted, TimeSpan.FromSeconds(30));
        var outcome = await visit.Outcome;
        Assert.Equal(VisitState.Incomplete, outcome.State);
        Assert.Contains("VisitTimeout", outcome.Reason, StringComparison.Ordinal);
        var listed = Assert.Single(await h.ReadAsync<IncompleteVisit>());
        Assert.Equal(7, listed.VisitId);
        Assert.Equal(2, (await h.ReadAsync<PageRow>()).Count);
    }

    [Fact]
    public async Task FailedVisitWithoutRecordsIsListed()
    {
        await using var h = await IngestHarness.OpenAsync();
        var done = h.Controller.StartVisit(9).FinalizeAsync(false, "DNS failure");
        await h.RunUntilAsync(() => done.IsCompleted);

        Assert.Equal(new VisitOutcome(9, VisitState.Incomplete, "finalized as failed: DNS failure"), await done);
        Assert.Equal([new IncompleteVisit(9, "finalized as failed: DNS failure")], await h.ReadAsync<IncompleteVisit>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TrickleOfRecordsFasterThanTheFlushIntervalCommitsWithinMaxAge(bool idleDebounce)
    {
        var options = IngestHarness.DefaultOptions();
        options = new IngestOptions
        {
            WriterId = options.WriterId,
            FlushInterval = options.FlushInterval,
            MaxAge = options.MaxAge,
            RetryDelay = options.RetryDelay,
            MaxRetryDelay = options.MaxRetryDelay,
            Deviations = idleDebounce ? IngestDeviation.IdleDebounce : IngestDeviation.None,
        };
        await using var h = await IngestHarness.OpenAsync(options);
        var appended = new Dictionary<long, DateTimeOffset>();
        var committed = new Dictionary<long, DateTimeOffset>();
        var pending = new Dictionary<long, Task<VisitOutcome>>();

        // The fake clock stands still while the loop settles, so a visit seen completed right after settling completed
        // at the clock's current time: no continuation has to run in time for the measurement to be exact.
        void Observe()
        {
            foreach (var (visit, done) in pending.Where(p => p.Value.IsCompleted).ToArray())
            {
                committed[visit] = h.Time.GetUtcNow();
                pending.Remove(visit);
            }
        }

        for (var id = 1; id <= 60; id++)
        {
            appended[id] = h.Time.GetUtcNow();
            pending[id] = (await h.VisitAsync(id, pages: 1, requests: 0)).FinalizeAsync(true);
            await h.SettleAsync();
            Observe();
            h.Time.Advance(TimeSpan.FromMilliseconds(200));
            await h.SettleAsync();
            Observe();
        }

        // While the trickle ran, visits must have committed; measured per visit, never later than MaxAge.
        {
            var late = appended.Where(a => !committed.TryGetValue(a.Key, out var at) || at - a.Value > options.MaxAge).Select(a => a.Key).ToArray();
            if (idleDebounce)
            {
                Assert.NotEmpty(late); // the old idle debounce: a steady trickle starves the flush
            }
            else
            {
                var cutoff = h.Time.GetUtcNow() - options.MaxAge;
                Assert.DoesNotContain(late, id => appended[id] < cutoff);
                Assert.True(committed.Count >= 50, $"only {committed.Count} of 60 visits committed during the trickle");
            }
        }
    }

    [Fact]
    public async Task CommitRecordThatTookEffectButReportedFailureCountsAsSuccess()
    {
        await using var h = await IngestHarness.OpenAsync();
        h.Faults.FailWhen(StorageOperationKind.Rename, p => p.StartsWith("_commits/", StringComparison.Ordinal), timing: FaultTiming.After);
        var done = (await h.VisitAsync(1, pages: 3, requests: 0)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);

        Assert.Equal(1, h.Faults.FaultsFired);
        Assert.Equal(VisitState.Committed, (await done).State);
        Assert.Equal(["000000000001-w1.json"], await h.FilesAsync("_commits"));
        Assert.Equal(3, (await h.ReadAsync<PageRow>()).Count);
        var next = (await h.VisitAsync(2, pages: 1, requests: 0)).FinalizeAsync(true);
        await h.RunUntilAsync(() => next.IsCompleted);
        Assert.Equal(["000000000001-w1.json", "000000000002-w1.json"], await h.FilesAsync("_commits"));
    }

    [Fact]
    public async Task SecondControllerWithTheSameWriterIdCannotCommitTheSameFlush()
    {
        // Where the store can lock, the second controller cannot even open.
        await using (var locked = await IngestHarness.OpenAsync())
        {
            await Assert.ThrowsAsync<StorageLockedException>(() => IngestController.OpenAsync(locked.Storage, locked.Options, null, locked.Time));
        }

        // Where it cannot (object storage), the no-replace commit fences it: nothing of the first is overwritten.
        var storage = new LocklessBackend(new InMemoryBackend());
        await using var first = await IngestHarness.OpenAsync(storage: storage);
        var second = await IngestController.OpenAsync(storage, first.Options, null, first.Time);
        var winner = (await first.VisitAsync(1, pages: 2, requests: 0)).FinalizeAsync(true);
        await first.RunUntilAsync(() => winner.IsCompleted);

        await second.StartVisit(2).AppendAsync(new PageRow(2, "other", 500));
        await Assert.ThrowsAsync<IngestWriterConflictException>(() => second.FlushAsync());
        Assert.Equal([1L, 1L], (await first.ReadAsync<PageRow>()).Select(r => r.VisitId));
        Assert.Equal(["part-000000000001-w1.parquet"], await first.FilesAsync("pages"));
        await IngestHarness.ShutdownAsync(second, first.Time);
    }

    /// <summary>
    /// A visit whose rows were committed but whose end was spilled is not unfinished: the spill holds its outcome, and
    /// recovery must leave it to the replay instead of closing it as "the previous run stopped".
    /// </summary>
    [Fact]
    public async Task RecoveryLeavesAVisitWhoseEndWasSpilledToTheReplay()
    {
        using var temp = new TempDirectory();
        var options = IngestHarness.DefaultOptions(temp.Join("spill"));
        var h = await IngestHarness.OpenAsync(options);
        var visit = await h.VisitAsync(1, pages: 2, requests: 0);
        await h.Controller.FlushAsync(); // flush 1: visit 1's rows, committed; the visit has not ended
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var done = visit.FinalizeAsync(true);
        await h.ShutdownAsync(); // flush 2, visit 1's end, is spilled
        Assert.Equal(VisitState.Incomplete, (await done).State);

        var reopened = await IngestHarness.OpenAsync(options, storage: h.Storage);
        await reopened.ShutdownAsync();

        Assert.Empty(await reopened.ReadAsync<IncompleteVisit>());
        await IngestSpill.ReplayAsync(options.SpillDirectory!, h.Storage, options);
        var closed = Assert.Single(await reopened.ReadAsync<IncompleteVisit>());
        Assert.Equal(1, closed.VisitId);
        Assert.StartsWith("spilled to", closed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecoveryRemovesUncommittedPartsAndResumesNumbering()
    {
        var crash = new CrashSimulatingBackend();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(IngestHarness.Start);
        var h = await IngestHarness.OpenAsync(storage: new LocklessBackend(crash), time: time);
        var done = (await h.VisitAsync(1, pages: 1, requests: 1)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);
        var unfinished = await h.VisitAsync(2, pages: 1, requests: 0);
        await h.Controller.FlushAsync(); // flush 2 holds visit 2's row, but visit 2 never ends
        h.Faults.FailWhen(StorageOperationKind.Create, p => p.StartsWith("_commits/", StringComparison.Ordinal), permanent: true);
        await h.VisitAsync(3, pages: 1, requests: 1);
        await Assert.ThrowsAnyAsync<IOException>(() => h.Controller.FlushAsync()); // flush 3: parts written, no commit record
        Assert.Single(await h.FilesAsync("requests"), n => n.Contains("000000000003", StringComparison.Ordinal));

        // Power cut: the process is gone; only what was durable remains.
        var state = crash.Crash();
        var reopened = await IngestHarness.OpenAsync(storage: CrashSimulatingBackend.FromState(state), time: new(IngestHarness.Start));
        Assert.Equal(["part-000000000001-w1.parquet"], await reopened.FilesAsync("requests"));
        Assert.Equal(["part-000000000001-w1.parquet", "part-000000000002-w1.parquet"], await reopened.FilesAsync("pages"));
        Assert.Equal(3, reopened.Controller.Health.NextFlush);

        var later = (await reopened.VisitAsync(4, pages: 1, requests: 0)).FinalizeAsync(true);
        await reopened.RunUntilAsync(() => later.IsCompleted);
        Assert.Equal(["000000000001-w1.json", "000000000002-w1.json", "000000000003-w1.json"], await reopened.FilesAsync("_commits"));
        Assert.Equal([1L, 2L, 4L], (await reopened.ReadAsync<PageRow>()).Select(r => r.VisitId));
        var closed = Assert.Single(await reopened.ReadAsync<IncompleteVisit>());
        Assert.Equal(2, closed.VisitId);
        Assert.Contains("previous run", closed.Reason, StringComparison.Ordinal);
        await reopened.ShutdownAsync();
        Assert.False(unfinished.Outcome.IsCompleted);
        h.Faults.ClearFaults();
        await h.ShutdownAsync();
    }

    [Fact]
    public async Task TwoVisitsWithUnencodableRecordsInOneTableBothLeaveTheirRowsOut()
    {
        await using var h = await IngestHarness.OpenAsync();
        var first = await h.VisitAsync(1, pages: 2, requests: 0);
        await Assert.ThrowsAsync<IngestRecordException>(async () => await first.AppendAsync(new PageRow(1, "broken \uD800", 200)));
        var second = await h.VisitAsync(2, pages: 2, requests: 0);
        await Assert.ThrowsAsync<IngestRecordException>(async () => await second.AppendAsync(new PageRow(2, "broken \uD800", 200)));
        var done = (await h.VisitAsync(3, pages: 1, requests: 0)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);

        // Dropping the second visit's rows must not forget the first's.
        Assert.Equal([3L], (await h.ReadAsync<PageRow>()).Select(r => r.VisitId));
        Assert.Equal([1L, 2L], (await h.ReadAsync<IncompleteVisit>()).Select(v => v.VisitId).Order());
    }

    [Fact]
    public async Task RowsDroppedWithARejectedRecordNoLongerCountTowardsMaxRowsPerFile()
    {
        await using var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(maxRowsPerFile: 3));
        var bad = await h.VisitAsync(1, pages: 2, requests: 0);
        await Assert.ThrowsAsync<IngestRecordException>(async () => await bad.AppendAsync(new PageRow(1, "broken \uD800", 200)));

        // The table holds no row that will be written, so two more fit without waiting for a cut.
        var visit = h.Controller.StartVisit(2);
        Assert.True(visit.AppendAsync(new PageRow(2, "https://example.org/2/0", 200)).IsCompletedSuccessfully);
        Assert.True(visit.AppendAsync(new PageRow(2, "https://example.org/2/1", 200)).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task UnencodableRecordFailsOnlyItsVisit()
    {
        await using var h = await IngestHarness.OpenAsync();
        var good = await h.VisitAsync(1, pages: 2, requests: 1);
        var bad = await h.VisitAsync(2, pages: 1, requests: 1);
        var error = await Assert.ThrowsAsync<IngestRecordException>(async () => await bad.AppendAsync(new PageRow(2, "broken \uD800 surrogate", 200)));
        var other = await h.VisitAsync(3, pages: 1, requests: 0);
        var outcomes = new[] { good.FinalizeAsync(true), bad.FinalizeAsync(true), other.FinalizeAsync(true) };
        await h.RunUntilAsync(() => outcomes.All(o => o.IsCompleted));

        Assert.Equal(2, error.VisitId);
        Assert.Equal("pages", error.Table);
        Assert.Equal(VisitState.Committed, (await outcomes[0]).State);
        Assert.Equal(VisitState.Committed, (await outcomes[2]).State);
        var failed = await outcomes[1];
        Assert.Equal(VisitState.Incomplete, failed.State);
        Assert.Equal($"a record for table 'pages' could not be encoded ({error.InnerException!.Message}); its 1 cached rows of that table were discarded", failed.Reason);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await bad.AppendAsync(new PageRow(2, "after", 200)));
        Assert.Equal([1L, 1L, 3L], (await h.ReadAsync<PageRow>()).Select(r => r.VisitId));
        Assert.Equal([1L, 2L], (await h.ReadAsync<RequestRow>()).Select(r => r.VisitId));
        Assert.Equal(2, Assert.Single(await h.ReadAsync<IncompleteVisit>()).VisitId);
    }

    [Fact]
    public async Task AppendWaitsAtMaxCachedBytesAndResumesAfterAFlush()
    {
        var options = IngestHarness.DefaultOptions(maxCachedBytes: 4096);
        await using var h = await IngestHarness.OpenAsync(options);
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        var visit = h.Controller.StartVisit(1);
        var (pending, appended) = await h.AppendUntilOneWaitsAsync(
            visit,
            () => Assert.True(h.Controller.Health.CachedBytes <= options.MaxCachedBytes + 256, $"{h.Controller.Health.CachedBytes} bytes held"));
        Assert.True(h.Controller.Health.CachedBytes <= options.MaxCachedBytes + 256);

        await h.ResumeAndCommitAsync(visit, pending, appended);
    }
}
