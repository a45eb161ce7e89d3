using Amazon.S3.Model;
using Bulwark.Ingest;
using Bulwark.Testing;

namespace Bulwark.Storage.S3.Tests;

[ArrowRecord("pages")]
public sealed partial record S3PageRow(long VisitId, string Url, int Status);

[ArrowRecord("requests")]
public sealed partial record S3RequestRow(long VisitId, string Url, long Bytes);

/// <summary>
/// The ingest controller over S3 against s3rver, in both buckets (the plain one, where create-new commits fall back to the
/// probed check-then-put, and the one that honours If-None-Match): flushes read back exactly, a retry after a write that
/// took effect but reported failure duplicates nothing, one writer id cannot commit one flush twice, and reopening
/// removes parts no commit record names. Flushes are cut by FlushAsync only (FlushInterval is far away), so nothing
/// here depends on the machine's speed; the clock only paces retries.
/// </summary>
[Collection(S3ServerCollection.Name)]
public sealed class IngestOverS3Tests(S3ServerFixture server) : IDisposable
{
    private const string Writer = "s3-writer";

    // A bound on a hang, not a speed expectation.
    private readonly CancellationTokenSource guard = new(TimeSpan.FromMinutes(5));

    public void Dispose() => guard.Dispose();

    [S3Theory]
    [InlineData(S3ServerFixture.PlainBucket)]
    [InlineData(S3ServerFixture.ConditionalBucket)]
    public async Task VisitsOverTwoTablesCommitToS3AndReadBackExactly(string bucket)
    {
        using var backend = server.CreateBackend(bucket);
        var pages = new List<S3PageRow>();
        var requests = new List<S3RequestRow>();
        var outcomes = new List<Task<VisitOutcome>>();
        await using (var ingest = await IngestController.OpenAsync(backend, Options()))
        {
            // Visit 100 spans every flush: rows in the first three, its completion in the fourth.
            var spanning = ingest.StartVisit(100);
            for (var flush = 0; flush < 3; flush++)
            {
                await AppendAsync(spanning, pages, requests, pageRows: 1, requestRows: 1);
                for (var v = 1; v <= 4; v++)
                {
                    var id = (flush * 4) + v;
                    var visit = ingest.StartVisit(id);
                    await AppendAsync(visit, pages, requests, pageRows: (id % 3) + 1, requestRows: v - 1);
                    outcomes.Add(visit.FinalizeAsync(success: id != 6, id == 6 ? "dns failure" : null));
                }

                await ingest.FlushAsync(guard.Token);
            }

            outcomes.Add(spanning.FinalizeAsync(success: true));
            await ingest.FlushAsync(guard.Token);
            var ended = await Task.WhenAll(outcomes).WaitAsync(guard.Token);
            Assert.Equal([6L], ended.Where(o => o.State == VisitState.Incomplete).Select(o => o.VisitId));
            Assert.Equal("finalized as failed: dns failure", ended.Single(o => o.VisitId == 6).Reason);
        }

        // Another backend over the same prefix: what any reader of the bucket sees.
        using var reader = server.CreateBackend(bucket, configure: o => o.Prefix = backend.Prefix);
        var dataset = await IngestDataset.OpenAsync(reader, guard.Token);
        Assert.Equal([1L, 2L, 3L, 4L], dataset.Commits.Select(c => c.Flush));
        Assert.Equal([100L], dataset.Commits[3].CompletedVisits);
        Assert.Equal(ByVisit(pages, r => r.VisitId), ByVisit(await ReadAsync<S3PageRow>(dataset), r => r.VisitId));
        Assert.Equal(ByVisit(requests, r => r.VisitId), ByVisit(await ReadAsync<S3RequestRow>(dataset), r => r.VisitId));
        Assert.Equal([new IncompleteVisit(6, "finalized as failed: dns failure")], await ReadAsync<IncompleteVisit>(dataset));
        Assert.Equal(PartNames(1, 2, 3), await NamesAsync(reader, "pages"));
        Assert.Equal(PartNames(1, 2, 3), await NamesAsync(reader, "requests"));
        var status = await dataset.GetStatusAsync(guard.Token);
        Assert.Empty(status.UnreferencedParts);
        Assert.Empty(status.UnendedVisits);
    }

