using System.CommandLine;
using System.Globalization;
using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>
/// `bulwark checkpoints list DIR` and `bulwark verify DIR`. Exit codes: 0 healthy, 1 problems found, 2 usage error.
/// A bad store is reported line by line, never as a stack trace: the people who run this are looking at a damaged store.
/// </summary>
internal static class BulwarkCommand
{
    public const int Healthy = 0;
    public const int ProblemsFound = 1;
    public const int UsageError = 2;

    /// <summary>The store's lock file (the runtime's name for it is internal); its owner record is this name plus ".owner".</summary>
    internal const string StoreLockFileName = "checkpoints.lock";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("Bulwark: inspect and verify durable pipeline stores.");

        var listDirectory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var list = new Command("list", "List the committed checkpoints, oldest first.") { listDirectory };
        var checkpoints = new Command("checkpoints", "Commands for checkpoint stores.") { list };

        var verifyDirectory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var verify = new Command("verify", "Check catalog, manifests, file presence, sizes, CRC32C and state headers; one line per problem.") { verifyDirectory };

        root.Add(checkpoints);
        root.Add(verify);

        var exitCode = UsageError;
        list.SetAction(async (result, token) => exitCode = await ListAsync(result.GetValue(listDirectory)!, output, error, token));
        verify.SetAction(async (result, token) => exitCode = await VerifyAsync(result.GetValue(verifyDirectory)!, output, error, token));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync("error: " + parseError.Message);
            }

            await error.WriteLineAsync("usage: bulwark checkpoints list DIR | bulwark verify DIR");
            return UsageError;
        }

        var invoked = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
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

        foreach (var note in result.Notes.Where(n => !IsAboutStoreLock(n)))
        {
            await output.WriteLineAsync("note: " + note);
        }
    }

    /// <summary>
    /// The verifier notes every root file no checkpoint references, which includes the store's lock and its owner
    /// record. Those belong to the store; a note calling them unreferenced invites deleting the lock file, and a lock
    /// file deleted while held lets a second checkpointer lock a new one beside the first.
    /// </summary>
    private static bool IsAboutStoreLock(string note) =>
        note.StartsWith($"'{StoreLockFileName}' ", StringComparison.Ordinal) || note.StartsWith($"'{StoreLockFileName}.owner' ", StringComparison.Ordinal);

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
