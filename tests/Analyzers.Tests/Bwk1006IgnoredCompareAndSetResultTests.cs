namespace Bulwark.Analyzers.Tests;

/// <summary>BWK1006: a compare-and-set whose result is ignored silently loses the write when the compare fails.</summary>
public sealed class Bwk1006IgnoredCompareAndSetResultTests
{
    private const string Shard = """
        using Bulwark;

        public interface IConsensus
        {
            [MustCheckResult]
            ValueTask<bool> AppendIfAsync(long expectedSeqNo, byte[] entry, CancellationToken ct = default);
        }

        public class Shard : IConsensus
        {
            private long _upper;

            public bool CompareAndSet(long expected, long value)
            {
                if (_upper != expected) return false;
                _upper = value;
                return true;
            }

            public ValueTask<bool> CompareAndAppendAsync(long expectedUpper, byte[] batch) => ValueTask.FromResult(_upper == expectedUpper);

            public Task<bool> TryCompareAndSwapUpperAsync(long expected, long value) => Task.FromResult(CompareAndSet(expected, value));

            public ValueTask<bool> AppendIfAsync(long expectedSeqNo, byte[] entry, CancellationToken ct = default) => ValueTask.FromResult(true);

            [MustCheckResult]
            public virtual int Claim(string owner) => owner.Length;

            public Task CompareAndSetMetricsAsync(long value) => Task.CompletedTask;

            public void CompareAndSetQuietly(long value) => _upper = value;

            public bool SetAndCompare(long value) => value == _upper;
        }

        public sealed class LeasedShard : Shard
        {
            public override int Claim(string owner) => 1;
        }

        """;

    private static Task VerifyAsync(string markup) =>
        AnalyzerHarness.VerifyAsync(Shard + markup, new IgnoredCompareAndSetResultAnalyzer());

    // ---- positives -------------------------------------------------------------------------------------------

    [Fact]
    public Task Expression_statement() => VerifyAsync("""
        class C
        {
            void M(Shard shard) { [|shard.CompareAndSet(1, 2)|]; }
        }
        """);

    [Fact]
    public Task Discard_assignment() => VerifyAsync("""
        class C
        {
            void M(Shard shard) { _ = [|shard.CompareAndSet(1, 2)|]; }
        }
        """);

    [Fact]
    public Task Awaited_but_unused_task_result() => VerifyAsync("""
        class C
        {
            async Task M(Shard shard, byte[] batch)
            {
                await [|shard.CompareAndAppendAsync(10, batch)|];
                await [|shard.TryCompareAndSwapUpperAsync(1, 2)|].ConfigureAwait(false);
                _ = await [|shard.CompareAndAppendAsync(11, batch)|];
            }
        }
        """);

    [Fact]
    public Task Fire_and_forget_task() => VerifyAsync("""
        class C
        {
            void M(Shard shard) { [|shard.TryCompareAndSwapUpperAsync(1, 2)|]; }
        }
        """);

    [Fact]
    public Task MustCheckResult_through_an_interface_and_an_override() => VerifyAsync("""
        class C
        {
            async Task M(Shard shard, LeasedShard leased, IConsensus consensus, CancellationToken ct)
            {
                await [|shard.AppendIfAsync(3, [], ct)|];
                await [|consensus.AppendIfAsync(3, [], ct)|];
                [|leased.Claim("me")|];
            }
        }
        """);

    [Fact]
    public Task Null_conditional_call() => VerifyAsync("""
        class C
        {
            void M(Shard? shard) { [|shard?.CompareAndSet(1, 2)|]; }
        }
        """);

    [Fact]
    public Task Result_kept_in_a_local_that_is_never_read() => VerifyAsync("""
        class C
        {
            async Task<int> M(Shard shard, byte[] batch)
            {
                var appended = await [|shard.CompareAndAppendAsync(10, batch)|];
                bool swapped;
                swapped = [|shard.CompareAndSet(1, 2)|];
                return batch.Length;
            }
        }
        """);

