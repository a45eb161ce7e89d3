using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using Bulwark.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Benchmarks;

/// <summary>
/// Each durability analyzer's own execution time (Roslyn's per-analyzer telemetry) on the generated codebase of
/// <see cref="AnalyzerScaleComparison"/>, each analyzer alone on a fresh compilation; with a second Bulwark.Analyzers.dll
/// (e.g. built from an earlier commit) the same for its analyzers, side by side, to show what a change saved. Times are
/// the driver's per-analyzer execution time, which on a loaded machine varies run to run: compare the two columns of
/// one run, not runs with each other.
/// </summary>
internal static class AnalyzerTimes
{
    public static async Task<int> RunAsync(int files, int iterations, string? baselinePath, string? only)
    {
        var sources = Enumerable.Range(0, files).Select(AnalyzerScaleComparison.Source).Prepend((Path: "Shared.cs", Text: AnalyzerScaleComparison.Shared)).ToList();
        var references = AnalyzerScaleComparison.References();
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest), s.Path)).ToList();
        Compilation Fresh() => CSharpCompilation.Create(
            "AnalyzerTimes",
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var current = Analyzers(typeof(UncheckedDeserializationAnalyzer).Assembly);
        var baseline = baselinePath is null ? [] : Analyzers(new IsolatedContext(baselinePath).LoadFromAssemblyPath(Path.GetFullPath(baselinePath)));
        var lines = sources.Sum(s => s.Text.Count(c => c == '\n'));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Analyzer times: {files:N0} generated files ({lines:N0} lines), median of {iterations} runs, each analyzer alone on a fresh compilation"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"analyzer",-44} {"current",10} {(baselinePath is null ? string.Empty : "baseline"),10}"));
        foreach (var analyzer in current.Where(a => only is null || a.GetType().Name.Contains(only, StringComparison.Ordinal)))
        {
            var name = analyzer.GetType().Name;
            var old = baseline.FirstOrDefault(a => a.GetType().Name == name);
            var mine = new List<double>();
            var theirs = new List<double>();

            // Alternating runs: on a shared machine the load drifts, and both sides should see the same drift.
            for (var i = 0; i < iterations; i++)
            {
                mine.Add(await TimeAsync(Fresh, analyzer));
                if (old is not null)
                {
                    theirs.Add(await TimeAsync(Fresh, old));
                }
            }

            var baselineText = old is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{AnalyzerScaleComparison.Median(theirs),8:0} ms");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-44} {AnalyzerScaleComparison.Median(mine),8:0} ms {baselineText}"));
        }

        return 0;
    }

    private static async Task<double> TimeAsync(Func<Compilation> fresh, DiagnosticAnalyzer analyzer)
    {
        var withAnalyzer = fresh().WithAnalyzers(
            [analyzer],
            new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
        _ = await withAnalyzer.GetAnalyzerDiagnosticsAsync();
        return (await withAnalyzer.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).ExecutionTime.TotalMilliseconds;
    }

    private static ImmutableArray<DiagnosticAnalyzer> Analyzers(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    /// <summary>Loads a second Bulwark.Analyzers beside the current one; Roslyn itself comes from the default context, so the types agree.</summary>
    private sealed class IsolatedContext(string path) : AssemblyLoadContext("baseline-" + Path.GetFileName(path), isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName assemblyName) => null;
    }
}
