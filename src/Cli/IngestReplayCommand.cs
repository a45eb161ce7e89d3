using Bulwark.Ingest;

namespace Bulwark.Cli;

/// <summary>
/// `bulwark ingest replay SPILL DEST [--format parquet|arrow]`: <see cref="IngestSpill.ReplayAsync"/> with a report.
/// Exactly once is the runtime's: a spill is committed under a writer identity of its own with deterministic names
/// and deleted only after its commit point, so a second run finds nothing, and a run cut short is finished by the next.
/// </summary>
internal static class IngestReplayCommand
{
    private const int VisitIdsShown = 10;

    public static async Task<int> RunAsync(string spill, string destination, IngestFormat format, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(spill))
        {
            await error.WriteLineAsync("error: " + StoreDetection.NotADirectory(spill));
            return BulwarkCommand.UsageError;
        }

        if (await BulwarkCommand.OpenAsync(destination, error) is not { } backend)
        {
            return BulwarkCommand.UsageError;
        }

        HashSet<string> before;
        try
        {
            if (Directory.EnumerateFileSystemEntries(destination).Any() && !StoreDetection.IsIngestDataset(destination))
            {
                await error.WriteLineAsync($"error: '{destination}' is not an ingest dataset: it has files, but no commit log (_commits/), no writer locks (_locks/) and no part files (TABLE/part-*)"
                    + StoreDetection.DidYouMean(destination, StoreDetection.IsIngestDataset));
                return BulwarkCommand.UsageError;
            }

            before = (await IngestDataset.OpenForInspectionAsync(backend, cancellationToken)).Commits.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("error: the dataset could not be read: " + e.Message.ReplaceLineEndings(" "));
            return BulwarkCommand.ProblemsFound;
        }

        await output.WriteLineAsync($"dataset {backend.RootPath}: {before.Count} commit(s) before the replay");
        IngestReplayResult result;
        try
        {
            result = await IngestSpill.ReplayAsync(Path.GetFullPath(spill), backend, new IngestOptions { Format = format }, logger: null, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // IngestDataException (a damaged spill manifest or part) and IngestWriterConflictException are IOExceptions.
            await BulwarkCommand.WriteErrorAsync(error, e);
            await error.WriteLineAsync("error: the spills before it were replayed and removed; it and the spills after it are left in place");
            return BulwarkCommand.ProblemsFound;
        }

        var replayed = 0;
        foreach (var commit in result.Replayed)
        {
            // An earlier replay that stopped after its commit point but before it removed the spill: the replay
            // rewrote the same files and record, byte for byte, and committed nothing new.
            if (before.Contains(commit.Path))
            {
                await output.WriteLineAsync($"already there: flush {commit.Flush} of writer {commit.BaseWriter}: an earlier replay committed it as {commit.Path}; nothing was committed again, the spill was removed");
                continue;
            }

            replayed++;
            await WriteReplayedAsync(commit, output);
        }

        foreach (var name in result.AlreadyCommitted)
        {
            await output.WriteLineAsync($"already there: spill {name}: its original flush is already committed in the dataset, so it was not committed again; the spill was removed");
        }

        foreach (var path in result.Skipped)
        {
            await output.WriteLineAsync($"skipped: {path}: it has no manifest (the spill was cut short by a crash); left in place");
        }

        if (result.Replayed.Count + result.AlreadyCommitted.Count + result.Skipped.Count == 0)
        {
            await output.WriteLineAsync($"nothing to replay: {spill} holds no spill (a replayed spill is removed once its commit is durable)");
            return BulwarkCommand.Healthy;
        }

        await output.WriteLineAsync($"replayed {replayed} spill(s), {result.Replayed.Count - replayed + result.AlreadyCommitted.Count} already there, {result.Skipped.Count} skipped");
        return result.Skipped.Count == 0 ? BulwarkCommand.Healthy : BulwarkCommand.ProblemsFound;
    }

    private static async Task WriteReplayedAsync(IngestCommit commit, TextWriter output)
    {
        await output.WriteLineAsync($"replayed: flush {commit.Flush} of writer {commit.BaseWriter}, committed as {commit.Path}");
        foreach (var file in commit.Files)
        {
            await output.WriteLineAsync($"table {file.Table}: {BulwarkCommand.Count(file.Rows)} row(s) in {file.Path}");
        }

        var visits = commit.Files.SelectMany(f => f.Visits.Select(v => v.VisitId))
            .Concat(commit.IncompleteVisits.Select(v => v.VisitId))
            .Distinct()
            .Order()
            .ToList();
        if (visits.Count == 0)
        {
            return;
        }

        var shown = string.Join(", ", visits.Take(VisitIdsShown)) + (visits.Count > VisitIdsShown ? $" and {visits.Count - VisitIdsShown} more" : "");
        await output.WriteLineAsync($"visits: {visits.Count} ({shown}), listed in incomplete_visits as spilled");
    }
}
