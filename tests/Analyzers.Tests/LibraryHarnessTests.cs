using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// The harness on the testing library fails where it must: a missing or extra marker, a compiler error, an analyzer
/// exception, a wrong fixed document, a fix offered where the test says none is; and it compiles against the SDK's
/// reference pack, not the test process's assemblies.
/// </summary>
public sealed class LibraryHarnessTests
{
    private const string Marked = "class C { void M() { [|Old()|]; } void Old() { } void New() { } }";
    private const string Fixed = "class C { void M() { New(); } void Old() { } void New() { } }";

    [Fact]
    public async Task Verify_fails_on_a_missing_marker_an_extra_marker_and_a_compiler_error()
    {
        await AnalyzerHarness.VerifyAsync(Marked, new ReportOldCalls());

        await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerHarness.VerifyAsync(Marked.Replace("[|Old()|]", "Old()", StringComparison.Ordinal), new ReportOldCalls()));
        await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerHarness.VerifyAsync(Marked.Replace("void New()", "void [|New|]()", StringComparison.Ordinal), new ReportOldCalls()));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerHarness.VerifyAsync(Marked.Replace("void Old() { }", "void Old() { undefined(); }", StringComparison.Ordinal), new ReportOldCalls()));
        Assert.Contains("CS0103", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_fails_when_the_analyzer_throws()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerHarness.VerifyAsync(Marked, new ReportOldCalls(), new ThrowOnInvocation()));
        Assert.Contains("AD0001", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_fix_checks_the_fixed_document()
    {
        await CodeFixHarness.VerifyFixAsync(Marked, Fixed, new ReportOldCalls(), new RenameOldToNew());

        await Assert.ThrowsAnyAsync<Exception>(() => CodeFixHarness.VerifyFixAsync(Marked, Fixed.Replace("New();", "Old();", StringComparison.Ordinal), new ReportOldCalls(), new RenameOldToNew()));
        Assert.Equal(Fixed, await CodeFixHarness.ApplyFixAsync(Marked, new ReportOldCalls(), new RenameOldToNew(), ReportOldCalls.Id));
    }

    [Fact]
    public async Task Verify_no_fix_fails_where_a_fix_is_offered()
    {
        await CodeFixHarness.VerifyNoFixAsync(Marked, new ReportOldCalls(), new OfferNothing(), ReportOldCalls.Id);

        await Assert.ThrowsAnyAsync<Exception>(() => CodeFixHarness.VerifyNoFixAsync(Marked, new ReportOldCalls(), new RenameOldToNew(), ReportOldCalls.Id));
        await Assert.ThrowsAnyAsync<Exception>(() => CodeFixHarness.VerifyNoFixAsync(Marked, new ReportOldCalls(), new OfferAChangeOfNothing(), ReportOldCalls.Id));
    }

    [Fact]
    public void References_are_the_sdk_reference_pack_and_the_runtime_closure_only()
    {
        var paths = TestReferences.All.OfType<PortableExecutableReference>().Select(r => r.FilePath!).ToList();

        var systemRuntime = Assert.Single(paths, p => Path.GetFileName(p) == "System.Runtime.dll");
        Assert.Equal(TestReferences.RefPackDirectory, Path.GetDirectoryName(systemRuntime));
        Assert.Contains(Path.Combine("packs", "Microsoft.NETCore.App.Ref"), systemRuntime, StringComparison.Ordinal);
        Assert.Contains(paths, p => Path.GetFileName(p) == "Bulwark.Runtime.dll");
        Assert.Contains(paths, p => Path.GetFileName(p) == "Microsoft.Extensions.Logging.Abstractions.dll");
        Assert.DoesNotContain(paths, p => Path.GetFileName(p).StartsWith("xunit", StringComparison.OrdinalIgnoreCase)
            || Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)
            || Path.GetFileName(p).StartsWith("NuGet.", StringComparison.Ordinal));
    }

// Test doubles of the harness: never shipped or loaded by a compiler, so the packaging rules for analyzers do not apply.
#pragma warning disable RS1036, RS1038, RS1041, RS2008
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ReportOldCalls : DiagnosticAnalyzer
    {
        public const string Id = "TEST3";

        private static readonly DiagnosticDescriptor Rule = new(Id, "t", "Old is called", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationAction(
                c =>
                {
                    if (((Microsoft.CodeAnalysis.Operations.IInvocationOperation)c.Operation).TargetMethod.Name == "Old")
                    {
                        c.ReportDiagnostic(Diagnostic.Create(Rule, c.Operation.Syntax.GetLocation()));
                    }
                },
                OperationKind.Invocation);
        }
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ThrowOnInvocation : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("TEST4", "t", "t", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationAction(_ => throw new InvalidOperationException("boom"), OperationKind.Invocation);
        }
    }

    [ExportCodeFixProvider(LanguageNames.CSharp), Shared]
    private sealed class RenameOldToNew : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => [ReportOldCalls.Id];

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = (await context.Document.GetSyntaxRootAsync(context.CancellationToken))!;
            var call = (InvocationExpressionSyntax)root.FindNode(context.Span, getInnermostNodeForTie: true);
            var name = (IdentifierNameSyntax)call.Expression;
            context.RegisterCodeFix(
                CodeAction.Create("Call New", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(name, name.WithIdentifier(Microsoft.CodeAnalysis.CSharp.SyntaxFactory.Identifier("New").WithTriviaFrom(name.Identifier))))), equivalenceKey: "New"),
                context.Diagnostics);
        }
    }

    [ExportCodeFixProvider(LanguageNames.CSharp), Shared]
    private sealed class OfferNothing : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => [ReportOldCalls.Id];

        public override FixAllProvider? GetFixAllProvider() => null;

        public override Task RegisterCodeFixesAsync(CodeFixContext context) => Task.CompletedTask;
    }

    [ExportCodeFixProvider(LanguageNames.CSharp), Shared]
    private sealed class OfferAChangeOfNothing : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => [ReportOldCalls.Id];

        public override FixAllProvider? GetFixAllProvider() => null;

        public override Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            context.RegisterCodeFix(CodeAction.Create("Nothing", _ => Task.FromResult(context.Document), equivalenceKey: "Nothing"), context.Diagnostics);
            return Task.CompletedTask;
        }
    }
#pragma warning restore RS1036, RS1038, RS1041, RS2008
}
