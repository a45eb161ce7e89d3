using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1004 on the shapes real storage engines and servers use: loops that a goto, a result or an awaited caller ends,
/// or whose only failing call runs on the way out (silent), their reported neighbours, and the <c>.editorconfig</c>
/// list of loops that are meant to stop on error. Stop-flag loops are in <see cref="Bwk1004StopFlagLoopTests"/>.
/// </summary>
public sealed class Bwk1004RealWorldTests
{
    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(markup, new FragileBackgroundLoopAnalyzer());

    private const string Usings = """
        using Microsoft.Extensions.Logging;

        """;

    // ---- silent: loops whose exception has somewhere to go, or that end anyway ----

    [Fact]
    public Task Search_loop_left_by_goto() => VerifyAsync(Usings + """
        class Index
        {
            int Next(int slot) => slot + 1;

            int Find(int key)
            {
                var slot = 0;
                while (true)
                {
                    slot = Next(slot);
                    if (slot == key) goto found;
                }

            found:
                return slot;
            }
        }
        """);

    [Fact]
    public Task Wait_loop_whose_result_the_caller_awaits() => VerifyAsync(Usings + """
        class Replica
        {
            private readonly SemaphoreSlim _signal = new(0);
            bool CaughtUp() => false;

            public async Task<bool> WaitForCatchUpAsync(CancellationToken token)
            {
                while (!token.IsCancellationRequested)
                {
                    if (CaughtUp()) return true;
                    await _signal.WaitAsync();
                }

                return false;
            }
        }
        """);

    [Fact]
    public Task Replay_loop_awaited_through_WhenAll() => VerifyAsync(Usings + """
        class Recovery
        {
            Task ReplayNextAsync(CancellationToken ct) => Task.CompletedTask;
            Task CompactAsync(CancellationToken ct) => Task.CompletedTask;

            private async Task ReplayAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    await ReplayNextAsync(ct);
                }
            }

            public async Task RecoverAsync(CancellationToken ct)
            {
                await Task.WhenAll(ReplayAsync(ct), CompactAsync(ct));
            }

            public async Task RecoverThroughALocalAsync(CancellationToken ct)
            {
                var replay = ReplayAsync(ct);
                await Task.WhenAll(new[] { replay, CompactAsync(ct) }).ConfigureAwait(false);
            }
        }
        """);

    [Fact]
    public Task Lease_renewal_loop_whose_task_the_owner_watches() => VerifyAsync(Usings + """
        class LeaseLostException : Exception { }

        class Lease
        {
            public TimeSpan RenewInterval { get; } = TimeSpan.FromSeconds(5);
            public Task RenewAsync(CancellationToken ct) => Task.CompletedTask;
        }

        class LeasedWriter
        {
            // Renewal throws LeaseLostException once another node holds the lease: the loop must end there, or this
            // node would keep writing while fenced.
            private static async Task RenewLeaseAsync(Lease lease, CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    await Task.Delay(lease.RenewInterval, ct);
                    await lease.RenewAsync(ct);
                }
            }

            public async Task RunWhileLeasedAsync(Lease lease, Func<CancellationToken, Task> work, CancellationToken ct)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var finished = await Task.WhenAny(RenewLeaseAsync(lease, cts.Token), work(cts.Token));
                cts.Cancel();
                await finished;
            }
        }
        """);

    [Fact]
    public Task Only_throwing_call_is_followed_by_break() => VerifyAsync(Usings + """
        class Publisher
        {
            private volatile bool _ready;
            void Publish() { }

            async Task WaitThenPublishAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    if (_ready)
                    {
                        Publish();
                        break;
                    }

                    await Task.Delay(100, ct);
                }
            }
        }
        """);

    // ---- the neighbours of the silent cases stay reported ----

    [Fact]
    public Task Call_before_a_conditional_break_still_runs_every_iteration() => VerifyAsync(Usings + """
        class Publisher
        {
            private volatile bool _done;
            void Publish() { }

            async Task RunAsync(CancellationToken ct)
            {
                [|while (!ct.IsCancellationRequested)|]
                {
                    Publish();
                    if (_done) break;
                    await Task.Delay(100, ct);
                }
            }
        }
        """);

    [Fact]
    public Task Call_in_a_branch_that_continues_before_the_break_still_repeats() => VerifyAsync(Usings + """
        class Poller
        {
            private volatile bool _ready;
            Task PollAsync(CancellationToken ct) => Task.CompletedTask;

            async Task RunAsync(CancellationToken ct)
            {
                [|while (!ct.IsCancellationRequested)|]
                {
                    if (!_ready)
                    {
                        await PollAsync(ct);
                        continue;
                    }

                    break;
                }
            }
        }
        """);

