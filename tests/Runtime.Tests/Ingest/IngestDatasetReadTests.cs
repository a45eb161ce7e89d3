using Bulwark.Ingest;
using Bulwark.Storage;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// A reader trusts nothing it reads: each part is checked against what its commit record lists (presence, length,
/// CRC32C, rows) before its rows are shown. These tamper with one committed flush and expect the refusal that names it.
/// </summary>
public sealed class IngestDatasetReadTests
{
    private const string Part = "pages/part-000000000001-w1.parquet";
    private const string Record = "_commits/000000000001-w1.json";

    [Theory]
    [InlineData("part-000000000003-w1.parquet", true, 3L, "w1")]
    [InlineData("part-000000000003-w1.arrow", true, 3L, "w1")]
    [InlineData("part-000000000012-w1.spill-0123456789abcdef.arrow", true, 12L, "w1.spill-0123456789abcdef")]
    [InlineData("part-000000000003-w1.csv", false, 3L, "")]
    [InlineData("part-000000000003-w1", false, 3L, "")]
    [InlineData("part-000000000003-.parquet", false, 3L, "")]
    [InlineData("part-000000000003-w 1.parquet", false, 3L, "")]
    [InlineData("part-00000000003-w1.parquet", false, 0L, "")]
    public void Part_names_give_flush_and_writer(string name, bool parses, long flush, string writer)
    {
        Assert.Equal((parses, flush, writer), (IngestDataset.TryParsePartName(name, out var parsedFlush, out var parsedWriter), parsedFlush, parsedWriter));
    }

