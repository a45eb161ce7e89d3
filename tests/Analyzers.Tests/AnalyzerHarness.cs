using System.Collections.Immutable;
using System.Reflection;
using Bulwark.Storage;
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
/// the runtime assembly and the framework's trusted platform assemblies as references. A test source that does not
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

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyPlatformReferences = new(LoadPlatformReferences);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> LazyAllAnalyzers = new(DiscoverAnalyzers);

    /// <summary>The framework's assemblies, the runtime's package dependencies and the runtime itself.</summary>
    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary><see cref="References"/> without the runtime: what the runtime's own sources compile against.</summary>
    public static ImmutableArray<MetadataReference> PlatformReferences => LazyPlatformReferences.Value;

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
    /// Asserts that <paramref name="analyzers"/> report exactly the diagnostics marked in <paramref name="markup"/>
    /// (see <see cref="Markup"/>): same ids, same spans, nothing more.
    /// </summary>
    public static async Task VerifyAsync(string markup, params DiagnosticAnalyzer[] analyzers)
    {
        var (source, spans) = Markup.Parse(markup);
        var supported = analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().ToList();
        var expected = spans
            .Select(s => $"{s.Id ?? SingleId(supported)} '{source.Substring(s.Span.Start, s.Span.Length)}' @{s.Span.Start}")
            .ToList();
        var actual = (await GetDiagnosticsAsync(source, analyzers))
            .Select(d => $"{d.Id} '{d.SpanText}' @{d.Start}")
            .ToList();
        Assert.Equal(expected, actual);
    }

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

    private static string SingleId(IReadOnlyList<string> supported) =>
        supported.Count == 1
            ? supported[0]
            : throw new FormatException($"'[|...|]' needs an analyzer with one id; these report {string.Join(", ", supported)}: write '{{|BWKnnnn:...|}}'.");

    private static ImmutableArray<MetadataReference> LoadReferences() =>
        PlatformReferences.Add(MetadataReference.CreateFromFile(typeof(PendingFile).Assembly.Location));

    private static ImmutableArray<MetadataReference> LoadPlatformReferences()
    {
        // The trusted platform assemblies of the test process are the framework plus every package the runtime depends
        // on (they flow to this project), which is what the runtime itself compiles against.
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return platform
            .Where(path => !Path.GetFileName(path).StartsWith("Bulwark.", StringComparison.Ordinal))
            .Where(path => !Path.GetFileName(path).StartsWith("xunit", StringComparison.OrdinalIgnoreCase))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }

    private static ImmutableArray<DiagnosticAnalyzer> DiscoverAnalyzers() =>
        typeof(DiagnosticDescriptors).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
}
