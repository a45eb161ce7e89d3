using Bulwark.Testing;
using Bulwark.Shards;

namespace Replicas;

/// <summary>The sample's checks; each broken expectation becomes one line naming what differs.</summary>
public static class ReplicaChecks
{
    /// <summary>
    /// After every move the replica that moved has an output frontier equal to the shard's upper (a replica behind
    /// its peer neither pins its output below the upper nor runs ahead of it); at the end the upper is the source's
    /// end, both output frontiers equal it, and the shard's history and content are the single-writer reference's.
    /// </summary>
    public static List<string> Verify(StockFeed feed, IReadOnlyList<StepRow> steps, long upper, long outputA, long outputB, IReadOnlyList<Update<StockLevel>> shardHistory)
    {
        var problems = new List<string>();
        foreach (var step in steps)
        {
            foreach (var move in step.Moves.Where(m => m.After.Output != m.UpperAfter))
            {
                problems.Add($"step {step.Step}: after its call {move.Move.Replica}'s output frontier is {move.After.Output}, not the shard's upper {move.UpperAfter}");
            }
        }

        if (upper != feed.Ticks)
        {
            problems.Add($"the shard's upper is {upper}, not {feed.Ticks}: the source's end");
        }

        foreach (var (replica, output) in new[] { (Replica.A, outputA), (Replica.B, outputB) }.Where(r => r.Item2 != upper))
        {
            problems.Add($"replica {replica}'s output frontier is {output}, not the shard's upper {upper}");
        }

        problems.AddRange(CompareWithReference(feed, upper, shardHistory));
        return problems;
    }

    /// <summary>
    /// The shard's consolidated updates against what one writer alone would have written below <paramref name="upper"/>:
    /// the same (row, time, diff) triples, and so the same rows once the diffs are summed.
    /// </summary>
    public static List<string> CompareWithReference(StockFeed feed, long upper, IReadOnlyList<Update<StockLevel>> shardHistory)
    {
        var (history, live) = UpsertReference.Run(feed.Inputs, upper, StringComparer.Ordinal);
        var problems = new List<string>();
        var expected = history.ToHashSet();
        var found = shardHistory.ToHashSet();
        foreach (var missing in history.Where(u => !found.Contains(u)))
        {
            problems.Add($"the shard lacks the update {Describe(missing)} of the single-writer reference");
        }

        foreach (var extra in shardHistory.Where(u => !expected.Contains(u)))
        {
            problems.Add($"the shard holds the update {Describe(extra)}, which the single-writer reference does not");
        }

        var content = Content(shardHistory);
        foreach (var sku in live.Keys.Union(content.Keys).Order(StringComparer.Ordinal))
        {
            var want = live.GetValueOrDefault(sku);
            var got = content.GetValueOrDefault(sku);
            if (!Equals(want, got))
            {
                problems.Add($"{sku}: the shard holds {got?.ToString() ?? "nothing"}, the single-writer reference {want?.ToString() ?? "nothing"}");
            }
        }

        return problems;
    }

    /// <summary>The rows whose diffs sum to one, by SKU; a row summing to anything else is kept too, so a check sees it.</summary>
    public static Dictionary<string, StockLevel> Content(IEnumerable<Update<StockLevel>> history)
    {
        var content = new Dictionary<string, StockLevel>(StringComparer.Ordinal);
        foreach (var (row, diff) in history.GroupBy(u => u.Row).Select(g => (g.Key, g.Sum(u => u.Diff))))
        {
            if (diff == 1)
            {
                content[row.Sku] = row;
            }
            else if (diff != 0)
            {
                // Two copies of a row, or a retraction without an insertion: no upsert writes that. A marker stands in.
                content[row.Sku] = row with { Warehouse = $"{row.Warehouse} (x{diff})" };
            }
        }

        return content;
    }

    private static string Describe(Update<StockLevel> update) =>
        $"({update.Row.Sku} {update.Row.Quantity}@{update.Row.Warehouse}, time {update.Time}, {update.Diff:+0;-0})";
}
