using System.Text.Json.Nodes;
using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// Replay commits what a spill's manifest says, so a damaged manifest is refused naming it and what is wrong, before
/// anything reaches the dataset: committed, it would be a record that every later reader of the dataset refuses.
/// </summary>
public sealed class IngestSpillManifestTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    public static TheoryData<string, string> Defects => new()
    {
        { "flush 0", "flush 0 is not a flush number" },
        { "flush past twelve digits", "flush 1000000000000 is not a flush number" },
        { "a repeated table", "table 'pages' is repeated or is the one replay writes itself" },
        { "a table named incomplete_visits", "table 'incomplete_visits' is repeated or is the one replay writes itself" },
        { "a visit segment without rows", "part 'pages.arrow' has a malformed visit segment" },
        { "a visit segment of no rows", "part 'pages.arrow' has a malformed visit segment" },
        { "visit rows that do not add up", "part 'pages.arrow' lists 2 visit rows but holds 3" },
        { "a table of no visit", "part 'pages.arrow' lists 0 visit rows but holds 2" },
        { "a table of no visit and no rows", "part 'pages.arrow' lists 0 visit rows but holds 0" },
        { "no incomplete list", "the spill manifest is incomplete or names an invalid writer, spill id or table" },
        { "a writer id with a dot", "the spill manifest is incomplete or names an invalid writer, spill id or table" },
        { "a table name that leaves the dataset", "the spill manifest is incomplete or names an invalid writer, spill id or table" },
    };

    [Theory]
    [MemberData(nameof(Defects))]
    public async Task A_damaged_manifest_is_refused_and_nothing_is_committed(string defect, string reason)
    {
        var (h, spill) = await SpillOneFlushAsync();
        var manifestPath = Path.Join(Directory.GetDirectories(spill).Single(), IngestSpill.ManifestName);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!.AsObject();
        var pages = manifest["tables"]!.AsArray().Single(t => (string?)t!["table"] == "pages")!.AsObject();
        switch (defect)
        {
            case "flush 0": manifest["flush"] = 0; break;
            case "flush past twelve digits": manifest["flush"] = 1_000_000_000_000; break;
            case "a repeated table": manifest["tables"]!.AsArray().Add(pages.DeepClone()); break;
            case "a table named incomplete_visits": pages["table"] = "incomplete_visits"; break;
            case "a visit segment without rows": pages["visits"] = new JsonArray(new JsonArray(1)); break;
            case "a visit segment of no rows": pages["visits"] = new JsonArray(new JsonArray(1, 2), new JsonArray(7, 0)); break;
            case "visit rows that do not add up": pages["rows"] = 3; break;
            case "a table of no visit": pages["visits"] = new JsonArray(); break;
            case "a table of no visit and no rows": pages["visits"] = new JsonArray(); pages["rows"] = 0; break;
            case "no incomplete list": manifest.Remove("incomplete"); break;
            case "a writer id with a dot": manifest["writer"] = "w1.x"; break;
            case "a table name that leaves the dataset": pages["table"] = "../pages"; break;
            default: throw new ArgumentOutOfRangeException(nameof(defect), defect, null);
        }

        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());

        var refused = await Assert.ThrowsAsync<IngestDataException>(() => IngestSpill.ReplayAsync(spill, h.Storage, IngestHarness.DefaultOptions()));

        Assert.Equal((manifestPath, reason), (refused.Path, refused.Reason));
        Assert.Null(await h.Storage.GetEntryAsync("_commits"));
        Assert.True(File.Exists(manifestPath));
    }

    [Fact]
    public async Task The_untouched_manifest_replays()
    {
        var (h, spill) = await SpillOneFlushAsync();

        var result = await IngestSpill.ReplayAsync(spill, h.Storage, IngestHarness.DefaultOptions());

        var commit = Assert.Single(result.Replayed);
        Assert.Equal([2L, 1L], commit.Files.Where(f => f.Table != "incomplete_visits").OrderBy(f => f.Table, StringComparer.Ordinal).Select(f => f.Rows));
        Assert.Equal(2, (await h.ReadAsync<PageRow>()).Count);
    }

    [Fact]
    public async Task The_last_twelve_digit_flush_number_replays()
    {
        var (h, spill) = await SpillOneFlushAsync();
        var manifestPath = Path.Join(Directory.GetDirectories(spill).Single(), IngestSpill.ManifestName);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!.AsObject();
        manifest["flush"] = 999_999_999_999;
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());

        var commit = Assert.Single((await IngestSpill.ReplayAsync(spill, h.Storage, IngestHarness.DefaultOptions())).Replayed);

        Assert.Equal(999_999_999_999, commit.Flush);
        Assert.Equal(2, (await h.ReadAsync<PageRow>()).Count);
    }

    [Fact]
    public async Task A_spilled_table_file_without_a_batch_is_refused_naming_it()
    {
        var (h, spill) = await SpillOneFlushAsync();
        var pagesPath = Path.Join(Directory.GetDirectories(spill).Single(), "pages.arrow");
        await File.WriteAllBytesAsync(pagesPath, await PartCodec.EncodeAsync([], PageRow.ArrowSchema, IngestFormat.ArrowIpc, CancellationToken.None));

        var refused = await Assert.ThrowsAsync<IngestDataException>(() => IngestSpill.ReplayAsync(spill, h.Storage, IngestHarness.DefaultOptions()));

        Assert.Equal((pagesPath, "the part holds no batch, so its schema is unknown"), (refused.Path, refused.Reason));
        Assert.Null(await h.Storage.GetEntryAsync("_commits"));
    }

    [Fact]
    public async Task Replay_refuses_bad_arguments_by_name_and_logs_each_spill_it_replays()
    {
        var (h, spill) = await SpillOneFlushAsync();

        Assert.Equal("spillDirectory", (await Assert.ThrowsAnyAsync<ArgumentException>(() => IngestSpill.ReplayAsync("", h.Storage))).ParamName);
        Assert.Equal("destination", (await Assert.ThrowsAsync<ArgumentNullException>(() => IngestSpill.ReplayAsync(spill, null!))).ParamName);
        var invalid = await Assert.ThrowsAnyAsync<ArgumentException>(() => IngestSpill.ReplayAsync(spill, h.Storage, new IngestOptions { MaxRowsPerFile = 0 }));
        Assert.Equal(nameof(IngestOptions.MaxRowsPerFile), invalid.ParamName);
        Assert.Single(Directory.GetDirectories(spill));

        var logger = new RecordingLogger();
        var commit = Assert.Single((await IngestSpill.ReplayAsync(spill, h.Storage, IngestHarness.DefaultOptions(), logger)).Replayed);
        var replayed = Assert.Single(logger.Named("Replayed"));
        Assert.Equal(commit.Flush, replayed.Fields["Flush"]);
    }

    [Fact]
    public async Task A_file_beside_the_spills_is_neither_replayed_nor_reported_nor_removed()
    {
        var (h, spill) = await SpillOneFlushAsync();
        var stray = Path.Join(spill, "notes.txt");
        await File.WriteAllTextAsync(stray, "not a spill");

        var result = await IngestSpill.ReplayAsync(spill, h.Storage, IngestHarness.DefaultOptions());

        Assert.Single(result.Replayed);
        Assert.Empty(result.Skipped);
        Assert.True(File.Exists(stray));
    }

    [Fact]
    public async Task An_incomplete_visit_listed_without_a_reason_is_replayed_as_spilled()
    {
        var (h, spill) = await SpillOneFlushAsync();
        var manifestPath = Path.Join(Directory.GetDirectories(spill).Single(), IngestSpill.ManifestName);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!.AsObject();
        manifest["incomplete"]!.AsArray().Single()!.AsObject().Remove("reason");
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());

        await IngestSpill.ReplayAsync(spill, h.Storage, IngestHarness.DefaultOptions());

        var visit = Assert.Single(await h.ReadAsync<IncompleteVisit>());
        Assert.Equal((1L, "spilled"), (visit.VisitId, visit.Reason));
    }

    [Fact]
    public async Task A_manifest_that_lists_no_incomplete_visit_replays_without_an_incomplete_visits_part()
    {
        var (h, spill) = await SpillOneFlushAsync();
        var manifestPath = Path.Join(Directory.GetDirectories(spill).Single(), IngestSpill.ManifestName);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!.AsObject();
        manifest["incomplete"] = new JsonArray();
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());

        var commit = Assert.Single((await IngestSpill.ReplayAsync(spill, h.Storage, IngestHarness.DefaultOptions())).Replayed);

        Assert.Equal(["pages", "requests"], commit.Files.Select(f => f.Table).Order(StringComparer.Ordinal));
        Assert.Empty(commit.IncompleteVisits);
        Assert.Empty(await h.FilesAsync("incomplete_visits"));
    }

    /// <summary>Visit 1 (2 pages, 1 request) spilled at shutdown because the destination refused every write.</summary>
    private async Task<(IngestHarness Harness, string Spill)> SpillOneFlushAsync()
    {
        var spill = temp.Join("spill");
        var h = await IngestHarness.OpenAsync(IngestHarness.DefaultOptions(spill));
        var done = (await h.VisitAsync(1, pages: 2, requests: 1)).FinalizeAsync(true);
        h.Faults.FailWhen(StorageOperationKind.Create, permanent: true);
        await h.ShutdownAsync();
        Assert.Equal(VisitState.Incomplete, (await done).State);
        return (h, spill);
    }
}
