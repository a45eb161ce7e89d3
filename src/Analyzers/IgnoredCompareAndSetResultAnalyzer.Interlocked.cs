using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// <c>Interlocked.CompareExchange</c> (every overload) is a compare-and-set too, but ignoring its result is often
/// right: publishing a lazily created value (<c>CompareExchange(ref _x, created, null); return _x;</c>) re-reads the
/// location to learn who won, and a best-effort transition at the end of a method has nothing after it to get wrong.
/// It is reported only where the result decides a write: the result is discarded (or kept in a local never read), and
/// a later statement of the same block writes shared state (a field, property, array element, ref parameter, or
/// through <c>Interlocked</c>/<c>Volatile.Write</c>) while none of those statements reads the exchanged location again.
/// Those statements run exactly when the exchange ran, so they act as if the swap happened; statements after the
/// enclosing block also run when it did not, so they are not charged to it.
/// </summary>
public sealed partial class IgnoredCompareAndSetResultAnalyzer
{
    private const string CompareExchange = "CompareExchange";

    private static readonly TypeName Interlocked = new("System.Threading.Interlocked");
    private static readonly TypeName Volatile = new("System.Threading.Volatile");

    private static bool IsInterlockedCompareExchange(IMethodSymbol method) =>
        method.Name == CompareExchange && Interlocked.Matches(method.ContainingType);

    /// <summary>The discarded or unread exchange, and the first later write of the same block that assumes it succeeded.</summary>
    private static bool DecidesAWrite(IInvocationOperation exchange)
    {
        if (exchange.Arguments.Length == 0)
        {
            return false;
        }

        var ignored = exchange.IsValueDiscarded() || (AssignedLocal(exchange) is { } local && !IsReadInBody(exchange, local));
        if (!ignored || Statement(exchange) is not { Parent: IBlockOperation block } statement)
        {
            return false;
        }

        var location = LocationSymbol(exchange.Arguments[0].Value);
        var wrote = false;
        var after = false;
        foreach (var sibling in block.Operations)
        {
            if (!after)
            {
                after = sibling == statement;
                continue;
            }

            foreach (var operation in OwnOperations(sibling))
            {
                if (location is not null && operation is IMemberReferenceOperation or ILocalReferenceOperation or IParameterReferenceOperation
                    && SymbolEqualityComparer.Default.Equals(ReferencedSymbol(operation), location)
                    && !IsWriteTarget(operation))
                {
                    // Reading the location again is how the code learns whether its value won: the result is handled.
                    return false;
                }

                wrote |= IsSharedWrite(operation);
            }
        }

        return wrote;
    }

    private static IOperation? Statement(IOperation operation)
    {
        var current = operation;
        while (current.Parent is { } parent && parent is not IBlockOperation)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return null;
            }

            current = parent;
        }

        return current.Parent is null ? null : current;
    }

    /// <summary>The operations of a statement, leaving out lambdas and local functions, which run some other time.</summary>
    private static IEnumerable<IOperation> OwnOperations(IOperation root)
    {
        var stack = new Stack<IOperation>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var operation = stack.Pop();
            yield return operation;
            foreach (var child in operation.ChildOperations)
            {
                if (child is not IAnonymousFunctionOperation and not ILocalFunctionOperation)
                {
                    stack.Push(child);
                }
            }
        }
    }

    /// <summary>The field, local or parameter behind the exchanged location (the array of an element).</summary>
    private static ISymbol? LocationSymbol(IOperation location)
    {
        while (true)
        {
            switch (location)
            {
                case IConversionOperation conversion:
                    location = conversion.Operand;
                    continue;
                case IArrayElementReferenceOperation element:
                    location = element.ArrayReference;
                    continue;
                default:
                    return ReferencedSymbol(location);
            }
        }
    }

    private static ISymbol? ReferencedSymbol(IOperation operation) => operation switch
    {
        IFieldReferenceOperation field => field.Field,
        IPropertyReferenceOperation property => property.Property,
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        _ => null,
    };

    private static bool IsWriteTarget(IOperation reference) =>
        reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference;

    private static bool IsSharedWrite(IOperation operation)
    {
        var target = operation switch
        {
            ISimpleAssignmentOperation assignment => assignment.Target,
            ICompoundAssignmentOperation assignment => assignment.Target,
            ICoalesceAssignmentOperation assignment => assignment.Target,
            IIncrementOrDecrementOperation increment => increment.Target,
            IInvocationOperation call when call.Arguments.Length > 0 && IsAtomicWrite(call.TargetMethod) => call.Arguments[0].Value,
            _ => null,
        };
        return target is not null && IsSharedLocation(target);
    }

    private static bool IsAtomicWrite(IMethodSymbol method) =>
        (Interlocked.Matches(method.ContainingType) && method.Name is not (CompareExchange or "Read" or "MemoryBarrier"))
        || (Volatile.Matches(method.ContainingType) && method.Name == "Write");

    private static bool IsSharedLocation(IOperation target)
    {
        while (target is IConversionOperation conversion)
        {
            target = conversion.Operand;
        }

        return target switch
        {
            IFieldReferenceOperation or IPropertyReferenceOperation or IArrayElementReferenceOperation or IEventReferenceOperation => true,
            IParameterReferenceOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
            _ => false,
        };
    }
}
