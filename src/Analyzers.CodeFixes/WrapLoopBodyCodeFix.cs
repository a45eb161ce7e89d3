using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Bulwark.Analyzers.CodeFixes;

/// <summary>
/// BWK1004: wraps the body of a background loop in
/// <c>try { body } catch (OperationCanceledException) when (token.IsCancellationRequested) { break; } catch (Exception ex) { log }</c>,
/// so a failed iteration is logged and the next one runs, while cancellation still ends the loop. The log call uses an
/// <c>ILogger</c> in scope; without one the handler says why it swallows, because a silent empty catch reads as a mistake.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WrapLoopBodyCodeFix)), Shared]
public sealed class WrapLoopBodyCodeFix : CodeFixProvider
{
    public const string Title = "Catch, log and continue inside the loop";

    private const string LogMessage = "Background loop iteration failed; continuing.";
    private const string ContinueComment = "// Log and continue: one transient error must not end the loop.";
    private const string LoggingNamespace = "Microsoft.Extensions.Logging";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticDescriptors.LoopEndsOnOneErrorId];

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        var loop = root.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().FirstOrDefault(IsLoop) as StatementSyntax;
        if (loop is null || GetBody(loop) is not { } body || ContainsYield(body))
        {
            // A yield inside a try that has a catch does not compile (CS1626): iterators need another shape.
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(Title, ct => WrapAsync(context.Document, loop, ct), equivalenceKey: nameof(WrapLoopBodyCodeFix)),
            context.Diagnostics);
    }

    private static async Task<Document> WrapAsync(Document document, StatementSyntax loop, CancellationToken cancellationToken)
    {
        var root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        var model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        var body = GetBody(loop)!;
        var position = loop.SpanStart;
        var isStatic = model.GetEnclosingSymbol(position, cancellationToken) is { IsStatic: true };

        var token = FindToken(loop, model, position, isStatic, cancellationToken);
        var logger = FindLogger(model, position, isStatic, cancellationToken);
        var exceptionName = UnusedName(model, body.SpanStart, "ex", "exception", "failure");

        var catches = new List<CatchClauseSyntax>();
        if (token is not null)
        {
            catches.Add(CatchClause(
                CatchDeclaration(QualifiedType("System.OperationCanceledException")),
                CatchFilterClause(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, token, IdentifierName("IsCancellationRequested"))),
                Block(BreakStatement())));
        }

        catches.Add(CatchClause(
            CatchDeclaration(QualifiedType("System.Exception"), Identifier(exceptionName)),
            filter: null,
            Block(logger is { } found ? Log(found, exceptionName) : Swallow(exceptionName))));

        var statements = body is BlockSyntax block ? block.Statements : SingletonList(body);
        var @try = TryStatement(Block(statements), List(catches), @finally: null).WithAdditionalAnnotations(Formatter.Annotation);
        var newBody = body is BlockSyntax original
            ? original.WithStatements(SingletonList<StatementSyntax>(@try))
            : Block(@try).WithTriviaFrom(body).WithAdditionalAnnotations(Formatter.Annotation);

        var newRoot = root.ReplaceNode(body, newBody);
        if (logger is not null && !LogErrorIsInScope(model, position, logger.Value.Type))
        {
            newRoot = AddLoggingUsing((CompilationUnitSyntax)newRoot);
        }

        return document.WithSyntaxRoot(newRoot);
    }

    private static bool IsLoop(SyntaxNode node) => node is WhileStatementSyntax or ForStatementSyntax or DoStatementSyntax;

    private static StatementSyntax? GetBody(StatementSyntax loop) => loop switch
    {
        WhileStatementSyntax w => w.Statement,
        ForStatementSyntax f => f.Statement,
        DoStatementSyntax d => d.Statement,
        _ => null,
    };

    private static bool ContainsYield(StatementSyntax body) =>
        body.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .OfType<YieldStatementSyntax>()
            .Any();

    private static TypeSyntax QualifiedType(string name) => ParseTypeName(name).WithAdditionalAnnotations(Simplifier.Annotation);

    /// <summary>
    /// The token whose cancellation should end the loop: the one the loop's own condition tests or waits on, else a
    /// token parameter, local, field or property in scope, else none (the fix then catches only <c>Exception</c>).
    /// </summary>
    private static ExpressionSyntax? FindToken(StatementSyntax loop, SemanticModel model, int position, bool isStatic, CancellationToken cancellationToken)
    {
        var condition = loop switch
        {
            WhileStatementSyntax w => w.Condition,
            ForStatementSyntax f => f.Condition,
            DoStatementSyntax d => d.Condition,
            _ => null,
        };

        if (condition is not null)
        {
            foreach (var node in condition.DescendantNodesAndSelf())
            {
                if (node is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IsCancellationRequested" } access
                    && IsRepeatable(access.Expression))
                {
                    return access.Expression.WithoutTrivia();
                }

                if (node is ArgumentSyntax argument
                    && IsRepeatable(argument.Expression)
                    && IsCancellationToken(model.GetTypeInfo(argument.Expression, cancellationToken).Type))
                {
                    return argument.Expression.WithoutTrivia();
                }
            }
        }

        var candidates = model.LookupSymbols(position)
            .Where(s => IsUsableAt(s, position, isStatic) && IsCancellationToken(TypeOf(s)))
            .OrderBy(Preference)
            .ThenBy(s => s.Name, StringComparer.Ordinal);
        return candidates.FirstOrDefault() is { } symbol ? IdentifierName(symbol.Name) : null;
    }

    private static (string Name, ITypeSymbol Type)? FindLogger(SemanticModel model, int position, bool isStatic, CancellationToken cancellationToken)
    {
        var logger = model.LookupSymbols(position)
            .Where(s => IsUsableAt(s, position, isStatic) && IsLogger(TypeOf(s)))
            .OrderBy(Preference)
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return logger is null ? null : (logger.Name, TypeOf(logger)!);
    }

    // Parameters and locals name the token or logger this call was given; a field is the fallback.
    private static int Preference(ISymbol symbol) => symbol.Kind switch
    {
        SymbolKind.Parameter => 0,
        SymbolKind.Local => 1,
        SymbolKind.Field => 2,
        _ => 3,
    };

    private static bool IsUsableAt(ISymbol symbol, int position, bool isStatic) => symbol switch
    {
        IParameterSymbol => true,
        // A local is in scope in its whole block but usable only after its declaration.
        ILocalSymbol local => local.DeclaringSyntaxReferences.All(r => r.Span.End <= position),
        IFieldSymbol or IPropertySymbol => !isStatic || symbol.IsStatic,
        _ => false,
    };

    private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        IParameterSymbol p => p.Type,
        ILocalSymbol l => l.Type,
        IFieldSymbol f => f.Type,
        IPropertySymbol p => p.Type,
        _ => null,
    };

    private static bool IsCancellationToken(ITypeSymbol? type) =>
        type is { Name: "CancellationToken", ContainingNamespace: { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } };

    private static bool IsLogger(ITypeSymbol? type) =>
        type is not null && (IsLoggerInterface(type) || type.AllInterfaces.Any(IsLoggerInterface));

    private static bool IsLoggerInterface(ITypeSymbol type) =>
        type is { Name: "ILogger", ContainingNamespace: { Name: "Logging", ContainingNamespace: { Name: "Extensions", ContainingNamespace: { Name: "Microsoft", ContainingNamespace.IsGlobalNamespace: true } } } };

    // Evaluated again in the catch filter, so it must be a plain name or member chain, not a call.
    private static bool IsRepeatable(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax => true,
        ThisExpressionSyntax => true,
        MemberAccessExpressionSyntax access => IsRepeatable(access.Expression),
        _ => false,
    };

    private static string UnusedName(SemanticModel model, int position, params string[] candidates)
    {
        var taken = new HashSet<string>(model.LookupSymbols(position).Where(s => s.Kind is SymbolKind.Local or SymbolKind.Parameter or SymbolKind.RangeVariable).Select(s => s.Name));
        foreach (var candidate in candidates)
        {
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }

        for (var i = 2; ; i++)
        {
            if (!taken.Contains(candidates[0] + i))
            {
                return candidates[0] + i;
            }
        }
    }

    private static StatementSyntax Log((string Name, ITypeSymbol Type) logger, string exceptionName) =>
        ExpressionStatement(InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(logger.Name), IdentifierName("LogError")),
            ArgumentList(SeparatedList(new[]
            {
                Argument(IdentifierName(exceptionName)),
                Argument(LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(LogMessage))),
            }))));

    private static StatementSyntax Swallow(string exceptionName) =>
        // Parsed rather than built: only the parser gives "_" the contextual kind that makes it a discard.
        ParseStatement($"_ = {exceptionName};")
            .WithLeadingTrivia(Comment(ContinueComment), ElasticCarriageReturnLineFeed);

    private static bool LogErrorIsInScope(SemanticModel model, int position, ITypeSymbol loggerType) =>
        model.LookupSymbols(position, loggerType, "LogError", includeReducedExtensionMethods: true).Length > 0;

    private static CompilationUnitSyntax AddLoggingUsing(CompilationUnitSyntax unit)
    {
        var directive = UsingDirective(ParseName(LoggingNamespace)).WithAdditionalAnnotations(Formatter.Annotation);
        var index = unit.Usings.Count(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None) && SortsBefore(u.Name?.ToString() ?? string.Empty));
        return unit.WithUsings(unit.Usings.Insert(index, directive));
    }

    // The usual order: System namespaces first, then the rest alphabetically.
    private static bool SortsBefore(string name) =>
        IsSystem(name) || string.CompareOrdinal(name, LoggingNamespace) < 0;

    private static bool IsSystem(string name) => name == "System" || name.StartsWith("System.", StringComparison.Ordinal);
}
