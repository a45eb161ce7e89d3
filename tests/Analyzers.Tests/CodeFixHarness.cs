using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// Code-fix tests. <see cref="VerifyFixAsync"/> and <see cref="VerifyNoFixAsync"/> are the testing library's checks;
/// <see cref="ApplyFixAsync"/> returns the fixed document for tests that assert on parts of it, and has the library
/// confirm it. The fix is applied the way the IDE does: the source becomes a document of an <see cref="AdhocWorkspace"/> project
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
        var fixedText = (await fixedDocument.GetTextAsync()).ToString();

        // The same fix, applied again by the testing library to the same diagnostic with the same action: it checks that
        // the input and the fixed document compile, that the analyzer reports what it reported here on both, and, when
        // there is one diagnostic, that Fix All produces the same document.
        var remaining = await AnalyzerHarness.GetDiagnosticsAsync(fixedText, analyzer);
        var test = new LibraryTest([analyzer], codeFixProvider)
        {
            TestCode = text,
            FixedCode = fixedText,
            FixTarget = diagnostic.Location.SourceSpan,
            CodeActionIndex = actions.IndexOf(chosen),
            CodeActionEquivalenceKey = chosen.EquivalenceKey,
            CodeFixTestBehaviors = diagnostics.Length > 1 ? CodeFixTestBehaviors.FixOne | CodeFixTestBehaviors.SkipFixAllCheck : CodeFixTestBehaviors.None,
        }.WithImplicitUsings();
        test.ExpectedDiagnostics.AddRange(diagnostics.Select(Expected));
        test.FixedState.ExpectedDiagnostics.AddRange(remaining.Select(d => Expected(d.Diagnostic)));
        await test.RunAsync();
        return fixedText;
    }

    /// <summary>
    /// Asserts, through the testing library, that fixing the diagnostics marked in <paramref name="markup"/> with the
    /// provider's action at <paramref name="actionIndex"/> turns it into <paramref name="fixedMarkup"/> (whose own
    /// markers are the diagnostics left), both incrementally and with Fix All.
    /// </summary>
    public static Task VerifyFixAsync(string markup, string fixedMarkup, DiagnosticAnalyzer analyzer, CodeFixProvider codeFixProvider, int? actionIndex = null) =>
        new LibraryTest([analyzer], codeFixProvider) { TestCode = markup, FixedCode = fixedMarkup, CodeActionIndex = actionIndex }.WithImplicitUsings().RunAsync();

    /// <summary>
    /// Asserts that the provider offers no fix: the testing library checks that the analyzer reports exactly the
    /// diagnostics marked in <paramref name="markup"/> (every <paramref name="diagnosticId"/> diagnostic, at least one,
    /// if it has no markers) and that the code after fixing is the input itself, and the provider must register no
    /// action for any of them (an action that changes nothing would still be offered in the IDE).
    /// </summary>
    public static async Task VerifyNoFixAsync(string markup, DiagnosticAnalyzer analyzer, CodeFixProvider codeFixProvider, string diagnosticId)
    {
        var (text, spans) = Markup.Parse(markup);
        var test = new LibraryTest([analyzer], codeFixProvider) { TestCode = markup, FixedCode = markup }.WithImplicitUsings();
        if (spans.Count == 0)
        {
            var diagnostics = (await AnalyzerHarness.GetDiagnosticsAsync(text, analyzer)).Where(d => d.Id == diagnosticId).ToList();
            Assert.NotEmpty(diagnostics);
            test.ExpectedDiagnostics.AddRange(diagnostics.Select(d => Expected(d.Diagnostic)));
            test.FixedState.ExpectedDiagnostics.AddRange(diagnostics.Select(d => Expected(d.Diagnostic)));
        }

        await test.RunAsync();

        using var workspace = new AdhocWorkspace();
        var document = CreateDocument(workspace, text);
        var compilation = (await document.Project.GetCompilationAsync())!;
        foreach (var diagnostic in (await AnalyzerHarness.GetAnalyzerDiagnosticsAsync(compilation, [analyzer])).Where(d => d.Id == diagnosticId))
        {
            var titles = new List<string>();
            await codeFixProvider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => titles.Add(action.Title), CancellationToken.None));
            Assert.True(titles.Count == 0, $"A fix is offered for {AnalyzerHarness.Describe(diagnostic)}: {string.Join("; ", titles)}");
        }
    }

    // The library names the first test source /0/Test0.cs; the expectation must name the same file.
    private static DiagnosticResult Expected(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        return new DiagnosticResult(diagnostic.Descriptor)
            .WithSpan("/0/Test0.cs", span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1, span.EndLinePosition.Line + 1, span.EndLinePosition.Character + 1)
            .WithMessage(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
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
