using Bulwark;

namespace Quickstart;

/// <summary>One page a crawl fetched: the row the ingest controller writes to the http_requests table.</summary>
[ArrowRecord("http_requests")]
public sealed partial record HttpRequest(
    long VisitId,
    string Host,
    string Url,
    int Status,
    [property: Column("ts")] DateTimeOffset Time,
    TimeSpan Elapsed);

/// <summary>The newest request to a host: the upsert keeps one row per host in its shard.</summary>
[ArrowRecord("latest_requests")]
public sealed partial record LatestRequest(string Host, long VisitId, string Url, int Status);