    [S3Theory]
    [InlineData(S3ServerFixture.PlainBucket)]
    [InlineData(S3ServerFixture.ConditionalBucket)]
    public async Task AFlushRetriedAfterWritesThatTookEffectButReportedFailureWritesNoDuplicate(string bucket)
    {
        using var backend = server.CreateBackend(bucket);
        var faults = new FaultInjectingBackend(backend)
            .FailWhen(StorageOperationKind.Rename, p => p.StartsWith("pages/", StringComparison.Ordinal), timing: FaultTiming.After)
            .FailWhen(StorageOperationKind.Rename, p => p.StartsWith("_commits/", StringComparison.Ordinal), timing: FaultTiming.After);
        var pages = new List<S3PageRow>();
        var requests = new List<S3RequestRow>();
        await using (var ingest = await IngestController.OpenAsync(faults, Options()))
        {
            var visit = ingest.StartVisit(1);
            await AppendAsync(visit, pages, requests, pageRows: 3, requestRows: 2);
            var done = visit.FinalizeAsync(success: true);

            // The part's PUT landed and the commit record's PUT landed, each reported as failed: the loop retries the
            // same flush, finds each object holding its bytes, and goes on. Nothing else may fail.
            var failedAttempts = 0;
            while (true)
            {
                try
                {
                    await ingest.FlushAsync(guard.Token);
                    break;
                }
                catch (InjectedFaultException)
                {
                    Assert.True(++failedAttempts <= 2, "more flush attempts failed than faults were injected");
                }
            }

            Assert.Equal(new VisitOutcome(1, VisitState.Committed, null), await done.WaitAsync(guard.Token));
            Assert.Equal(2, faults.FaultsFired);
            Assert.Equal(0, ingest.Health.ConsecutiveFailures);
        }

        var dataset = await IngestDataset.OpenAsync(backend, guard.Token);
        Assert.Equal(pages, await ReadAsync<S3PageRow>(dataset));
        Assert.Equal(requests, await ReadAsync<S3RequestRow>(dataset));
        Assert.Equal(PartNames(1), await NamesAsync(backend, "pages"));
        Assert.Equal(PartNames(1), await NamesAsync(backend, "requests"));
        Assert.Equal([$"000000000001-{Writer}.json"], await NamesAsync(backend, "_commits"));

        // Below the prefix, nothing but those three objects (and directory markers): no second copy of anything.
        var keys = await ObjectKeysAsync(backend);
        Assert.Equal([$"_commits/000000000001-{Writer}.json", .. PartNames(1).Select(n => $"pages/{n}"), .. PartNames(1).Select(n => $"requests/{n}")], keys.Where(k => !k.EndsWith('/')).Order(StringComparer.Ordinal));
    }

    [S3Theory]
    [InlineData(S3ServerFixture.PlainBucket)]
    [InlineData(S3ServerFixture.ConditionalBucket)]
    public async Task TwoControllersWithOneWriterIdCannotBothCommitTheSameFlush(string bucket)
    {
        using var backend = server.CreateBackend(bucket);
        var first = await IngestController.OpenAsync(backend, Options(shutdown: TimeSpan.FromSeconds(1)));
        await using var firstDisposal = first;

        // The writer's lock object keeps a second controller out...
        var refused = await Assert.ThrowsAsync<StorageLockedException>(() => IngestController.OpenAsync(backend, Options()));
        Assert.Contains($"ingest writer '{Writer}'", refused.Message, StringComparison.Ordinal);

        // ...until someone deletes it, believing its holder dead. Then both hold flush 1, with other rows, and race.
        Assert.True(await backend.DeleteAsync($"_locks/{Writer}.lock"));
        var second = await IngestController.OpenAsync(backend, Options(shutdown: TimeSpan.FromSeconds(1)));
        await using var secondDisposal = second;
        var rows = new[] { (Pages: new List<S3PageRow>(), Requests: new List<S3RequestRow>()), (Pages: new List<S3PageRow>(), Requests: new List<S3RequestRow>()) };
        var controllers = new[] { first, second };
        var outcomes = new Task<VisitOutcome>[2];
        for (var c = 0; c < 2; c++)
        {
            var visit = controllers[c].StartVisit(c + 1);
            await AppendAsync(visit, rows[c].Pages, rows[c].Requests, pageRows: 2 + c, requestRows: 1 + c);
            outcomes[c] = visit.FinalizeAsync(success: true);
        }

        var attempts = await Task.WhenAll(controllers.Select(async controller =>
        {
            try
            {
                await controller.FlushAsync(guard.Token);
                return null;
            }
            catch (IngestWriterConflictException exception)
            {
                return exception;
            }
        }));

        var winner = Array.FindIndex(attempts, a => a is null);
        Assert.True(winner >= 0 && attempts.Count(a => a is null) == 1, $"exactly one controller must commit flush 1: {string.Join("; ", attempts.Select(a => a?.Message ?? "committed"))}");
        var conflict = attempts[1 - winner]!;
        Assert.Equal(Writer, conflict.WriterId);
        Assert.Equal(new VisitOutcome(winner + 1, VisitState.Committed, null), await outcomes[winner].WaitAsync(guard.Token));

        // The loser keeps retrying, never overwriting; at shutdown its visit is lost (no spill directory), loudly.
        await controllers[1 - winner].DisposeAsync();
        var lost = await outcomes[1 - winner].WaitAsync(guard.Token);
        Assert.Equal(VisitState.Incomplete, lost.State);
        Assert.StartsWith("lost:", lost.Reason, StringComparison.Ordinal);

        var dataset = await IngestDataset.OpenAsync(backend, guard.Token);
        var commit = Assert.Single(dataset.Commits);
        Assert.Equal([winner + 1L], commit.CompletedVisits);
        Assert.Equal(rows[winner].Pages, await ReadAsync<S3PageRow>(dataset));
        Assert.Equal(rows[winner].Requests, await ReadAsync<S3RequestRow>(dataset));
        Assert.Equal(PartNames(1), await NamesAsync(backend, "pages"));
        Assert.Equal(PartNames(1), await NamesAsync(backend, "requests"));
    }

