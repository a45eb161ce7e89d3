using System.Diagnostics;
using System.Globalization;
using Bulwark.Ingest;
using Bulwark.Parquet;
using Bulwark.Records;
using Bulwark.Storage;

namespace Bulwark.Benchmarks;

/// <summary>
/// The ingest controller against the Parquet writers it is built on, in one run: the same records over three tables,
/// once appended by 1,000 concurrent visits through an IngestController into a Parquet dataset on local disk (until
/// every visit is Committed), once written straight by ParquetFile.WriteAsync through the same backend, one file per
/// table, with no visit bookkeeping and no commit log. Reports the throughput ratio, the fsyncs per flush against the
/// protocol's minimum, and peak memory against MaxCachedBytes; checks that both outputs hold exactly the workload's rows.
/// </summary>
internal static class IngestComparison
{
    private const int Visits = 1_000;
    private const long MaxCachedBytes = 64L * 1024 * 1024;

    private static readonly IngestOptions Options = new()
    {
        WriterId = "bench",
        MaxCachedBytes = MaxCachedBytes,
        FlushInterval = TimeSpan.FromSeconds(1),
        MaxAge = TimeSpan.FromSeconds(10),
    };

    public static async Task<int> RunAsync(int records, int repeats, string directory)
    {
        var workload = IngestWorkload.Create(records, Visits);
        var warmUp = IngestWorkload.Create(Math.Min(records, 50_000), 100);
        var ingestDirectory = Path.Combine(directory, "ingest");
        var directDirectory = Path.Combine(directory, "direct");
        using var meters = new IngestMeters();

        // Warm-up until the code of both paths is optimized (the JIT promotes per-batch methods after 30 calls), then
        // each once at full size (pools and the file cache at steady state), then timed runs taking turns.
        for (var round = 0; round < 8; round++)
        {
            await IngestAsync(warmUp, ingestDirectory, meters);
            await DirectAsync(warmUp, directDirectory, meters, concurrent: round % 2 == 0);
        }

        await IngestAsync(workload, ingestDirectory, meters);
        await DirectAsync(workload, directDirectory, meters, concurrent: false);
        await Task.Delay(500);

        var ingest = new List<Run>();
        var sequential = new List<Run>();
        var concurrent = new List<Run>();
        for (var i = 0; i < repeats; i++)
        {
            var turns = new Func<Task>[]
            {
                async () => ingest.Add(await IngestAsync(workload, ingestDirectory, meters)),
                async () => sequential.Add(await DirectAsync(workload, directDirectory, meters, concurrent: false)),
                async () => concurrent.Add(await DirectAsync(workload, directDirectory, meters, concurrent: true)),
            };
            for (var k = 0; k < turns.Length; k++)
            {
                await turns[(i + k) % turns.Length]();
            }
        }

        var same = await SameRowsAsync(workload, ingestDirectory, directDirectory);
        Report(workload, directory, repeats, ingest, sequential, concurrent, same);
        return same.All(s => s.Same) ? 0 : 1;
    }

    private static async Task<Run> IngestAsync(IngestWorkload workload, string directory, IngestMeters meters)
    {
        Reset(directory);
        var backend = new LocalFileSystemBackend(directory);
        meters.Reset();
        using var memory = MemorySampler.Start();
        var watch = Stopwatch.StartNew();
        VisitOutcome[] outcomes;
        await using (var ingest = await IngestController.OpenAsync(backend, Options))
        {
            var visits = Enumerable.Range(0, workload.Visits).Select(v => Task.Run(() => VisitAsync(ingest, workload, v))).ToArray();
            var finalized = await Task.WhenAll(visits);

            // Every visit has ended: ask for the rest to be cut now rather than at FlushInterval.
            await ingest.FlushAsync();
            outcomes = await Task.WhenAll(finalized);
        }

        watch.Stop();
        var files = meters.FileSyncs;
        var directories = meters.DirectorySyncs;
        if (outcomes.Any(o => o.State != VisitState.Committed))
        {
            throw new InvalidOperationException($"{outcomes.Count(o => o.State != VisitState.Committed)} visits did not commit: {outcomes.First(o => o.State != VisitState.Committed)}");
        }

        var dataset = await IngestDataset.OpenAsync(backend);
        var flushes = dataset.Commits;
        var minimum = flushes.Sum(c => c.Files.Count + 1);
        var minimumDirectories = flushes.Sum(c => c.Files.Select(f => f.Table).Distinct().Count() + 1);
        var created = Directory.GetDirectories(directory).Length;
        return new Run(watch.Elapsed.TotalMilliseconds, files, directories, flushes.Count, flushes.Sum(c => c.Files.Count), minimum, minimumDirectories + created, meters.PeakCachedBytes, memory) { CreatedDirectories = created };
    }

