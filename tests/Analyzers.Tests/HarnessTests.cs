using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers.Tests;

/// <summary>The harness itself: markers, exact spans, compile errors and analyzer exceptions surface as failures.</summary>
public sealed class HarnessTests
{
    [Fact]
    public void Markup_strips_markers_and_records_spans()
    {
        var (source, spans) = Markup.Parse("a [|b {|BWK1003:c|}|] d");

        Assert.Equal("a b c d", source);
        Assert.Equal([new ExpectedSpan(null, new(2, 3)), new ExpectedSpan("BWK1003", new(4, 1))], spans);
    }

    [Fact]
    public void Markup_leaves_ordinary_braces_alone()
    {
        var (source, spans) = Markup.Parse("var s = $\"{x}\"; if (o is {Length: 1}) { }");

        Assert.Equal("var s = $\"{x}\"; if (o is {Length: 1}) { }", source);
        Assert.Empty(spans);
    }

    [Fact]
    public async Task Source_that_does_not_compile_fails_the_test()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AnalyzerHarness.GetDiagnosticsAsync("class C { void M() { undefined(); } }", new ReportEveryInvocation()));

        Assert.Contains("CS0103", error.Message);
    }

    [Fact]
    public async Task Diagnostics_carry_id_and_exact_span_text()
    {
        var diagnostics = await AnalyzerHarness.GetDiagnosticsAsync("class C { void M() { N(1); } void N(int x) { } }", new ReportEveryInvocation());

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(("TEST1", "N(1)"), (diagnostic.Id, diagnostic.SpanText));
    }

    [Fact]
    public async Task Verify_compares_ids_and_spans_with_the_markup()
    {
        await AnalyzerHarness.VerifyAsync("class C { void M() { [|N(1)|]; } void N(int x) { } }", new ReportEveryInvocation());
        await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerHarness.VerifyAsync("class C { void M() { N(1); } void N(int x) { } }", new ReportEveryInvocation()));
    }

    [Fact]
    public async Task An_analyzer_that_throws_fails_the_test()
    {
        await Assert.ThrowsAsync<AggregateException>(() => AnalyzerHarness.GetDiagnosticsAsync("class C { void M() { N(); } void N() { } }", new ThrowingAnalyzer()));
    }

    [Fact]
    public void Runtime_types_and_implicit_usings_resolve()
    {
        var compilation = AnalyzerHarness.CreateCompilation("""
            using Bulwark;
            using Bulwark.Storage;
            class C
            {
                [MustCheckResult] bool M(PendingFile file, IStorageBackend backend) => file.IsCommitted && backend is not null;
                Task<byte[]> N(CancellationToken ct) => File.ReadAllBytesAsync("x", ct);
            }
            """);

        AnalyzerHarness.AssertCompiles(compilation);
    }

    [Fact]
    public void Every_analyzer_is_discovered_and_every_descriptor_links_to_its_page()
    {
        Assert.All(AnalyzerHarness.AllAnalyzers, analyzer => Assert.All(analyzer.SupportedDiagnostics, descriptor =>
        {
            Assert.StartsWith("BWK1", descriptor.Id, StringComparison.Ordinal);
            Assert.Equal(DiagnosticDescriptors.Category, descriptor.Category);
        }));

        var descriptors = typeof(DiagnosticDescriptors)
            .GetFields()
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["BWK1001", "BWK1002", "BWK1003", "BWK1004", "BWK1005", "BWK1006"], descriptors.Select(d => d.Id));
        Assert.All(descriptors, d =>
        {
            Assert.Equal(DiagnosticSeverity.Warning, d.DefaultSeverity);
            Assert.Equal($"{DiagnosticDescriptors.RepositoryUrl}/blob/main/docs/diagnostics/{d.Id}.md", d.HelpLinkUri);
        });
    }

// Test doubles of the harness: never shipped or loaded by a compiler, so the packaging rules for analyzers do not apply.
#pragma warning disable RS1036, RS1038, RS1041, RS2008
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ReportEveryInvocation : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("TEST1", "t", "t", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationAction(c => c.ReportDiagnostic(Diagnostic.Create(Rule, c.Operation.Syntax.GetLocation())), OperationKind.Invocation);
        }
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ThrowingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("TEST2", "t", "t", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationAction(_ => throw new InvalidOperationException("boom"), OperationKind.Invocation);
        }
    }
#pragma warning restore RS1036, RS1038, RS1041, RS2008
}

/// <summary>
/// Every shipped analyzer skips generated code and runs concurrently (DESIGN §8). Checked by handing Initialize a
/// recording context, because the RS1025/RS1026 rules only see calls written directly in Initialize.
/// </summary>
public sealed class AnalyzerConventionTests
{
    [Fact]
    public void Every_analyzer_excludes_generated_code_and_enables_concurrent_execution()
    {
        Assert.NotEmpty(AnalyzerHarness.AllAnalyzers);
        Assert.All(AnalyzerHarness.AllAnalyzers, analyzer =>
        {
            var context = new RecordingContext();
            analyzer.Initialize(context);

            Assert.Equal(GeneratedCodeAnalysisFlags.None, context.GeneratedCode);
            Assert.True(context.Concurrent, $"{analyzer.GetType().Name} does not enable concurrent execution");
        });
    }

    private sealed class RecordingContext : AnalysisContext
    {
        public GeneratedCodeAnalysisFlags? GeneratedCode { get; private set; }

        public bool Concurrent { get; private set; }

        public override void ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags analysisMode) => GeneratedCode = analysisMode;

        public override void EnableConcurrentExecution() => Concurrent = true;

        public override void RegisterCompilationStartAction(Action<CompilationStartAnalysisContext> action)
        {
        }

        public override void RegisterCompilationAction(Action<CompilationAnalysisContext> action)
        {
        }

        public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action)
        {
        }

        public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds)
        {
        }

        public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action)
        {
        }

        public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action)
        {
        }

        public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action)
        {
        }

        public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds)
        {
        }

        public override void RegisterOperationAction(Action<OperationAnalysisContext> action, ImmutableArray<OperationKind> operationKinds)
        {
        }

        public override void RegisterOperationBlockStartAction(Action<OperationBlockStartAnalysisContext> action)
        {
        }

        public override void RegisterOperationBlockAction(Action<OperationBlockAnalysisContext> action)
        {
        }

        public override void RegisterSymbolStartAction(Action<SymbolStartAnalysisContext> action, SymbolKind symbolKind)
        {
        }

        public override void RegisterAdditionalFileAction(Action<AdditionalFileAnalysisContext> action)
        {
        }
    }
}
