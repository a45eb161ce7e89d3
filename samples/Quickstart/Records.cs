using Bulwark;

namespace Quickstart;

public enum ContentKind
{
    Html,
    Image,
    Script,
    Other,
}

/// <summary>One fetched URL of a crawl.</summary>
[ArrowRecord("http_requests")]
public partial record HttpRequest(
    long VisitId,
    string Url,
    string? Referrer,
    [property: Column("ts")] DateTimeOffset Time,
    int Status,
    ContentKind Kind,
    TimeSpan Elapsed,
    long? Bytes);

/// <summary>A link found on a fetched page.</summary>
[ArrowRecord]
public partial record PageLink(
    long VisitId,
    string FromUrl,
    string ToUrl,
    string? AnchorText,
    bool NoFollow,
    string[] Rel);
