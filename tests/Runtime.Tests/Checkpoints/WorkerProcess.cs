using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Bulwark.Tests.Shared;
using Xunit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>A checkpoint the worker reported committed: it printed the line only after CommitAsync returned.</summary>
internal sealed record ReportedCommit(Guid Id, string State);

/// <summary>
/// One running <c>Bulwark.Tests.Worker</c> process (tests/Workers) in any of its modes, read line by line; the
/// <c>checkpoint-loop</c> lines are also parsed into <see cref="RestoredState"/> and <see cref="Commits"/>. Every wait
/// is bounded only by a hang guard that fails with the transcript, never by a timing expectation: a slow machine just
/// waits longer. Any <c>error</c> line fails the test at once. The worker's standard input stays open while this
/// object lives, so a worker that watches it ends when the test host dies.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    /// <summary>How long one wait may take before the worker is declared hung; far beyond any healthy run.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(20);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _transcript = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _pump;
    private readonly List<ReportedCommit> _commits = [];
    private readonly List<string> _read = [];
    private readonly bool _checkpointLines;

    private WorkerProcess(Process process, bool checkpointLines)
    {
        _process = process;
        _checkpointLines = checkpointLines;
        Pid = process.Id;
        _pump = PumpAsync();
    }

    public int Pid { get; }

    /// <summary>The restored state the worker printed with <c>opened</c> ("none" for an empty store); null until then.</summary>
    public string? RestoredState { get; private set; }

    /// <summary>Every commit the worker reported, in order, among the lines read so far.</summary>
    public IReadOnlyList<ReportedCommit> Commits => _commits;

    /// <summary>Every stdout line read so far, in order (after <see cref="KillAsync"/>: all the worker printed).</summary>
    public IReadOnlyList<string> Lines => _read;

    /// <summary>The stdout lines read so far and the stderr captured, for failure messages.</summary>
    public string Transcript
    {
        get
        {
            lock (_transcript)
            {
                lock (_stderr)
                {
                    return $"worker {Pid}:\n{_transcript}--- stderr ---\n{_stderr}";
                }
            }
        }
    }

    /// <summary>Starts <c>dotnet Bulwark.Tests.Worker.dll checkpoint-loop STORE 0</c> from the test's output directory.</summary>
    public static WorkerProcess Start(string store, bool waitForLock = false) =>
        Start(["checkpoint-loop", store, "0", .. waitForLock ? ["--wait-for-lock"] : Array.Empty<string>()]);

    /// <summary>Starts <c>dotnet Bulwark.Tests.Worker.dll ARGUMENTS...</c> (the first is the mode) from the test's output directory.</summary>
    public static WorkerProcess Start(IReadOnlyList<string> arguments)
    {
        var info = WorkerStart.For("Bulwark.Tests.Worker.dll", arguments);
        var process = Process.Start(info) ?? throw new InvalidOperationException("The worker process did not start.");
        return new WorkerProcess(process, arguments[0] == "checkpoint-loop");
    }

    /// <summary>The next stdout line; fails on an <c>error</c> line, on the end of output, or when the hang guard trips.</summary>
    public async Task<string> NextLineAsync()
    {
        using var guard = new CancellationTokenSource(HangGuard);
        string? line = null;
        try
        {
            if (await _lines.Reader.WaitToReadAsync(guard.Token))
            {
                _lines.Reader.TryRead(out line);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Hang guard: no line within {HangGuard}.\n{Transcript}");
        }

        if (line is null)
        {
            await _process.WaitForExitAsync();
            Assert.Fail($"The worker ended its output (exit code {_process.ExitCode}) while a line was expected.\n{Transcript}");
        }

        Record(line);
        return line;
    }

    /// <summary>Reads up to the <c>opened</c> line and returns the lines before it (the <c>locked</c> reports, if any).</summary>
    public async Task<IReadOnlyList<string>> WaitUntilOpenedAsync()
    {
        var before = new List<string>();
        while (await NextLineAsync() is var line && !line.StartsWith("opened ", StringComparison.Ordinal))
        {
            before.Add(line);
        }

        return before;
    }

    /// <summary>Reads until the worker has reported <paramref name="total"/> commits in all.</summary>
    public async Task WaitForCommitsAsync(int total)
    {
        while (_commits.Count < total)
        {
            await NextLineAsync();
        }
    }

    /// <summary>SIGKILL on Linux (no handler runs, nothing is flushed), then reads the rest of what it had printed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        using var guard = new CancellationTokenSource(HangGuard);
        await _process.WaitForExitAsync(guard.Token);
        await _pump.WaitAsync(guard.Token);
        while (_lines.Reader.TryRead(out var line))
        {
            Record(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        _process.Dispose();
    }

    private async Task PumpAsync()
    {
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            _lines.Writer.TryWrite(line);
        }

        _lines.Writer.Complete();
    }

    private void Record(string line)
    {
        lock (_transcript)
        {
            _transcript.AppendLine(line);
        }

        _read.Add(line);
        Assert.False(line.StartsWith("error ", StringComparison.Ordinal), $"The worker reported an error.\n{Transcript}");
        if (!_checkpointLines)
        {
            return;
        }

        var parts = line.Split(' ');
        if (parts[0] == "committed" && parts.Length == 3)
        {
            _commits.Add(new ReportedCommit(Guid.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]));
        }
        else if (parts[0] == "opened" && parts.Length == 3)
        {
            Assert.Equal(Pid.ToString(CultureInfo.InvariantCulture), parts[1]);
            RestoredState = parts[2];
        }
    }
}
