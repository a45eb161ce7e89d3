using Microsoft.CodeAnalysis.Text;
using Xunit.Abstractions;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// The regression corpus (Corpus/&lt;ID&gt;/*.cs): real-world-shaped cases written for Bulwark, each analysed by every
/// Bulwark analyzer at once. Prints precision and recall per id and lists every miss; passes only with none.
/// </summary>
public sealed class CorpusTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_corpus_case_reports_exactly_its_marked_diagnostics()
    {
        var cases = CorpusRunner.LoadEmbedded();
        Assert.NotEmpty(cases);

        var outcomes = new List<CorpusOutcome>();
        var failures = new List<string>();
        foreach (var corpusCase in cases)
        {
            try
            {
                outcomes.Add(await CorpusRunner.AnalyzeAsync(corpusCase, AnalyzerHarness.AllAnalyzers));
            }
            catch (InvalidOperationException e)
            {
                failures.Add(e.Message);
            }
        }

        var score = CorpusRunner.Score(outcomes);
        var table = CorpusRunner.Format(score);
        output.WriteLine($"Regression corpus: {cases.Count} cases, {AnalyzerHarness.AllAnalyzers.Length} analyzers");
        output.WriteLine(table);

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        var incomplete = CorpusRunner.IncompleteFolders(cases);
        Assert.True(incomplete.Count == 0, string.Join("\n", incomplete));
        Assert.True(score.Misses.IsEmpty, table);
        Assert.Equal(0, score.Overall.FalsePositives);
        Assert.Equal(0, score.Overall.FalseNegatives);
    }

    // ---- the runner itself: wrong markup must show up as misses, or a green corpus would prove nothing ----

    private const string FlushLoop = """
        // corpus: a flush loop started with Task.Run that the first exception ends
        class Server
        {
            private volatile bool _disposed;
            private Task _pump = Task.CompletedTask;
            void Flush() { }

            public void Start() => _pump = Task.Run(FlushLoop);

            private void FlushLoop()
            {
                while (!_disposed)
                {
                    Flush();
                }
            }
        }
        """;

    [Fact]
    public async Task A_correctly_marked_case_scores_a_true_positive()
    {
        var text = FlushLoop.Replace("while (!_disposed)", "{|BWK1004:while (!_disposed)|}", StringComparison.Ordinal);

        var score = CorpusRunner.Score([await AnalyzeAsync(text)]);

        var row = Assert.Single(score.Rows);
        Assert.Equal(("BWK1004", 1, 1, 1, 0, 0), (row.Id, row.Cases, row.Expected, row.TruePositives, row.FalsePositives, row.FalseNegatives));
        Assert.Empty(score.Misses);
    }

    [Fact]
    public async Task A_marker_on_the_wrong_line_is_a_false_negative_and_the_report_a_false_positive()
    {
        var text = FlushLoop.Replace("Flush();", "{|BWK1004:Flush()|};", StringComparison.Ordinal);

        var score = CorpusRunner.Score([await AnalyzeAsync(text)]);

        Assert.Equal((0, 1, 1), (score.Overall.TruePositives, score.Overall.FalsePositives, score.Overall.FalseNegatives));
        Assert.Equal(
            [new CorpusMiss(true, "Corpus/BWK1004/Synthetic.cs", new("BWK1004", LineOf(FlushLoop, "while (!_disposed)"))),
             new CorpusMiss(false, "Corpus/BWK1004/Synthetic.cs", new("BWK1004", LineOf(FlushLoop, "Flush();")))],
            score.Misses.OrderBy(m => m.Diagnostic.Line));
        Assert.Contains("FP BWK1004 Corpus/BWK1004/Synthetic.cs:", CorpusRunner.Format(score), StringComparison.Ordinal);
        Assert.Equal(0.0, score.Overall.Precision);
    }

    [Fact]
    public async Task A_silent_guard_that_is_reported_is_a_false_positive()
    {
        var outcome = await AnalyzeAsync(FlushLoop);

        var score = CorpusRunner.Score([outcome]);

        Assert.True(outcome.Case.IsSilent);
        Assert.Equal((1, 0), (score.Overall.FalsePositives, score.Overall.FalseNegatives));
        Assert.Null(score.Overall.Recall);
    }

    [Fact]
    public async Task A_case_that_does_not_compile_fails_naming_its_file()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AnalyzeAsync(FlushLoop.Replace("void Flush() { }", string.Empty, StringComparison.Ordinal)));

        Assert.Contains("Corpus/BWK1004/Synthetic.cs does not compile", error.Message, StringComparison.Ordinal);
        Assert.Contains("CS0103", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_gives_the_description_and_the_options_and_lines_keep_the_file_numbering()
    {
        var corpusCase = CorpusCase.Parse("Corpus/BWK1001/Codec.cs", """
            // corpus: a codec listed as an unchecked API
            // editorconfig: bulwark.bwk1001.deserialization_methods = MyCodec.ReadLength, Other.Api
            // editorconfig: bulwark.other =x
            class C
            {
                int M(byte[] b) => {|BWK1001:MyCodec.ReadLength(b)|};
            }
            """);

        Assert.Equal(("BWK1001", "a codec listed as an unchecked API"), (corpusCase.Folder, corpusCase.Description));
        Assert.Equal("MyCodec.ReadLength, Other.Api", corpusCase.Options["bulwark.bwk1001.deserialization_methods"]);
        Assert.Equal("x", corpusCase.Options["bulwark.other"]);
        Assert.Equal<CorpusDiagnostic>([new("BWK1001", 6)], corpusCase.Expected);
        Assert.DoesNotContain("{|", corpusCase.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Corpus/BWK1004/Case.cs", "class C { }")]
    [InlineData("Corpus/BWK1004/Case.cs", "// corpus:\nclass C { }")]
    [InlineData("Corpus/BWK1004/Case.cs", "// corpus: d\n// editorconfig: novalue\nclass C { }")]
    [InlineData("Corpus/BWK1004/Case.cs", "// corpus: d\nclass C { [|int x;|] }")]
    [InlineData("Corpus/BWK1004/Case.cs", "// corpus: d\nclass C { {|BWK1004:int x; }")]
    [InlineData("Corpus/Loops/Case.cs", "// corpus: d\nclass C { }")]
    [InlineData("Corpus/BWK1004/Deeper/Case.cs", "// corpus: d\nclass C { }")]
    public void Malformed_cases_are_rejected_naming_the_file(string path, string text)
    {
        var error = Assert.Throws<FormatException>(() => CorpusCase.Parse(path, text));
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_needs_a_positive_and_a_silent_case()
    {
        var positive = CorpusCase.Parse("Corpus/BWK1001/Bad.cs", "// corpus: p\nclass C { int M() => {|BWK1001:1|}; }");
        var silent = CorpusCase.Parse("Corpus/BWK1001/Good.cs", "// corpus: s\nclass C { }");
        var otherId = CorpusCase.Parse("Corpus/BWK1004/Other.cs", "// corpus: o\nclass C { int M() => {|BWK1001:1|}; }");

        Assert.Empty(CorpusRunner.IncompleteFolders([positive, silent]));
        Assert.Equal(["Corpus/BWK1001 has no silent case (every file expects a diagnostic)"], CorpusRunner.IncompleteFolders([positive]));
        Assert.Equal(["Corpus/BWK1001 has no positive case (no file marks a BWK1001 diagnostic)"], CorpusRunner.IncompleteFolders([silent]));
        Assert.Contains("Corpus/BWK1004 has no positive case (no file marks a BWK1004 diagnostic)", CorpusRunner.IncompleteFolders([positive, silent, otherId]));
    }

    private static Task<CorpusOutcome> AnalyzeAsync(string text) =>
        CorpusRunner.AnalyzeAsync(CorpusCase.Parse("Corpus/BWK1004/Synthetic.cs", text), AnalyzerHarness.AllAnalyzers);

    private static int LineOf(string text, string fragment) =>
        SourceText.From(text).Lines.GetLineFromPosition(text.IndexOf(fragment, StringComparison.Ordinal)).LineNumber + 1;
}
