using Bulwark.Arrow;
using Bulwark.Checkpoints;
using Bulwark.Parquet;
using Bulwark.Storage;
using Quickstart;

// A tiny deterministic "crawl": three sites, a few pages each, some failures and some links.
var dataDirectory = Path.GetFullPath(args.Length > 0 ? args[0] : "bulwark-data");
Directory.CreateDirectory(dataDirectory);

var start = new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
var random = new Random(42);
var hosts = new[] { "example.org", "docs.example.com", "bücher.example" };
var requests = new List<HttpRequest>();
var links = new List<PageLink>();
for (var visit = 1L; visit <= 120; visit++)
{
    var host = hosts[visit % hosts.Length];
    var url = $"https://{host}/page/{visit}";
    var status = random.Next(100) switch { < 85 => 200, < 92 => 404, < 97 => 301, _ => 503 };
    var kind = (ContentKind)(visit % 4);
    requests.Add(new HttpRequest(
        visit,
        url,
        visit == 1 ? null : $"https://{hosts[(visit - 1) % hosts.Length]}/page/{visit - 1}",
        start.AddMilliseconds(visit * 1537),
        status,
        kind,
        TimeSpan.FromMilliseconds(random.Next(5, 900)),
        status == 200 ? random.Next(512, 200_000) : null));
    if (status == 200 && kind == ContentKind.Html)
    {
        for (var l = 0; l < 3; l++)
        {
            var target = hosts[(visit + l) % hosts.Length];
            links.Add(new PageLink(visit, url, $"https://{target}/page/{visit + l + 1}", l == 2 ? null : $"Read part {l + 1}", l == 1, l == 1 ? ["nofollow", "external"] : []));
        }
    }
}

var requestsPath = Path.Combine(dataDirectory, HttpRequest.TableName + ".arrow");
var linksPath = Path.Combine(dataDirectory, PageLink.TableName + ".arrow");
await ArrowFile.WriteAsync(requestsPath, requests);
await ArrowFile.WriteAsync(linksPath, links);

// Read everything back from disk and check it is exactly what was written.
var readRequests = await ArrowFile.ReadAsync<HttpRequest>(requestsPath);
var readLinks = new List<PageLink>();
await foreach (var link in ArrowFile.StreamAsync<PageLink>(linksPath))
{
    readLinks.Add(link);
}

// The same tables as Parquet (Snappy), for DuckDB, pandas or Spark: `duckdb -c "SELECT * FROM 'bulwark-data/http_requests.parquet'"`.
var requestsParquet = Path.Combine(dataDirectory, HttpRequest.TableName + ".parquet");
var linksParquet = Path.Combine(dataDirectory, PageLink.TableName + ".parquet");
await ParquetFile.WriteAsync(requestsParquet, requests);
await ParquetFile.WriteAsync(linksParquet, links);
var parquetRequests = await ParquetFile.ReadAsync<HttpRequest>(requestsParquet);
var parquetLinks = await ParquetFile.ReadAsync<PageLink>(linksParquet);

var requestsMatch = readRequests.SequenceEqual(requests) && parquetRequests.SequenceEqual(requests);
static bool SameLinks(IReadOnlyList<PageLink> read, List<PageLink> written) =>
    read.Count == written.Count && read.Zip(written).All(p => p.First with { Rel = p.Second.Rel } == p.Second && p.First.Rel.SequenceEqual(p.Second.Rel));
var linksMatch = SameLinks(readLinks, links) && SameLinks(parquetLinks, links);

Console.WriteLine($"Bulwark quickstart — data in {dataDirectory}");
Console.WriteLine();
Console.WriteLine($"{HttpRequest.TableName}: {readRequests.Count} rows, {new FileInfo(requestsPath).Length:N0} bytes, schema:");
foreach (var field in HttpRequest.ArrowSchema.FieldsList)
{
    Console.WriteLine($"  {ArrowTypes.Describe(field)}");
}

Console.WriteLine($"{PageLink.TableName}: {readLinks.Count} rows, {new FileInfo(linksPath).Length:N0} bytes");
Console.WriteLine($"as Parquet: {requestsParquet} ({new FileInfo(requestsParquet).Length:N0} bytes), {linksParquet} ({new FileInfo(linksParquet).Length:N0} bytes)");
Console.WriteLine();
Console.WriteLine("requests per host (status 200 / all, bytes fetched):");
foreach (var group in readRequests.GroupBy(r => new Uri(r.Url).Host).OrderBy(g => g.Key, StringComparer.Ordinal))
{
    Console.WriteLine($"  {group.Key,-20} {group.Count(r => r.Status == 200),3} / {group.Count(),3}  {group.Sum(r => r.Bytes ?? 0),10:N0} B");
}

