namespace Bulwark.Analyzers.Tests;

/// <summary>BWK1004: background loops whose body lets an exception out, and the look-alikes that must stay silent.</summary>
public sealed class Bwk1004Tests
{
    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(markup, new FragileBackgroundLoopAnalyzer());

    private const string Worker = """
        using System.IO;
        using Microsoft.Extensions.Logging;

        class Worker
        {
            private readonly ILogger _logger = null!;
            private Task _pending = Task.CompletedTask;
            private readonly CancellationTokenSource _cts = new();
            void Work() { }
            Task WorkAsync(CancellationToken ct) => Task.CompletedTask;
            bool IsTransient(Exception e) => e is IOException;

        """;

    private static string InWorker(string members) => Worker + members + "\n}\n";

    // ---- positive: each loop shape with a bare call ----

    [Fact]
    public Task While_true_with_a_bare_call() => VerifyAsync(InWorker("""
            void Run()
            {
                [|while (true)|]
                {
                    Work();
                }
            }
        """));

    [Fact]
    public Task For_ever_with_an_awaited_call() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                [|for (;;)|]
                {
                    await WorkAsync(ct);
                }
            }
        """));

    [Fact]
    public Task While_not_cancelled_with_a_call_beside_the_delay() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken stoppingToken)
            {
                [|while (!stoppingToken.IsCancellationRequested)|]
                {
                    await Task.Delay(1000, stoppingToken);
                    await WorkAsync(stoppingToken);
                }
            }
        """));

    [Fact]
    public Task While_token_source_not_cancelled() => VerifyAsync(InWorker("""
            void Run()
            {
                [|while (!_cts.IsCancellationRequested)|] Work();
            }
        """));

    [Fact]
    public Task While_periodic_timer_ticks() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                [|while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))|]
                {
                    await WorkAsync(ct).ConfigureAwait(false);
                }
            }
        """));

    [Fact]
    public Task Do_while_true_reports_the_trailing_condition() => VerifyAsync(InWorker("""
            void Run()
            {
                do
                {
                    Work();
                }
                [|while (true)|];
            }
        """));

    [Fact]
    public Task Conjunction_of_background_conditions() => VerifyAsync(InWorker("""
            async Task RunAsync(PeriodicTimer timer, CancellationToken ct)
            {
                [|while (!ct.IsCancellationRequested && await timer.WaitForNextTickAsync(ct))|]
                {
                    Work();
                }
            }
        """));

    [Fact]
    public Task While_true_whose_only_exits_are_cancellation() => VerifyAsync(InWorker("""
            async Task RunAsync(PeriodicTimer timer, CancellationToken ct)
            {
                [|while (true)|]
                {
                    if (ct.IsCancellationRequested) break;
                    if (!await timer.WaitForNextTickAsync(ct)) return;
                    Work();
                }
            }
        """));

    // ---- positive: a try that does not cover everything ----

    [Fact]
    public Task Catch_of_IOException_only() => VerifyAsync(InWorker("""
            void Run()
            {
                [|while (true)|]
                {
                    try
                    {
                        Work();
                    }
                    catch (IOException e)
                    {
                        _logger.LogWarning(e, "retrying");
                    }
                }
            }
        """));

    [Fact]
    public Task Catch_that_rethrows() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                [|while (!ct.IsCancellationRequested)|]
                {
                    try
                    {
                        await WorkAsync(ct);
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "failed");
                        throw;
                    }
                }
            }
        """));

    [Fact]
    public Task Earlier_specific_catch_that_throws_a_new_exception() => VerifyAsync(InWorker("""
            void Run()
            {
                [|while (true)|]
                {
                    try
                    {
                        Work();
                    }
                    catch (IOException e)
                    {
                        throw new InvalidOperationException("storage failed", e);
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "failed");
                    }
                }
            }
        """));

    [Fact]
    public Task Call_outside_the_try() => VerifyAsync(InWorker("""
            void Run()
            {
                [|while (true)|]
                {
                    try
                    {
                        Work();
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "failed");
                    }

                    Work();
                }
            }
        """));

    [Fact]
    public Task Await_of_a_task_outside_the_try() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                [|while (!ct.IsCancellationRequested)|]
                {
                    await _pending;
                    try
                    {
                        _pending = WorkAsync(ct);
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "failed");
                    }
                }
            }
        """));

    [Fact]
    public Task Explicit_throw_in_the_body() => VerifyAsync(InWorker("""
            void Run(int limit)
            {
                var n = 0;
                [|for (;;)|]
                {
                    if (++n > limit) throw new InvalidOperationException("too many rounds");
                }
            }
        """));

    [Fact]
    public Task General_catch_with_a_filter_that_may_let_failures_through() => VerifyAsync(InWorker("""
            void Run()
            {
                [|while (true)|]
                {
                    try
                    {
                        Work();
                    }
                    catch (Exception e) when (IsTransient(e))
                    {
                        _logger.LogWarning(e, "transient");
                    }
                }
            }
        """));

    [Fact]
    public Task Nested_loop_call_escapes_both() => VerifyAsync(InWorker("""
            void Run()
            {
                [|while (true)|]
                {
                    [|while (true)|]
                    {
                        Work();
                    }
                }
            }
        """));

    [Fact]
    public async Task Message_names_the_loop_head_on_one_line()
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(InWorker("""
                void Run()
                {
                    do { Work(); } while (
                        true);
                }
            """), new FragileBackgroundLoopAnalyzer()));

        Assert.Equal("BWK1004", diagnostic.Id);
        Assert.Equal("while (\n            true)", diagnostic.SpanText.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.StartsWith("An exception in the body of background loop 'do ... while ( true)' escapes it", diagnostic.Message, StringComparison.Ordinal);
    }

    // ---- negative look-alikes ----

    [Fact]
    public Task Body_wrapped_in_a_catch_that_logs_and_continues() => VerifyAsync(InWorker("""
            void Run()
            {
                while (true)
                {
                    try
                    {
                        Work();
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "iteration failed; continuing");
                    }
                }
            }
        """));

    [Fact]
    public Task Canonical_cancellation_exit_with_a_general_catch() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                while (await timer.WaitForNextTickAsync(ct))
                {
                    try
                    {
                        await WorkAsync(ct);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "iteration failed; continuing");
                    }
                }
            }
        """));

    [Fact]
    public Task Cancellation_only_exit_and_a_bare_general_catch() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                for (;;)
                {
                    try
                    {
                        await WorkAsync(ct);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    catch
                    {
                    }
                }
            }
        """));

    [Fact]
    public Task Cancellation_rethrown_from_the_cancellation_catch() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    try
                    {
                        await WorkAsync(ct);
                    }
                    catch (TaskCanceledException)
                    {
                        throw;
                    }
                    catch (Exception e)
                    {
                        if (e is OperationCanceledException && ct.IsCancellationRequested) throw;
                        _logger.LogError(e, "iteration failed; continuing");
                    }
                }
            }
        """));

    [Fact]
    public Task Finite_loops_are_not_background_loops() => VerifyAsync(InWorker("""
            void Run(int n, List<string> items, CancellationToken ct)
            {
                for (var i = 0; i < n; i++) Work();
                var j = 0;
                while (j < n) { Work(); j++; }
                do { Work(); } while (++j < 2 * n);
                foreach (var item in items) Work();
                while (!ct.IsCancellationRequested && j < 3 * n) { Work(); j++; }
            }
        """));

    [Fact]
    public Task Body_that_calls_nothing() => VerifyAsync(InWorker("""
            int Run(int[] data)
            {
                var i = 0;
                var sum = 0;
                while (true)
                {
                    sum += data[i] * 2;
                    i++;
                    if (i == data.Length) break;
                }

                return sum;
            }
        """));

    [Fact]
    public Task Filters_that_still_catch_everything_but_cancellation() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    try { await WorkAsync(ct); }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _logger.LogError(e, "failed");
                    }
                }

                while (!ct.IsCancellationRequested)
                {
                    try { await WorkAsync(ct); }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        _logger.LogError(e, "failed");
                    }
                }

                while (true)
                {
                    try { await WorkAsync(ct); }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        _logger.LogError(e, "failed");
                    }
                }
            }
        """));

    [Fact]
    public Task Loop_in_generated_code() => VerifyAsync("""
        // <auto-generated/>
        class Generated
        {
            void Work() { }
            void Run()
            {
                while (true)
                {
                    Work();
                }
            }
        }
        """);

    [Fact]
    public Task Delay_inside_the_try_and_cancellation_only_calls_outside() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                while (true)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(5), ct);
                        Work();
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "failed");
                    }
                }
            }

            async Task PollAsync(PeriodicTimer timer, CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    ct.ThrowIfCancellationRequested();
                    await Task.Delay(100, ct).ConfigureAwait(false);
                    await Task.Yield();
                    if (!await timer.WaitForNextTickAsync(ct)) break;
                    if (ct.IsCancellationRequested) throw new OperationCanceledException(ct);
                }
            }
        """));

    [Fact]
    public Task Delay_of_a_constant_TimeSpan_after_the_try_is_cancellation_only() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    try
                    {
                        Work();
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "failed");
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
                }
            }
        """));

    [Fact]
    public Task Delay_of_a_computed_TimeSpan_after_the_try_is_reported() => VerifyAsync(InWorker("""
            async Task RunAsync(CancellationToken ct, double seconds)
            {
                [|while (!ct.IsCancellationRequested)|]
                {
                    try
                    {
                        Work();
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "failed");
                    }

                    await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
                }
            }
        """));

    [Fact]
    public Task Throwing_call_inside_a_lambda_that_the_loop_does_not_invoke() => VerifyAsync(InWorker("""
            void Run()
            {
                Action? last = null;
                var rounds = 0;
                while (true)
                {
                    last = () => Work();
                    void Local() => Work();
                    rounds++;
                }
            }
        """));

    [Fact]
    public Task Calls_in_handlers_and_finally_are_the_error_path() => VerifyAsync(InWorker("""
            async Task RunAsync(SemaphoreSlim gate, CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    try
                    {
                        try
                        {
                            await WorkAsync(ct);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _logger.LogError(e, "failed");
                    }
                }
            }
        """));

    [Fact]
    public Task While_true_that_ends_when_its_input_does_is_not_a_background_loop() => VerifyAsync(InWorker("""
            int CountLines(TextReader reader)
            {
                var count = 0;
                while (true)
                {
                    var line = reader.ReadLine();
                    if (line is null) break;
                    count++;
                }

                for (var attempt = 0; ; attempt++)
                {
                    if (reader.Peek() < 0) return count + attempt;
                    reader.Read();
                }
            }

            IEnumerable<string> Lines(TextReader reader)
            {
                do
                {
                    var line = reader.ReadLine();
                    if (line is null) yield break;
                    yield return line;
                }
                while (true);
            }
        """));
}
