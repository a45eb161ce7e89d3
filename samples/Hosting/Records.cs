using Bulwark;

namespace HostingSample;

/// <summary>A page a simulated crawl fetched: what the ingest controller writes to the dataset.</summary>
[ArrowRecord("pages")]
public sealed partial record PageVisit(long VisitId, string Url, int Status, long Bytes);

/// <summary>A rank per host: what the shard holds, one interval appended per run.</summary>
[ArrowRecord("host_ranks")]
public sealed partial record HostRank(string Host, long Pages);

/// <summary>The workload's state across runs, committed through the checkpointer.</summary>
[CheckpointState]
public sealed partial class RunState
{
    [Id(1)]
    private int _runs;

    [Id(2)]
    private long _visits;

    public int Runs => _runs;

    public long Visits => _visits;

    public void EndRun(long visits)
    {
        _runs++;
        _visits += visits;
    }
}
