using System.CommandLine;
using Bulwark.Ingest;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>`bulwark ingest status|replay`, and the ingest dataset half of `bulwark verify`.</summary>
internal static class IngestCommand
{
    /// <summary>How many incomplete or unended visits status lists by id; the rest are counted.</summary>
    internal const int VisitsShown = 5;

    public static Command Create(CliContext cli)
    {
        var statusDataset = new Argument<string>("DATASET") { Description = "The dataset's directory (the root an IngestController writes to through a LocalFileSystemBackend)." };
        var status = new Command(
            "status",
            "Commits per writer, rows per table, incomplete and unended visits, orphaned parts (normal after a crash: their writer removes them when it next opens) "
            + "and damage (unreadable commit records; committed parts missing or with another size or CRC32C). Exit 1 only for damage.")
        {
            statusDataset,
        };

        var replaySpill = new Argument<string>("SPILL") { Description = "The controller's SpillDirectory: the spills its shutdown wrote while the destination was down." };
        var replayDestination = new Argument<string>("DEST") { Description = "The dataset's directory." };
        var replayFormat = new Option<string>("--format") { Description = "The format of the parts replay writes.", DefaultValueFactory = _ => "parquet" };
        replayFormat.AcceptOnlyFromAmong("parquet", "arrow");
        var replay = new Command(
            "replay",
            "Commit each complete spill in SPILL to the dataset at DEST exactly once, then delete it: a spill whose flush is already in DEST is not committed again, "
            + "and running replay again finds nothing left. Exit 1 if a spill without a manifest (cut short by a crash) was left in place.")
        {
            replaySpill,
            replayDestination,
            replayFormat,
        };

        status.SetAction(async (result, token) => cli.ExitCode = await StatusAsync(result.GetValue(statusDataset)!, cli.Output, cli.Error, token));
        replay.SetAction(async (result, token) => cli.ExitCode = await IngestReplayCommand.RunAsync(
            result.GetValue(replaySpill)!,
            result.GetValue(replayDestination)!,
            result.GetValue(replayFormat) == "arrow" ? IngestFormat.ArrowIpc : IngestFormat.Parquet,
            cli.Output,
            cli.Error,
            token));

        return new Command("ingest", "Commands for ingest datasets (the Parquet or Arrow tables an IngestController writes).") { status, replay };
    }

    /// <summary>Every commit record parses, every committed part is present with its recorded size and CRC32C and decodes to its rows, no part is listed twice.</summary>
    public static async Task<int> VerifyAsync(IStorageBackend backend, string directory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (await SurveyAsync(backend, checkContents: true, error, cancellationToken) is not { } survey)
        {
            return BulwarkCommand.ProblemsFound;
        }

        await WriteFindingsAsync(survey, output);
        await output.WriteLineAsync(survey.Problems.Count == 0
            ? $"healthy: ingest dataset, {survey.Dataset.Commits.Count} commit(s), {survey.FilesChecked} committed file(s) verified"
            : $"{survey.Problems.Count} problem(s) found in {directory}");
        return survey.Problems.Count == 0 ? BulwarkCommand.Healthy : BulwarkCommand.ProblemsFound;
    }

