using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// The writer of one frozen flush: parts, their directories' syncs, then the record and its directory's sync (the commit
/// point), and what it makes of a name already taken — its own earlier attempt, or another controller's file.
/// </summary>
public sealed class FlushWriterTests
{
    private static readonly byte[] PagesBytes = [1, 2, 3, 4];
    private static readonly byte[] RequestsBytes = [5, 6, 7];

    [Fact]
    public async Task Parts_and_their_directories_are_durable_before_the_record_is_published_and_synced()
    {
        var storage = new FaultInjectingBackend(new InMemoryBackend());
        var flush = Flush();

        await new FlushWriter(storage).WriteAsync(flush, CancellationToken.None);

        Assert.Equal(
            [
                "Rename pages/part-000000000003-w1.parquet",
                "Rename requests/part-000000000003-w1.parquet",
                "SyncDirectory pages",
                "SyncDirectory requests",
                "Rename _commits/000000000003-w1.json",
                "SyncDirectory _commits",
            ],
            storage.Trace.Where(o => o.Kind is StorageOperationKind.Rename or StorageOperationKind.SyncDirectory).Select(o => $"{o.Kind} {o.Path}"));
        Assert.Equal(PagesBytes, await storage.ReadAllBytesAsync("pages/part-000000000003-w1.parquet"));
        Assert.Equal(flush.RecordBytes, await storage.ReadAllBytesAsync(flush.RecordPath));
    }

    [Fact]
    public async Task Files_an_earlier_attempt_left_with_the_same_bytes_count_as_written()
    {
        var storage = new InMemoryBackend();
        var flush = Flush();
        await WriteRawAsync(storage, "pages/part-000000000003-w1.parquet", PagesBytes);
        await WriteRawAsync(storage, flush.RecordPath, flush.RecordBytes);

        await new FlushWriter(storage).WriteAsync(flush, CancellationToken.None);

        Assert.Equal(RequestsBytes, await storage.ReadAllBytesAsync("requests/part-000000000003-w1.parquet"));
        Assert.Equal(flush.RecordBytes, await storage.ReadAllBytesAsync(flush.RecordPath));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 5 })] // the same length
    [InlineData(new byte[] { 1, 2, 3 })] // shorter
    [InlineData(new byte[] { 1, 2, 3, 4, 5 })] // longer
    public async Task Another_controllers_file_under_the_name_is_a_conflict_and_nothing_is_overwritten(byte[] theirs)
    {
        var storage = new InMemoryBackend();
        var flush = Flush();
        await WriteRawAsync(storage, "pages/part-000000000003-w1.parquet", theirs);

        var conflict = await Assert.ThrowsAsync<IngestWriterConflictException>(() => new FlushWriter(storage).WriteAsync(flush, CancellationToken.None));

        Assert.Equal(("pages/part-000000000003-w1.parquet", "w1"), (conflict.Path, conflict.WriterId));
        Assert.Contains(storage.Description, conflict.Message, StringComparison.Ordinal);
        Assert.Equal(theirs, await storage.ReadAllBytesAsync("pages/part-000000000003-w1.parquet"));
        Assert.Null(await storage.GetEntryAsync(flush.RecordPath));
    }

    [Fact]
    public async Task A_record_that_is_there_byte_for_byte_took_effect_and_its_directory_is_synced()
    {
        var storage = new FaultInjectingBackend(new InMemoryBackend());
        var flush = Flush();
        var writer = new FlushWriter(storage);
        Assert.False(await writer.TookEffectAsync(flush, CancellationToken.None));
        await WriteRawAsync(storage, flush.RecordPath, flush.RecordBytes);
        var before = storage.OperationCount;

        Assert.True(await writer.TookEffectAsync(flush, CancellationToken.None));

        Assert.Equal("SyncDirectory _commits", storage.Trace.Skip(before).Select(o => $"{o.Kind} {o.Path}").Last());
    }

    [Fact]
    public async Task A_record_with_other_bytes_or_a_directory_in_its_place_did_not_take_effect()
    {
        var flush = Flush();
        var other = flush.RecordBytes.ToArray();
        other[^2] ^= 1;
        var storage = new InMemoryBackend();
        await WriteRawAsync(storage, flush.RecordPath, other);
        Assert.False(await new FlushWriter(storage).TookEffectAsync(flush, CancellationToken.None));

        var withDirectory = new InMemoryBackend();
        await withDirectory.CreateDirectoryAsync(flush.RecordPath);
        Assert.False(await new FlushWriter(withDirectory).TookEffectAsync(flush, CancellationToken.None));
    }

    [Theory]
    [InlineData(StorageOperationKind.GetEntry)]
    [InlineData(StorageOperationKind.Read)]
    [InlineData(StorageOperationKind.SyncDirectory)]
    public async Task A_check_that_cannot_finish_says_it_did_not_take_effect(StorageOperationKind failing)
    {
        var storage = new FaultInjectingBackend(new InMemoryBackend());
        var flush = Flush();
        await WriteRawAsync(storage, flush.RecordPath, flush.RecordBytes);
        storage.FailWhen(failing, permanent: true);

        Assert.False(await new FlushWriter(storage).TookEffectAsync(flush, CancellationToken.None));
        Assert.True(storage.FaultsFired > 0);
    }

    [Fact]
    public void A_frozen_flush_counts_its_bytes_rows_and_every_visit_it_touches_once()
    {
        var flush = Flush();
        var withMarks = FrozenFlush.FromParts(flush.Commit with { CompletedVisits = [1, 5], IncompleteVisits = [new IncompleteVisit(9, "timed out")] }, flush.Parts, IngestHarness.Start.AddSeconds(-1));

        Assert.Equal((3L, "w1", 7L), (withMarks.Number, withMarks.Writer, withMarks.Rows));
        Assert.Equal(PagesBytes.Length + RequestsBytes.Length + withMarks.RecordBytes.Length, withMarks.Bytes);
        Assert.Equal([1L, 5L, 9L], withMarks.Visits.Order());
        Assert.Equal(IngestHarness.Start.AddSeconds(-1), withMarks.OldestItem);
        var stored = CommitRecordCodec.Decode(withMarks.RecordPath, withMarks.RecordBytes, 3, "w1");
        Assert.Equal([1L, 5L], stored.CompletedVisits);
        Assert.Equal([new IncompleteVisit(9, "timed out")], stored.IncompleteVisits);
    }

    /// <summary>Flush 3 of writer w1: a pages part and a requests part (their bytes are not decoded here).</summary>
    private static FrozenFlush Flush()
    {
        var files = new[]
        {
            new IngestCommitFile("pages", "pages/part-000000000003-w1.parquet", 4, PagesBytes.Length, CommitRecordCodec.Crc32C(PagesBytes), [new(1, 4)]),
            new IngestCommitFile("requests", "requests/part-000000000003-w1.parquet", 3, RequestsBytes.Length, CommitRecordCodec.Crc32C(RequestsBytes), [new(1, 3)]),
        };
        var commit = new IngestCommit(3, "w1", IngestHarness.Start, files, [1], []);
        return FrozenFlush.FromParts(commit, [new("pages", files[0].Path, PagesBytes), new("requests", files[1].Path, RequestsBytes)], IngestHarness.Start);
    }
}
