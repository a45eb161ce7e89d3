using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// Runs the regression corpus: every case compiled alone against the SDK's reference pack (with the implicit usings of
/// a library project), analysed by every Bulwark analyzer at once with the case's options, and the BWK diagnostics
/// compared with the markers by (id, line).
/// </summary>
public static class CorpusRunner
{
    private const string ResourcePrefix = "Corpus/";

    /// <summary>The cases embedded in the test assembly (see the csproj), in path order.</summary>
    public static IReadOnlyList<CorpusCase> LoadEmbedded()
    {
        var assembly = typeof(CorpusRunner).Assembly;
        return assembly.GetManifestResourceNames()
            .Select(name => name.Replace('\\', '/'))
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)
                    ?? assembly.GetManifestResourceStream(name.Replace('/', '\\'))
                    ?? throw new FileNotFoundException($"The corpus resource '{name}' is listed but cannot be opened.");
                using var reader = new StreamReader(stream);
                return CorpusCase.Parse(name, reader.ReadToEnd());
            })
            .ToList();
    }

    /// <summary>
    /// The Bulwark diagnostics <paramref name="analyzers"/> report on the case. A case that does not compile, or an
    /// analyzer that throws on it, fails with an <see cref="InvalidOperationException"/> naming the file.
    /// </summary>
    public static async Task<CorpusOutcome> AnalyzeAsync(CorpusCase corpusCase, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var compilation = CSharpCompilation.Create(
            "Corpus",
            [
                CSharpSyntaxTree.ParseText(corpusCase.Source, AnalyzerHarness.ParseOptions, path: corpusCase.Path),
                CSharpSyntaxTree.ParseText(AnalyzerHarness.ImplicitUsings, AnalyzerHarness.ParseOptions, path: "ImplicitUsings.g.cs"),
            ],
            TestReferences.Framework,
            AnalyzerHarness.CompilationOptions);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"{corpusCase.Path} does not compile against the reference pack:\n" + string.Join("\n", errors));
        }

        var failures = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([], new CaseOptions(corpusCase.Options)),
            onAnalyzerException: (exception, analyzer, _) =>
            {
                lock (failures)
                {
                    failures.Add($"{analyzer.GetType().Name} threw: {exception}");
                }
            },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();
        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"An analyzer failed on {corpusCase.Path}:\n" + string.Join("\n", failures));
        }

        var reported = diagnostics
            .Where(d => d.Id.StartsWith("BWK", StringComparison.Ordinal))
            .Select(d => new CorpusDiagnostic(d.Id, d.Location.GetLineSpan().StartLinePosition.Line + 1))
            .OrderBy(d => d.Line)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableArray();
        return new CorpusOutcome(corpusCase, reported);
    }

    /// <summary>
    /// Compares expected and reported diagnostics of each case as multisets of (id, line): a pair both sides have is a
    /// true positive, a reported one too many a false positive, an expected one too many a false negative.
    /// </summary>
    public static CorpusScore Score(IEnumerable<CorpusOutcome> outcomes)
    {
        var outcomeList = outcomes.ToList();
        var counts = new SortedDictionary<string, (int Tp, int Fp, int Fn, int Expected)>(StringComparer.Ordinal);
        var misses = new List<CorpusMiss>();
        foreach (var outcome in outcomeList)
        {
            var expected = outcome.Case.Expected.GroupBy(d => d).ToDictionary(g => g.Key, g => g.Count());
            var reported = outcome.Reported.GroupBy(d => d).ToDictionary(g => g.Key, g => g.Count());
            foreach (var diagnostic in expected.Keys.Union(reported.Keys).OrderBy(d => d.Line).ThenBy(d => d.Id, StringComparer.Ordinal))
            {
                var want = expected.GetValueOrDefault(diagnostic);
                var got = reported.GetValueOrDefault(diagnostic);
                var tp = Math.Min(want, got);
                var (oldTp, oldFp, oldFn, oldExpected) = counts.GetValueOrDefault(diagnostic.Id);
                counts[diagnostic.Id] = (oldTp + tp, oldFp + got - tp, oldFn + want - tp, oldExpected + want);
                misses.AddRange(Enumerable.Repeat(new CorpusMiss(true, outcome.Case.Path, diagnostic), got - tp));
                misses.AddRange(Enumerable.Repeat(new CorpusMiss(false, outcome.Case.Path, diagnostic), want - tp));
            }
        }

        var casesPerFolder = outcomeList.GroupBy(o => o.Case.Folder).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var rows = counts.Keys.Union(casesPerFolder.Keys).Order(StringComparer.Ordinal)
            .Select(id =>
            {
                var (tp, fp, fn, expected) = counts.GetValueOrDefault(id);
                return new CorpusRow(id, casesPerFolder.GetValueOrDefault(id), expected, tp, fp, fn);
            })
            .ToImmutableArray();
        var total = new CorpusRow("overall", outcomeList.Count, rows.Sum(r => r.Expected), rows.Sum(r => r.TruePositives), rows.Sum(r => r.FalsePositives), rows.Sum(r => r.FalseNegatives));
        return new CorpusScore(rows, total, misses.ToImmutableArray());
    }

    /// <summary>Folders that lack a positive or a silent case: each folder must show both what is caught and what is left alone.</summary>
    public static IReadOnlyList<string> IncompleteFolders(IEnumerable<CorpusCase> cases) =>
        cases.GroupBy(c => c.Folder)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => new[]
            {
                g.Any(c => c.Expected.Any(d => d.Id == g.Key)) ? null : $"Corpus/{g.Key} has no positive case (no file marks a {g.Key} diagnostic)",
                g.Any(c => c.IsSilent) ? null : $"Corpus/{g.Key} has no silent case (every file expects a diagnostic)",
            })
            .OfType<string>()
            .ToList();

    /// <summary>The table the corpus test prints: per id and overall, then every miss with its file and line.</summary>
    public static string Format(CorpusScore score)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"id",-8} {"cases",5} {"expected",8} {"TP",4} {"FP",4} {"FN",4} {"precision",9} {"recall",7}");
        foreach (var row in score.Rows.Append(score.Overall))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{row.Id,-8} {row.Cases,5} {row.Expected,8} {row.TruePositives,4} {row.FalsePositives,4} {row.FalseNegatives,4} {Percent(row.Precision),9} {Percent(row.Recall),7}");
        }

        text.AppendLine(score.Misses.IsEmpty ? "no false positives, no false negatives" : $"{score.Misses.Length} misses:");
        foreach (var miss in score.Misses)
        {
            text.AppendLine("  " + miss);
        }

        return text.ToString();
    }

    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "-";

    /// <summary>
    /// The case's options as a <c>.globalconfig</c> hands them to analyzers: in the global options and in every file's
    /// options, so an analyzer finds them whichever it reads.
    /// </summary>
    private sealed class CaseOptions(ImmutableDictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        private readonly Values _values = new(values);

        public override AnalyzerConfigOptions GlobalOptions => _values;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _values;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _values;

        private sealed class Values(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override IEnumerable<string> Keys => values.Keys;

            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}

/// <summary>One line of the corpus table. Precision and recall are null where nothing was reported or expected.</summary>
public sealed record CorpusRow(string Id, int Cases, int Expected, int TruePositives, int FalsePositives, int FalseNegatives)
{
    public double? Precision => TruePositives + FalsePositives == 0 ? null : (double)TruePositives / (TruePositives + FalsePositives);

    public double? Recall => TruePositives + FalseNegatives == 0 ? null : (double)TruePositives / (TruePositives + FalseNegatives);
}

/// <summary>The corpus result: a row per id (folder ids and every id expected or reported), the total, and every miss.</summary>
public sealed record CorpusScore(ImmutableArray<CorpusRow> Rows, CorpusRow Overall, ImmutableArray<CorpusMiss> Misses);
