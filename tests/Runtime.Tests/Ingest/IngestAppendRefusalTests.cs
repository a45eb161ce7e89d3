using Bulwark.Ingest;
using Bulwark.Records;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

[ArrowRecord("pages")]
public sealed partial record OtherPageRow(long VisitId, double Score);

[ArrowRecord("_hidden")]
public sealed partial record HiddenRow(long VisitId);

[ArrowRecord("incomplete_visits")]
public sealed partial record ImpostorRow(long VisitId, string Reason);

/// <summary>
/// What an append is refused for, before anything is cached: a visit that has ended, a record type whose table
/// another type already fills, a table name that cannot be a directory of the dataset. Reasons are cleaned of lone
/// surrogates before they become Arrow strings.
/// </summary>
public sealed class IngestAppendRefusalTests
{
    [Fact]
    public async Task An_append_to_a_visit_that_ended_is_refused_saying_how_it_ended()
    {
        await using var h = await IngestHarness.OpenAsync();
        var finalized = await h.VisitAsync(1, pages: 1, requests: 0);
        _ = finalized.FinalizeAsync(true);
        var failed = await h.VisitAsync(2, pages: 1, requests: 0);
        _ = failed.FinalizeAsync(false, "robots.txt said no");

        var unexplained = await h.VisitAsync(3, pages: 1, requests: 0);
        _ = unexplained.FinalizeAsync(false);

        var late = await Assert.ThrowsAsync<InvalidOperationException>(() => finalized.AppendAsync(new PageRow(1, "late", 200)).AsTask());
        var lateUnexplained = await Assert.ThrowsAsync<InvalidOperationException>(() => unexplained.AppendAsync(new PageRow(3, "late", 200)).AsTask());
        Assert.Equal("Visit 3 has already ended (finalized as failed); it takes no more records.", lateUnexplained.Message);
        var lateFailed = await Assert.ThrowsAsync<InvalidOperationException>(() => failed.AppendAsync(new PageRow(2, "late", 200)).AsTask());

        Assert.Equal("Visit 1 has already ended (finalized); it takes no more records.", late.Message);
        Assert.Equal("Visit 2 has already ended (finalized as failed: robots.txt said no); it takes no more records.", lateFailed.Message);
    }

    [Fact]
    public async Task A_record_type_whose_table_another_type_fills_is_refused_naming_both()
    {
        await using var h = await IngestHarness.OpenAsync();
        var visit = await h.VisitAsync(1, pages: 1, requests: 0);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => visit.AppendAsync(new OtherPageRow(1, 0.5)).AsTask());

        Assert.Equal($"Table 'pages' already takes records of {typeof(PageRow).FullName}; {typeof(OtherPageRow).FullName} cannot share it.", refused.Message);
    }

    [Fact]
    public async Task A_table_name_that_cannot_be_a_dataset_directory_is_refused()
    {
        await using var h = await IngestHarness.OpenAsync();
        var visit = h.Controller.StartVisit(1);

        var hidden = await Assert.ThrowsAsync<ArgumentException>(() => visit.AppendAsync(new HiddenRow(1)).AsTask());
        var impostor = await Assert.ThrowsAsync<ArgumentException>(() => visit.AppendAsync(new ImpostorRow(1, "not the controller's")).AsTask());

        Assert.Equal($"Table name '_hidden' of {typeof(HiddenRow).FullName} cannot be an ingest table: it must be letters, digits, '_', '-' or '.', not start with '_', and not be 'incomplete_visits'.", hidden.Message);
        Assert.StartsWith($"Table name 'incomplete_visits' of {typeof(ImpostorRow).FullName} cannot be an ingest table", impostor.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reason_with_a_lone_surrogate_is_kept_with_a_replacement_character_and_pairs_are_kept_whole()
    {
        await using var h = await IngestHarness.OpenAsync();
        var visit = await h.VisitAsync(1, pages: 1, requests: 0);

        var outcome = visit.FinalizeAsync(false, "lone \uD800 then \uDC00, a pair \uD83D\uDE00, a lone high at the end \uD83D");
        await h.RunUntilAsync(() => outcome.IsCompleted);

        const string Cleaned = "finalized as failed: lone \uFFFD then \uFFFD, a pair \uD83D\uDE00, a lone high at the end \uFFFD";
        Assert.Equal(Cleaned, (await outcome).Reason);
        Assert.Equal([new IncompleteVisit(1, Cleaned)], await h.ReadAsync<IncompleteVisit>());
    }
}
