namespace Crawler;

/// <summary>How a planned visit ends.</summary>
public enum VisitFate
{
    /// <summary>The page loads; the crawler finalizes the visit with success.</summary>
    Succeeds,

    /// <summary>The navigation fails part-way; the crawler finalizes the visit as failed, with the reason.</summary>
    NavigationFails,

    /// <summary>The browser tab dies after the first request and the crawler never finalizes the visit: VisitTimeout ends it.</summary>
    NeverFinalized,

    /// <summary>A script hands the instrumentation a string cut inside a surrogate pair: a record that cannot be encoded.</summary>
    UnencodableRecord,
}

/// <summary>One record of a visit, in the order the crawler appends it; exactly one of the three is set.</summary>
public sealed record CrawlEvent(HttpRequest? Request = null, HttpResponse? Response = null, JavaScriptCall? Call = null);

/// <summary>A visit of the simulated crawl: its records, how it ends, and how long its page takes to load.</summary>
public sealed record PlannedVisit(long VisitId, VisitFate Fate, TimeSpan LoadTime, IReadOnlyList<CrawlEvent> Events, string? FailureReason)
{
    /// <summary>
    /// The records the dataset must hold for this visit once it has ended: every appended record, except that an
    /// unencodable record discards the visit's cached rows of its table (and the crawler appends nothing after it).
    /// </summary>
    public IEnumerable<CrawlEvent> KeptEvents => Fate != VisitFate.UnencodableRecord
        ? Events
        : Events.TakeWhile(e => !IsUnencodable(e)).Where(e => e.Call is null);

    internal static bool IsUnencodable(CrawlEvent e) => e.Call?.Arguments is { } text && !IsWellFormed(text);

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A deterministic crawl: the same seed and visit ids always give the same visits, records and fates.</summary>
public static class CrawlPlan
{
    private static readonly string[] Hosts = ["news.example", "shop.example.com", "blog.example.org", "bücher.example", "video.example.net", "forum.example"];

    private static readonly string[] Symbols =
    [
        "navigator.userAgent", "document.cookie", "HTMLCanvasElement.toDataURL", "window.localStorage.getItem",
        "navigator.plugins", "screen.colorDepth", "AudioContext.createOscillator", "window.sessionStorage.setItem",
    ];

    private static readonly string[] NavigationErrors =
    [
        "net::ERR_CONNECTION_RESET while loading the document",
        "navigation timed out after 30 s",
        "net::ERR_CERT_DATE_INVALID",
    ];

    /// <summary>
    /// <paramref name="count"/> visits numbered from <paramref name="firstVisitId"/>: about 6% fail their navigation, the
    /// fourth is never finalized and (if there are at least 50) the 42nd holds an unencodable record; load times spread
    /// the visits over <paramref name="spread"/>, so that many are in flight at once.
    /// </summary>
    public static IReadOnlyList<PlannedVisit> Create(int count, int seed, long firstVisitId, DateTimeOffset start, TimeSpan spread)
    {
        var random = new Random(seed);
        var visits = new List<PlannedVisit>(count);
        for (var i = 0; i < count; i++)
        {
            var id = firstVisitId + i;
            var fate = i == 3 ? VisitFate.NeverFinalized
                : i == 41 ? VisitFate.UnencodableRecord
                : random.Next(100) < 6 ? VisitFate.NavigationFails
                : VisitFate.Succeeds;
            var load = fate == VisitFate.NeverFinalized ? TimeSpan.Zero : TimeSpan.FromMilliseconds(random.Next((int)spread.TotalMilliseconds + 1));
            var events = Events(random, id, fate, start.AddMilliseconds(i * 250));
            var reason = fate == VisitFate.NavigationFails ? NavigationErrors[random.Next(NavigationErrors.Length)] : null;
            visits.Add(new PlannedVisit(id, fate, load, events, reason));
        }

        return visits;
    }

    private static List<CrawlEvent> Events(Random random, long visit, VisitFate fate, DateTimeOffset time)
    {
        var host = Hosts[random.Next(Hosts.Length)];
        var page = $"https://{host}/articles/{visit}";
        var events = new List<CrawlEvent>
        {
            new(Request: new HttpRequest(visit, 0, page, "GET", ResourceType.Document, time)),
        };
        if (fate == VisitFate.NeverFinalized)
        {
            return events;
        }

        events.Add(new(Response: new HttpResponse(visit, 0, 200, "text/html; charset=utf-8", random.Next(8_000, 250_000), TimeSpan.FromMilliseconds(random.Next(40, 900)))));
        var resources = fate == VisitFate.NavigationFails ? random.Next(0, 3) : random.Next(3, 12);
        for (var r = 1; r <= resources; r++)
        {
            var type = (ResourceType)random.Next(1, 5);
            var at = time.AddMilliseconds(r * 37);
            var url = type == ResourceType.Xhr ? $"https://api.{host}/v1/items?page={r}" : $"https://cdn.{host}/{type.ToString().ToLowerInvariant()}/{visit}-{r}";
            events.Add(new(Request: new HttpRequest(visit, r, url, type == ResourceType.Xhr && r % 2 == 0 ? "POST" : "GET", type, at)));
            if (random.Next(100) < 4)
            {
                continue; // the connection failed: a request without a response
            }

            var status = random.Next(100) switch { < 88 => 200, < 93 => 304, < 97 => 404, _ => 503 };
            events.Add(new(Response: new HttpResponse(visit, r, status, ContentType(type), status == 200 ? random.Next(200, 400_000) : null, TimeSpan.FromMilliseconds(random.Next(5, 1_500)))));
            if (type == ResourceType.Script && status == 200)
            {
                var calls = random.Next(1, 6);
                for (var c = 0; c < calls; c++)
                {
                    var symbol = Symbols[random.Next(Symbols.Length)];
                    var arguments = symbol.EndsWith("Item", StringComparison.Ordinal) ? $"[\"session-{random.Next(1000)}\"]" : null;
                    events.Add(new(Call: new JavaScriptCall(visit, r, symbol, arguments, at.AddMilliseconds(5 + c))));
                }
            }
        }

        if (fate == VisitFate.UnencodableRecord)
        {
            // A title cut at a fixed length, in the middle of an emoji: the high surrogate is left alone.
            var cut = "Breaking: markets rally 📈 as".Substring(0, 25);
            // It comes before the visit's first call, so no call of the visit can already have been cut into a flush:
            // the table's rows the failure discards are exactly the visit's calls, whatever the flush timing.
            var at = events.FindIndex(e => e.Call is not null);
            events.Insert(at < 0 ? events.Count : at, new(Call: new JavaScriptCall(visit, 0, "document.title", $"[\"{cut}\"]", time.AddMilliseconds(3))));
            events.Add(new(Call: new JavaScriptCall(visit, 0, "navigator.userAgent", null, time.AddMilliseconds(900))));
        }

        return events;
    }

    private static string? ContentType(ResourceType type) => type switch
    {
        ResourceType.Script => "application/javascript",
        ResourceType.Stylesheet => "text/css",
        ResourceType.Image => "image/webp",
        ResourceType.Xhr => "application/json",
        _ => null,
    };
}
