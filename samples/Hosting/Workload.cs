using Bulwark.Hosting;
using Bulwark.Ingest;
using Bulwark.Shards;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HostingSample;

/// <summary>How much the workload does per run (section <c>Workload</c>).</summary>
public sealed class WorkloadOptions
{
    public int Visits { get; set; } = 40;

    public int PagesPerVisit { get; set; } = 3;
}

/// <summary>
/// One bounded run over the components AddBulwark registered, then a stop of the host: a simulated crawl through the
/// hosted ingest controller, one interval appended to the shard through the hosted writer, the run counted in a
/// checkpoint, and the health checks read. Each step prints what it guaranteed; the exit code is 0 only when every
/// check held.
/// </summary>
internal sealed class Workload(
    [FromKeyedServices("crawl")] HostedIngest crawl,
    [FromKeyedServices("default")] HostedCheckpointer checkpoints,
    [FromKeyedServices("ranks")] HostedShard<HostRank> ranks,
    HealthCheckService health,
    IOptions<WorkloadOptions> options,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private const string OperatorId = "workload";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var problems = new List<string>();
        try
        {
            await RunAsync(problems, stoppingToken);
        }
        catch (Exception e)
        {
            problems.Add($"the run failed: {e}");
        }
        finally
        {
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"PROBLEM: {problem}");
            }

            Console.WriteLine(problems.Count == 0 ? "hosting sample: every check held" : $"hosting sample: {problems.Count} problem(s)");
            Environment.ExitCode = problems.Count == 0 ? 0 : 1;

            // The host stops the workload first, then drains the ingest controller, gives the shard lease back and
            // releases the checkpoint store's lock.
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(List<string> problems, CancellationToken ct)
    {
        var checkpointer = checkpoints.Checkpointer;
        var restored = await checkpointer.RestoreLatestHealthyAsync(ct);
        var state = restored.Checkpoint is { } previous && previous.TryGetState<RunState>(OperatorId, out var earlier) ? earlier : new RunState();
        var run = state.Runs + 1;
        Console.WriteLine($"checkpoints: run {run} ({state.Runs} earlier run(s), {state.Visits} visits, restored from {restored.Checkpoint?.Id.ToString() ?? "nothing"})");

        // Ingest: every visit ends Committed (all its rows durable in one flush's commit record) or Incomplete with a reason.
        var settings = options.Value;
        var outcomes = new List<Task<VisitOutcome>>();
        var pagesByHost = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < settings.Visits; i++)
        {
            var visitId = (run * 1_000_000L) + i;
            var host = $"site{i % 5}.example";
            var visit = crawl.Controller.StartVisit(visitId);
            for (var p = 0; p < settings.PagesPerVisit; p++)
            {
                await visit.AppendAsync(new PageVisit(visitId, $"https://{host}/run{run}/{i}/{p}", 200, 1024 + p), ct);
            }

            pagesByHost[host] = pagesByHost.GetValueOrDefault(host) + settings.PagesPerVisit;
            outcomes.Add(visit.FinalizeAsync(success: true));
        }

        var resolved = await Task.WhenAll(outcomes);
        var committed = resolved.Count(o => o.State == VisitState.Committed);
        Console.WriteLine($"ingest: {committed} of {settings.Visits} visits committed to {crawl.Storage!.Description}");
        if (committed != settings.Visits)
        {
            problems.Add($"{settings.Visits - committed} visits did not commit: {string.Join("; ", resolved.Where(o => o.State != VisitState.Committed).Select(o => o.Reason).Distinct())}");
        }

        var dataset = await IngestDataset.OpenAsync(crawl.Storage, ct);
        var rows = 0L;
        await foreach (var row in dataset.ReadAsync<PageVisit>(ct))
        {
            rows += row.VisitId / 1_000_000L == run ? 1 : 0;
        }

        Console.WriteLine($"ingest: the dataset holds {rows} rows of this run (check: {settings.Visits * settings.PagesPerVisit})");
        if (rows != settings.Visits * settings.PagesPerVisit)
        {
            problems.Add($"the dataset holds {rows} rows of run {run}, not {settings.Visits * settings.PagesPerVisit}");
        }

        // Shard: the interval [upper, upper + 1) is appended once; a retry with the same token could never append it twice.
        var frontiers = await ranks.Shard.GetFrontiersAsync(ct);
        var updates = pagesByHost.Select(pair => new Update<HostRank>(new HostRank(pair.Key, pair.Value), frontiers.Upper, 1)).ToArray();
        var appended = await ranks.Writer.CompareAndAppendAsync(updates, frontiers.Upper, frontiers.Upper + 1, Guid.NewGuid(), ct);
        Console.WriteLine($"shard: {appended.Outcome} {updates.Length} updates at time {frontiers.Upper}; upper {frontiers.Upper} -> {appended.CurrentUpper}");
        if (!appended.IsCommitted)
        {
            problems.Add($"the shard append was {appended.Outcome}");
        }

        // Checkpoint: the run counts only once the catalog naming it is durable.
        state.EndRun(committed);
        var info = await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState(OperatorId, state), ct);
        await checkpointer.CollectGarbageAsync(retain: 3, cancellationToken: ct);
        Console.WriteLine($"checkpoints: committed {info.Id} (run {state.Runs}, {state.Visits} visits in all)");

        var report = await health.CheckHealthAsync(check => check.Tags.Contains("bulwark"), ct);
        foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"health: {name} {entry.Status}: {entry.Description}");
        }

        if (report.Status != HealthStatus.Healthy)
        {
            problems.Add($"health is {report.Status}");
        }
    }
}
