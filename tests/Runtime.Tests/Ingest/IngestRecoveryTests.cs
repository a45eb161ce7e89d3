using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// What opening a controller repairs: only its own parts that no record of its own names, wherever a table keeps them;
/// nothing of another writer, of a spill, or outside the tables; then numbering resumes after its own last flush.
/// </summary>
public sealed class IngestRecoveryTests
{
    [Fact]
    public async Task Only_this_writers_unrecorded_parts_are_removed_and_their_directories_synced()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 1, requests: 1);
        string[] orphans = ["pages/part-000000000002-w1.parquet", "requests/part-000000000003-w1.arrow"];
        string[] kept =
        [
            "pages/part-000000000002-w2.parquet", // another writer's flush, perhaps in progress
            "pages/part-000000000002-w10.parquet",
            "pages/notes.txt",
            "_spill/part-000000000002-w1.parquet",
            "part-000000000002-w1.parquet",
        ];
        foreach (var path in orphans.Concat(kept))
        {
            await WriteRawAsync(storage, path, [1]);
        }

        await storage.CreateDirectoryAsync("pages/part-000000000004-w1.parquet");
        var traced = new FaultInjectingBackend(storage);

        var recovery = await IngestRecovery.RunAsync(traced, IngestHarness.DefaultOptions(), CancellationToken.None);

        Assert.Equal(orphans, recovery.RemovedParts);
        foreach (var path in orphans)
        {
            Assert.Null(await storage.GetEntryAsync(path));
        }

        foreach (var path in kept.Append("pages/part-000000000001-w1.parquet"))
        {
            Assert.NotNull(await storage.GetEntryAsync(path));
        }

        Assert.True((await storage.GetEntryAsync("pages/part-000000000004-w1.parquet"))!.IsDirectory);
        var synced = traced.Trace.Where(o => o.Kind == StorageOperationKind.SyncDirectory).Select(o => o.Path).ToArray();
        Assert.Contains("pages", synced);
        Assert.Contains("requests", synced);
        Assert.Equal(2L, recovery.NextFlush);
    }

    [Fact]
    public async Task Numbering_resumes_after_the_writers_own_flushes_and_its_replayed_spills_unended_visits_are_found()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 1, requests: 1);
        var spill = "w1.spill-0123456789abcdef";
        var part = $"pages/part-000000000009-{spill}.parquet";
        await WriteRawAsync(storage, $"_commits/000000000009-{spill}.json", CommitRecordCodec.Encode(new IngestCommit(9, spill, IngestHarness.Start, [new IngestCommitFile("pages", part, 2, 1, 0, [new(77, 2)])], [], [])));
        await WriteRawAsync(storage, "_commits/000000000012-w2.json", CommitRecordCodec.Encode(new IngestCommit(12, "w2", IngestHarness.Start, [new IngestCommitFile("pages", "pages/part-000000000012-w2.parquet", 1, 1, 0, [new(78, 1)])], [], [])));

        var recovery = await IngestRecovery.RunAsync(storage, IngestHarness.DefaultOptions(), CancellationToken.None);

        Assert.Equal(2L, recovery.NextFlush);
        Assert.Equal([77L], recovery.UnfinishedVisits);
        Assert.Empty(recovery.RemovedParts);
    }

    [Fact]
    public async Task Unended_visits_are_handed_back_in_visit_order_whatever_order_the_records_list_them_in()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 1, requests: 1);
        await WriteRawAsync(storage, "_commits/000000000002-w1.json", CommitRecordCodec.Encode(new IngestCommit(2, "w1", IngestHarness.Start, [new IngestCommitFile("pages", "pages/part-000000000002-w1.parquet", 3, 1, 0, [new(90, 2), new(12, 1)])], [], [])));
        await WriteRawAsync(storage, "_commits/000000000003-w1.json", CommitRecordCodec.Encode(new IngestCommit(3, "w1", IngestHarness.Start, [new IngestCommitFile("pages", "pages/part-000000000003-w1.parquet", 2, 1, 0, [new(40, 1), new(90, 1)])], [], [])));

        var recovery = await IngestRecovery.RunAsync(storage, IngestHarness.DefaultOptions(), CancellationToken.None);

        // The controller closes them in this order: it is the order of the next commit's incomplete visits and of
        // the listing `bulwark ingest` shows.
        Assert.Equal([12L, 40L, 90L], recovery.UnfinishedVisits);
        Assert.Equal(4L, recovery.NextFlush);
    }

    [Fact]
    public async Task A_writer_with_no_flush_starts_at_one()
    {
        var recovery = await IngestRecovery.RunAsync(new InMemoryBackend(), IngestHarness.DefaultOptions(), CancellationToken.None);

        Assert.Equal((1L, 0, 0), (recovery.NextFlush, recovery.UnfinishedVisits.Count, recovery.RemovedParts.Count));
    }
}
