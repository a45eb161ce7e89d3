using Bulwark.Storage;
using Spectre.Console;

namespace Bulwark.Cli;

/// <summary>
/// A progress bar on stderr while `bulwark verify` reads a large store, measured in bytes read against the bytes the
/// directory holds. Only when stderr is a terminal: otherwise (pipes, files, tests) nothing is drawn and the output is
/// exactly the plain report.
/// </summary>
internal static class VerifyProgress
{
    /// <summary>
    /// Runs <paramref name="verify"/> over <paramref name="backend"/>, through a <see cref="CountingBackend"/> and under a
    /// progress bar when stderr is a terminal and <paramref name="directory"/> holds at least
    /// <see cref="CliTerminal.ProgressThresholdBytes"/>.
    /// </summary>
    public static async Task<int> RunAsync(CliContext cli, string directory, IStorageBackend backend, Func<IStorageBackend, Task<int>> verify)
    {
        if (!cli.Terminal.Error)
        {
            return await verify(backend);
        }

        var total = TotalBytes(directory);
        if (total < cli.Terminal.ProgressThresholdBytes || total == 0)
        {
            return await verify(backend);
        }

        var counting = new CountingBackend(backend);
        return await cli.CreateConsole(cli.Error).Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("verifying", maxValue: total);
                var run = verify(counting);
                while (!run.IsCompleted)
                {
                    // A file read twice (a part decoded after its checksum) counts twice; the bar stops at the end.
                    task.Value = Math.Min(counting.BytesRead, total);
                    await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(100)));
                }

                task.Value = total;
                return await run;
            });
    }

    /// <summary>The bytes of every file under <paramref name="directory"/>; 0 when it cannot be listed (then no bar is drawn).</summary>
    internal static long TotalBytes(string directory)
    {
        try
        {
            return new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
