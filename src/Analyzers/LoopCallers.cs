using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>How the code that starts a loop's method or lambda treats the task (or thread) it gets back.</summary>
internal enum LoopUse
{
    /// <summary>Neither of the others: returned, passed on, called synchronously. Proves nothing either way.</summary>
    Unknown,

    /// <summary>Awaited, directly, through a local or through <c>Task.WhenAll</c>/<c>WhenAny</c>: the caller sees the exception.</summary>
    Observed,

    /// <summary>Started and left running: <c>Task.Run</c>, a <c>Thread</c>, a discarded or stored task.</summary>
    Detached,
}

/// <summary>
/// Finds how the function holding a loop is started: by looking at its uses in its own type (every partial
/// declaration), or, for a lambda, at the call it is passed to. A loop whose every start is awaited is part of its
/// caller's work (its exception is the caller's result); a loop that is started and left running is a background loop
/// whatever its condition. Uses outside the containing type are not searched: what they do is unknown, so neither
/// conclusion is drawn from them. Only run for a loop that would otherwise be reported, so its cost is paid rarely.
/// </summary>
internal static class LoopCallers
{
    private static readonly TypeName Thread = new("System.Threading.Thread");
    private static readonly TypeName ThreadPool = new("System.Threading.ThreadPool");
    private static readonly TypeName TaskFactory = new("System.Threading.Tasks.TaskFactory");
    private static readonly TypeName TaskFactoryOfT = new("System.Threading.Tasks.TaskFactory`1");
    private static readonly TypeName BackgroundService = new("Microsoft.Extensions.Hosting.BackgroundService");

    /// <summary>The uses of the method, lambda or local function whose body holds <paramref name="loop"/>.</summary>
    public static List<LoopUse> FindUses(ILoopOperation loop, Compilation compilation, CancellationToken cancellationToken)
    {
        var uses = new List<LoopUse>();
        var body = loop.GetEnclosingBody();
        switch (body.Parent)
        {
            case IAnonymousFunctionOperation lambda:
                uses.Add(ClassifyLambda(lambda));
                break;
            case ILocalFunctionOperation:
                break;
            default:
                if (body.SemanticModel?.GetEnclosingSymbol(loop.Syntax.SpanStart, cancellationToken) is IMethodSymbol method)
                {
                    AddMethodUses(method, compilation, uses, cancellationToken);
                }

                break;
        }

        return uses;
    }

