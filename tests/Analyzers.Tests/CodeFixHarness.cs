using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// Applies a code fix the way the IDE does: the source becomes a document of an <see cref="AdhocWorkspace"/> project
/// (same references and options as <see cref="AnalyzerHarness"/>), the analyzer finds the diagnostic, the provider
/// registers its actions and the chosen action's operations change the solution.
/// </summary>
public static class CodeFixHarness
{
    /// <summary>
    /// The text of the document after fixing the first <paramref name="diagnosticId"/> diagnostic (or the one at the
    /// <c>[|...|]</c> / <c>{|id:...|}</c> marker, if the source has one) with the provider's first action, or the action
    /// whose title contains <paramref name="actionTitle"/>. Fails if there is no such diagnostic or action, or if the
    /// fixed document does not compile.
    /// </summary>
    public static async Task<string> ApplyFixAsync(
        string source,
        DiagnosticAnalyzer analyzer,
        CodeFixProvider codeFixProvider,
        string diagnosticId,
        string? actionTitle = null)
    {
        var (text, spans) = Markup.Parse(source);
        var target = spans.Count > 0 ? spans[0].Span : (TextSpan?)null;

        using var workspace = new AdhocWorkspace();
        var document = CreateDocument(workspace, text);
        var compilation = (await document.Project.GetCompilationAsync())!;
        AnalyzerHarness.AssertCompiles(compilation);

        var diagnostics = await AnalyzerHarness.GetAnalyzerDiagnosticsAsync(compilation, [analyzer]);
        var diagnostic = diagnostics
            .Where(d => d.Id == diagnosticId && (target is null || d.Location.SourceSpan == target))
            .OrderBy(d => d.Location.SourceSpan.Start)
            .FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"No {diagnosticId} diagnostic{(target is null ? string.Empty : $" at {target}")} to fix; the analyzer reported: "
                + string.Join("; ", diagnostics.Select(d => AnalyzerHarness.Describe(d).ToString())));
        Assert.Contains(diagnosticId, codeFixProvider.FixableDiagnosticIds);

        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await codeFixProvider.RegisterCodeFixesAsync(context);
        var chosen = actions.FirstOrDefault(a => actionTitle is null || a.Title.Contains(actionTitle, StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"The provider registered no action{(actionTitle is null ? string.Empty : $" titled '{actionTitle}'")}: "
                + string.Join("; ", actions.Select(a => a.Title)));

        var solution = document.Project.Solution;
        foreach (var operation in await chosen.GetOperationsAsync(CancellationToken.None))
        {
            if (operation is ApplyChangesOperation apply)
            {
                solution = apply.ChangedSolution;
            }
        }

        var fixedDocument = solution.GetDocument(document.Id)!;
        var fixedCompilation = (await fixedDocument.Project.GetCompilationAsync())!;
        AnalyzerHarness.AssertCompiles(fixedCompilation);
        return (await fixedDocument.GetTextAsync()).ToString();
    }

    /// <summary>The actions the provider offers for the first <paramref name="diagnosticId"/> diagnostic (empty if none).</summary>
    public static async Task<ImmutableArray<string>> GetActionTitlesAsync(
        string source,
        DiagnosticAnalyzer analyzer,
        CodeFixProvider codeFixProvider,
        string diagnosticId)
    {
        var (text, _) = Markup.Parse(source);
        using var workspace = new AdhocWorkspace();
        var document = CreateDocument(workspace, text);
        var compilation = (await document.Project.GetCompilationAsync())!;
        AnalyzerHarness.AssertCompiles(compilation);
        var diagnostic = (await AnalyzerHarness.GetAnalyzerDiagnosticsAsync(compilation, [analyzer]))
            .Where(d => d.Id == diagnosticId)
            .OrderBy(d => d.Location.SourceSpan.Start)
            .First();
        var titles = ImmutableArray.CreateBuilder<string>();
        await codeFixProvider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => titles.Add(action.Title), CancellationToken.None));
        return titles.ToImmutable();
    }

    private static Document CreateDocument(AdhocWorkspace workspace, string text)
    {
        var project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(),
            VersionStamp.Default,
            name: "CodeFixInput",
            assemblyName: "CodeFixInput",
            language: LanguageNames.CSharp,
            compilationOptions: AnalyzerHarness.CompilationOptions,
            parseOptions: AnalyzerHarness.ParseOptions,
            metadataReferences: AnalyzerHarness.References));
        workspace.AddDocument(project.Id, "ImplicitUsings.g.cs", SourceText.From(AnalyzerHarness.ImplicitUsings));
        return workspace.AddDocument(project.Id, "Source0.cs", SourceText.From(text));
    }
}
