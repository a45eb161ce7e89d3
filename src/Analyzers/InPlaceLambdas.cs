using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// For BWK1003, the call that runs a lambda before it returns: a lambda passed straight to a retry or policy helper
/// (<c>Retry(() =&gt; File.Move(a, b))</c>, <c>await policy.ExecuteAsync(async () =&gt; …)</c>) has done its rename by
/// the time the call is over, so the enclosing method's sync after that call covers it. A lambda stored in a
/// variable, returned, handed to a constructor or to something that keeps it for later (a callback registration, a
/// work queue, an un-awaited task) has no such call, and its renames are judged inside the lambda as before.
/// </summary>
internal static class InPlaceLambdas
{
    private static readonly TypeName ThreadPool = new("System.Threading.ThreadPool");
    private static readonly TypeName Disposable = new("System.IDisposable");
    private static readonly TypeName AsyncDisposable = new("System.IAsyncDisposable");

    /// <summary>The invocation in <paramref name="graph"/> that runs <paramref name="lambda"/> in place, or null.</summary>
    public static IInvocationOperation? FindCarrier(ControlFlowGraph graph, IFlowAnonymousFunctionOperation lambda)
    {
        var argument = ArgumentOf(lambda);
        if (argument is null && SkipConversions(lambda).Parent is IFlowCaptureOperation capture)
        {
            // A call whose other arguments branch (a ?? b, a conditional) gets its arguments through flow captures.
            argument = FindCapturedArgument(graph, capture.Id);
        }

        return argument?.Parent is IInvocationOperation invocation && RunsBeforeReturning(invocation) ? invocation : null;
    }

    private static IArgumentOperation? ArgumentOf(IOperation operation) => SkipConversions(operation).Parent as IArgumentOperation;

    private static IOperation SkipConversions(IOperation operation)
    {
        var current = operation;
        while (current.Parent is IDelegateCreationOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        return current;
    }

    private static IArgumentOperation? FindCapturedArgument(ControlFlowGraph graph, CaptureId id)
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var root in FlowGraphs.Roots(block))
            {
                foreach (var operation in root.DescendantsAndSelf())
                {
                    if (operation is IFlowCaptureReferenceOperation reference && reference.Id.Equals(id) && ArgumentOf(reference) is { } argument)
                    {
                        return argument;
                    }
                }
            }
        }

        return null;
    }

    private static bool RunsBeforeReturning(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (ThreadPool.Matches(method.ContainingType)
            || method.Name is "Register" or "UnsafeRegister" or "Add" or "Enqueue" or "Post" or "ContinueWith" or "Subscribe")
        {
            return false;
        }

        var type = invocation.Type;
        if (type is null)
        {
            return false;
        }

        if (type.SpecialType == SpecialType.System_Void)
        {
            return true;
        }

        if (IsAwaitable(type))
        {
            return IsAwaited(invocation);
        }

        if (type.TypeKind == TypeKind.Delegate || type.IsOrDerivesFrom(Disposable) || type.IsOrDerivesFrom(AsyncDisposable))
        {
            // A registration or a subscription: the lambda runs later, when the caller has long moved on.
            return false;
        }

        return true;
    }

    private static bool IsAwaitable(ITypeSymbol type) =>
        KnownTypes.Task.Matches(type) || KnownTypes.TaskOfT.Matches(type) || KnownTypes.ValueTask.Matches(type) || KnownTypes.ValueTaskOfT.Matches(type);

    /// <summary>Awaited where it is called (through <c>ConfigureAwait</c>), or waited on with <c>Wait()</c>, <c>GetAwaiter().GetResult()</c> or <c>.Result</c>.</summary>
    private static bool IsAwaited(IOperation operation)
    {
        var current = operation;
        while (true)
        {
            switch (current.Parent)
            {
                case IConversionOperation:
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "GetAwaiter" } next when next.Instance == current:
                    current = current.Parent;
                    continue;
                case IAwaitOperation:
                case IInvocationOperation { TargetMethod.Name: "Wait" or "GetResult" } wait when wait.Instance == current:
                case IPropertyReferenceOperation { Property.Name: "Result" } result when result.Instance == current:
                    return true;
                default:
                    return false;
            }
        }
    }
}
