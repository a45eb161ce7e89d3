using System.Text.Json.Serialization;
using Bulwark;

namespace Bulwark.Benchmarks;

/// <summary>A realistic operator state: a 100k-entry dictionary, per-host nested stats with lists, and a work queue.</summary>
[CheckpointState]
public sealed partial class CrawlFrontier
{
    [Id(1)]
    public Dictionary<string, long> LastVisitByUrl { get; set; } = new(StringComparer.Ordinal);

    [Id(2)]
    public Dictionary<string, HostStats> Hosts { get; set; } = new(StringComparer.Ordinal);

    [Id(3)]
    public List<string> Queue { get; set; } = [];

    [Id(4)]
    public long Version { get; set; }

    public static CrawlFrontier Create(int urls)
    {
        var frontier = new CrawlFrontier { Version = 42 };
        for (var i = 0; i < urls; i++)
        {
            frontier.LastVisitByUrl[$"https://host{i % 1000}.example/page/{i}"] = 1_767_225_600_000_000L + (i * 1_000L);
        }

        for (var h = 0; h < 1000; h++)
        {
            frontier.Hosts[$"host{h}.example"] = new HostStats
            {
                Fetched = h * 100,
                Failed = h % 7,
                RecentStatuses = Enumerable.Range(0, 32).Select(k => 200 + ((h + k) % 5 == 0 ? 304 : 0)).ToList(),
            };
        }

        for (var q = 0; q < 10_000; q++)
        {
            frontier.Queue.Add($"https://host{q % 1000}.example/next/{q}");
        }

        return frontier;
    }

    public bool SameAs(CrawlFrontier other) =>
        Version == other.Version
        && LastVisitByUrl.Count == other.LastVisitByUrl.Count && LastVisitByUrl.All(p => other.LastVisitByUrl.TryGetValue(p.Key, out var v) && v == p.Value)
        && Hosts.Count == other.Hosts.Count && Hosts.All(p => other.Hosts.TryGetValue(p.Key, out var s) && s.Fetched == p.Value.Fetched && s.Failed == p.Value.Failed && s.RecentStatuses.SequenceEqual(p.Value.RecentStatuses))
        && Queue.SequenceEqual(other.Queue);
}

[CheckpointState]
public sealed partial class HostStats
{
    [Id(1)]
    public long Fetched { get; set; }

    [Id(2)]
    public long Failed { get; set; }

    [Id(3)]
    public List<int> RecentStatuses { get; set; } = [];
}

/// <summary>The peer: System.Text.Json with source generation over the same object graph.</summary>
[JsonSerializable(typeof(CrawlFrontier))]
internal sealed partial class FrontierJsonContext : JsonSerializerContext
{
}
