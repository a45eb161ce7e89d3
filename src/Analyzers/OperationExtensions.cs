using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

internal static class OperationExtensions
{
    /// <summary>
    /// The value of <paramref name="operation"/> is thrown away: an expression statement, an assignment to the discard
    /// <c>_</c>, or either of those around an <c>await</c> (with or without <c>ConfigureAwait</c>), a conversion or a
    /// null-conditional access of it. A value returned, stored, passed on or tested is not discarded.
    /// </summary>
    public static bool IsValueDiscarded(this IOperation operation)
    {
        var current = operation;
        while (true)
        {
            var parent = current.Parent;
            switch (parent)
            {
                case IConversionOperation:
                case IAwaitOperation:
                case IConditionalAccessOperation access when access.WhenNotNull == current:
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure when configure.Instance == current:
                    current = parent;
                    continue;
                case IExpressionStatementOperation:
                    return true;
                case ISimpleAssignmentOperation assignment when assignment.Value == current:
                    return assignment.Target is IDiscardOperation;
                default:
                    return false;
            }
        }
    }

    /// <summary>The outermost operation of the method, lambda or local function body that holds <paramref name="operation"/>.</summary>
    public static IOperation GetEnclosingBody(this IOperation operation)
    {
        var current = operation;
        while (current.Parent is { } parent && parent is not IAnonymousFunctionOperation && parent is not ILocalFunctionOperation)
        {
            current = parent;
        }

        return current;
    }
}
