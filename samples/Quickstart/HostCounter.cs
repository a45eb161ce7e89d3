using Bulwark;

namespace Quickstart;

/// <summary>
/// The aggregator's state: requests counted per host, and how far into the dataset it has counted. The generator writes
/// its versioned, checksummed serializer; the ids are the wire contract. Both fields are committed in one checkpoint,
/// so a restored counter resumes exactly where its counts stop: no row is counted twice or skipped.
/// </summary>
[CheckpointState]
public partial class HostCounter
{
    [Id(1)]
    private Dictionary<string, long> _countsByHost = new(StringComparer.Ordinal);

    [Id(2)]
    private long _total;

    [Id(3)]
    private int _runs;

    [Id(4)]
    private long _countedThroughVisit;

    public IReadOnlyDictionary<string, long> CountsByHost => _countsByHost;

    public long Total => _total;

    public int Runs => _runs;

    /// <summary>Every row of a visit up to this id has been counted.</summary>
    public long CountedThroughVisit => _countedThroughVisit;

    public void Count(HttpRequest request)
    {
        _countsByHost[request.Host] = _countsByHost.GetValueOrDefault(request.Host) + 1;
        _total++;
        _countedThroughVisit = Math.Max(_countedThroughVisit, request.VisitId);
    }

    public void EndRun() => _runs++;
}
