using Bulwark;

namespace Crawler;

/// <summary>What a fetched resource was loaded as.</summary>
public enum ResourceType
{
    Document,
    Script,
    Stylesheet,
    Image,
    Xhr,
}

/// <summary>A request the browser made during a visit (request 0 is the page itself).</summary>
[ArrowRecord("http_requests")]
public sealed partial record HttpRequest(
    long VisitId,
    int RequestId,
    string Url,
    string Method,
    ResourceType Type,
    [property: Column("ts")] DateTimeOffset Time);

/// <summary>The response to a request; a request whose connection failed has none.</summary>
[ArrowRecord("http_responses")]
public sealed partial record HttpResponse(
    long VisitId,
    int RequestId,
    int Status,
    string? ContentType,
    long? Bytes,
    TimeSpan Elapsed);

/// <summary>A call into an instrumented JavaScript API made by a script of the page.</summary>
[ArrowRecord("javascript_calls")]
public sealed partial record JavaScriptCall(
    long VisitId,
    int RequestId,
    string Symbol,
    string? Arguments,
    [property: Column("ts")] DateTimeOffset Time);
