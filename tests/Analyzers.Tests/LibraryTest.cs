using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// One analyzer or code-fix test of the standard testing library, with the analyzers and the fix given as instances
/// (the harness takes instances, not type parameters) and Bulwark's compilation settings: C# latest, nullable on, unsafe
/// allowed, the SDK's implicit usings, and <see cref="TestReferences"/>. The library compares every diagnostic's id,
/// location and severity with the markup, fails on compiler errors and analyzer exceptions (AD0001), and re-runs the
/// analyzers with the sources marked generated and with the diagnostics suppressed.
/// </summary>
public sealed class LibraryTest : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, EmptyCodeFixProvider, DefaultVerifier>
{
    /// <summary>The file the implicit usings live in, beside each test source.</summary>
    public const string ImplicitUsingsPath = "/0/ImplicitUsings.g.cs";

    private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers;
    private readonly CodeFixProvider? _codeFix;

    public LibraryTest(IEnumerable<DiagnosticAnalyzer> analyzers, CodeFixProvider? codeFix = null)
    {
        _analyzers = analyzers.ToImmutableArray();
        _codeFix = codeFix;
        ReferenceAssemblies = TestReferences.ReferenceAssemblies;
        TestState.AdditionalReferences.AddRange(TestReferences.All);
    }

    /// <summary>With <see cref="CodeFixTestBehaviors.FixOne"/>: the diagnostic at this span is the one fixed.</summary>
    public TextSpan? FixTarget { get; init; }

    /// <summary>Adds the implicit usings to the test sources and, when a fixed state is expected, to it too.</summary>
    public LibraryTest WithImplicitUsings()
    {
        TestState.Sources.Add((ImplicitUsingsPath, SourceText.From(AnalyzerHarness.ImplicitUsings)));
        if (FixedState.Sources.Count > 0)
        {
            FixedState.Sources.Add((ImplicitUsingsPath, SourceText.From(AnalyzerHarness.ImplicitUsings)));
        }

        return this;
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => _analyzers;

    protected override IEnumerable<CodeFixProvider> GetCodeFixProviders() => _codeFix is null ? [] : [_codeFix];

    protected override ParseOptions CreateParseOptions() => AnalyzerHarness.ParseOptions;

    protected override CompilationOptions CreateCompilationOptions() => AnalyzerHarness.CompilationOptions;

    protected override Diagnostic? TrySelectDiagnosticToFix(ImmutableArray<Diagnostic> fixableDiagnostics) =>
        FixTarget is { } target
            ? fixableDiagnostics.FirstOrDefault(d => d.Location.SourceSpan == target)
            : base.TrySelectDiagnosticToFix(fixableDiagnostics);
}
