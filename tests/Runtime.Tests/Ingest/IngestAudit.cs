using Bulwark.Ingest;
using Bulwark.Records;
using Bulwark.Storage;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>One table as the audit reads it: every row a reader sees, as its visit and a key unique within the visit.</summary>
internal sealed class AuditTable(string name, Func<IngestDataset, IAsyncEnumerable<(long Visit, string Key)>> read)
{
    public string Name { get; } = name;

    public static AuditTable Of<T>(Func<T, long> visit, Func<T, string> key)
        where T : IArrowRecord<T> => new(T.TableName, dataset => Rows(dataset.ReadAsync<T>(), visit, key));

    public IAsyncEnumerable<(long Visit, string Key)> Read(IngestDataset dataset) => read(dataset);

    private static async IAsyncEnumerable<(long, string)> Rows<T>(IAsyncEnumerable<T> rows, Func<T, long> visit, Func<T, string> key)
    {
        await foreach (var row in rows)
        {
            yield return (visit(row), key(row));
        }
    }
}

/// <summary>The keys of the rows a visit appended, by table, in append order; null for a visit nobody started.</summary>
internal delegate IReadOnlyDictionary<string, string[]>? ExpectedRows(long visit);

/// <summary>
/// A dataset as its readers see it, checked against what its writers reported to their callers:
/// I1 — a visit reported Committed has ended successfully and shows exactly its rows in every table, each once;
/// I5 — a visit that ended successfully shows all its rows in all its tables, and one that has not ended shows none;
/// I7 — no reader sees a row of a visit that has not ended, a row twice, or a row no visit appended (rows of a visit
/// that ended Incomplete are a prefix of what it appended, as DESIGN §6.4 allows);
/// and every visit has at most one terminal state, listed in <c>incomplete_visits</c> as in its commit record.
/// </summary>
internal sealed class IngestAudit
{
    private readonly IReadOnlyList<string> _tables;
    private readonly Dictionary<(long Visit, string Table), List<string>> _rows;
    private readonly List<IncompleteVisit> _listed;

    private IngestAudit(IReadOnlyList<string> tables, IngestDataset dataset, IngestDatasetStatus status, Dictionary<(long, string), List<string>> rows, List<IncompleteVisit> listed)
    {
        _tables = tables;
        _rows = rows;
        _listed = listed;
        Status = status;
        Completed = dataset.Commits.SelectMany(c => c.CompletedVisits).ToHashSet();
        Incomplete = dataset.Commits.SelectMany(c => c.IncompleteVisits).GroupBy(v => v.VisitId).ToDictionary(g => g.Key, g => g.First().Reason);
        Commits = dataset.Commits;
    }

    public IngestDatasetStatus Status { get; }

    /// <summary>Visits whose completion mark is committed.</summary>
    public IReadOnlySet<long> Completed { get; }

    /// <summary>Visits listed as incomplete in a committed flush, with the reason listed.</summary>
    public IReadOnlyDictionary<long, string> Incomplete { get; }

    public IReadOnlyList<IngestCommit> Commits { get; }

    /// <summary>Every visible row of <paramref name="tables"/>; an <see cref="IngestDataException"/> (a committed part missing or damaged) propagates.</summary>
    public static async Task<IngestAudit> ReadAsync(IStorageBackend storage, IReadOnlyList<AuditTable> tables)
    {
        var dataset = await IngestDataset.OpenAsync(storage);
        var rows = new Dictionary<(long, string), List<string>>();
        foreach (var table in tables)
        {
            await foreach (var (visit, key) in table.Read(dataset))
            {
                if (!rows.TryGetValue((visit, table.Name), out var keys))
                {
                    rows.Add((visit, table.Name), keys = []);
                }

                keys.Add(key);
            }
        }

        var listed = new List<IncompleteVisit>();
        await foreach (var visit in dataset.ReadAsync<IncompleteVisit>())
        {
            listed.Add(visit);
        }

        return new IngestAudit(tables.Select(t => t.Name).ToArray(), dataset, await dataset.GetStatusAsync(), rows, listed);
    }

    /// <summary>The rows of <paramref name="visit"/> a reader sees in <paramref name="table"/>.</summary>
    public IReadOnlyList<string> Rows(long visit, string table) => _rows.GetValueOrDefault((visit, table)) ?? [];

    /// <summary>Every broken invariant, described; empty when the dataset is sound.</summary>
    /// <param name="expected">What each visit appended.</param>
    /// <param name="reported">The outcomes the writers' callers were told (a visit reported Committed must never be lost).</param>
    public List<string> Violations(ExpectedRows expected, IReadOnlyDictionary<long, VisitOutcome> reported)
    {
        var violations = new List<string>();
        var listed = _listed.GroupBy(v => v.VisitId).ToDictionary(g => g.Key, g => g.ToArray());
        foreach (var (visit, entries) in listed.Where(l => l.Value.Length > 1 || !Incomplete.ContainsKey(l.Key)))
        {
            violations.Add($"visit {visit} is listed {entries.Length} times in incomplete_visits, {(Incomplete.ContainsKey(visit) ? 1 : 0)} times in commit records");
        }

        foreach (var (visit, reason) in Incomplete)
        {
            if (!listed.TryGetValue(visit, out var entries) || entries[0].Reason != reason)
            {
                violations.Add($"visit {visit} is incomplete ({reason}) in its commit record but incomplete_visits says {(entries is null ? "nothing" : entries[0].Reason)}");
            }

            if (Completed.Contains(visit))
            {
                violations.Add($"visit {visit} has two terminal states: completed, and incomplete ({reason})");
            }
        }

        foreach (var ((visit, table), keys) in _rows)
        {
            var appended = expected(visit)?.GetValueOrDefault(table) ?? [];
            if (!Completed.Contains(visit) && !Incomplete.ContainsKey(visit))
            {
                violations.Add($"a reader sees {keys.Count} rows of visit {visit} in '{table}', a visit that has not ended");
            }

            if (keys.Distinct().Count() != keys.Count)
            {
                violations.Add($"a reader sees rows of visit {visit} in '{table}' twice: {string.Join(", ", keys)}");
            }
            else if (keys.Count > appended.Length || !keys.SequenceEqual(appended.Take(keys.Count)))
            {
                violations.Add($"a reader sees rows of visit {visit} in '{table}' that are not what it appended: [{string.Join(", ", keys)}] of [{string.Join(", ", appended)}]");
            }
        }

        foreach (var visit in Completed)
        {
            AllRows(visit, "ended successfully");
        }

        foreach (var (visit, outcome) in reported)
        {
            if (outcome.State == VisitState.Committed && !Completed.Contains(visit))
            {
                violations.Add($"visit {visit} was reported Committed, but no committed flush completes it");
            }
            else if (outcome.State == VisitState.Incomplete && Incomplete.GetValueOrDefault(visit) != outcome.Reason)
            {
                violations.Add($"visit {visit} was reported Incomplete ({outcome.Reason}), but the dataset lists {Incomplete.GetValueOrDefault(visit) ?? "nothing"}");
            }

            AllRows(visit, $"was reported {outcome.State}");
        }

        return violations;

        void AllRows(long visit, string how)
        {
            var appended = expected(visit);
            if (appended is null)
            {
                violations.Add($"visit {visit} {how}, but no visit of that id was started");
                return;
            }

            foreach (var table in _tables)
            {
                var want = appended.GetValueOrDefault(table)?.Length ?? 0;
                var seen = Rows(visit, table).Count;
                if (seen != want)
                {
                    violations.Add($"visit {visit} {how}, but a reader sees {seen} of its {want} rows in '{table}'");
                }
            }
        }
    }
}
