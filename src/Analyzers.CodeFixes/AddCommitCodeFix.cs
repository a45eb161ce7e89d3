using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace Bulwark.Analyzers.CodeFixes;

/// <summary>
/// BWK1002: inserts <c>await writer.CommitAsync(ct);</c> (or the completing method the type's <c>[MustCommit]</c> names,
/// such as <c>CompleteAsync</c>; none is offered when that method is not awaitable by its name) where the path the analyzer found drops the writer: before
/// the early <c>return</c>, <c>break</c>, <c>continue</c>, overwrite or explicit dispose, or as the last statement of
/// the scope (or using block) it runs off. Offered only in an async body, since the commit has to be awaited; never for
/// a path that throws (committing right before reporting a failure would publish what the failure abandoned). The
/// cancellation token is a <c>CancellationToken</c> parameter in scope, if there is one, and the await gets
/// <c>.ConfigureAwait(false)</c> when the body already configures its awaits that way.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddCommitCodeFix))]
[Shared]
public sealed class AddCommitCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => [UncommittedWriterAnalyzer.DiagnosticId];

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var properties = diagnostic.Properties;
            if (!properties.TryGetValue(UncommittedWriterAnalyzer.FixProperty, out var fix)
                || !properties.TryGetValue(UncommittedWriterAnalyzer.PositionProperty, out var positionText)
                || !properties.TryGetValue(UncommittedWriterAnalyzer.WriterProperty, out var writer)
                || writer is null
                || !int.TryParse(positionText, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
                || position < 0
                || position >= root.FullSpan.End)
            {
                continue;
            }

            var commit = properties.TryGetValue(UncommittedWriterAnalyzer.CommitMethodProperty, out var named) && named is { Length: > 0 } ? named : "CommitAsync";
            if (!commit.EndsWith("Async", StringComparison.Ordinal) || !SyntaxFacts.IsValidIdentifier(commit))
            {
                // The fix writes an awaited call with a token; a synchronous commit method needs a person to place it.
                continue;
            }

            var anchor = FindAnchor(root, fix, position);
            if (anchor is null || !IsInAsyncBody(anchor))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Call '{commit}' on '{writer}' before it is dropped",
                    cancellationToken => AddCommitAsync(context.Document, root, anchor, writer, commit, cancellationToken),
                    equivalenceKey: nameof(AddCommitCodeFix)),
                diagnostic);
        }
    }

    /// <summary>The statement to insert before, or the block to append to.</summary>
    private static SyntaxNode? FindAnchor(SyntaxNode root, string? fix, int position)
    {
        var token = root.FindToken(position);
        if (fix == UncommittedWriterAnalyzer.FixEnd)
        {
            return token.Parent is BlockSyntax block && block.CloseBraceToken.SpanStart == position ? block : null;
        }

        if (fix == UncommittedWriterAnalyzer.FixBefore)
        {
            for (var node = token.Parent; node is not null; node = node.Parent)
            {
                if (node is StatementSyntax statement && statement.SpanStart == position)
                {
                    return statement;
                }
            }
        }

        return null;
    }

    private static bool IsInAsyncBody(SyntaxNode node)
    {
        var function = EnclosingFunction(node);
        var modifiers = function switch
        {
            MethodDeclarationSyntax method => method.Modifiers,
            LocalFunctionStatementSyntax local => local.Modifiers,
            AnonymousFunctionExpressionSyntax anonymous => anonymous.Modifiers,
            _ => default,
        };
        return modifiers.Any(SyntaxKind.AsyncKeyword);
    }

    private static SyntaxNode? EnclosingFunction(SyntaxNode node) =>
        node.FirstAncestorOrSelf<SyntaxNode>(n => n is MethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax or ConstructorDeclarationSyntax);

    private static async Task<Document> AddCommitAsync(Document document, SyntaxNode root, SyntaxNode anchor, string writer, string commitMethod, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var token = model is null ? null : CancellationTokenInScope(model, anchor, cancellationToken);
        var configure = UsesConfigureAwait(EnclosingFunction(anchor)) ? ".ConfigureAwait(false)" : string.Empty;
        // Elastic trivia let the formatter place the new statement on its own line with the block's indentation; the
        // line break is the document's own, not the platform's.
        var newLine = SyntaxFactory.ElasticEndOfLine(
            root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToFullString() is { Length: > 0 } found ? found : "\n");
        var commit = SyntaxFactory.ParseStatement($"await {writer}.{commitMethod}({token}){configure};")
            .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
            .WithTrailingTrivia(newLine)
            .WithAdditionalAnnotations(Formatter.Annotation);

        SyntaxNode updated;
        switch (anchor)
        {
            case BlockSyntax block:
                updated = root.ReplaceNode(block, block.AddStatements(commit));
                break;
            case StatementSyntax statement when statement.Parent is BlockSyntax or SwitchSectionSyntax:
                updated = root.InsertNodesBefore(statement, [commit]);
                break;
            default:
                // An embedded statement (`if (x) return;`) becomes a block so that the commit runs on that path only.
                var embedded = (StatementSyntax)anchor;
                var wrapped = SyntaxFactory.Block(commit, embedded.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(newLine))
                    .WithLeadingTrivia(embedded.GetLeadingTrivia())
                    .WithTrailingTrivia(embedded.GetTrailingTrivia())
                    .WithAdditionalAnnotations(Formatter.Annotation);
                updated = root.ReplaceNode(embedded, wrapped);
                break;
        }

        var changed = document.WithSyntaxRoot(updated);
        return await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A <c>CancellationToken</c> parameter visible at the insertion point, the innermost function's first.</summary>
    private static string? CancellationTokenInScope(SemanticModel model, SyntaxNode anchor, CancellationToken cancellationToken)
    {
        var position = anchor is BlockSyntax block ? block.CloseBraceToken.SpanStart : anchor.SpanStart;
        var function = model.GetEnclosingSymbol(position, cancellationToken);
        string? best = null;
        foreach (var symbol in model.LookupSymbols(position))
        {
            if (symbol is IParameterSymbol { Type: { Name: "CancellationToken", ContainingNamespace: { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } } } parameter)
            {
                if (SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, function))
                {
                    return parameter.Name;
                }

                best ??= parameter.Name;
            }
        }

        return best;
    }

    private static bool UsesConfigureAwait(SyntaxNode? function)
    {
        if (function is null)
        {
            return false;
        }

        foreach (var node in function.DescendantNodes())
        {
            if (node is AwaitExpressionSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } } })
            {
                return true;
            }
        }

        return false;
    }
}