    [Fact]
    public Task Ignored_inside_a_void_lambda_and_a_local_function() => VerifyAsync("""
        class C
        {
            void M(Shard shard)
            {
                Action retry = () => [|shard.CompareAndSet(1, 2)|];
                retry();
                Local();

                void Local() => [|shard.Claim("x")|];
            }
        }
        """);

    [Fact]
    public async Task Message_names_the_method()
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(Shard + """
            class C { void M(Shard shard) => shard.CompareAndSet(1, 2); }
            """, new IgnoredCompareAndSetResultAnalyzer()));

        Assert.Equal(("BWK1006", "shard.CompareAndSet(1, 2)"), (diagnostic.Id, diagnostic.SpanText));
        Assert.StartsWith("The result of 'Shard.CompareAndSet' is ignored", diagnostic.Message, StringComparison.Ordinal);
    }

    // ---- negatives: look-alikes that must stay silent ----------------------------------------------------------

    [Fact]
    public Task Checked_in_a_condition_or_a_retry_loop() => VerifyAsync("""
        class C
        {
            async Task M(Shard shard, byte[] batch)
            {
                if (!shard.CompareAndSet(1, 2)) throw new InvalidOperationException("lost the race");
                while (!await shard.CompareAndAppendAsync(10, batch)) { }
                if (await shard.TryCompareAndSwapUpperAsync(1, 2) is true) { }
            }
        }
        """);

    [Fact]
    public Task Returned_to_the_caller() => VerifyAsync("""
        class C
        {
            bool M(Shard shard) => shard.CompareAndSet(1, 2);

            ValueTask<bool> N(Shard shard, byte[] batch) => shard.CompareAndAppendAsync(1, batch);

            async Task<bool> O(IConsensus consensus) { return await consensus.AppendIfAsync(1, []); }
        }
        """);

    [Fact]
    public Task Stored_in_a_field_or_property() => VerifyAsync("""
        class C
        {
            private bool _owned;
            public int Claimed { get; private set; }

            void M(Shard shard)
            {
                _owned = shard.CompareAndSet(1, 2);
                Claimed = shard.Claim("me");
            }
        }
        """);

    [Fact]
    public Task Passed_on_as_an_argument_or_returned_from_a_lambda() => VerifyAsync("""
        class C
        {
            void M(Shard shard)
            {
                Console.WriteLine(shard.CompareAndSet(1, 2));
                Func<bool> attempt = () => shard.CompareAndSet(1, 2);
                Func<Task<bool>> later = async () => await shard.TryCompareAndSwapUpperAsync(1, 2);
                Console.WriteLine(attempt() && later().IsCompleted);
            }
        }
        """);

    [Fact]
    public Task Kept_in_a_local_that_is_read_later() => VerifyAsync("""
        class C
        {
            async Task<string> M(Shard shard, byte[] batch)
            {
                var appended = await shard.CompareAndAppendAsync(10, batch);
                bool swapped;
                swapped = shard.CompareAndSet(1, 2);
                return $"{appended} {swapped}";
            }
        }
        """);

    [Fact]
    public Task Methods_with_nothing_to_check() => VerifyAsync("""
        class C
        {
            async Task M(Shard shard)
            {
                await shard.CompareAndSetMetricsAsync(3);
                shard.CompareAndSetQuietly(4);
            }
        }
        """);

    [Fact]
    public Task Look_alike_names_and_unannotated_exchanges() => VerifyAsync("""
        class C
        {
            private object? _lazy;

            void M(Shard shard)
            {
                shard.SetAndCompare(3);
                Interlocked.CompareExchange(ref _lazy, new object(), null);
                new Dictionary<string, int>().TryAdd("k", 1);
            }
        }
        """);

    [Fact]
    public async Task Generated_code_is_not_analyzed()
    {
        var diagnostics = await AnalyzerHarness.GetDiagnosticsAsync("""
            // <auto-generated/>
            class Gen
            {
                bool CompareAndSet(int a) => a > 0;
                void M() { CompareAndSet(1); }
            }
            """, new IgnoredCompareAndSetResultAnalyzer());

        Assert.Empty(diagnostics);
    }
}
