using System.Globalization;
using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>
/// `bulwark checkpoints drop DIR ID [--yes]`. The dry run only reads the store, because opening a checkpointer is
/// itself a change (it rewrites the catalog with a new writer epoch and removes leftover directories); it predicts what
/// <see cref="Checkpointer.DropCheckpointAsync"/> will delete from the same rules the checkpointer applies.
/// </summary>
internal static class CheckpointsDropCommand
{
    public static async Task<int> RunAsync(string directory, string idText, bool yes, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(idText, out var id))
        {
            await error.WriteLineAsync($"error: '{idText}' is not a checkpoint id; `bulwark checkpoints list {directory}` prints the ids");
            return BulwarkCommand.UsageError;
        }

        var (backend, failureCode) = await BulwarkCommand.OpenStoreAsync(directory, error);
        if (backend is null)
        {
            return failureCode;
        }

        CheckpointVerification listing;
        CheckpointRepairPlan survey;
        try
        {
            // The verifier gives every catalogued manifest that can be read; the repair plan says which checkpoints are
            // damaged (manifest or any file) and why. Both only read.
            listing = await CheckpointStoreVerifier.VerifyAsync(backend, checkContents: false, cancellationToken: cancellationToken);
            survey = await CheckpointStoreRepair.PlanAsync(backend, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CheckpointStoreException)
        {
            // CheckpointStoreException: the repair plan wraps a storage failure while it reads a checkpoint's files.
            await error.WriteLineAsync("error: the store could not be read: " + e.Message.ReplaceLineEndings(" "));
            return BulwarkCommand.ProblemsFound;
        }

        if (survey.CurrentCatalog is not { } catalog)
        {
            await error.WriteLineAsync($"error: the catalog of {directory} is missing or unreadable, so nothing can be dropped from it; `bulwark checkpoints repair {directory}` rebuilds it");
            return BulwarkCommand.ProblemsFound;
        }

        if (!catalog.Contains(id))
        {
            await error.WriteLineAsync($"error: checkpoint {id:D} is not in the catalog of {directory}; `bulwark checkpoints list {directory}` prints the ids");
            return BulwarkCommand.UsageError;
        }

        await DescribeAsync(id, catalog, listing, survey, output);
        if (!yes)
        {
            await output.WriteLineAsync("nothing was changed; run again with --yes to drop it");
            return BulwarkCommand.ProblemsFound;
        }

        return await DropAsync(backend, id, output, error, cancellationToken);
    }

    private static async Task DescribeAsync(Guid id, IReadOnlyList<Guid> catalog, CheckpointVerification listing, CheckpointRepairPlan survey, TextWriter output)
    {
        var readable = listing.Checkpoints.ToDictionary(c => c.Id);
        var target = readable.GetValueOrDefault(id);
        await output.WriteLineAsync(target is null
            ? $"checkpoint {id:D}: its manifest cannot be read, so its creation time, files and size are unknown"
            : string.Create(CultureInfo.InvariantCulture, $"checkpoint {id:D}: created {BulwarkCommand.Timestamp(target.CreatedAt)}, {target.Files.Count} file(s), {target.Files.Sum(f => f.Length):N0} bytes"));

        // The plan surveys the checkpoint directories that exist; a catalogued checkpoint whose directory is gone
        // altogether is only in the verifier's problems.
        var problems = survey.Exclude.FirstOrDefault(e => e.Id == id)?.Problems
            ?? (target is null ? listing.Problems.Where(p => p.Path.StartsWith($"{id:D}/", StringComparison.Ordinal)).ToList() : []);
        if (problems.Count == 0 && target is not null)
        {
            await output.WriteLineAsync("intact: its manifest and every file it lists have their recorded size and CRC32C");
        }
        else if (problems.Count == 0)
        {
            await output.WriteLineAsync("damaged: its manifest cannot be read");
        }

        foreach (var problem in problems)
        {
            await output.WriteLineAsync($"damaged: {problem.Path}: {problem.Reason}");
        }

        await output.WriteLineAsync($"drop removes it from the catalog durably, then deletes its directory {id:D}/");

        // The checkpointer counts a catalogued checkpoint as damaged when its manifest cannot be read; with one of
        // those left, which shared files are still needed is unknown, so it deletes none.
        var otherUnreadable = catalog.Where(c => c != id && !readable.ContainsKey(c)).ToList();
        if (target is null)
        {
            await output.WriteLineAsync("no shared file is deleted: its manifest cannot be read, so which shared files only it references is unknown");
        }
        else if (otherUnreadable.Count > 0)
        {
            await output.WriteLineAsync($"no shared file is deleted while damaged checkpoints exist: {string.Join(", ", otherUnreadable.Select(c => c.ToString("D")))}");
        }
        else
        {
            var referenced = readable.Values.Where(c => c.Id != id).SelectMany(c => c.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
            var onlyItsOwn = target.Files.Where(f => f.Kind == CheckpointFileKind.Shared && !referenced.Contains(f.Path)).ToList();
            foreach (var file in onlyItsOwn)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"deletes shared file {file.Path} ({file.Length:N0} bytes): no other checkpoint references it"));
            }

            if (onlyItsOwn.Count == 0)
            {
                await output.WriteLineAsync("no shared file is deleted: every shared file it lists is referenced by another checkpoint, or it lists none");
            }
        }

        // Opening the store with --yes removes the directories of interrupted commits, unless a catalogued manifest
        // (the dropped one included) is unreadable: then it removes nothing.
        var uncatalogued = survey.Keep.Select(k => k.Id).Concat(survey.Exclude.Select(e => e.Id)).Where(d => !catalog.Contains(d)).ToList();
        if (uncatalogued.Count > 0 && target is not null && otherUnreadable.Count == 0)
        {
            await output.WriteLineAsync($"opening the store also removes the directories no catalog lists (interrupted commits): {string.Join(", ", uncatalogued.Select(d => d.ToString("D")))}");
        }
    }

    private static async Task<int> DropAsync(IStorageBackend backend, Guid id, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        Checkpointer checkpointer;
        try
        {
            checkpointer = await Checkpointer.OpenAsync(backend, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
        {
            await BulwarkCommand.WriteErrorAsync(error, e);
            return BulwarkCommand.ProblemsFound;
        }

        await using (checkpointer)
        {
            GarbageCollectionResult result;
            try
            {
                result = await checkpointer.DropCheckpointAsync(id, cancellationToken);
            }
            catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                // An ArgumentException here means the checkpoint left the catalog between the survey and the open.
                await BulwarkCommand.WriteErrorAsync(error, e);
                return BulwarkCommand.ProblemsFound;
            }

            await output.WriteLineAsync($"dropped checkpoint {id:D} from the catalog");
            foreach (var path in result.DeletedPaths)
            {
                await output.WriteLineAsync("deleted: " + path);
            }

            await output.WriteLineAsync($"{checkpointer.Checkpoints.Count} checkpoint(s) remain");
            return BulwarkCommand.Healthy;
        }
    }
}
