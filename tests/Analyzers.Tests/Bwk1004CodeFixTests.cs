using Bulwark.Analyzers.CodeFixes;

namespace Bulwark.Analyzers.Tests;

/// <summary>BWK1004's fix: the body goes into a try that ends the loop on cancellation and logs everything else.</summary>
public sealed class Bwk1004CodeFixTests
{
    private static async Task AssertFixAsync(string source, string expected)
    {
        var actual = await CodeFixHarness.ApplyFixAsync(source, new FragileBackgroundLoopAnalyzer(), new WrapLoopBodyCodeFix(), "BWK1004");
        Assert.Equal(expected.ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));
    }

    [Fact]
    public Task Token_from_the_condition_and_a_logger_field() => AssertFixAsync("""
        using Microsoft.Extensions.Logging;

        class Worker
        {
            private readonly ILogger<Worker> _logger;
            public Worker(ILogger<Worker> logger) => _logger = logger;
            Task FlushAsync(CancellationToken ct) => Task.CompletedTask;

            async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    // One flush per second.
                    await FlushAsync(ct);
                    await Task.Delay(1000, ct);
                }
            }
        }
        """, """
        using Microsoft.Extensions.Logging;

        class Worker
        {
            private readonly ILogger<Worker> _logger;
            public Worker(ILogger<Worker> logger) => _logger = logger;
            Task FlushAsync(CancellationToken ct) => Task.CompletedTask;

            async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    try
                    {
                        // One flush per second.
                        await FlushAsync(ct);
                        await Task.Delay(1000, ct);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception ex)
                    {
                        _logger.LogError(ex, "Background loop iteration failed; continuing.");
                    }
                }
            }
        }
        """);

    [Fact]
    public Task No_token_and_no_logger_leaves_a_comment() => AssertFixAsync("""
        class Worker
        {
            void Work() { }

            void Run()
            {
                for (;;)
                {
                    Work();
                }
            }
        }
        """, """
        class Worker
        {
            void Work() { }

            void Run()
            {
                for (;;)
                {
                    try
                    {
                        Work();
                    }
                    catch (Exception ex)
                    {
                        // Log and continue: one transient error must not end the loop.
                        _ = ex;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Periodic_timer_token_argument_and_logger_parameter() => AssertFixAsync("""
        using Microsoft.Extensions.Logging;

        static class Compactor
        {
            static Task CompactAsync(CancellationToken ct) => Task.CompletedTask;

            static async Task RunAsync(PeriodicTimer timer, ILogger log, CancellationToken stoppingToken)
            {
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    await CompactAsync(stoppingToken);
                }
            }
        }
        """, """
        using Microsoft.Extensions.Logging;

        static class Compactor
        {
            static Task CompactAsync(CancellationToken ct) => Task.CompletedTask;

            static async Task RunAsync(PeriodicTimer timer, ILogger log, CancellationToken stoppingToken)
            {
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    try
                    {
                        await CompactAsync(stoppingToken);
                    }
                    catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception ex)
                    {
                        log.LogError(ex, "Background loop iteration failed; continuing.");
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Do_while_with_a_token_in_scope_but_not_in_the_condition() => AssertFixAsync("""
        class Worker
        {
            void Work(CancellationToken ct) { }

            void Run(CancellationToken cancellationToken)
            {
                var ex = 0;
                do
                {
                    Work(cancellationToken);
                    ex++;
                }
                while (true);
            }
        }
        """, """
        class Worker
        {
            void Work(CancellationToken ct) { }

            void Run(CancellationToken cancellationToken)
            {
                var ex = 0;
                do
                {
                    try
                    {
                        Work(cancellationToken);
                        ex++;
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception exception)
                    {
                        // Log and continue: one transient error must not end the loop.
                        _ = exception;
                    }
                }
                while (true);
            }
        }
        """);

    [Fact]
    public Task Embedded_statement_body_becomes_a_block_and_the_logging_using_is_added() => AssertFixAsync("""
        using System.Threading;

        class Worker
        {
            private readonly Microsoft.Extensions.Logging.ILogger _logger = null!;
            void Work() { }

            void Run()
            {
                while (true)
                    Work();
            }
        }
        """, """
        using System.Threading;
        using Microsoft.Extensions.Logging;

        class Worker
        {
            private readonly Microsoft.Extensions.Logging.ILogger _logger = null!;
            void Work() { }

            void Run()
            {
                while (true)
                {
                    try
                    {
                        Work();
                    }
                    catch (Exception ex)
                    {
                        _logger.LogError(ex, "Background loop iteration failed; continuing.");
                    }
                }
            }
        }
        """);

    [Fact]
    public async Task The_fixed_loop_is_silent()
    {
        var fixedText = await CodeFixHarness.ApplyFixAsync("""
            class Worker
            {
                Task WorkAsync(CancellationToken ct) => Task.CompletedTask;
                async Task RunAsync(CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested) await WorkAsync(ct);
                }
            }
            """, new FragileBackgroundLoopAnalyzer(), new WrapLoopBodyCodeFix(), "BWK1004");

        Assert.Empty(await AnalyzerHarness.GetDiagnosticsAsync(fixedText, new FragileBackgroundLoopAnalyzer()));
    }

    [Fact]
    public async Task Iterators_get_no_fix_because_yield_cannot_sit_in_a_try_with_a_catch()
    {
        await CodeFixHarness.VerifyNoFixAsync("""
            class Worker
            {
                int Next() => 1;
                IEnumerable<int> Values()
                {
                    [|while (true)|] yield return Next();
                }
            }
            """, new FragileBackgroundLoopAnalyzer(), new WrapLoopBodyCodeFix(), "BWK1004");
    }
}