    /// <summary>A hosted service's <c>ExecuteAsync</c>: the host starts it and does not await it until shutdown.</summary>
    public static bool IsHostedServiceLoop(ILoopOperation loop, CancellationToken cancellationToken)
    {
        var body = loop.GetEnclosingBody();
        if (body.Parent is IAnonymousFunctionOperation or ILocalFunctionOperation
            || body.SemanticModel?.GetEnclosingSymbol(loop.Syntax.SpanStart, cancellationToken) is not IMethodSymbol { Name: "ExecuteAsync", IsOverride: true } method)
        {
            return false;
        }

        for (var overridden = method.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
        {
            if (BackgroundService.Matches(overridden.ContainingType))
            {
                return true;
            }
        }

        return false;
    }

    private static void AddMethodUses(IMethodSymbol method, Compilation compilation, List<LoopUse> uses, CancellationToken cancellationToken)
    {
        foreach (var reference in method.ContainingType.DeclaringSyntaxReferences)
        {
            var declaration = reference.GetSyntax(cancellationToken);
            SemanticModel? model = null;
            foreach (var name in declaration.DescendantNodes().OfType<SimpleNameSyntax>())
            {
                if (name.Identifier.ValueText != method.Name)
                {
                    continue;
                }

                model ??= compilation.GetSemanticModel(declaration.SyntaxTree);
                var symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
                if (!SymbolEqualityComparer.Default.Equals(symbol?.OriginalDefinition, method.OriginalDefinition))
                {
                    continue;
                }

                var node = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : (SyntaxNode)name;
                var operation = model.GetOperation(node.Parent is InvocationExpressionSyntax ? node.Parent : node, cancellationToken);
                uses.Add(operation switch
                {
                    IInvocationOperation invocation => ClassifyTask(invocation),
                    IMethodReferenceOperation group => group.Parent is IDelegateCreationOperation created ? ClassifyDelegate(created) : LoopUse.Unknown,
                    _ => LoopUse.Unknown,
                });
            }
        }
    }

    private static LoopUse ClassifyLambda(IAnonymousFunctionOperation lambda) =>
        lambda.Parent is IDelegateCreationOperation created ? ClassifyDelegate(created) : LoopUse.Unknown;

    /// <summary>A method group or lambda handed to something that runs it.</summary>
    private static LoopUse ClassifyDelegate(IDelegateCreationOperation created)
    {
        var current = (IOperation)created;
        while (current.Parent is IConversionOperation)
        {
            current = current.Parent;
        }

        switch (current.Parent)
        {
            case IArgumentOperation { Parent: IInvocationOperation starter } when IsTaskStarter(starter.TargetMethod):
                // Task.Run(Loop): the task Task.Run returns is what the caller keeps or drops.
                return ClassifyTask(starter);
            case IArgumentOperation { Parent: IInvocationOperation queued } when ThreadPool.Matches(queued.TargetMethod.ContainingType):
            case IArgumentOperation { Parent: IObjectCreationOperation thread } when Thread.Matches(thread.Type):
                return LoopUse.Detached;
            default:
                return LoopUse.Unknown;
        }
    }

    private static bool IsTaskStarter(IMethodSymbol method) =>
        (method.Name == "Run" && KnownTypes.Task.Matches(method.ContainingType))
        || (method.Name == "StartNew" && (TaskFactory.Matches(method.ContainingType) || TaskFactoryOfT.Matches(method.ContainingType.OriginalDefinition)));

    /// <summary>What happens to the task <paramref name="value"/> evaluates to.</summary>
    private static LoopUse ClassifyTask(IOperation value, int depth = 0)
    {
        var current = value;
        while (true)
        {
            var parent = current.Parent;
            switch (parent)
            {
                case IConversionOperation:
                case IParenthesizedOperation:
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "Unwrap" } configure when configure.Instance == current:
                    current = parent;
                    continue;
                case IAwaitOperation:
                    // Awaited inside a lambda, the exception goes to the lambda's task: what matters is who runs that.
                    return parent.GetEnclosingBody().Parent is IAnonymousFunctionOperation awaiter ? ClassifyLambda(awaiter) : LoopUse.Observed;
                case IReturnOperation when parent.GetEnclosingBody().Parent is IAnonymousFunctionOperation outer:
                    // Task.Run(() => LoopAsync()): the lambda hands the task to whoever runs it.
                    return ClassifyLambda(outer);
                case IArrayInitializerOperation:
                case IArrayCreationOperation:
                case ICollectionExpressionOperation:
                    current = parent;
                    continue;
                case IArgumentOperation { Parent: IInvocationOperation combinator }
                    when combinator.TargetMethod.Name is "WhenAll" or "WhenAny" && KnownTypes.Task.Matches(combinator.TargetMethod.ContainingType):
                    return depth < 4 && ClassifyTask(combinator, depth + 1) == LoopUse.Observed ? LoopUse.Observed : LoopUse.Unknown;
                case IExpressionStatementOperation when IsTaskLike(value.Type):
                    return LoopUse.Detached;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    return depth < 4 ? ClassifyLocal(declarator.Symbol, parent, depth) : LoopUse.Unknown;
                case ISimpleAssignmentOperation assignment when assignment.Value == current:
                    return assignment.Target switch
                    {
                        IDiscardOperation => LoopUse.Detached,
                        IFieldReferenceOperation or IPropertyReferenceOperation => LoopUse.Detached,
                        ILocalReferenceOperation local when depth < 4 => ClassifyLocal(local.Local, parent, depth),
                        _ => LoopUse.Unknown,
                    };
                default:
                    return LoopUse.Unknown;
            }
        }
    }

    /// <summary>A task kept in a local: observed when some later use of the local awaits it.</summary>
    private static LoopUse ClassifyLocal(ILocalSymbol local, IOperation assignment, int depth)
    {
        foreach (var operation in assignment.GetEnclosingBody().DescendantsAndSelf())
        {
            if (operation is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                && ClassifyTask(reference, depth + 1) == LoopUse.Observed)
            {
                return LoopUse.Observed;
            }
        }

        return LoopUse.Unknown;
    }

    private static bool IsTaskLike(ITypeSymbol? type) =>
        type is not null && (KnownTypes.Task.Matches(type) || KnownTypes.TaskOfT.Matches(type.OriginalDefinition)
            || KnownTypes.ValueTask.Matches(type) || KnownTypes.ValueTaskOfT.Matches(type.OriginalDefinition));
}