    [Fact]
    public Task Loop_started_and_left_running_is_reported_although_another_caller_awaits_it() => VerifyAsync(Usings + """
        class Checkpointer
        {
            private Task _loop = Task.CompletedTask;
            Task CheckpointAsync(CancellationToken ct) => Task.CompletedTask;

            private async Task CheckpointLoopAsync(CancellationToken ct)
            {
                [|while (!ct.IsCancellationRequested)|]
                {
                    await Task.Delay(1000, ct);
                    await CheckpointAsync(ct);
                }
            }

            public void Start(CancellationToken ct) => _loop = CheckpointLoopAsync(ct);

            public async Task RunInForegroundAsync(CancellationToken ct) => await CheckpointLoopAsync(ct);

            public async Task StopAsync() => await _loop;
        }
        """);

    // ---- .editorconfig: loops meant to stop on error ----

    private const string LeaseLoop = """
        namespace Storage.Leases
        {
            class LeaseKeeper
            {
                private Task _renewal = Task.CompletedTask;
                Task RenewAsync(CancellationToken ct) => Task.CompletedTask;

                public void Start(CancellationToken ct) => _renewal = Task.Run(() => RunLeaseLoop(ct));

                private async Task RunLeaseLoop(CancellationToken ct)
                {
                    [|while (!ct.IsCancellationRequested)|]
                    {
                        await RenewAsync(ct);
                        await Task.Delay(1000, ct);
                    }
                }
            }
        }
        """;

    [Fact]
    public Task Lease_loop_started_in_the_background_is_reported_without_the_option() => VerifyAsync(LeaseLoop);

    [Theory]
    [InlineData("LeaseKeeper.RunLeaseLoop")]
    [InlineData("Storage.Leases.LeaseKeeper.RunLeaseLoop")]
    [InlineData("Other.Method, RunLeaseLoop")]
    public async Task Stop_on_error_methods_option_silences_the_loop(string value)
    {
        Assert.Single(await DiagnosticsWithOptionAsync(LeaseLoop, "unrelated.key", value));
        Assert.Empty(await DiagnosticsWithOptionAsync(LeaseLoop, FragileBackgroundLoopAnalyzer.StopOnErrorMethodsKey, value));
    }

    [Theory]
    [InlineData("Keeper.RunLeaseLoop")]
    [InlineData("LeaseKeeper.RunLease")]
    [InlineData("")]
    public async Task Stop_on_error_methods_option_matches_whole_names_only(string value)
    {
        var diagnostics = await DiagnosticsWithOptionAsync(LeaseLoop, FragileBackgroundLoopAnalyzer.StopOnErrorMethodsKey, value);
        Assert.Equal("while (!ct.IsCancellationRequested)", Assert.Single(diagnostics).SpanText);
    }

    [Fact]
    public async Task Stop_on_error_methods_option_covers_loops_in_lambdas_of_the_method()
    {
        const string source = """
            class Fencing
            {
                private Task _renewal = Task.CompletedTask;
                Task RenewAsync() => Task.CompletedTask;

                public void Start() => _renewal = Task.Run(async () =>
                {
                    while (true)
                    {
                        await RenewAsync();
                    }
                });
            }
            """;
        Assert.Single(await DiagnosticsWithOptionAsync(source, FragileBackgroundLoopAnalyzer.StopOnErrorMethodsKey, "Fencing.Other"));
        Assert.Empty(await DiagnosticsWithOptionAsync(source, FragileBackgroundLoopAnalyzer.StopOnErrorMethodsKey, "Fencing.Start"));
    }

    private static async Task<ImmutableArray<AnalyzerDiagnostic>> DiagnosticsWithOptionAsync(string markup, string key, string value)
    {
        var (source, _) = Markup.Parse(markup);
        var compilation = AnalyzerHarness.CreateCompilation(source);
        AnalyzerHarness.AssertCompiles(compilation);
        var options = new AnalyzerOptions([], new ConfigProvider(new Config(new Dictionary<string, string> { [key] = value })));
        var diagnostics = await compilation
            .WithAnalyzers([new FragileBackgroundLoopAnalyzer()], options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        return diagnostics.Select(AnalyzerHarness.Describe).ToImmutableArray();
    }

    /// <summary>The options of one <c>.editorconfig</c> section that applies to every file.</summary>
    private sealed class Config(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) =>
            values.TryGetValue(key, out value);
    }

    private sealed class ConfigProvider(AnalyzerConfigOptions options) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions => options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => options;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => options;
    }
}