Console.WriteLine($"nofollow links: {readLinks.Count(l => l.NoFollow)} of {readLinks.Count}");
Console.WriteLine();
Console.WriteLine(requestsMatch && linksMatch ? "round trip: every row read back (Arrow file, Arrow stream reader, Parquet) equals the row written" : "round trip: MISMATCH");
Console.WriteLine();

// A checkpointed operator: restore the host counts of earlier runs, count this run, commit a checkpoint that also
// keeps this run's Arrow file as a shared batch file, then "restart" and check the state survived. Each checkpoint
// references only the previous run's batch file, so older batch files fall out of every retained checkpoint and GC
// deletes them: a shared file stays alive only while a retained checkpoint lists it.
const string OperatorId = "host-counter";
var checkpointRoot = Path.Combine(dataDirectory, "checkpoints");
HostCounter counter;
await using (var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(checkpointRoot)))
{
    // The newest intact checkpoint: a damaged newer one is skipped and reported, never silently used or fatal.
    var healthy = await checkpointer.RestoreLatestHealthyAsync();
    foreach (var skipped in healthy.Skipped)
    {
        Console.WriteLine($"checkpoints: skipped damaged checkpoint {skipped.Id}: {skipped.Error.Message}");
    }

    var previous = healthy.Checkpoint;
    counter = previous is not null && previous.TryGetState<HostCounter>(OperatorId, out var restored) ? restored : new HostCounter();
    Console.WriteLine(previous is null
        ? "checkpoints: none yet, starting from an empty counter"
        : $"checkpoints: restored {previous.Id} — {counter.Total} requests counted over {counter.Runs} earlier run(s)");

    foreach (var request in readRequests)
    {
        counter.Count(new Uri(request.Url).Host);
    }

    counter.EndRun();
    var draft = checkpointer.CreateDraft()
        .SetState(OperatorId, counter)
        .AddSharedFile($"http_requests-{counter.Runs:D4}.arrow", await File.ReadAllBytesAsync(requestsPath));
    var previousBatch = previous?.SharedFiles.OrderBy(f => f.Path, StringComparer.Ordinal).LastOrDefault();
    if (previousBatch is not null)
    {
        draft.ReferenceSharedFile(previousBatch.Path);
    }

    var committed = await checkpointer.CommitAsync(draft);
    var collected = await checkpointer.CollectGarbageAsync(retain: 2);
    var deletedBatches = collected.DeletedPaths.Where(p => p.EndsWith(".arrow", StringComparison.Ordinal)).ToArray();
    Console.WriteLine($"checkpoints: committed {committed.Id} ({committed.Files.Count} files); GC removed {collected.RemovedCheckpoints.Count} old checkpoint(s)" +
        (deletedBatches.Length > 0 ? $" and deleted the batch file(s) no retained checkpoint lists: {string.Join(", ", deletedBatches)}" : ""));
}

// A new checkpointer over the same directory is what a restarted process sees.
bool stateSurvived;
await using (var restarted = await Checkpointer.OpenAsync(new LocalFileSystemBackend(checkpointRoot)))
{
    var latest = await restarted.RestoreLatestAsync();
    var again = latest is not null && latest.TryGetState<HostCounter>(OperatorId, out var restoredAgain) ? restoredAgain : null;
    stateSurvived = again is not null && again.SameAs(counter);
    Console.WriteLine($"after restart: {restarted.Checkpoints.Count} checkpoint(s) in the catalog; host counts as restored from {latest?.Id}:");
    foreach (var (host, count) in (again ?? new HostCounter()).CountsByHost.OrderBy(p => p.Key, StringComparer.Ordinal))
    {
        Console.WriteLine($"  {host,-20} {count,5}");
    }

    Console.WriteLine(stateSurvived ? "checkpoint: the restored state equals the state committed before the restart" : "checkpoint: MISMATCH after restart");
}

Console.WriteLine($"check the store yourself: dotnet run --project src/Cli -- verify {Path.GetRelativePath(Environment.CurrentDirectory, checkpointRoot)}");

return requestsMatch && linksMatch && stateSurvived ? 0 : 1;
