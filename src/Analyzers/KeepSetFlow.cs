using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// Whether a set with failures dropped from it decides a deletion, within one method body. The set taints what is
/// computed from it: locals initialised or assigned from an expression that reads it, the variable of a foreach over
/// it, a collection filled (or pruned) with values read from it, and anything done under a condition that reads it,
/// including the statements after an <c>if (keep.Contains(x)) continue;</c>. A deletion is decided by the set when its
/// arguments or receiver are tainted or it runs under such a condition. This is a may-analysis over the operation
/// tree, not a path-sensitive one: precise enough that a set used only for logging or metrics stays silent.
/// </summary>
internal sealed class KeepSetFlow
{
    private readonly IOperation _root;
    private readonly IOperation? _seed;
    private readonly HashSet<ILocalSymbol> _tainted = new(SymbolEqualityComparer.Default);
    private readonly List<IOperation> _flows;

    private KeepSetFlow(IOperation root, IReadOnlyList<IOperation> flows, IOperation? seed, IEnumerable<ILocalSymbol> seedLocals)
    {
        _root = root;
        _seed = seed;
        _flows = [.. flows];
        _tainted.UnionWith(seedLocals);
    }

    /// <summary>
    /// The operations that can move taint into a local, gathered once per method and shared by every source in it.
    /// </summary>
    public static List<IOperation> CollectFlows(IOperation root)
    {
        var flows = new List<IOperation>();
        foreach (var operation in root.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation:
                case IAssignmentOperation { Target: ILocalReferenceOperation }:
                case IAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true, Instance: ILocalReferenceOperation } }:
                case IForEachLoopOperation:
                case IInvocationOperation { Instance: ILocalReferenceOperation } invocation when IsMutator(invocation.TargetMethod.Name):
                    flows.Add(operation);
                    break;
            }
        }

        return flows;
    }

    /// <summary>The first of <paramref name="deletions"/> that the set decides, or null.</summary>
    public static IOperation? FindDecidedDeletion(
        IOperation root,
        IReadOnlyList<IOperation> flows,
        IReadOnlyList<IOperation> deletions,
        IOperation? seed,
        IEnumerable<ILocalSymbol> seedLocals)
    {
        var flow = new KeepSetFlow(root, flows, seed, seedLocals);
        flow.Propagate();
        foreach (var deletion in deletions)
        {
            if (flow.Reads(deletion) || flow.IsGuarded(deletion))
            {
                return deletion;
            }
        }

        return null;
    }

    private static bool IsMutator(string name) => name is
        "Add" or "AddRange" or "UnionWith" or "TryAdd" or "Insert" or "InsertRange" or "Push" or "Enqueue" or "AddOrUpdate" or "GetOrAdd"
        or "Remove" or "RemoveAll" or "RemoveWhere" or "RemoveAt" or "ExceptWith" or "IntersectWith" or "SymmetricExceptWith";

    private void Propagate()
    {
        bool changed;
        do
        {
            changed = false;
            for (var i = _flows.Count - 1; i >= 0; i--)
            {
                var target = TaintedTarget(_flows[i]);
                if (target is not null)
                {
                    // Each flow can taint its targets only once, so the loop ends after at most one pass per flow.
                    _flows.RemoveAt(i);
                    foreach (var local in target)
                    {
                        changed |= _tainted.Add(local);
                    }
                }
            }
        }
        while (changed);
    }

    private IEnumerable<ILocalSymbol>? TaintedTarget(IOperation flow)
    {
        switch (flow)
        {
            case IVariableDeclaratorOperation declarator:
                return declarator.GetVariableInitializer() is { } initializer && (Reads(initializer.Value) || IsGuarded(declarator)) ? [declarator.Symbol] : null;
            case IAssignmentOperation { Target: ILocalReferenceOperation local } assignment:
                return Reads(assignment.Value) || IsGuarded(assignment) ? [local.Local] : null;
            case IAssignmentOperation { Target: IPropertyReferenceOperation { Instance: ILocalReferenceOperation collection } indexer } assignment:
                return Reads(assignment.Value) || indexer.Arguments.Any(Reads) || IsGuarded(assignment) ? [collection.Local] : null;
            case IForEachLoopOperation loop:
                return Reads(loop.Collection) ? loop.Locals : null;
            case IInvocationOperation { Instance: ILocalReferenceOperation collection } invocation:
                return invocation.Arguments.Any(Reads) || IsGuarded(invocation) ? [collection.Local] : null;
            default:
                return null;
        }
    }

    private bool Reads(IOperation operation)
    {
        foreach (var descendant in operation.DescendantsAndSelf())
        {
            if (descendant == _seed || (descendant is ILocalReferenceOperation local && _tainted.Contains(local.Local)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Something that reads the set decides whether <paramref name="operation"/> runs, or with which items.</summary>
    private bool IsGuarded(IOperation operation)
    {
        for (var current = operation; current != _root && current.Parent is { } parent; current = parent)
        {
            switch (parent)
            {
                case IConditionalOperation conditional when current != conditional.Condition && Reads(conditional.Condition):
                case IWhileLoopOperation { Condition: { } condition } when current != condition && Reads(condition):
                case IForLoopOperation { Condition: { } forCondition } when current != forCondition && Reads(forCondition):
                case IForEachLoopOperation loop when current == loop.Body && Reads(loop.Collection):
                case ISwitchOperation @switch when current != @switch.Value && Reads(@switch.Value):
                    return true;
                case IBlockOperation block when SkippedByEarlierCheck(block, current):
                    return true;
                case IInvocationOperation invocation when current is IArgumentOperation argument && IsCallback(argument)
                    && ((invocation.Instance is { } instance && Reads(instance)) || invocation.Arguments.Any(a => a != argument && Reads(a))):
                    // A lambda handed to a call that also receives the set (ForEach over it, Where by it) runs per its items.
                    return true;
                case ILocalFunctionOperation:
                    // Its callers are elsewhere in the method; what decides them is not on this path.
                    return false;
            }
        }

        return false;
    }

    // if (keep.Contains(f)) continue;  File.Delete(f);
    private bool SkippedByEarlierCheck(IBlockOperation block, IOperation statement)
    {
        foreach (var earlier in block.Operations)
        {
            if (earlier == statement)
            {
                return false;
            }

            if (earlier is IConditionalOperation conditional && Reads(conditional.Condition)
                && (Jumps(conditional.WhenTrue) || (conditional.WhenFalse is { } whenFalse && Jumps(whenFalse))))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Jumps(IOperation operation) =>
        operation.DescendantsAndSelf().Any(o => o is IBranchOperation or IReturnOperation or IThrowOperation);

    private static bool IsCallback(IArgumentOperation argument) =>
        LoopShapes.Unwrap(argument.Value) is IDelegateCreationOperation or IAnonymousFunctionOperation;
}