    /// <summary>One visit: its rows interleaved across the three tables as a page produces them, yielding now and then so visits overlap.</summary>
    private static async Task<Task<VisitOutcome>> VisitAsync(IngestController ingest, IngestWorkload workload, int v)
    {
        var visit = ingest.StartVisit(v);
        var requests = workload.Slice(workload.Requests, v);
        var responses = workload.Slice(workload.Responses, v);
        var calls = workload.Slice(workload.Calls, v);
        var call = 0;
        for (var i = 0; i < requests.Count; i++)
        {
            await visit.AppendAsync(requests[i]);
            await visit.AppendAsync(responses[i]);
            if (i % 2 == 1 && call < calls.Count)
            {
                await visit.AppendAsync(calls[call++]);
            }

            if (i % 32 == 31)
            {
                await Task.Yield();
            }
        }

        while (call < calls.Count)
        {
            await visit.AppendAsync(calls[call++]);
        }

        return visit.FinalizeAsync(success: true);
    }

    private static async Task<Run> DirectAsync(IngestWorkload workload, string directory, IngestMeters meters, bool concurrent)
    {
        Reset(directory);
        var backend = new LocalFileSystemBackend(directory);
        meters.Reset();
        using var memory = MemorySampler.Start();
        var watch = Stopwatch.StartNew();
        var writes = new Func<Task>[]
        {
            () => ParquetFile.WriteAsync(backend, $"{IngestRequest.TableName}/part-0.parquet", workload.Requests),
            () => ParquetFile.WriteAsync(backend, $"{IngestResponse.TableName}/part-0.parquet", workload.Responses),
            () => ParquetFile.WriteAsync(backend, $"{IngestCall.TableName}/part-0.parquet", workload.Calls),
        };
        if (concurrent)
        {
            await Task.WhenAll(writes.Select(w => Task.Run(w)));
        }
        else
        {
            foreach (var write in writes)
            {
                await write();
            }
        }

        watch.Stop();
        return new Run(watch.Elapsed.TotalMilliseconds, meters.FileSyncs, meters.DirectorySyncs, 1, writes.Length, writes.Length, writes.Length, 0, memory);
    }

    private static async Task<List<(string Check, bool Same)>> SameRowsAsync(IngestWorkload workload, string ingestDirectory, string directDirectory)
    {
        var dataset = await IngestDataset.OpenAsync(new LocalFileSystemBackend(ingestDirectory));
        var direct = new LocalFileSystemBackend(directDirectory);
        var checks = new List<(string, bool)>();
        await CheckAsync<IngestRequest>(workload.Requests.Select(r => (r.VisitId, r.Seq)), r => (r.VisitId, r.Seq));
        await CheckAsync<IngestResponse>(workload.Responses.Select(r => (r.VisitId, r.Seq)), r => (r.VisitId, r.Seq));
        await CheckAsync<IngestCall>(workload.Calls.Select(r => (r.VisitId, r.Seq)), r => (r.VisitId, r.Seq));
        return checks;

        async Task CheckAsync<T>(IEnumerable<(long, int)> expected, Func<T, (long, int)> key)
            where T : IArrowRecord<T>
        {
            var want = IngestWorkload.Digest(expected);
            var ingested = new List<(long, int)>();
            await foreach (var row in dataset.ReadAsync<T>())
            {
                ingested.Add(key(row));
            }

            var written = new List<(long, int)>();
            await foreach (var row in ParquetFile.StreamAsync<T>(direct, $"{T.TableName}/part-0.parquet"))
            {
                written.Add(key(row));
            }

            checks.Add(($"{T.TableName}: ingest dataset", IngestWorkload.Digest(ingested) == want));
            checks.Add(($"{T.TableName}: direct file", IngestWorkload.Digest(written) == want));
        }
    }

