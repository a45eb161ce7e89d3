using System.Collections.Concurrent;
using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// A writer killed while a part was being written leaves its hidden temporary in the table directory: invisible to
/// readers, but disk space nothing else reclaims. Opening the writer again removes its own, never another writer's, and
/// syncs the directories it removed them from (and only those), as it does for the unrecorded parts it removes.
/// </summary>
public sealed class IngestTemporaryCleanupTests
{
    [Fact]
    public async Task Opening_a_writer_removes_the_temporaries_of_its_own_parts_and_keeps_every_other_writers()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileSystemBackend(temp.Path);
        await CommitOneVisitAsync(storage);

        // As a SIGKILL mid-write leaves them: flush 2 of w1 (both formats), flush 1 of w2 (whose open holds its own lock).
        var pages = temp.Join("pages");
        string[] own = [".part-000000000002-w1.parquet.0123456789abcdef.tmp", ".part-000000000002-w1.arrow.fedcba9876543210.tmp"];
        string[] others = [".part-000000000001-w2.parquet.0123456789abcdef.tmp", ".part-000000000002-w10.parquet.0123456789abcdef.tmp", ".notes.txt.0123456789abcdef.tmp"];
        foreach (var name in own.Concat(others))
        {
            await File.WriteAllBytesAsync(Path.Join(pages, name), [1, 2, 3]);
        }

        // And a commit record's temporary, from a kill before its link: w1's goes, w2's stays.
        var commits = temp.Join("_commits");
        await File.WriteAllBytesAsync(Path.Join(commits, ".000000000002-w1.json.0123456789abcdef.tmp"), [1]);
        await File.WriteAllBytesAsync(Path.Join(commits, ".000000000001-w2.json.0123456789abcdef.tmp"), [1]);

        await using (var reopened = await IngestController.OpenAsync(storage, IngestHarness.DefaultOptions(), null, new FakeTimeProvider(IngestHarness.Start)))
        {
            var left = Directory.GetFiles(pages).Select(Path.GetFileName).Where(n => n!.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(others.Order(StringComparer.Ordinal), left);
            Assert.Equal([".000000000001-w2.json.0123456789abcdef.tmp"], Directory.GetFiles(commits).Select(Path.GetFileName).Where(n => n!.StartsWith('.')));
        }

        var rows = new List<PageRow>();
        await foreach (var row in (await IngestDataset.OpenAsync(storage)).ReadAsync<PageRow>())
        {
            rows.Add(row);
        }

        Assert.Equal([new PageRow(1, "https://a.example/", 200)], rows);
    }

    [Theory]
    [InlineData("_commits/.000000000002-w1.json.0123456789abcdef.tmp", "_commits")]
    [InlineData("pages/.part-000000000002-w1.parquet.0123456789abcdef.tmp", "pages")]
    [InlineData("pages/.part-000000000001-w2.parquet.0123456789abcdef.tmp", null)]
    [InlineData("_commits/.000000000001-w2.json.0123456789abcdef.tmp", null)]
    public async Task Opening_a_writer_syncs_the_directories_it_removed_temporaries_from_and_no_other(string temporary, string? synced)
    {
        using var temp = new TempDirectory();
        var events = new ConcurrentQueue<string>();
        var storage = new LocalFileSystemBackend(temp.Path, new RecordingSystemCalls(events));
        await CommitOneVisitAsync(storage);

        await File.WriteAllBytesAsync(temp.Join(temporary), [1, 2, 3]);
        events.Clear();

        await using (await IngestController.OpenAsync(storage, IngestHarness.DefaultOptions(), null, new FakeTimeProvider(IngestHarness.Start)))
        {
            string[] tables = ["_commits", "pages"];
            var syncedTables = tables.Where(t => events.Contains($"fsync {temp.Join(t)}"));
            Assert.Equal(synced is null ? [] : [synced], syncedTables);
            Assert.Equal(synced is not null, !File.Exists(temp.Join(temporary)));
        }
    }

    /// <summary>Writer w1's first open: one visit committed, so that its table and commit directories exist.</summary>
    private static async Task CommitOneVisitAsync(IStorageBackend storage)
    {
        await using var first = await IngestController.OpenAsync(storage, IngestHarness.DefaultOptions(), null, new FakeTimeProvider(IngestHarness.Start));
        var visit = first.StartVisit(1);
        await visit.AppendAsync(new PageRow(1, "https://a.example/", 200));
        var outcome = visit.FinalizeAsync(success: true);
        await first.FlushAsync();
        Assert.Equal(VisitState.Committed, (await outcome).State);
    }
}
