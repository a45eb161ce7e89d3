using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Bulwark.Generators.Tests.CheckpointStates;
using Microsoft.CodeAnalysis;

namespace Bulwark.Generators.Tests;

/// <summary>
/// The examples on the generator diagnostics' pages (docs/diagnostics/BWK00xx.md, BWK01xx.md) say what they claim: the
/// "Bad" code reports exactly the page's id, the "Fixed" code reports nothing and compiles without errors.
/// </summary>
public sealed partial class DiagnosticPageExamplesTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using Bulwark;

        """;

    // These pages show a bulwark.lock.json situation or a build step in comments; CheckpointDiagnosticTests and
    // CheckpointFirstLockFileTests cover the diagnostics themselves.
    private static readonly HashSet<string> LockFilePages = ["BWK0109", "BWK0110", "BWK0111", "BWK0112", "BWK0113", "BWK0114"];

    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (var id in CheckedIds())
        {
            data.Add(id);
        }

        return data;
    }

    [Fact]
    public void The_pages_checked_here_include_both_generators_and_every_skipped_page_exists()
    {
        var ids = CheckedIds();

        Assert.Contains("BWK0001", ids);
        Assert.Contains("BWK0018", ids);
        Assert.Contains("BWK0101", ids);
        Assert.Contains("BWK0108", ids);
        Assert.All(LockFilePages, id => Assert.True(File.Exists(Path.Combine(PagesDirectory(), id + ".md")), id));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void The_bad_example_reports_exactly_its_id(string id)
    {
        var run = Run(id, Section(id, "Bad"));

        Assert.Equal([id], run.GeneratorDiagnostics.Select(d => d.Id).Distinct());
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void The_fixed_example_reports_nothing_and_compiles(string id)
    {
        var run = Run(id, Section(id, "Fixed"));

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    private static List<string> CheckedIds() =>
        Directory.EnumerateFiles(PagesDirectory(), "BWK0*.md")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Where(id => !LockFilePages.Contains(id))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static GeneratorRun Run(string id, string code) =>
        id.StartsWith("BWK01", StringComparison.Ordinal)
            ? CheckpointHarness.Run(code)
            : GeneratorHarness.Run(Usings + code);

    private static string Section(string id, string heading)
    {
        var text = File.ReadAllText(Path.Combine(PagesDirectory(), id + ".md"));
        var match = Regex.Match(text, $"^## {heading}\\n\\n```csharp\\n(?<code>.*?)```", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(match.Success, $"docs/diagnostics/{id}.md has no '## {heading}' section with a csharp block");
        return match.Groups["code"].Value;
    }

    private static string PagesDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(thisFile)))!, "docs", "diagnostics");
}
