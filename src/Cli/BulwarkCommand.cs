using System.CommandLine;
using System.Globalization;
using Spectre.Console;
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
        "usage: bulwark cat FILE [--format table|csv|jsonl] [--limit N] | bulwark schema FILE"
        + " | bulwark checkpoints list DIR | bulwark checkpoints drop DIR ID [--yes] | bulwark checkpoints repair DIR [--yes]"
        + " | bulwark gc --plan DIR [--retain N] [--except ID]..."
        + " | bulwark ingest status DATASET | bulwark ingest replay SPILL DEST [--format parquet|arrow]"
        + " | bulwark shard inspect [SHARD_ID] (--consensus DIR | --postgres CONNECTION_STRING) --blob DIR"
        + " | bulwark verify PATH [--blob DIR] [--consensus DIR | --postgres CONNECTION_STRING]"
        + " | bulwark COMMAND --help";

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, TimeProvider.System, cancellationToken);

    /// <summary>Runs with no terminal: plain, deterministic output (as tests and pipes see it).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, time, CliTerminal.None, cancellationToken);

    /// <param name="args">The command line.</param>
    /// <param name="output">Reports.</param>
    /// <param name="error">Errors and usage.</param>
    /// <param name="time">The clock leases are judged live or expired by (a fake one in tests).</param>
    /// <param name="terminal">Which of the writers is a terminal, and how wide: progress bars and table widths depend on it.</param>
    /// <param name="cancellationToken">Stops the command.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time, CliTerminal terminal, CancellationToken cancellationToken = default)
    {
        var cli = new CliContext(output, error, time) { Terminal = terminal };
        var root = new RootCommand("Bulwark: inspect and verify durable pipeline stores (checkpoint stores, ingest datasets, shards) and the Arrow and Parquet files they hold.")
        {
            CatCommand.Create(cli),
            CheckpointsCommand.Create(cli),
            GcCommand.Create(cli),
            IngestCommand.Create(cli),
            SchemaCommand.Create(cli),
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
            await error.WriteLineAsync("error: " + StoreDetection.NotADirectory(directory));
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
            await error.WriteLineAsync($"error: '{directory}' is not a checkpoint store: it has no catalog ({Checkpointer.CatalogFileName}) and no checkpoint directories"
                + StoreDetection.DidYouMean(directory, StoreDetection.IsCheckpointStore));
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

    /// <summary>Which writers are terminals; none in tests, so output stays plain and deterministic.</summary>
    public CliTerminal Terminal { get; init; } = CliTerminal.None;

    /// <summary>A Spectre console over <paramref name="writer"/>: no colours or cursor moves unless it is a terminal, and no wrapping unless it has a width.</summary>
    public IAnsiConsole CreateConsole(TextWriter writer)
    {
        var terminal = ReferenceEquals(writer, Output) ? Terminal.Output : Terminal.Error;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = terminal && Terminal.Width is { } width ? width : 32_767;
        console.Profile.Capabilities.Unicode = true;
        return console;
    }

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

/// <summary>Which of stdout and stderr is a terminal, and the terminal's width.</summary>
internal sealed record CliTerminal(bool Output, bool Error, int? Width)
{
    /// <summary>The size of a store from which verify draws a progress bar (when stderr is a terminal): below it, verification is quick.</summary>
    public long ProgressThresholdBytes { get; init; } = 64L * 1024 * 1024;

    public static CliTerminal None { get; } = new(false, false, null);

    public static CliTerminal Detect()
    {
        var output = !Console.IsOutputRedirected;
        var error = !Console.IsErrorRedirected;
        int? width = null;
        try
        {
            width = output || error ? Console.WindowWidth : null;
        }
        catch (IOException)
        {
            // No console window after all (a pseudo-terminal without a size): nothing is wrapped.
        }

        return new CliTerminal(output, error, width is > 0 ? width : null);
    }
}
