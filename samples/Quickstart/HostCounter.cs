using Bulwark;

namespace Quickstart;

/// <summary>
/// An operator's state: requests counted per host across runs. The generator writes its versioned, checksummed
/// serializer; the ids are the wire contract, recorded in bulwark.lock.json.
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

    public IReadOnlyDictionary<string, long> CountsByHost => _countsByHost;

    public long Total => _total;

    public int Runs => _runs;

    public void Count(string host)
    {
        _countsByHost[host] = _countsByHost.GetValueOrDefault(host) + 1;
        _total++;
    }

    public void EndRun() => _runs++;

    public bool SameAs(HostCounter other) =>
        _total == other._total && _runs == other._runs && _countsByHost.Count == other._countsByHost.Count
        && _countsByHost.All(pair => other._countsByHost.TryGetValue(pair.Key, out var count) && count == pair.Value);
}