    [Fact]
    public async Task A_record_listing_fewer_rows_than_its_part_holds_is_refused_at_the_first_extra_row()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 3, requests: 0);
        await RewriteAsync(storage, file => file with { Rows = 2, Visits = [new(1, 2)] });

        var refusal = await Assert.ThrowsAsync<IngestDataException>(() => ReadPagesAsync(storage));

        Assert.Equal((Part, "it holds more rows than the 2 its commit record lists"), (refusal.Path, refusal.Reason));
    }

    [Fact]
    public async Task A_record_listing_more_rows_than_its_part_holds_is_refused()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 3, requests: 0);
        await RewriteAsync(storage, file => file with { Rows = 4, Visits = [new(1, 4)] });

        var refusal = await Assert.ThrowsAsync<IngestDataException>(() => ReadPagesAsync(storage));

        Assert.Equal((Part, "it holds 3 rows, its commit record lists 4"), (refusal.Path, refusal.Reason));
        var dataset = await IngestDataset.OpenAsync(storage);
        var file = dataset.Commits.Single().Files.Single(f => f.Table == "pages");
        Assert.Equal("it holds 3 rows, its commit record lists 4", await dataset.VerifyPartAsync(file));
        Assert.Null(await dataset.VerifyPartAsync(file, checkContents: false));
    }

    [Fact]
    public async Task A_missing_part_is_named_and_verification_says_so()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 2, requests: 0);
        Assert.True(await storage.DeleteAsync(Part));

        var refusal = await Assert.ThrowsAsync<IngestDataException>(() => ReadPagesAsync(storage));

        Assert.Equal((Part, "a committed part is missing"), (refusal.Path, refusal.Reason));
        Assert.IsType<FileNotFoundException>(refusal.InnerException, exactMatch: false);
        var dataset = await IngestDataset.OpenAsync(storage);
        Assert.Equal("a committed part is missing", await dataset.VerifyPartAsync(dataset.Commits.Single().Files.Single(f => f.Table == "pages"), checkContents: false));
    }

    [Fact]
    public async Task A_part_longer_than_its_record_lists_is_not_read_past_that_length()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 2, requests: 0);
        long listed = 0;
        await RewriteAsync(storage, file => file with { Bytes = listed = file.Bytes - 1 });

        var refusal = await Assert.ThrowsAsync<IngestDataException>(() => ReadPagesAsync(storage));

        Assert.Equal((Part, $"it is longer than the {listed} bytes its commit record lists"), (refusal.Path, refusal.Reason));
        Assert.IsType<StorageException>(refusal.InnerException, exactMatch: false);
    }

    [Fact]
    public async Task A_truncated_part_is_refused_with_both_lengths_and_checksums()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 2, requests: 0);
        var bytes = await storage.ReadAllBytesAsync(Part);
        await WriteRawAsync(storage, Part, bytes[..^1]);

        var refusal = await Assert.ThrowsAsync<IngestDataException>(() => ReadPagesAsync(storage));

        var listed = (await IngestDataset.OpenAsync(storage)).Commits.Single().Files.Single(f => f.Table == "pages");
        Assert.Equal(
            $"its {bytes.Length - 1} bytes (CRC32C {CommitRecordCodec.Crc32C(bytes.AsSpan(0, bytes.Length - 1)):x8}) differ from the {bytes.Length} bytes (CRC32C {listed.Crc32C:x8}) its commit record lists",
            refusal.Reason);
    }

    [Fact]
    public async Task A_part_that_matches_its_record_but_is_no_parquet_is_refused_by_verification()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 2, requests: 0);
        var garbage = "PAR1 not really a parquet file PAR1"u8.ToArray();
        await WriteRawAsync(storage, Part, garbage);
        await RewriteAsync(storage, file => file with { Bytes = garbage.Length, Crc32C = CommitRecordCodec.Crc32C(garbage) });
        var dataset = await IngestDataset.OpenAsync(storage);
        var file = dataset.Commits.Single().Files.Single(f => f.Table == "pages");

        Assert.StartsWith("it cannot be decoded: ", await dataset.VerifyPartAsync(file), StringComparison.Ordinal);
        Assert.Null(await dataset.VerifyPartAsync(file, checkContents: false));
        await Assert.ThrowsAnyAsync<DataFormatException>(() => ReadPagesAsync(storage));
    }

    [Fact]
    public async Task A_sound_part_verifies()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 3, requests: 0);
        var dataset = await IngestDataset.OpenAsync(storage);

        foreach (var file in dataset.Commits.Single().Files)
        {
            Assert.Null(await dataset.VerifyPartAsync(file));
        }

        Assert.Equal(3, (await ReadPagesAsync(storage)).Count);
    }

    [Fact]
    public async Task Inspection_lists_a_damaged_record_where_opening_refuses_it()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 1, requests: 0);
        await WriteRawAsync(storage, "_commits/000000000002-w1.json", "{"u8.ToArray());

        var refusal = await Assert.ThrowsAsync<IngestDataException>(() => IngestDataset.OpenAsync(storage));
        var inspected = await IngestDataset.OpenForInspectionAsync(storage);

        Assert.Equal("_commits/000000000002-w1.json", refusal.Path);
        Assert.Equal([1L], inspected.Commits.Select(c => c.Flush));
        var damaged = Assert.Single(inspected.DamagedCommits);
        Assert.Equal(("_commits/000000000002-w1.json", 2L, "w1", "w1"), (damaged.Path, damaged.Flush, damaged.Writer, damaged.BaseWriter));
        Assert.StartsWith("not a valid commit record", damaged.Reason, StringComparison.Ordinal);
        Assert.Empty((await IngestDataset.OpenAsync(new InMemoryBackend())).Commits);
    }

    [Fact]
    public async Task Status_names_only_part_files_of_table_directories_that_no_record_names()
    {
        var storage = await IngestHarness.OneCommittedFlushAsync(pages: 1, requests: 0);
        await WriteRawAsync(storage, "pages/part-000000000009-w1.parquet", [1]);
        await WriteRawAsync(storage, "pages/notes.txt", [1]);
        await WriteRawAsync(storage, "_spill/part-000000000009-w1.parquet", [1]);
        await WriteRawAsync(storage, "part-000000000009-w1.parquet", [1]);
        await storage.CreateDirectoryAsync("pages/part-000000000010-w1.parquet");

        var status = await (await IngestDataset.OpenAsync(storage)).GetStatusAsync();

        Assert.Equal(["pages/part-000000000009-w1.parquet"], status.UnreferencedParts);
        Assert.Equal((1, 0), (status.Commits, status.IncompleteVisits));
    }

    /// <summary>Stores flush 1's record again with its pages part changed: what a damaged or forged record says.</summary>
    private static async Task RewriteAsync(IStorageBackend storage, Func<IngestCommitFile, IngestCommitFile> change)
    {
        var commit = (await IngestDataset.OpenAsync(storage)).Commits.Single();
        var files = commit.Files.Select(f => f.Path == Part ? change(f) : f).ToArray();
        await WriteRawAsync(storage, Record, CommitRecordCodec.Encode(commit with { Files = files }));
    }

    private static async Task<List<PageRow>> ReadPagesAsync(IStorageBackend storage)
    {
        var rows = new List<PageRow>();
        await foreach (var row in (await IngestDataset.OpenAsync(storage)).ReadAsync<PageRow>())
        {
            rows.Add(row);
        }

        return rows;
    }
}
