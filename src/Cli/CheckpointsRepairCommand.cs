using Bulwark.Checkpoints;

namespace Bulwark.Cli;

/// <summary>
/// `bulwark checkpoints repair DIR [--yes]`: prints the catalog <see cref="CheckpointStoreRepair"/> would write from the
/// intact checkpoint directories and, with --yes, writes it. The plan is printed in both cases so that what --yes
/// writes is exactly what the dry run showed; the runtime refuses if the store changed in between.
/// </summary>
internal static class CheckpointsRepairCommand
{
    public static async Task<int> RunAsync(string directory, bool yes, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var (backend, failureCode) = await BulwarkCommand.OpenStoreAsync(directory, error);
        if (backend is null)
        {
            return failureCode;
        }

        CheckpointRepairPlan plan;
        try
        {
            plan = await CheckpointStoreRepair.PlanAsync(backend, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CheckpointStoreException)
        {
            // CheckpointStoreException: the repair plan wraps a storage failure while it reads a checkpoint's files.
            await error.WriteLineAsync("error: the store could not be read: " + e.Message.ReplaceLineEndings(" "));
            return BulwarkCommand.ProblemsFound;
        }

        await output.WriteLineAsync("current catalog: " + DescribeCatalog(directory, plan.CurrentCatalog));
        if (plan.Keep.Count == 0)
        {
            await output.WriteLineAsync("keep: none: no checkpoint directory is intact");
        }

        foreach (var kept in plan.Keep)
        {
            await output.WriteLineAsync($"keep: {kept.Id:D}  created {BulwarkCommand.Timestamp(kept.CreatedAt)}");
        }

        foreach (var excluded in plan.Exclude)
        {
            var listed = plan.CurrentCatalog?.Contains(excluded.Id) == true ? " (the current catalog lists it)" : "";
            await output.WriteLineAsync($"exclude: {excluded.Id:D}{listed}");
            foreach (var problem in excluded.Problems)
            {
                await output.WriteLineAsync($"  problem: {problem.Path}: {problem.Reason}");
            }

            await output.WriteLineAsync("  its directory will be removed when the store is next opened");
        }

        if (!plan.ChangesCatalog)
        {
            await output.WriteLineAsync("the catalog already lists exactly the intact checkpoints; nothing to repair");
            return BulwarkCommand.Healthy;
        }

        await output.WriteLineAsync($"new writer epoch: {plan.NextWriterEpoch}");
        if (!yes)
        {
            await output.WriteLineAsync("nothing was written; run again with --yes to write this catalog");
            return BulwarkCommand.ProblemsFound;
        }

        try
        {
            await CheckpointStoreRepair.ApplyAsync(backend, plan, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
        {
            await BulwarkCommand.WriteErrorAsync(error, e);
            return BulwarkCommand.ProblemsFound;
        }

        await output.WriteLineAsync($"wrote the catalog: {plan.Keep.Count} checkpoint(s)");
        return BulwarkCommand.Healthy;
    }

    private static string DescribeCatalog(string directory, IReadOnlyList<Guid>? catalog)
    {
        if (catalog is null)
        {
            // The plan does not say which: the file's presence does.
            return File.Exists(Path.Combine(directory, Checkpointer.CatalogFileName)) ? "unreadable" : "missing";
        }

        return catalog.Count == 0
            ? "0 checkpoint(s)"
            : $"{catalog.Count} checkpoint(s): {string.Join(", ", catalog.Select(c => c.ToString("D")))}";
    }
}
