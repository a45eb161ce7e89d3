using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Bulwark.Tests.Shared;
using Xunit;

namespace Bulwark.Shards.PostgreSql.Tests.Upsert;

/// <summary>
/// A worker dll from tests/Workers run with <c>dotnet</c>, its stdout read line by line and its stdin open for
/// commands. The process-driving half of Runtime.Tests' checkpoint WorkerProcess without its checkpoint-loop protocol,
/// which that class hard-wires. Every wait is bounded only by a hang guard that fails with the transcript, never by a
/// timing expectation: a slow machine just waits longer.
/// </summary>
internal sealed class LineProcess : IAsyncDisposable
{
    /// <summary>How long one wait may take before the worker is declared hung; far beyond any healthy run.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(20);

    private readonly Process _process;
    private readonly string _name;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _transcript = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _pump;

    private LineProcess(Process process, string name)
    {
        _process = process;
        _name = name;
        Pid = process.Id;
        _pump = PumpAsync();
    }

    public int Pid { get; }

    /// <summary>The stdout lines read so far and the stderr captured, for failure messages.</summary>
    public string Transcript
    {
        get
        {
            lock (_transcript)
            {
                lock (_stderr)
                {
                    return $"{_name} (pid {Pid}):\n{_transcript}--- stderr ---\n{_stderr}";
                }
            }
        }
    }

    /// <summary>Starts <c>dotnet WORKER.dll ARGUMENTS</c>; the worker is built into the test output by a ProjectReference.</summary>
    public static LineProcess Start(string workerDll, string name, IEnumerable<string> arguments)
    {
        var info = WorkerStart.For(workerDll, arguments);
        return new LineProcess(Process.Start(info) ?? throw new InvalidOperationException($"The worker {name} did not start."), name);
    }

    /// <summary>The next stdout line, or null at the end of output; fails when the hang guard trips.</summary>
    public async Task<string?> NextLineOrEndAsync()
    {
        using var guard = new CancellationTokenSource(HangGuard);
        try
        {
            if (await _lines.Reader.WaitToReadAsync(guard.Token) && _lines.Reader.TryRead(out var line))
            {
                lock (_transcript)
                {
                    _transcript.AppendLine(line);
                }

                return line;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Hang guard: no line within {HangGuard}.\n{Transcript}");
        }

        return null;
    }

    /// <summary>Writes one line to the worker's stdin.</summary>
    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the exit after the end of output and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var guard = new CancellationTokenSource(HangGuard);
        try
        {
            await _process.WaitForExitAsync(guard.Token);
            await _pump.WaitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Hang guard: no exit within {HangGuard}.\n{Transcript}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL on Linux (no handler runs, nothing is flushed); returns the lines it had printed and not yet read.</summary>
    public async Task<IReadOnlyList<string>> KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await WaitForExitAsync();
        var rest = new List<string>();
        while (await NextLineOrEndAsync() is { } line)
        {
            rest.Add(line);
        }

        return rest;
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
}