    [S3Theory]
    [InlineData(S3ServerFixture.PlainBucket)]
    [InlineData(S3ServerFixture.ConditionalBucket)]
    public async Task ReopeningRemovesThePartsOfAFlushThatNeverCommitted(string bucket)
    {
        using var backend = server.CreateBackend(bucket);

        // The parts of flush 1 reach S3; its commit record never does.
        var faults = new FaultInjectingBackend(backend).FailWhen(StorageOperationKind.Create, p => p.StartsWith("_commits/", StringComparison.Ordinal), permanent: true);
        Task<VisitOutcome> stranded;
        await using (var ingest = await IngestController.OpenAsync(faults, Options(shutdown: TimeSpan.FromSeconds(1))))
        {
            var visit = ingest.StartVisit(1);
            await AppendAsync(visit, [], [], pageRows: 2, requestRows: 2);
            stranded = visit.FinalizeAsync(success: true);
            await Assert.ThrowsAsync<InjectedFaultException>(() => ingest.FlushAsync(guard.Token));
            Assert.Equal(PartNames(1), await NamesAsync(backend, "pages"));
            Assert.Equal(PartNames(1), await NamesAsync(backend, "requests"));
        }

        Assert.Equal(VisitState.Incomplete, (await stranded.WaitAsync(guard.Token)).State);
        Assert.Empty(await NamesAsync(backend, "_commits"));

        // Reopened (a new process: a new backend over the prefix), the writer removes them and numbers from 1 again;
        // flush 1 of the new run takes the same names with other bytes, which the old parts would have refused.
        using var restarted = server.CreateBackend(bucket, configure: o => o.Prefix = backend.Prefix);
        var pages = new List<S3PageRow>();
        var requests = new List<S3RequestRow>();
        await using (var ingest = await IngestController.OpenAsync(restarted, Options()))
        {
            Assert.Empty(await NamesAsync(restarted, "pages"));
            Assert.Empty(await NamesAsync(restarted, "requests"));
            Assert.Equal(1, ingest.Health.NextFlush);
            var visit = ingest.StartVisit(2);
            await AppendAsync(visit, pages, requests, pageRows: 1, requestRows: 3);
            var done = visit.FinalizeAsync(success: true);
            await ingest.FlushAsync(guard.Token);
            Assert.Equal(VisitState.Committed, (await done.WaitAsync(guard.Token)).State);
        }

        var dataset = await IngestDataset.OpenAsync(restarted, guard.Token);
        Assert.Equal(pages, await ReadAsync<S3PageRow>(dataset));
        Assert.Equal(requests, await ReadAsync<S3RequestRow>(dataset));
        Assert.Empty((await dataset.GetStatusAsync(guard.Token)).UnreferencedParts);
    }

    private static IngestOptions Options(TimeSpan? shutdown = null) => new()
    {
        WriterId = Writer,
        FlushInterval = TimeSpan.FromHours(1),
        MaxAge = TimeSpan.FromHours(1),
        VisitTimeout = TimeSpan.FromHours(1),
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(100),
        ShutdownTimeout = shutdown ?? TimeSpan.FromSeconds(30),
    };

    private static async Task AppendAsync(IngestVisit visit, List<S3PageRow> pages, List<S3RequestRow> requests, int pageRows, int requestRows)
    {
        var id = visit.VisitId;
        for (var i = 0; i < pageRows; i++)
        {
            var row = new S3PageRow(id, $"https://example.org/{id}/{pages.Count}", i % 2 == 0 ? 200 : 404);
            await visit.AppendAsync(row);
            pages.Add(row);
        }

        for (var i = 0; i < requestRows; i++)
        {
            var row = new S3RequestRow(id, $"https://cdn.example.org/{id}/{requests.Count}.js", (id * 1000) + i);
            await visit.AppendAsync(row);
            requests.Add(row);
        }
    }

    private static string[] PartNames(params int[] flushes) => flushes.Select(n => $"part-{n:D12}-{Writer}.parquet").ToArray();

    private static async Task<string[]> NamesAsync(IStorageBackend storage, string directory) =>
        await storage.GetEntryAsync(directory) is null ? [] : (await storage.ListAsync(directory)).Select(e => e.Name).ToArray();

    private static async Task<string[]> ObjectKeysAsync(S3StorageBackend backend)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = backend.Bucket, Prefix = backend.Prefix + "/" };
        ListObjectsV2Response page;
        do
        {
            page = await backend.Client.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key[request.Prefix.Length..]));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return keys.ToArray();
    }

    private static async Task<List<T>> ReadAsync<T>(IngestDataset dataset)
        where T : Records.IArrowRecord<T>
    {
        var rows = new List<T>();
        await foreach (var row in dataset.ReadAsync<T>())
        {
            rows.Add(row);
        }

        return rows;
    }

    private static IEnumerable<T> ByVisit<T>(IEnumerable<T> rows, Func<T, long> visit) => rows.GroupBy(visit).OrderBy(g => g.Key).SelectMany(g => g);
}