    private static async Task<int> StatusAsync(string directory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var (backend, failureCode) = await OpenDatasetAsync(directory, error);
        if (backend is null)
        {
            return failureCode;
        }

        if (await SurveyAsync(backend, checkContents: false, error, cancellationToken) is not { } survey)
        {
            return BulwarkCommand.ProblemsFound;
        }

        var dataset = survey.Dataset;
        await output.WriteLineAsync($"dataset: {backend.RootPath}");
        await output.WriteLineAsync($"commits: {dataset.Commits.Count}");
        foreach (var writer in dataset.Commits.GroupBy(c => c.Writer).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var owner = writer.First().BaseWriter;
            var spill = owner == writer.Key ? "" : $" (a replayed spill of writer {owner})";
            await output.WriteLineAsync($"writer {writer.Key}: {writer.Count()} commit(s), last flush {writer.Max(c => c.Flush)}{spill}");
        }

        foreach (var table in survey.Status.Tables)
        {
            var visible = table.VisibleRows == table.Rows ? "" : $" ({BulwarkCommand.Count(table.VisibleRows)} visible to readers)";
            await output.WriteLineAsync($"table {table.Table}: {table.Parts} part(s), {BulwarkCommand.Count(table.Rows)} row(s){visible}, {BulwarkCommand.Count(table.Bytes)} bytes");
        }

        var incomplete = dataset.Commits.SelectMany(c => c.IncompleteVisits.Select(v => (c.BaseWriter, v.VisitId, v.Reason))).ToList();
        await output.WriteLineAsync($"incomplete visits: {incomplete.Count}");
        foreach (var (writer, visit, reason) in incomplete.Take(VisitsShown))
        {
            await output.WriteLineAsync($"incomplete visit {visit} (writer {writer}): {reason.ReplaceLineEndings(" ")}");
        }

        if (incomplete.Count > VisitsShown)
        {
            await output.WriteLineAsync($"incomplete visits not shown: {incomplete.Count - VisitsShown} (all are in the incomplete_visits table)");
        }

        var unended = survey.Status.UnendedVisits;
        if (unended.Count > 0)
        {
            await output.WriteLineAsync($"unended visits: {unended.Count} (running, or left by a crash: their committed rows stay hidden from readers until they end)");
            foreach (var visit in unended.Take(VisitsShown))
            {
                await output.WriteLineAsync($"unended visit {visit.VisitId} (writer {visit.Writer})");
            }

            if (unended.Count > VisitsShown)
            {
                await output.WriteLineAsync($"unended visits not shown: {unended.Count - VisitsShown}");
            }
        }

        await output.WriteLineAsync($"orphans: {survey.Orphans.Count}");
        await WriteFindingsAsync(survey, output);
        await output.WriteLineAsync(survey.Problems.Count == 0
            ? $"healthy: {survey.FilesChecked} committed file(s) present with their recorded size and CRC32C"
            : $"{survey.Problems.Count} problem(s) found in {directory}");
        return survey.Problems.Count == 0 ? BulwarkCommand.Healthy : BulwarkCommand.ProblemsFound;
    }

    /// <summary>The backend of a directory that is an ingest dataset; anything else is refused, so a mistyped path reads as such.</summary>
    /// <returns>The backend, or null and the exit code after the reason was written to <paramref name="error"/>.</returns>
    internal static async Task<(LocalFileSystemBackend? Backend, int FailureCode)> OpenDatasetAsync(string directory, TextWriter error)
    {
        if (await BulwarkCommand.OpenAsync(directory, error) is not { } backend)
        {
            return (null, BulwarkCommand.UsageError);
        }

        bool isDataset;
        try
        {
            isDataset = StoreDetection.IsIngestDataset(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("error: the dataset could not be read: " + e.Message.ReplaceLineEndings(" "));
            return (null, BulwarkCommand.ProblemsFound);
        }

        if (!isDataset)
        {
            await error.WriteLineAsync($"error: '{directory}' is not an ingest dataset: it has no commit log (_commits/), no writer locks (_locks/) and no part files (TABLE/part-*)"
                + StoreDetection.DidYouMean(directory, StoreDetection.IsIngestDataset));
            return (null, BulwarkCommand.UsageError);
        }

        return (backend, BulwarkCommand.Healthy);
    }

    private static async Task<IngestSurvey?> SurveyAsync(IStorageBackend backend, bool checkContents, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            return await IngestSurvey.RunAsync(backend, checkContents, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("error: the dataset could not be read: " + e.Message.ReplaceLineEndings(" "));
            return null;
        }
    }

    private static async Task WriteFindingsAsync(IngestSurvey survey, TextWriter output)
    {
        foreach (var orphan in survey.Orphans)
        {
            await output.WriteLineAsync($"orphan: {orphan.Path}: {orphan.Reason}");
        }

        foreach (var problem in survey.Problems)
        {
            await output.WriteLineAsync($"problem: {problem.Path}: {problem.Reason.ReplaceLineEndings(" ")}");
        }
    }
}
