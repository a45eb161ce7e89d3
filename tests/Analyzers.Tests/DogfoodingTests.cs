using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// Every analyzer of the assembly (found by reflection, so each new one is covered) over the whole runtime source:
/// the runtime is the first user of its own durability rules. The build enforces the same (the analyzers run in the
/// runtime's build with warnings as errors); this test names the offending line without a build log.
/// </summary>
public sealed class DogfoodingTests
{
    [Fact]
    public async Task No_durability_diagnostic_on_the_runtime_sources()
    {
        Assert.Contains(AnalyzerHarness.AllAnalyzers, a => a is UncheckedDeserializationAnalyzer);
        Assert.Contains(AnalyzerHarness.AllAnalyzers, a => a is IgnoredCompareAndSetResultAnalyzer);
        Assert.True(RuntimeSources.Files().Count > 50, "the runtime sources were not found");

        var compilation = RuntimeSources.Compile();
        var diagnostics = await AnalyzerHarness.GetAnalyzerDiagnosticsAsync(compilation, AnalyzerHarness.AllAnalyzers);

        Assert.Empty(diagnostics
            .Where(d => d.Id.StartsWith("BWK", StringComparison.Ordinal))
            .Select(d => $"{d.Location.GetLineSpan()}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    [Fact]
    public async Task The_dogfooding_compilation_would_catch_a_violation()
    {
        var compilation = RuntimeSources.Compile();
        var probe = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(
            "namespace Bulwark; internal static class Probe { static long M(string p) => System.Runtime.InteropServices.MemoryMarshal.Read<long>(System.IO.File.ReadAllBytes(p)); }",
            AnalyzerHarness.ParseOptions,
            "Probe.cs");

        var withProbe = compilation.AddSyntaxTrees(probe);

        // Only the probe's tree: the rest of the runtime is the other test's business, and analyzing it twice is slow.
        var diagnostics = await withProbe
            .WithAnalyzers(AnalyzerHarness.AllAnalyzers)
            .GetAnalyzerSemanticDiagnosticsAsync(withProbe.GetSemanticModel(probe), filterSpan: null, CancellationToken.None);

        Assert.Contains(diagnostics, d => d.Id == "BWK1001" && d.Location.SourceTree == probe);
    }
}
