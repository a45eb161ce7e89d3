using Bulwark;

namespace Bulwark.Interop.Tests;

public enum CrawlStatus
{
    Fetched,
    Redirected,
    Failed,
}

/// <summary>
/// The table js/write-foreign.mjs writes with apache-arrow's default inference, as a Bulwark user would declare it.
/// Every column arrives in another encoding than Bulwark writes (dictionary strings, timestamp[ms] without a zone,
/// nullable columns for non-nullable members), except visit_id and ok.
/// </summary>
[ArrowRecord("crawl")]
public partial record ForeignCrawlRow(
    [property: Column("visit_id")] long VisitId,
    [property: Column("url")] string Url,
    [property: Column("referrer")] string? Referrer,
    [property: Column("status")] CrawlStatus? Status,
    [property: Column("score")] double Score,
    [property: Column("fetched_at")] DateTime FetchedAt,
    [property: Column("ok")] bool Ok);

/// <summary>The same file read with an instant type and only some of its columns.</summary>
[ArrowRecord("crawl")]
public partial record ForeignCrawlInstant(
    [property: Column("url")] string Url,
    [property: Column("fetched_at")] DateTimeOffset FetchedAt);
