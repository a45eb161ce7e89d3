using Bulwark.Ingest;

namespace Bulwark.Tests.Worker;

/// <summary>A page a visit of the ingest worker fetched.</summary>
[ArrowRecord("pages")]
public sealed partial record WorkerPage(long VisitId, int Index, string Url);

/// <summary>A resource a visit of the ingest worker fetched; the second table, so that a visit spans two.</summary>
[ArrowRecord("fetches")]
public sealed partial record WorkerFetch(long VisitId, int Index, long Bytes, string? ContentType);

/// <summary>What one visit of the ingest worker does, derived from its id alone.</summary>
/// <param name="VisitId">The visit.</param>
/// <param name="Pages">Rows it appends to <c>pages</c>.</param>
/// <param name="Fetches">Rows it appends to <c>fetches</c>.</param>
/// <param name="Fails">Whether it is finalized as failed (with <see cref="IngestWorkload.FailureReason"/>).</param>
public sealed record IngestVisitPlan(long VisitId, int Pages, int Fetches, bool Fails);

/// <summary>
/// The ingest worker's workload, public so that a test recomputes exactly what every visit appended: the rows are a
/// pure function of the visit id, and visit ids never repeat across the runs of one dataset (the run number is part
/// of them), so a row read back twice or a row of another visit is always a defect.
/// </summary>
public static class IngestWorkload
{
    public const string WriterId = "worker";

    /// <summary>Visits in flight at once.</summary>
    public const int Lanes = 8;

    /// <summary>Visit ids of run r are r * VisitsPerRun + k.</summary>
    public const long VisitsPerRun = 1_000_000;

    /// <summary>
    /// Short intervals and small parts: a run killed after a few dozen events has cut flushes mid-visit (a table reaching
    /// MaxRowsPerFile cuts at once), so its visits span flushes and a kill finds rows committed for visits not yet ended.
    /// Odd runs write Arrow IPC parts, even runs Parquet: one dataset holds both.
    /// </summary>
    public static IngestOptions Options(int run) => new()
    {
        WriterId = WriterId,
        Format = run % 2 == 0 ? IngestFormat.Parquet : IngestFormat.ArrowIpc,
        FlushInterval = TimeSpan.FromMilliseconds(20),
        MaxAge = TimeSpan.FromSeconds(1),
        MaxRowsPerFile = 12,
        MaxCachedBytes = 256 * 1024,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),

        // Far beyond any stall of a loaded machine: a visit of this workload never idles between its appends.
        VisitTimeout = TimeSpan.FromHours(1),
    };

    public static long VisitId(int run, long k) => (run * VisitsPerRun) + k;

    public static IngestVisitPlan Plan(long visitId)
    {
        var bits = Mix((ulong)visitId);
        return new IngestVisitPlan(visitId, (int)(bits % 6), (int)((bits >> 8) % 4), (bits >> 16) % 5 == 0);
    }

    public static WorkerPage Page(long visitId, int index) => new(visitId, index, $"https://example.org/{visitId}/{index}");

    public static WorkerFetch Fetch(long visitId, int index) => new(visitId, index, (visitId * 31) + index, index % 2 == 0 ? "text/html" : null);

    public static string FailureReason(long visitId) => $"planned failure of visit {visitId}";

    /// <summary>SplitMix64's finalizer: a fixed function, unlike <see cref="Random"/>, whose sequence may change between runtimes.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
