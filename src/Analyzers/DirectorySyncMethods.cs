using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers;

/// <summary>
/// Which calls sync a directory for BWK1003: <c>IStorageBackend.SyncDirectoryAsync</c> and its implementations (the
/// backend's contract, even where an in-memory backend has nothing to do), the methods listed in
/// <c>bulwark.directory_sync_methods</c>, and, by name, a method whose name starts with <c>SyncDirectory</c> or
/// <c>FsyncDirectory</c> — unless its body is in source and does nothing, since an empty helper of that name syncs
/// nothing and would otherwise hide every rename before it. One instance per compilation.
/// </summary>
internal sealed class DirectorySyncMethods
{
    /// <summary>The option listing a project's own directory syncs; see <see cref="MethodListOption"/> for the entries.</summary>
    public const string MethodsKey = "bulwark.directory_sync_methods";

    private readonly MethodListOption _listed;
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _doesNothing = new(SymbolEqualityComparer.Default);

    public DirectorySyncMethods(AnalyzerConfigOptionsProvider provider) => _listed = new MethodListOption(MethodsKey, provider);

    public bool IsDirectorySync(IMethodSymbol method, SyntaxTree tree)
    {
        method = method.ReducedFrom ?? method;
        if (method.Name == "SyncDirectoryAsync" && method.ContainingType.IsOrDerivesFrom(KnownTypes.StorageBackend))
        {
            return true;
        }

        if (_listed.Lists(method, tree))
        {
            return true;
        }

        return IsNamedLikeDirectorySync(method.Name) && !DoesNothing(method);
    }

    public static bool IsNamedLikeDirectorySync(string name) =>
        name.StartsWith("SyncDirectory", StringComparison.Ordinal) || name.StartsWith("FsyncDirectory", StringComparison.Ordinal);

    /// <summary>
    /// The method has a body in source and that body is empty or only returns a constant or a completed task. A method
    /// from metadata, or abstract, extern or an interface member, has no body to judge and is taken at its name.
    /// </summary>
    public bool DoesNothing(IMethodSymbol method)
    {
        var definition = method.OriginalDefinition;
        definition = definition.PartialImplementationPart ?? definition;
        return _doesNothing.GetOrAdd(definition, static m => BodyDoesNothing(m));
    }

    private static bool BodyDoesNothing(IMethodSymbol method)
    {
        if (method.IsAbstract || method.IsExtern || method.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var (body, expression) = reference.GetSyntax() switch
            {
                BaseMethodDeclarationSyntax declaration => (declaration.Body, declaration.ExpressionBody?.Expression),
                LocalFunctionStatementSyntax local => (local.Body, local.ExpressionBody?.Expression),
                _ => (null, null),
            };
            if (body is not null)
            {
                return body.Statements.All(IsEmptyStatement);
            }

            if (expression is not null)
            {
                return IsNothingValue(expression);
            }
        }

        return false;
    }

    private static bool IsEmptyStatement(StatementSyntax statement) => statement switch
    {
        EmptyStatementSyntax => true,
        ReturnStatementSyntax { Expression: null } => true,
        ReturnStatementSyntax { Expression: { } value } => IsNothingValue(value),
        ExpressionStatementSyntax { Expression: AwaitExpressionSyntax awaited } => IsNothingValue(awaited.Expression),
        BlockSyntax block => block.Statements.All(IsEmptyStatement),
        _ => false,
    };

    /// <summary><c>default</c>, a literal, <c>Task.CompletedTask</c>, <c>new ValueTask()</c>, <c>Task.FromResult(literal)</c>.</summary>
    private static bool IsNothingValue(ExpressionSyntax expression) => expression switch
    {
        ParenthesizedExpressionSyntax parenthesized => IsNothingValue(parenthesized.Expression),
        LiteralExpressionSyntax or DefaultExpressionSyntax => true,
        MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CompletedTask" } => true,
        BaseObjectCreationExpressionSyntax { ArgumentList.Arguments: var arguments, Initializer: null } => arguments.All(a => IsNothingValue(a.Expression)),
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "FromResult" } } invocation =>
            invocation.ArgumentList.Arguments.All(a => IsNothingValue(a.Expression)),
        _ => expression.IsKind(SyntaxKind.DefaultLiteralExpression),
    };
}
