using System.Globalization;
using Bulwark.Testing;

namespace Replicas;

/// <summary>Prints a run: the source, one line per step, the replicas' totals and the checks.</summary>
public static class ReplicaConsole
{
    public static void Print(ReplicaReport report, string consensus, string directory)
    {
        var feed = report.Feed;
        var deletes = feed.Inputs.Count(i => i.Row is null);
        Console.WriteLine($"Bulwark upsert replicas — shard '{report.ShardId}'; consensus {consensus}; parts in {directory}");
        Console.WriteLine($"source: {feed.Inputs.Count} changes to {feed.Inputs.Select(i => i.Key).Distinct().Count()} SKUs over times 0-{feed.Ticks - 1} ({deletes} deletes)");
        Console.WriteLine("replicas A and B run the same upsert on the same source with their own writer ids, one call at a time:");
        Console.WriteLine("the first to append an interval wins; the other loses the compare-and-append and reads the winner's updates back");
        Console.WriteLine("(in/out: a replica's input frontier / output frontier; upper: the shard's, after the step)");
        Console.WriteLine();
        Console.WriteLine($"{"step",4} {"time",4} {"phase",-9} {"A in/out",8} {"B in/out",8} {"upper",5}  race");
        foreach (var step in report.Steps)
        {
            var race = string.Join("; ", step.Moves.Select(Describe));
            Console.WriteLine($"{step.Step,4} {step.Plan.Time,4} {step.Plan.Phase,-9} {Pair(step.A),8} {Pair(step.B),8} {step.Upper,5}  {race}");
        }

        Console.WriteLine();
        Console.WriteLine($"replica A: {Totals(report.CountsA)}");
        Console.WriteLine($"replica B: {Totals(report.CountsB)}");
        Console.WriteLine($"shard content at time {report.Upper - 1}: {string.Join(", ", report.ShardContent.Values.OrderBy(r => r.Sku, StringComparer.Ordinal).Select(r => $"{r.Sku}={r.Quantity}@{r.Warehouse}"))}");
        Console.WriteLine();
        var frontiersOk = report.OutputA == report.Upper && report.OutputB == report.Upper;
        Console.WriteLine($"check: shard upper {report.Upper}, A's output frontier {report.OutputA}, B's {report.OutputB}: {(frontiersOk ? "all equal: OK" : "NOT EQUAL")}");
        var (history, live) = UpsertReference.Run(feed.Inputs, report.Upper, StringComparer.Ordinal);
        var contentOk = ReplicaChecks.CompareWithReference(feed, report.Upper, report.ShardHistory).Count == 0;
        Console.WriteLine($"check: the shard's consolidated updates ({report.ShardHistory.Count}) and content ({report.ShardContent.Count} rows) against the single-writer reference ({history.Count} updates, {live.Count} rows): {(contentOk ? "equal: OK" : "DIFFERENT")}");
        if (report.Problems.Count == 0)
        {
            Console.WriteLine("check: after every call, the replica that called had its output frontier at the shard's upper: OK");
            return;
        }

        Console.WriteLine($"{report.Problems.Count} PROBLEM(S):");
        foreach (var problem in report.Problems)
        {
            Console.WriteLine($"  {problem}");
        }
    }

    /// <summary>What a move did, from its replica's counters and frontiers.</summary>
    public static string Describe(MoveResult move)
    {
        var name = move.Move.Replica.ToString();
        var peer = move.Move.Replica == Replica.A ? "B" : "A";
        var (before, after, delta) = (move.Before, move.After, move.Delta);
        var text = (delta.Won > 0, delta.Lost > 0) switch
        {
            (true, false) => $"{name} won [{before.Output},{after.Output})",
            (false, true) => $"{name} lost [{before.Output},{after.Input}) to {peer}, read [{before.Output},{after.Output}) back",
            (true, true) => $"{name} lost to {peer}, read back, then won up to {after.Output}",
            _ when after.Output > before.Output => $"{name} followed: read [{before.Output},{after.Output}) back",
            _ => $"{name} had nothing to do",
        };
        return delta.Dropped > 0 ? $"{text}, dropped {Inputs(delta.Dropped)}" : text;
    }

    private static string Inputs(long n) => n == 1 ? "1 input" : $"{n} inputs";

    private static string Pair(Frontiers f) => string.Create(CultureInfo.InvariantCulture, $"{f.Input}/{f.Output}");

    private static string Totals(ReplicaCounts c) =>
        $"won {c.Won} appends, lost {c.Lost}; read {c.Learned} updates back; dropped {c.Dropped} inputs a peer had written";
}
