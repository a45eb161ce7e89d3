using System.CommandLine;
using System.Globalization;
using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>`bulwark checkpoints list|drop|repair`, and the checkpoint store half of `bulwark verify`.</summary>
internal static class CheckpointsCommand
{
    public static Command Create(CliContext cli)
    {
        var listDirectory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var list = new Command("list", "List the committed checkpoints, oldest first.") { listDirectory };

        var dropDirectory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var dropId = new Argument<string>("ID") { Description = "The id of the checkpoint to drop, as `checkpoints list` prints it." };
        var dropYes = new Option<bool>("--yes") { Description = "Drop it; without this only say what would be done." };
        var drop = new Command("drop", "Remove one checkpoint (typically a damaged one) from the catalog and delete its files.") { dropDirectory, dropId, dropYes };

        var repairDirectory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var repairYes = new Option<bool>("--yes") { Description = "Write the rebuilt catalog; without this only print the plan." };
        var repair = new Command("repair", "Rebuild the catalog from the checkpoint directories that are intact.") { repairDirectory, repairYes };

        list.SetAction(async (result, token) => cli.ExitCode = await ListAsync(result.GetValue(listDirectory)!, cli.Output, cli.Error, token));
        drop.SetAction(async (result, token) => cli.ExitCode = await CheckpointsDropCommand.RunAsync(
            result.GetValue(dropDirectory)!, result.GetValue(dropId)!, result.GetValue(dropYes), cli.Output, cli.Error, token));
        repair.SetAction(async (result, token) => cli.ExitCode = await CheckpointsRepairCommand.RunAsync(
            result.GetValue(repairDirectory)!, result.GetValue(repairYes), cli.Output, cli.Error, token));

        return new Command("checkpoints", "Commands for checkpoint stores.") { list, drop, repair };
    }

    /// <summary>Catalog, manifests, file presence, sizes, CRC32C and state headers; one line per problem.</summary>
    public static async Task<int> VerifyAsync(IStorageBackend backend, string directory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var result = await RunGuardedAsync(() => CheckpointStoreVerifier.VerifyAsync(backend, checkContents: true, cancellationToken: cancellationToken).AsTask(), error);
        if (result is null)
        {
            return BulwarkCommand.ProblemsFound;
        }

        await WriteProblemsAsync(result, output);
        await output.WriteLineAsync(result.IsHealthy
            ? $"healthy: {result.Checkpoints.Count} checkpoint(s), {result.FilesChecked} file(s) verified"
            : $"{result.Problems.Count} problem(s) found in {directory}");
        return result.IsHealthy ? BulwarkCommand.Healthy : BulwarkCommand.ProblemsFound;
    }

    private static async Task<int> ListAsync(string directory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var (backend, failureCode) = await BulwarkCommand.OpenStoreAsync(directory, error);
        if (backend is null)
        {
            return failureCode;
        }

        var result = await RunGuardedAsync(() => CheckpointStoreVerifier.VerifyAsync(backend, checkContents: false, cancellationToken: cancellationToken).AsTask(), error);
        if (result is null)
        {
            return BulwarkCommand.ProblemsFound;
        }

        await output.WriteLineAsync($"{result.Checkpoints.Count} checkpoint(s) in {directory}");
        foreach (var checkpoint in result.Checkpoints)
        {
            var bytes = checkpoint.Files.Sum(f => f.Length);
            var operators = string.Join(", ", checkpoint.OperatorIds.OrderBy(o => o, StringComparer.Ordinal));
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{checkpoint.Id:D}  {checkpoint.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  {checkpoint.Files.Count,4} files  {bytes,14:N0} bytes  operators: {(operators.Length == 0 ? "(none)" : operators)}"));
        }

        await WriteProblemsAsync(result, output);
        return result.IsHealthy ? BulwarkCommand.Healthy : BulwarkCommand.ProblemsFound;
    }

    private static async Task WriteProblemsAsync(CheckpointVerification result, TextWriter output)
    {
        foreach (var problem in result.Problems)
        {
            var path = problem.Path.Length == 0 ? "." : problem.Path;
            await output.WriteLineAsync($"problem: {path}: {problem.Reason}");
        }

        foreach (var note in result.Notes)
        {
            await output.WriteLineAsync("note: " + note);
        }
    }

    /// <summary>A storage failure while reading is reported as one line, not a stack trace.</summary>
    private static async Task<CheckpointVerification?> RunGuardedAsync(Func<Task<CheckpointVerification>> run, TextWriter error)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("error: the store could not be read: " + e.Message);
            return null;
        }
    }
}
