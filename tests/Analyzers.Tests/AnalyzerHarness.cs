using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers.Tests;

/// <summary>One reported diagnostic, reduced to what the tests assert on.</summary>
/// <param name="SpanText">The source text the diagnostic's location covers, exactly.</param>
public sealed record AnalyzerDiagnostic(string Id, string SpanText, int Start, int End, string Message, Diagnostic Diagnostic)
{
    public override string ToString() => $"{Id} [{Start}..{End}) '{SpanText}': {Message}";
}

/// <summary>
/// Runs analyzers in memory the way the compiler does during a build: C# latest, nullable on, the SDK's implicit usings,
/// the SDK's reference pack, the runtime and its packages as references (<see cref="TestReferences"/>). Expected
/// diagnostics are checked by the standard testing library (<see cref="VerifyAsync"/>); the rest of the harness
/// returns diagnostics for tests that assert on messages. A test source that does not
/// compile fails the test, so a negative case cannot pass merely because the analyzer never saw a bound tree.
/// </summary>
public static class AnalyzerHarness
{
    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    public static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        allowUnsafe: true);

    /// <summary>The global usings of <c>&lt;ImplicitUsings&gt;enable&lt;/ImplicitUsings&gt;</c> in a library project.</summary>
    public const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> LazyAllAnalyzers = new(DiscoverAnalyzers);

    /// <summary>The SDK's reference assemblies, the runtime's package dependencies and the runtime itself.</summary>
    public static ImmutableArray<MetadataReference> References => TestReferences.All;

    /// <summary><see cref="References"/> without the runtime: what the runtime's own sources compile against.</summary>
    public static ImmutableArray<MetadataReference> PlatformReferences => TestReferences.Platform;

    /// <summary>Every analyzer in the Bulwark.Analyzers assembly, found by reflection so a new one is covered without listing it.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers => LazyAllAnalyzers.Value;

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CreateCompilation("AnalyzerInput", sources.Select((source, i) => (source, $"Source{i}.cs")));

    public static CSharpCompilation CreateCompilation(string assemblyName, IEnumerable<(string Source, string Path)> sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources
                .Select(s => CSharpSyntaxTree.ParseText(s.Source, ParseOptions, path: s.Path))
                .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, path: "ImplicitUsings.g.cs")),
            References,
            CompilationOptions);

    /// <summary>The diagnostics <paramref name="analyzers"/> report on <paramref name="source"/>, in source order.</summary>
    public static async Task<ImmutableArray<AnalyzerDiagnostic>> GetDiagnosticsAsync(string source, params DiagnosticAnalyzer[] analyzers)
    {
        var compilation = CreateCompilation(source);
        AssertCompiles(compilation);
        var diagnostics = await GetAnalyzerDiagnosticsAsync(compilation, analyzers.ToImmutableArray());
        return diagnostics
            .Select(d => Describe(d))
            .OrderBy(d => d.Start)
            .ThenBy(d => d.End)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableArray();
    }

    /// <summary>
    /// Asserts, through the testing library, that <paramref name="analyzers"/> report exactly the diagnostics marked in
    /// <paramref name="markup"/>: <c>[|...|]</c> for the first analyzer's only id, <c>{|BWK1003:...|}</c> to name one;
    /// same ids, same locations, nothing more, and no compiler error.
    /// </summary>
    public static Task VerifyAsync(string markup, params DiagnosticAnalyzer[] analyzers) =>
        new LibraryTest(analyzers) { TestCode = markup }.WithImplicitUsings().RunAsync();

    /// <summary>
    /// Analyzer diagnostics of a compilation. An analyzer that throws fails the call with the exception, rather than
    /// the compiler's habit of turning it into an AD0001 warning that a negative test would not notice.
    /// </summary>
    public static async Task<ImmutableArray<Diagnostic>> GetAnalyzerDiagnosticsAsync(
        Compilation compilation,
        ImmutableArray<DiagnosticAnalyzer> analyzers,
        CancellationToken cancellationToken = default)
    {
        var failures = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (exception, analyzer, _) =>
            {
                lock (failures)
                {
                    failures.Add(new InvalidOperationException($"{analyzer.GetType().Name} threw: {exception}", exception));
                }
            },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync(cancellationToken);
        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }

        return diagnostics;
    }

    public static void AssertCompiles(Compilation compilation)
    {
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("The test source does not compile:\n" + string.Join("\n", errors));
        }
    }

    public static AnalyzerDiagnostic Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.SourceSpan;
        var text = diagnostic.Location.SourceTree?.GetText().ToString(span) ?? string.Empty;
        return new AnalyzerDiagnostic(diagnostic.Id, text, span.Start, span.End, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), diagnostic);
    }

    private static ImmutableArray<DiagnosticAnalyzer> DiscoverAnalyzers() =>
        typeof(DiagnosticDescriptors).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
}
