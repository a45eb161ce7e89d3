namespace Bulwark.Fuzz;

/// <summary>A row with one column of most Arrow and Parquet types the generator maps, for the file seeds.</summary>
[ArrowRecord("visits")]
public sealed partial record Visit(
    long Id,
    int? Status,
    string Url,
    string? Referrer,
    bool Fresh,
    double Score,
    float? Weight,
    short Small,
    byte Tiny,
    ulong Big,
    [property: Decimal(12, 2)] decimal Amount,
    DateTimeOffset At,
    DateOnly Day,
    TimeOnly Clock,
    TimeSpan Took,
    Guid Trace,
    VisitKind Kind,
    byte[]? Body,
    List<string> Tags,
    long[]? Sizes,
    Origin? From);

public enum VisitKind
{
    Page,
    Image,
    Script,
}

/// <summary>A nested record: a struct column.</summary>
[ArrowRecord("origin")]
public sealed partial record Origin(string Host, int Port);

/// <summary>The row of the shard part seeds.</summary>
[ArrowRecord("edges")]
public sealed partial record Edge(long Src, string Dst);

/// <summary>A checkpoint state with a field of each wire kind: varints, fixed widths, strings, bytes, lists, maps, a nested state.</summary>
[CheckpointState]
public sealed partial class CrawlState
{
    [Id(1)] public long Version { get; set; }

    [Id(2)] public string Name { get; set; } = "";

    [Id(3)] public double Rate { get; set; }

    [Id(4)] public bool Done { get; set; }

    [Id(5)] public byte[] Cursor { get; set; } = [];

    [Id(6)] public List<string> Queue { get; set; } = [];

    [Id(7)] public Dictionary<string, long> Visits { get; set; } = new(StringComparer.Ordinal);

    [Id(8)] public SourceOffsets? Source { get; set; }

    [Id(9)] public int Errors { get; set; }

    [Id(10)] public Guid Run { get; set; }

    [Id(11)] public DateTimeOffset Started { get; set; }
}

/// <summary>A state nested inside <see cref="CrawlState"/>.</summary>
[CheckpointState]
public sealed partial class SourceOffsets
{
    [Id(1)] public long Offset { get; set; }

    [Id(2)] public List<long> Partitions { get; set; } = [];
}
