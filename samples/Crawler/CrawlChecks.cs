using Bulwark.Ingest;
using Bulwark.Records;

namespace Crawler;

/// <summary>The invariants a crawl can check from the outside, on its own visits; each broken one is a line of text.</summary>
public static class CrawlChecks
{
    public static async Task<IReadOnlyList<string>> VerifyAsync(IReadOnlyList<VisitResult> results, IngestDataset dataset, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var ids = results.Select(r => r.Visit.VisitId).ToHashSet();

        // Every visit got exactly one outcome, for itself, of the kind its fate calls for.
        foreach (var result in results)
        {
            var id = result.Visit.VisitId;
            if (result.Outcome is not { } outcome)
            {
                problems.Add($"visit {id}: no outcome arrived");
                continue;
            }

            if (outcome.VisitId != id)
            {
                problems.Add($"visit {id}: got the outcome of visit {outcome.VisitId}");
            }

            var expected = result.Visit.Fate == VisitFate.Succeeds ? VisitState.Committed : VisitState.Incomplete;
            if (outcome.State != expected)
            {
                problems.Add($"visit {id} ({result.Visit.Fate}): {outcome.State} ({outcome.Reason}), expected {expected}");
            }

            var reasonProblem = result.Visit.Fate switch
            {
                VisitFate.NavigationFails when outcome.Reason?.Contains(result.Visit.FailureReason!, StringComparison.Ordinal) != true => "does not carry the crawler's failure reason",
                VisitFate.NeverFinalized when outcome.Reason?.Contains(nameof(IngestOptions.VisitTimeout), StringComparison.Ordinal) != true => "does not name VisitTimeout",
                VisitFate.UnencodableRecord when result.RecordError is null => "came without an IngestRecordException for the unencodable record",
                _ => null,
            };
            if (reasonProblem is not null)
            {
                problems.Add($"visit {id} ({result.Visit.Fate}): its outcome '{outcome.Reason}' {reasonProblem}");
            }
        }

        // The durable record agrees: each ended once, in exactly one terminal state, with the reason the crawler got.
        var completed = dataset.Commits.SelectMany(c => c.CompletedVisits).Where(ids.Contains).ToList();
        var listed = new List<IncompleteVisit>();
        await foreach (var row in dataset.ReadAsync<IncompleteVisit>(cancellationToken))
        {
            if (ids.Contains(row.VisitId))
            {
                listed.Add(row);
            }
        }

        foreach (var twice in completed.GroupBy(v => v).Where(g => g.Count() > 1))
        {
            problems.Add($"visit {twice.Key}: completed in {twice.Count()} commit records");
        }

        foreach (var twice in listed.GroupBy(v => v.VisitId).Where(g => g.Count() > 1))
        {
            problems.Add($"visit {twice.Key}: listed {twice.Count()} times in incomplete_visits");
        }

        var incompleteById = listed.GroupBy(v => v.VisitId).ToDictionary(g => g.Key, g => g.First().Reason);
        foreach (var result in results.Where(r => r.Outcome is not null))
        {
            var id = result.Visit.VisitId;
            var durable = completed.Contains(id) ? (incompleteById.ContainsKey(id) ? "both committed and incomplete" : "committed")
                : incompleteById.TryGetValue(id, out var reason) ? (reason == result.Outcome!.Reason ? "incomplete" : $"incomplete with another reason ('{reason}')")
                : "in no terminal state";
            var expected = result.Outcome!.State == VisitState.Committed ? "committed" : "incomplete";
            if (durable != expected)
            {
                problems.Add($"visit {id}: its outcome is {expected}, the dataset has it {durable}");
            }
        }

        // Every row each visit appended (and the controller kept) is in the dataset, exactly once, in order.
        var planned = results.Select(r => r.Visit).ToArray();
        await CompareAsync(dataset, planned, e => e.Request, r => r.VisitId, problems, cancellationToken);
        await CompareAsync(dataset, planned, e => e.Response, r => r.VisitId, problems, cancellationToken);
        await CompareAsync(dataset, planned, e => e.Call, r => r.VisitId, problems, cancellationToken);
        return problems;
    }

    /// <summary>The rows of <typeparamref name="T"/> the planned visits leave in the dataset, visit by visit in append order.</summary>
    public static IEnumerable<T> ExpectedRows<T>(IEnumerable<PlannedVisit> visits, Func<CrawlEvent, T?> select)
        where T : class => visits.SelectMany(v => v.KeptEvents).Select(select).OfType<T>();

    private static async Task CompareAsync<T>(IngestDataset dataset, PlannedVisit[] visits, Func<CrawlEvent, T?> select, Func<T, long> visitOf, List<string> problems, CancellationToken cancellationToken)
        where T : class, IArrowRecord<T>
    {
        var ids = visits.Select(v => v.VisitId).ToHashSet();
        var actual = new Dictionary<long, List<T>>();
        await foreach (var row in dataset.ReadAsync<T>(cancellationToken))
        {
            if (ids.Contains(visitOf(row)))
            {
                (actual.TryGetValue(visitOf(row), out var rows) ? rows : actual[visitOf(row)] = []).Add(row);
            }
        }

        foreach (var visit in visits)
        {
            var expected = ExpectedRows([visit], select).ToList();
            var found = actual.GetValueOrDefault(visit.VisitId) ?? [];
            if (!found.SequenceEqual(expected))
            {
                var missing = expected.Except(found).Count();
                problems.Add($"visit {visit.VisitId} ({visit.Fate}): {T.TableName} holds {found.Count} rows, expected {expected.Count} ({missing} missing, {found.Count - (expected.Count - missing)} unexpected or duplicated)");
            }
        }
    }
}
