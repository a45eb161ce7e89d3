using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1006 checks user methods only in a compilation that can hold a compare-and-set call (the attribute is visible or
/// a source or non-framework reference declares a <c>CompareAndSet*</c>-named method), and Interlocked.CompareExchange
/// wherever the framework declares it; these compilations do not reference the runtime, so each case exercises that
/// decision.
/// </summary>
public sealed class Bwk1006RegistrationTests
{
    private const string Caller = """
        public class Caller
        {
            public void M(Store store)
            {
                store.CompareAndSet("k", 1, 2);
                var ok = store.CompareAndSet("k", 2, 3);
            }
        }
        """;

    private const string Store = """
        public class Store
        {
            public bool CompareAndSet(string key, long expected, long next) => expected != next;
        }
        """;

    [Fact]
    public async Task A_method_declared_in_the_sources_is_checked_without_the_runtime()
    {
        var compilation = Compile("Sources", [], Store, Caller);

        Assert.Equal(["store.CompareAndSet(\"k\", 1, 2)", "store.CompareAndSet(\"k\", 2, 3)"], await AnalyzeAsync(compilation));
    }

    [Fact]
    public async Task A_method_declared_in_a_referenced_library_is_checked()
    {
        var library = Compile("StoreLibrary", [], Store);
        var compilation = Compile("App", [library.ToMetadataReference()], Caller);

        Assert.Equal(["store.CompareAndSet(\"k\", 1, 2)", "store.CompareAndSet(\"k\", 2, 3)"], await AnalyzeAsync(compilation));
    }

    [Fact]
    public async Task Local_reads_anywhere_in_the_body_count_including_a_lambda()
    {
        var compilation = Compile("Lambda", [], Store, """
            public class Caller
            {
                public Func<bool> M(Store store)
                {
                    var ok = store.CompareAndSet("k", 1, 2);
                    return () => ok;
                }
            }
            """);

        Assert.Empty(await AnalyzeAsync(compilation));
    }

    [Fact]
    public async Task Interlocked_is_checked_without_the_runtime_or_a_compare_and_set_name()
    {
        // The framework always declares Interlocked, so this compilation passes the gate on that alone.
        var compilation = Compile("InterlockedOnly", [], """
            public class Worker
            {
                private int _state;
                private long _startedAt;

                public void Start(long now)
                {
                    System.Threading.Interlocked.CompareExchange(ref _state, 1, 0);
                    _startedAt = now;
                }
            }
            """);

        Assert.Equal(["System.Threading.Interlocked.CompareExchange(ref _state, 1, 0)"], await AnalyzeAsync(compilation));
    }

    private static CSharpCompilation Compile(string name, MetadataReference[] extra, params string[] sources)
    {
        var compilation = CSharpCompilation.Create(
            name,
            sources.Append(AnalyzerHarness.ImplicitUsings).Select(s => CSharpSyntaxTree.ParseText(s, AnalyzerHarness.ParseOptions)),
            AnalyzerHarness.PlatformReferences.AddRange(extra),
            AnalyzerHarness.CompilationOptions);
        AnalyzerHarness.AssertCompiles(compilation);
        Assert.Empty(compilation.GetTypesByMetadataName("Bulwark.MustCheckResultAttribute"));
        return compilation;
    }

    private static async Task<IEnumerable<string>> AnalyzeAsync(Compilation compilation)
    {
        var diagnostics = await AnalyzerHarness.GetAnalyzerDiagnosticsAsync(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(new IgnoredCompareAndSetResultAnalyzer()));
        return diagnostics.Select(d => AnalyzerHarness.Describe(d)).OrderBy(d => d.Start).Select(d => d.SpanText).ToList();
    }
}
