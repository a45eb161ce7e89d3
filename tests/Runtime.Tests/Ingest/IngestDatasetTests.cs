using Bulwark.Ingest;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>What readers and <c>bulwark ingest status</c> see of a dataset.</summary>
public sealed class IngestDatasetTests
{
    [Fact]
    public async Task StatusCountsTablesAndNamesUnendedVisitsAndUnreferencedParts()
    {
        await using var h = await IngestHarness.OpenAsync();
        var done = (await h.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);
        await h.VisitAsync(2, pages: 3, requests: 0);
        await h.Controller.FlushAsync(); // visit 2's rows are committed, but it has not ended
        h.Faults.FailWhen(StorageOperationKind.Create, p => p.StartsWith("_commits/", StringComparison.Ordinal), permanent: true);
        await h.VisitAsync(3, pages: 1, requests: 0);
        await Assert.ThrowsAnyAsync<IOException>(() => h.Controller.FlushAsync());

        var dataset = await IngestDataset.OpenAsync(h.Storage);
        var status = await dataset.GetStatusAsync();
        Assert.Equal(2, status.Commits);
        Assert.Equal(["pages", "requests"], dataset.Tables);
        var pages = status.Tables.Single(t => t.Table == "pages");
        Assert.Equal((2, 5L, 2L), (pages.Parts, pages.Rows, pages.VisibleRows));
        Assert.Equal([new IngestVisitKey("w1", 2)], status.UnendedVisits);
        Assert.Equal(["pages/part-000000000003-w1.parquet"], status.UnreferencedParts);
        Assert.False(dataset.HasEnded("w1", 2));
        Assert.True(dataset.HasEnded("w1", 1));
        Assert.Equal([1L, 1L], (await h.ReadAsync<PageRow>()).Select(r => r.VisitId));
        h.Faults.ClearFaults();
    }

    [Fact]
    public async Task NullArgumentsAreRefusedByName()
    {
        Assert.Equal("backend", (await Assert.ThrowsAsync<ArgumentNullException>(() => IngestDataset.OpenAsync(null!))).ParamName);
        Assert.Equal("backend", (await Assert.ThrowsAsync<ArgumentNullException>(() => IngestDataset.OpenForInspectionAsync(null!))).ParamName);
        Assert.Equal("fileName", Assert.Throws<ArgumentNullException>(() => IngestDataset.TryParsePartName(null!, out _, out _)).ParamName);
        var dataset = await IngestDataset.OpenAsync(await IngestHarness.OneCommittedFlushAsync(pages: 1, requests: 0));
        Assert.Equal("file", (await Assert.ThrowsAsync<ArgumentNullException>(() => dataset.VerifyPartAsync(null!))).ParamName);
    }

    [Fact]
    public async Task APartWhoseBytesDifferFromItsCommitRecordIsRefused()
    {
        await using var h = await IngestHarness.OpenAsync();
        var done = (await h.VisitAsync(1, pages: 2, requests: 0)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);
        var path = "pages/part-000000000001-w1.parquet";
        var bytes = await h.Storage.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x40;
        await using (var file = await h.Storage.CreateAsync(path))
        {
            await file.WriteAsync(bytes);
            await file.CommitAsync();
        }

        var error = await Assert.ThrowsAsync<IngestDataException>(() => h.ReadAsync<PageRow>());
        Assert.Equal(path, error.Path);
        Assert.Contains("CRC32C", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArrowIpcPartsReadBackLikeParquet()
    {
        var options = IngestHarness.DefaultOptions();
        options = new IngestOptions { WriterId = "w1", Format = IngestFormat.ArrowIpc, FlushInterval = options.FlushInterval, MaxAge = options.MaxAge };
        await using var h = await IngestHarness.OpenAsync(options);
        var done = (await h.VisitAsync(4, pages: 3, requests: 2)).FinalizeAsync(true);
        await h.RunUntilAsync(() => done.IsCompleted);

        Assert.Equal(["part-000000000001-w1.arrow"], await h.FilesAsync("pages"));
        Assert.True((await h.Storage.ReadAllBytesAsync("pages/part-000000000001-w1.arrow")).AsSpan().StartsWith(FileMagic.ArrowFile), "the .arrow part is not an Arrow IPC file");
        Assert.Equal(Enumerable.Range(0, 3).Select(i => new PageRow(4, $"https://example.org/4/{i}", 200)), await h.ReadAsync<PageRow>());
        Assert.Equal(2, (await h.ReadAsync<RequestRow>()).Count);
    }

    [Fact]
    public async Task ADamagedCommitRecordStopsTheWriterFromOpeningAndRemovesNothing()
    {
        var storage = new InMemoryBackend();
        await using (var h = await IngestHarness.OpenAsync(storage: storage))
        {
            var done = (await h.VisitAsync(1, pages: 1, requests: 0)).FinalizeAsync(true);
            await h.RunUntilAsync(() => done.IsCompleted);
        }

        await using (var file = await storage.CreateAsync("_commits/000000000001-w1.json"))
        {
            await file.WriteAsync("{\"format\":1,\"flush\":7}"u8.ToArray());
            await file.CommitAsync();
        }

        var error = await Assert.ThrowsAsync<IngestDataException>(() => IngestController.OpenAsync(storage, IngestHarness.DefaultOptions()));
        Assert.Equal("_commits/000000000001-w1.json", error.Path);
        Assert.Single((await storage.ListAsync("pages")));
    }
}
