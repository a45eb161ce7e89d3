using System.CommandLine;
using System.Globalization;
using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>
/// The `bulwark` command tree. Exit codes: 0 healthy (or done), 1 problems found (or nothing changed without --yes,
/// or the change was refused), 2 usage error.
/// A bad store is reported line by line, never as a stack trace: the people who run this are looking at a damaged store.
/// </summary>
internal static class BulwarkCommand
{
    public const int Healthy = 0;
    public const int ProblemsFound = 1;
    public const int UsageError = 2;

    internal const string Usage =
        "usage: bulwark checkpoints list DIR | bulwark checkpoints drop DIR ID [--yes] | bulwark checkpoints repair DIR [--yes]"
        + " | bulwark ingest status DATASET | bulwark ingest replay SPILL DEST [--format parquet|arrow]"
        + " | bulwark shard inspect [SHARD_ID] (--consensus DIR | --postgres CONNECTION_STRING) --blob DIR"
        + " | bulwark verify PATH [--blob DIR] [--consensus DIR | --postgres CONNECTION_STRING]"
        + " | bulwark COMMAND --help";

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, TimeProvider.System, cancellationToken);

    /// <param name="args">The command line.</param>
    /// <param name="output">Reports.</param>
    /// <param name="error">Errors and usage.</param>
    /// <param name="time">The clock leases are judged live or expired by (a fake one in tests).</param>
    /// <param name="cancellationToken">Stops the command.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var cli = new CliContext(output, error, time);
        var root = new RootCommand("Bulwark: inspect and verify durable pipeline stores: checkpoint stores, ingest datasets and shards.")
        {
            CheckpointsCommand.Create(cli),
            IngestCommand.Create(cli),
            ShardCommand.Create(cli),
            VerifyCommand.Create(cli),
        };

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

        // --help and --version run System.CommandLine's own actions, which never set an exit code of ours.
        return cli.Ran ? cli.ExitCode : invoked;
    }

    /// <summary>The backend for an existing directory; the local backend would create a missing root, and verifying must not write.</summary>
    internal static async Task<LocalFileSystemBackend?> OpenAsync(string directory, TextWriter error)
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

        bool isStore;
        try
        {
            isStore = StoreDetection.IsCheckpointStore(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("error: the store could not be read: " + e.Message.ReplaceLineEndings(" "));
            return (null, ProblemsFound);
        }

        if (!isStore)
        {
            await error.WriteLineAsync($"error: '{directory}' is not a checkpoint store: it has no catalog ({Checkpointer.CatalogFileName}) and no checkpoint directories");
            return (null, UsageError);
        }

        return (backend, Healthy);
    }

    internal static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    internal static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>An expected failure as one "error:" line: the messages of the runtime's exceptions already name the cause and the remedy.</summary>
    internal static async Task WriteErrorAsync(TextWriter error, Exception exception) =>
        await error.WriteLineAsync("error: " + exception.Message.ReplaceLineEndings(" "));
}

/// <summary>What every command writes to, the clock it judges leases by, and the exit code it sets.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error, TimeProvider time)
{
    private int _exitCode = BulwarkCommand.UsageError;

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public TimeProvider Time { get; } = time;

    /// <summary>True once a command of ours ran and set <see cref="ExitCode"/>.</summary>
    public bool Ran { get; private set; }

    public int ExitCode
    {
        get => _exitCode;
        set
        {
            _exitCode = value;
            Ran = true;
        }
    }
}
