using System.CommandLine;
using System.Globalization;
using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>
/// `bulwark checkpoints list|drop|repair` and `bulwark verify`. Exit codes: 0 healthy (or done), 1 problems found (or
/// nothing changed without --yes, or the change was refused), 2 usage error.
/// A bad store is reported line by line, never as a stack trace: the people who run this are looking at a damaged store.
/// </summary>
internal static class BulwarkCommand
{
    public const int Healthy = 0;
    public const int ProblemsFound = 1;
    public const int UsageError = 2;

    internal const string Usage = "usage: bulwark checkpoints list DIR | bulwark checkpoints drop DIR ID [--yes] | bulwark checkpoints repair DIR [--yes] | bulwark verify DIR";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("Bulwark: inspect and verify durable pipeline stores.");

        var listDirectory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var list = new Command("list", "List the committed checkpoints, oldest first.") { listDirectory };
        var dropDirectory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var dropId = new Argument<string>("ID") { Description = "The id of the checkpoint to drop, as `checkpoints list` prints it." };
        var dropYes = new Option<bool>("--yes") { Description = "Drop it; without this only say what would be done." };
        var drop = new Command("drop", "Remove one checkpoint (typically a damaged one) from the catalog and delete its files.") { dropDirectory, dropId, dropYes };

        var repairDirectory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var repairYes = new Option<bool>("--yes") { Description = "Write the rebuilt catalog; without this only print the plan." };
        var repair = new Command("repair", "Rebuild the catalog from the checkpoint directories that are intact.") { repairDirectory, repairYes };

        var checkpoints = new Command("checkpoints", "Commands for checkpoint stores.") { list, drop, repair };

        var verifyDirectory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var verify = new Command("verify", "Check catalog, manifests, file presence, sizes, CRC32C and state headers; one line per problem.") { verifyDirectory };

        root.Add(checkpoints);
        root.Add(verify);

        var exitCode = UsageError;
        list.SetAction(async (result, token) => exitCode = await ListAsync(result.GetValue(listDirectory)!, output, error, token));
        drop.SetAction(async (result, token) => exitCode = await CheckpointsDropCommand.RunAsync(
            result.GetValue(dropDirectory)!, result.GetValue(dropId)!, result.GetValue(dropYes), output, error, token));
        repair.SetAction(async (result, token) => exitCode = await CheckpointsRepairCommand.RunAsync(
            result.GetValue(repairDirectory)!, result.GetValue(repairYes), output, error, token));
        verify.SetAction(async (result, token) => exitCode = await VerifyAsync(result.GetValue(verifyDirectory)!, output, error, token));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync("error: " + parseError.Message);
            }

            await error.WriteLineAsync(Usage);
            return UsageError;
        }

        int invoked;
        try
        {
            // The default handler would print the stack trace; the commands report every expected failure themselves.
            invoked = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await error.WriteLineAsync($"error: unexpected {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return ProblemsFound;
        }

        return parse.Action is null || invoked != 0 ? Math.Max(invoked, exitCode) : exitCode;
    }

    private static async Task<int> ListAsync(string directory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (await OpenAsync(directory, error) is not { } backend)
        {
            return UsageError;
        }

        var result = await RunGuardedAsync(() => CheckpointStoreVerifier.VerifyAsync(backend, checkContents: false, cancellationToken: cancellationToken).AsTask(), error);
        if (result is null)
        {
            return ProblemsFound;
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
        return result.IsHealthy ? Healthy : ProblemsFound;
    }

    private static async Task<int> VerifyAsync(string directory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (await OpenAsync(directory, error) is not { } backend)
        {
            return UsageError;
        }

        var result = await RunGuardedAsync(() => CheckpointStoreVerifier.VerifyAsync(backend, checkContents: true, cancellationToken: cancellationToken).AsTask(), error);
        if (result is null)
        {
            return ProblemsFound;
        }

        await WriteProblemsAsync(result, output);
        await output.WriteLineAsync(result.IsHealthy
            ? $"healthy: {result.Checkpoints.Count} checkpoint(s), {result.FilesChecked} file(s) verified"
            : $"{result.Problems.Count} problem(s) found in {directory}");
        return result.IsHealthy ? Healthy : ProblemsFound;
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

    /// <summary>The backend for an existing directory; the local backend would create a missing root, and verifying must not write.</summary>
    private static async Task<IStorageBackend?> OpenAsync(string directory, TextWriter error)
    {
        if (!Directory.Exists(directory))
        {
            await error.WriteLineAsync($"error: '{directory}' is not a directory");
            return null;
        }

        return new LocalFileSystemBackend(Path.GetFullPath(directory));
    }

    /// <summary>
    /// The backend for a directory that is a checkpoint store: it has a catalog or at least one checkpoint directory.
    /// Commands that change a store refuse anything else, so that a mistyped path is never turned into a new store.
    /// </summary>
    /// <returns>The backend, or null and the exit code after the reason was written to <paramref name="error"/>.</returns>
    internal static async Task<(IStorageBackend? Backend, int FailureCode)> OpenStoreAsync(string directory, TextWriter error)
    {
        if (await OpenAsync(directory, error) is not { } backend)
        {
            return (null, UsageError);
        }

        bool hasCatalog, hasCheckpoints;
        try
        {
            hasCatalog = File.Exists(Path.Combine(directory, Checkpointer.CatalogFileName));
            hasCheckpoints = Directory.EnumerateDirectories(directory)
                .Any(d => Guid.TryParseExact(Path.GetFileName(d), "D", out var id) && id.ToString("D") == Path.GetFileName(d));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("error: the store could not be read: " + e.Message.ReplaceLineEndings(" "));
            return (null, ProblemsFound);
        }

        if (!hasCatalog && !hasCheckpoints)
        {
            await error.WriteLineAsync($"error: '{directory}' is not a checkpoint store: it has no catalog ({Checkpointer.CatalogFileName}) and no checkpoint directories");
            return (null, UsageError);
        }

        return (backend, Healthy);
    }

    internal static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>An expected failure as one "error:" line: the messages of the runtime's exceptions already name the cause and the remedy.</summary>
    internal static async Task WriteErrorAsync(TextWriter error, Exception exception) =>
        await error.WriteLineAsync("error: " + exception.Message.ReplaceLineEndings(" "));

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
