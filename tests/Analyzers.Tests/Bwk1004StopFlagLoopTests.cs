namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1004 on loops conditioned on a stop flag (<c>while (!_disposed)</c>, <c>while (_running)</c>): reported when the
/// loop is started and left running (Task.Run, a thread, a dropped or stored task, a hosted service), silent when it is
/// a reader walking to its end, awaited by its caller, or survives its errors.
/// </summary>
public sealed class Bwk1004StopFlagLoopTests
{
    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(markup, new FragileBackgroundLoopAnalyzer());

    private const string Usings = """
        using Microsoft.Extensions.Logging;

        """;

    private const string Server = """
        class Server : IDisposable
        {
            private readonly ILogger _logger = null!;
            private volatile bool _disposed;
            private volatile bool _stopping;
            private bool _running = true;
            private Task _pump = Task.CompletedTask;
            void Flush() { }
            Task CommitAsync() => Task.CompletedTask;
            public void Dispose() => _disposed = true;

        """;

    private static string InServer(string members) => Usings + Server + members + "\n}\n";

    [Fact]
    public Task Not_disposed_loop_run_by_Task_Run() => VerifyAsync(InServer("""
            public void Start() => _pump = Task.Run(FlushLoop);

            private void FlushLoop()
            {
                [|while (!_disposed)|]
                {
                    Flush();
                    Thread.Sleep(100);
                }
            }
        """));

    [Fact]
    public Task Stopping_flag_loop_fired_and_forgotten_with_the_catch_outside() => VerifyAsync(InServer("""
            public void Start() => _ = CommitLoopAsync();

            private async Task CommitLoopAsync()
            {
                try
                {
                    [|while (!_stopping)|]
                    {
                        await CommitAsync();
                        await Task.Delay(1000);
                    }
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "commit loop failed");
                }
            }
        """));

    [Fact]
    public Task Running_flag_loop_on_a_thread() => VerifyAsync(InServer("""
            public void Start() => new Thread(Gossip) { IsBackground = true }.Start();

            private void Gossip()
            {
                [|while (_running)|]
                {
                    Flush();
                }
            }
        """));

    [Fact]
    public Task Flag_loop_in_a_lambda_passed_to_Task_Run() => VerifyAsync(InServer("""
            public void Start(CancellationToken ct)
            {
                _pump = Task.Run(async () =>
                {
                    [|while (Volatile.Read(ref _running) && !ct.IsCancellationRequested)|]
                    {
                        await CommitAsync();
                    }
                });
            }
        """));

    [Fact]
    public Task Flag_loop_awaited_only_inside_a_lambda_that_Task_Run_leaves_running() => VerifyAsync(InServer("""
            public void Start() => _ = Task.Run(async () => await PumpAsync());

            private async Task PumpAsync()
            {
                [|while (!_disposed)|]
                {
                    await CommitAsync();
                }
            }
        """));

    [Fact]
    public Task Flag_loop_in_a_hosted_service() => VerifyAsync(Usings + """
        using Microsoft.Extensions.Hosting;

        class Compactor : BackgroundService
        {
            private volatile bool _paused;
            Task CompactAsync(CancellationToken ct) => Task.CompletedTask;

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                [|while (!_paused)|]
                {
                    await CompactAsync(stoppingToken);
                }
            }
        }
        """);

    // ---- silent neighbours of the flag loops ----

    [Fact]
    public Task Flag_loops_outside_a_background_context_are_readers() => VerifyAsync(InServer("""
            private bool _ended;
            Task<int?> ReadAsync() => Task.FromResult<int?>(null);

            // A reader walking to the end of its input: its caller gets the exception.
            public async Task<int> CountAsync()
            {
                var count = 0;
                while (!_ended)
                {
                    if (await ReadAsync() is null) _ended = true;
                    else count++;
                }

                return count;
            }

            // Awaited by its only caller.
            private async Task DrainAsync()
            {
                while (_running)
                {
                    await CommitAsync();
                }
            }

            public async Task StopAsync()
            {
                _stopping = true;
                await DrainAsync();
            }
        """));

    [Fact]
    public Task Flag_loops_in_the_background_that_survive_or_are_not_flags() => VerifyAsync(InServer("""
            public void Start()
            {
                _pump = Task.Run(SafeLoop);
                _ = Task.Run(() =>
                {
                    var done = false;
                    while (!done)
                    {
                        Flush();
                        done = true;
                    }
                });
            }

            private void SafeLoop()
            {
                while (!_disposed)
                {
                    try
                    {
                        Flush();
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "flush failed; retrying");
                    }
                }
            }
        """));

    [Fact]
    public async Task Code_fix_wraps_the_body_of_a_flag_loop()
    {
        var actual = await CodeFixHarness.ApplyFixAsync(Usings + """
            class Server
            {
                private readonly ILogger _logger = null!;
                private volatile bool _disposed;
                private Task _pump = Task.CompletedTask;
                void Flush() { }

                public void Start() => _pump = Task.Run(FlushLoop);

                private void FlushLoop()
                {
                    while (!_disposed)
                    {
                        Flush();
                    }
                }
            }
            """, new FragileBackgroundLoopAnalyzer(), new Bulwark.Analyzers.CodeFixes.WrapLoopBodyCodeFix(), "BWK1004");

        Assert.Equal(Usings.ReplaceLineEndings("\n") + """
            class Server
            {
                private readonly ILogger _logger = null!;
                private volatile bool _disposed;
                private Task _pump = Task.CompletedTask;
                void Flush() { }

                public void Start() => _pump = Task.Run(FlushLoop);

                private void FlushLoop()
                {
                    while (!_disposed)
                    {
                        try
                        {
                            Flush();
                        }
                        catch (Exception ex)
                        {
                            _logger.LogError(ex, "Background loop iteration failed; continuing.");
                        }
                    }
                }
            }
            """.ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));
    }
}
