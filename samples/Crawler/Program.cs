using Bulwark.Ingest;
using Crawler;

// A simulated crawl through the ingest controller: a few hundred visits at once, some failing, one never finalized, one
// with a record that cannot be encoded, on a disk that fails now and then. Every visit must end in exactly one outcome,
// and every row a committed visit appended must be in the dataset exactly once; the exit code says whether they did.
var directory = args.Length > 0 ? args[0] : Path.Combine("bulwark-data", "crawl");
var report = await CrawlSimulation.RunAsync(new CrawlSettings { Directory = directory });

var results = report.Results;
var committed = results.Count(r => r.Outcome?.State == VisitState.Committed);
var incomplete = results.Where(r => r.Outcome?.State == VisitState.Incomplete).ToArray();
Console.WriteLine($"Bulwark ingest crawl — dataset in {report.Directory}");
Console.WriteLine($"{results.Count} visits (ids {results[0].Visit.VisitId}–{results[^1].Visit.VisitId}), up to {report.MaxOpenVisits} open at once; " +
    $"{report.FaultsInjected} storage faults injected, each retried by the flush loop");
Console.WriteLine($"outcomes: {committed} committed, {incomplete.Length} incomplete:");
foreach (var result in incomplete)
{
    Console.WriteLine($"  visit {result.Visit.VisitId} ({result.Visit.Fate}): {result.Outcome!.Reason}");
}

foreach (var result in results.Where(r => r.Outcome is null))
{
    Console.WriteLine($"  visit {result.Visit.VisitId} ({result.Visit.Fate}): NO OUTCOME");
}

Console.WriteLine();
Console.WriteLine($"the dataset ({report.Status.Commits} committed flushes, all runs so far):");
foreach (var table in report.Status.Tables)
{
    Console.WriteLine($"  {table.Table,-18} {table.VisibleRows,8:N0} rows in {table.Parts,4} parts, {table.Bytes,10:N0} bytes");
}

Console.WriteLine($"  incomplete_visits lists {report.Status.IncompleteVisits} visits; parts no commit names: {report.Status.UnreferencedParts.Count}");
Console.WriteLine();
if (report.Problems.Count == 0)
{
    Console.WriteLine("checks: every visit got exactly one outcome, the dataset records the same one, and every row a visit appended is there exactly once (an unencodable record's table excepted): OK");
}
else
{
    Console.WriteLine($"checks: {report.Problems.Count} PROBLEM(S):");
    foreach (var problem in report.Problems)
    {
        Console.WriteLine($"  {problem}");
    }
}

var shown = Path.GetRelativePath(Environment.CurrentDirectory, report.Directory);
shown = shown.StartsWith("..", StringComparison.Ordinal) ? report.Directory : shown;
Console.WriteLine();
Console.WriteLine("query the tables with DuckDB (the parts of committed flushes; rows of incomplete visits are flagged in incomplete_visits):");
Console.WriteLine($"  duckdb -c \"SELECT count(*) FROM read_parquet('{shown}/{HttpRequest.TableName}/*.parquet')\"");
Console.WriteLine($"  duckdb -c \"SELECT * FROM read_parquet('{shown}/incomplete_visits/*.parquet')\"");
return report.Problems.Count == 0 ? 0 : 1;

