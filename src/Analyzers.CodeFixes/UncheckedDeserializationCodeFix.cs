using System;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Bulwark.Analyzers.CodeFixes;

/// <summary>
/// BWK1001: switch to the validated API where one exists. For a <c>[UncheckedDeserialization(replacement)]</c> call the
/// invoked name becomes the replacement (a simple name keeps the receiver and type arguments; a dotted one replaces the
/// whole callee). For <c>MemoryMarshal.Read/TryRead&lt;T&gt;</c> of a primitive it becomes the
/// <c>BinaryPrimitives.(Try)ReadXxxLittleEndian</c> call, which fixes the byte order instead of inheriting the machine's.
/// Shapes with no validated counterpart (a struct cast, a formatter) get no fix: the diagnostic's text says what to do.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UncheckedDeserializationCodeFix))]
[Shared]
public sealed class UncheckedDeserializationCodeFix : CodeFixProvider
{
    private const string BinaryPrimitivesNamespace = "System.Buffers.Binary";

    public override ImmutableArray<string> FixableDiagnosticIds => [DiagnosticDescriptors.UncheckedDeserializationId];

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
            if (!diagnostic.Properties.TryGetValue(UncheckedDeserializationAnalyzer.FixKey, out var kind)
                || !diagnostic.Properties.TryGetValue(UncheckedDeserializationAnalyzer.TargetKey, out var target)
                || target is null
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                    .FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation)
            {
                continue;
            }

            var document = context.Document;
            if (kind == UncheckedDeserializationAnalyzer.ReplacementFix)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Use '{target}'",
                        token => UseReplacementAsync(document, invocation, target, token),
                        equivalenceKey: "BWK1001.Replacement"),
                    diagnostic);
            }
            else if (kind == UncheckedDeserializationAnalyzer.BinaryPrimitivesFix)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Use 'BinaryPrimitives.{target}'",
                        token => UseBinaryPrimitivesAsync(document, invocation, target, token),
                        equivalenceKey: "BWK1001.BinaryPrimitives"),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> UseReplacementAsync(Document document, InvocationExpressionSyntax invocation, string replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        ExpressionSyntax callee = invocation.Expression;
        ExpressionSyntax newCallee;
        if (replacement.IndexOf('.') >= 0)
        {
            newCallee = SyntaxFactory.ParseExpression(replacement).WithTriviaFrom(callee);
        }
        else
        {
            var name = callee switch
            {
                MemberAccessExpressionSyntax access => access.Name,
                MemberBindingExpressionSyntax binding => binding.Name,
                SimpleNameSyntax simple => simple,
                _ => null,
            };
            if (name is null)
            {
                return document;
            }

            SimpleNameSyntax renamed = name is GenericNameSyntax generic
                ? generic.WithIdentifier(SyntaxFactory.Identifier(replacement).WithTriviaFrom(generic.Identifier))
                : SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(replacement).WithTriviaFrom(name.Identifier));
            newCallee = callee == name ? renamed : callee.ReplaceNode(name, renamed);
        }

        return document.WithSyntaxRoot(root.ReplaceNode(callee, newCallee));
    }

    private static async Task<Document> UseBinaryPrimitivesAsync(Document document, InvocationExpressionSyntax invocation, string method, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is not CompilationUnitSyntax unit || model is null)
        {
            return document;
        }

        // 'BinaryPrimitives' already means the right type here, or can be made to with a using; if some other type of
        // that name is in scope, the fully qualified name avoids rebinding the call to it.
        var inScope = model.LookupNamespacesAndTypes(invocation.SpanStart, name: "BinaryPrimitives");
        var resolvesToSystem = inScope.Length == 1 && inScope[0].ContainingNamespace.ToDisplayString() == BinaryPrimitivesNamespace;
        var needsUsing = inScope.Length == 0;
        var typeName = resolvesToSystem || needsUsing
            ? (ExpressionSyntax)SyntaxFactory.IdentifierName("BinaryPrimitives")
            : SyntaxFactory.ParseExpression("global::" + BinaryPrimitivesNamespace + ".BinaryPrimitives");

        var replaced = invocation.WithExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, typeName, SyntaxFactory.IdentifierName(method))
                .WithTriviaFrom(invocation.Expression));
        unit = unit.ReplaceNode(invocation, replaced);
        if (needsUsing)
        {
            unit = AddUsing(unit, (await document.GetTextAsync(cancellationToken).ConfigureAwait(false)).ToString().Contains("\r\n") ? "\r\n" : "\n");
        }

        return document.WithSyntaxRoot(unit);
    }

    /// <summary>Adds <c>using System.Buffers.Binary;</c> among the file's usings, in order, System namespaces first.</summary>
    private static CompilationUnitSyntax AddUsing(CompilationUnitSyntax unit, string newLine)
    {
        var directive = SyntaxFactory.ParseCompilationUnit($"using {BinaryPrimitivesNamespace};{newLine}").Usings[0];
        var usings = unit.Usings;
        var index = 0;
        while (index < usings.Count && ComesBefore(usings[index], BinaryPrimitivesNamespace))
        {
            index++;
        }

        if (index == 0 && usings.Count > 0)
        {
            // The first using carries the file's leading comments; they stay at the top of the file.
            directive = directive.WithLeadingTrivia(usings[0].GetLeadingTrivia());
            usings = usings.Replace(usings[0], usings[0].WithoutLeadingTrivia());
        }
        else if (usings.Count == 0)
        {
            directive = directive.WithTrailingTrivia(directive.GetTrailingTrivia().Add(SyntaxFactory.EndOfLine(newLine)));
        }

        return unit.WithUsings(usings.Insert(index, directive));
    }

    private static bool ComesBefore(UsingDirectiveSyntax existing, string name)
    {
        if (existing.Alias is not null || !existing.StaticKeyword.IsKind(SyntaxKind.None) || existing.Name is null)
        {
            return false;
        }

        var text = existing.Name.ToString();
        var existingIsSystem = text == "System" || text.StartsWith("System.", StringComparison.Ordinal);
        if (!existingIsSystem)
        {
            return false;
        }

        return string.CompareOrdinal(text, name) < 0;
    }
}