    private static void Report(IngestWorkload workload, string directory, int repeats, List<Run> ingest, List<Run> sequential, List<Run> concurrent, List<(string Check, bool Same)> same)
    {
        var ingestMs = Median(ingest.Select(r => r.Ms));
        var sequentialMs = Median(sequential.Select(r => r.Ms));
        var concurrentMs = Median(concurrent.Select(r => r.Ms));
        var last = ingest[^1];
        Console.WriteLine($"Ingest into Parquet on local disk ({directory}): {workload.Records:N0} records over 3 tables ({workload.Requests.Length:N0} http_requests, {workload.Responses.Length:N0} http_responses, {workload.Calls.Length:N0} javascript_calls)");
        Console.WriteLine($"IngestController: {workload.Visits:N0} concurrent visits, MaxCachedBytes {MaxCachedBytes / 1024 / 1024} MiB, FlushInterval {Options.FlushInterval.TotalSeconds:0} s, a FlushAsync once every visit has ended; timed from OpenAsync until every visit is Committed and the controller disposed");
        Console.WriteLine($"median of {repeats} runs taking turns after a warm-up; {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"writer",-66} {"median ms",10} {"records/s",14}");
        Print("IngestController (visits, commit log, fsynced flushes)", ingestMs, workload.Records);
        Print("ParquetFile.WriteAsync, one file per table, one after another", sequentialMs, workload.Records);
        Print("ParquetFile.WriteAsync, one file per table, 3 at once", concurrentMs, workload.Records);
        Console.WriteLine($"  every run, ms: ingest {Runs(ingest)}; one after another {Runs(sequential)}; 3 at once {Runs(concurrent)}");
        Console.WriteLine(Invariant($"throughput ratio ingest / direct: {sequentialMs / ingestMs:0.00}x vs one after another, {concurrentMs / ingestMs:0.00}x vs 3 at once (goal >= 0.8x)"));
        Console.WriteLine();
        Console.WriteLine("fsyncs (the Bulwark.Storage meter: fsync calls the local backend completed), last ingest run:");
        Console.WriteLine(Invariant($"  {last.Flushes} flushes, {last.Parts} parts: {last.FileSyncs} file + {last.DirectorySyncs} directory fsyncs = {(last.FileSyncs + last.DirectorySyncs) / (double)last.Flushes:0.0} per flush"));
        Console.WriteLine(Invariant($"  protocol minimum: per flush one per part + one for the commit record, one per part directory + one for _commits; once, one per directory the dataset creates ({last.CreatedDirectories}: the tables', _commits, _locks) = {last.MinimumFileSyncs} file + {last.MinimumDirectorySyncs} directory"));
        Console.WriteLine(Invariant($"  beyond the minimum: {last.FileSyncs - last.MinimumFileSyncs} file + {last.DirectorySyncs - last.MinimumDirectorySyncs} directory fsyncs"));
        var direct = sequential[^1];
        Console.WriteLine(Invariant($"  direct writes: {direct.FileSyncs} file + {direct.DirectorySyncs} directory fsyncs for {direct.Parts} files"));
        Console.WriteLine();
        Console.WriteLine(Invariant($"memory, peaks over each run (sampled every 5 ms; the {workload.Records:N0} pregenerated records are live in both):"));
        Console.WriteLine(Invariant($"  controller's held bytes (bulwark.ingest.cached_bytes, what MaxCachedBytes bounds): peak {Mib(ingest.Max(r => r.PeakCachedBytes))} MiB of {Mib(MaxCachedBytes)} MiB"));
        Console.WriteLine(Invariant($"  managed heap (GC.GetTotalMemory(false)) above its start: ingest {Mib(ingest.Max(r => r.PeakHeapGrowth))} MiB, direct {Mib(sequential.Concat(concurrent).Max(r => r.PeakHeapGrowth))} MiB"));
        Console.WriteLine(Invariant($"  process working set: ingest peak {Mib(ingest.Max(r => r.PeakWorkingSet))} MiB (start {Mib(ingest[^1].BaselineWorkingSet)}), direct peak {Mib(sequential.Concat(concurrent).Max(r => r.PeakWorkingSet))} MiB (start {Mib(sequential[^1].BaselineWorkingSet)})"));
        Console.WriteLine("same rows: " + string.Join("; ", same.Select(s => $"{s.Check}: {s.Same}")));
    }

    private static void Reset(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
    }

    private static double Median(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Runs(List<Run> runs) => string.Join(", ", runs.Select(r => r.Ms.ToString("0", CultureInfo.InvariantCulture)));

    private static string Mib(long bytes) => Invariant($"{bytes / (1024.0 * 1024.0):0.0}");

    private static void Print(string name, double ms, int records) =>
        Console.WriteLine(Invariant($"{name,-66} {ms,10:0.0} {records / (ms / 1000),14:N0}"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Run(double Ms, long FileSyncs, long DirectorySyncs, int Flushes, int Parts, int MinimumFileSyncs, int MinimumDirectorySyncs, long PeakCachedBytes, long PeakHeapGrowth, long PeakWorkingSet, long BaselineWorkingSet)
    {
        public int CreatedDirectories { get; init; }

        public Run(double ms, long fileSyncs, long directorySyncs, int flushes, int parts, int minimumFileSyncs, int minimumDirectorySyncs, long peakCachedBytes, MemorySampler memory)
            : this(ms, fileSyncs, directorySyncs, flushes, parts, minimumFileSyncs, minimumDirectorySyncs, peakCachedBytes, memory.PeakHeap - memory.BaselineHeap, memory.PeakWorkingSet, memory.BaselineWorkingSet)
        {
        }
    }
}
