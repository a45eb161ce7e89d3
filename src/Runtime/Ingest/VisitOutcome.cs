namespace Bulwark.Ingest;

/// <summary>The terminal states of a visit.</summary>
public enum VisitState
{
    /// <summary>Finalized with success, and every row it appended is durable in committed flushes.</summary>
    Committed,

    /// <summary>Failed, timed out, held an unencodable record, was cut short by shutdown or spilled; <see cref="VisitOutcome.Reason"/> says which.</summary>
    Incomplete,
}

/// <summary>How a visit ended. Every visit a controller observed gets exactly one.</summary>
/// <param name="VisitId">The visit.</param>
/// <param name="State">Committed or Incomplete.</param>
/// <param name="Reason">Why the visit is Incomplete; null when Committed.</param>
public sealed record VisitOutcome(long VisitId, VisitState State, string? Reason);

/// <summary>A row of the dataset's <c>incomplete_visits</c> table: a visit that did not commit, and why.</summary>
/// <param name="VisitId">The visit.</param>
/// <param name="Reason">Finalized as failed (with the caller's reason), timed out, an unencodable record, shutdown, spilled.</param>
[ArrowRecord("incomplete_visits")]
public sealed partial record IncompleteVisit(long VisitId, string Reason);
