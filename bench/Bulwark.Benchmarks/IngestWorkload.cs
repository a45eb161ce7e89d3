using Bulwark;

namespace Bulwark.Benchmarks;

[ArrowRecord("http_requests")]
public sealed partial record IngestRequest(long VisitId, int Seq, string Url, string Method, DateTimeOffset Time);

[ArrowRecord("http_responses")]
public sealed partial record IngestResponse(long VisitId, int Seq, int Status, string? ContentType, long Bytes, TimeSpan Elapsed);

[ArrowRecord("javascript_calls")]
public sealed partial record IngestCall(long VisitId, int Seq, string Symbol, string? Arguments, DateTimeOffset Time);

/// <summary>
/// The records of the ingest comparison, made before anything is timed: per table one array in visit order, so a visit's
/// rows are a contiguous slice (what it appends) and the whole array is what the direct writer writes.
/// </summary>
internal sealed class IngestWorkload
{
    private static readonly string[] Symbols = ["navigator.userAgent", "document.cookie", "HTMLCanvasElement.toDataURL", "window.localStorage.getItem"];

    private IngestWorkload(int visits, IngestRequest[] requests, IngestResponse[] responses, IngestCall[] calls)
    {
        Visits = visits;
        Requests = requests;
        Responses = responses;
        Calls = calls;
    }

    public int Visits { get; }

    public IngestRequest[] Requests { get; }

    public IngestResponse[] Responses { get; }

    public IngestCall[] Calls { get; }

    public int Records => Requests.Length + Responses.Length + Calls.Length;

    /// <summary><paramref name="records"/> rows over <paramref name="visits"/> visits: 2/5 requests, 2/5 responses, 1/5 script calls.</summary>
    public static IngestWorkload Create(int records, int visits)
    {
        var perVisit = records / visits;
        var requestsPerVisit = perVisit * 2 / 5;
        var callsPerVisit = perVisit - (2 * requestsPerVisit);
        var requests = new IngestRequest[visits * requestsPerVisit];
        var responses = new IngestResponse[visits * requestsPerVisit];
        var calls = new IngestCall[visits * callsPerVisit];
        var epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var v = 0; v < visits; v++)
        {
            var host = $"host{v % 251}.example";
            for (var i = 0; i < requestsPerVisit; i++)
            {
                var time = epoch.AddMilliseconds((v * 1000L) + i);
                requests[(v * requestsPerVisit) + i] = new IngestRequest(v, i, $"https://{host}/assets/{v}/{i}.js", i % 7 == 0 ? "POST" : "GET", time);
                responses[(v * requestsPerVisit) + i] = new IngestResponse(v, i, i % 23 == 0 ? 404 : 200, i % 3 == 0 ? null : "application/javascript", 1000 + ((v * 31L) + i) % 90_000, TimeSpan.FromMilliseconds(i % 700));
            }

            for (var i = 0; i < callsPerVisit; i++)
            {
                calls[(v * callsPerVisit) + i] = new IngestCall(v, i, Symbols[i % Symbols.Length], i % 4 == 3 ? $"[\"key-{i}\"]" : null, epoch.AddMilliseconds((v * 1000L) + i + 0.5));
            }
        }

        return new IngestWorkload(visits, requests, responses, calls);
    }

    public ArraySegment<T> Slice<T>(T[] table, int visit)
    {
        var per = table.Length / Visits;
        return new ArraySegment<T>(table, visit * per, per);
    }

    /// <summary>A checksum of a table's rows in any order, so that both outputs can be compared with the workload.</summary>
    public static (long Rows, long Sum) Digest(IEnumerable<(long VisitId, int Seq)> rows)
    {
        long count = 0;
        long sum = 0;
        foreach (var (visit, seq) in rows)
        {
            count++;
            sum += (visit * 1_000_003L) ^ (seq * 7919L);
        }

        return (count, sum);
    }
}
