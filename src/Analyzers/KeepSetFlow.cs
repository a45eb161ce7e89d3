using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// Whether a set with failures dropped from it decides a deletion the dangerous way, within one method body.
/// <para>
/// Dropping a failure from a set makes the set smaller. That is harmless when the set says what to delete (a failed
/// upload is simply not deleted yet) and destructive when it says what to keep (a manifest that failed to load protects
/// nothing). So every value computed from the set carries a polarity: <see cref="Polarity.Keep"/> for the set itself
/// and what is copied from it, <see cref="Polarity.Doomed"/> for what is computed by negating membership in it
/// (<c>all.Except(keep)</c>, <c>Where(f =&gt; !keep.Contains(f))</c>, a list filled under <c>if (!keep.Contains(f))</c>).
/// A deletion is reported when doomed values reach its arguments, or when a condition that runs it only for items
/// outside the set guards it: <c>if (!keep.Contains(f))</c>, the statements after <c>if (keep.Contains(f)) continue;</c>,
/// the else of <c>keep.Contains(f) ? ... : Delete(f)</c>, a foreach over doomed items, a callback run per doomed item.
/// </para>
/// This is a may-analysis over the operation tree, not a path-sensitive one.
/// </summary>
internal sealed class KeepSetFlow
{
    [Flags]
    private enum Polarity
    {
        None = 0,
        Keep = 1,
        Doomed = 2,
    }

    private readonly IOperation _root;
    private readonly IOperation? _seed;
    private readonly ISymbol? _seedSymbol;
    private readonly Dictionary<ILocalSymbol, Polarity> _tainted = new(SymbolEqualityComparer.Default);
    private readonly List<IOperation> _flows;

    private KeepSetFlow(IOperation root, IReadOnlyList<IOperation> flows, IOperation? seed, IEnumerable<ILocalSymbol> seedLocals, ISymbol? seedSymbol = null)
    {
        _root = root;
        _seed = seed;
        _seedSymbol = seedSymbol?.OriginalDefinition;
        _flows = [.. flows];
        foreach (var local in seedLocals)
        {
            _tainted[local] = Polarity.Keep;
        }
    }

    /// <summary>The operations that can move taint into a local, gathered once per method and shared by every source in it.</summary>
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
                case IInvocationOperation { Instance: ILocalReferenceOperation } invocation when IsAdder(invocation.TargetMethod.Name) || IsRemover(invocation.TargetMethod.Name):
                    flows.Add(operation);
                    break;
            }
        }

        return flows;
    }

    /// <summary>The first of <paramref name="deletions"/> that runs for items the set does not hold, or null.</summary>
    public static IOperation? FindDecidedDeletion(
        IOperation root,
        IReadOnlyList<IOperation> flows,
        IReadOnlyList<IOperation> deletions,
        IOperation? seed,
        IEnumerable<ILocalSymbol> seedLocals)
        => Start(root, flows, seed, seedLocals).FindDecidedDeletion(deletions);

    /// <summary>
    /// The flow of one source through <paramref name="root"/>, propagated once, to be asked about deletions, stores and
    /// returns. <paramref name="seedSymbol"/> is a field, property or parameter that holds the set on entry: a keep-set
    /// filled by another method of the type, or handed over by a caller.
    /// </summary>
    public static KeepSetFlow Start(
        IOperation root,
        IReadOnlyList<IOperation> flows,
        IOperation? seed,
        IEnumerable<ILocalSymbol> seedLocals,
        ISymbol? seedSymbol = null)
    {
        var flow = new KeepSetFlow(root, flows, seed, seedLocals, seedSymbol);
        flow.Propagate();
        return flow;
    }

    /// <summary>The first of <paramref name="deletions"/> that runs for items the set does not hold, or null.</summary>
    public IOperation? FindDecidedDeletion(IReadOnlyList<IOperation> deletions)
    {
        foreach (var deletion in deletions)
        {
            if (((Uses(deletion) | Guards(deletion)) & Polarity.Doomed) != 0)
            {
                return deletion;
            }
        }

        return null;
    }

    /// <summary><paramref name="value"/> carries the set itself or what was copied from it (not its complement).</summary>
    public bool Keeps(IOperation value) => (Uses(value) & Polarity.Keep) != 0;

    private static bool IsAdder(string name) => name is
        "Add" or "AddRange" or "UnionWith" or "TryAdd" or "Insert" or "InsertRange" or "Push" or "Enqueue" or "AddOrUpdate" or "GetOrAdd";

    // Taking the set's items out of something leaves what the set does not hold.
    private static bool IsRemover(string name) => name is
        "Remove" or "RemoveAll" or "RemoveWhere" or "RemoveRange" or "ExceptWith" or "SymmetricExceptWith" or "Except" or "ExceptBy";

    private static Polarity Flip(Polarity polarity) =>
        ((polarity & Polarity.Keep) != 0 ? Polarity.Doomed : Polarity.None) | ((polarity & Polarity.Doomed) != 0 ? Polarity.Keep : Polarity.None);

    private void Propagate()
    {
        bool changed;
        do
        {
            changed = false;
            foreach (var flow in _flows)
            {
                var (targets, polarity) = Transfer(flow);
                if (polarity == Polarity.None)
                {
                    continue;
                }

                foreach (var local in targets)
                {
                    var before = _tainted.TryGetValue(local, out var existing) ? existing : Polarity.None;
                    if ((before | polarity) != before)
                    {
                        // Polarities only grow (two bits per local), so the loop ends.
                        _tainted[local] = before | polarity;
                        changed = true;
                    }
                }
            }
        }
        while (changed);
    }

    private (IEnumerable<ILocalSymbol> Targets, Polarity Polarity) Transfer(IOperation flow)
    {
        switch (flow)
        {
            case IVariableDeclaratorOperation declarator when declarator.GetVariableInitializer() is { } initializer:
                return ([declarator.Symbol], Uses(initializer.Value));
            case IAssignmentOperation { Target: ILocalReferenceOperation local } assignment:
                return ([local.Local], Uses(assignment.Value) | Guards(assignment, local.Local));
            case IAssignmentOperation { Target: IPropertyReferenceOperation { Instance: ILocalReferenceOperation collection } indexer } assignment:
                return ([collection.Local], Uses(assignment.Value) | indexer.Arguments.Aggregate(Polarity.None, (p, a) => p | Uses(a)) | Guards(assignment, collection.Local));
            case IForEachLoopOperation loop:
                return (loop.Locals, Uses(loop.Collection));
            case IInvocationOperation { Instance: ILocalReferenceOperation collection } invocation:
                // Uses() already flips the arguments of a remover; a guard is flipped here for the same reason. A guard
                // on the collection itself (if (!seen.Contains(x)) seen.Add(x)) deduplicates, it does not negate.
                var guard = Guards(invocation, collection.Local);
                var polarity = invocation.Arguments.Aggregate(Polarity.None, (p, a) => p | Uses(a))
                    | (IsRemover(invocation.TargetMethod.Name) ? Flip(guard) : guard);
                return ([collection.Local], polarity);
            default:
                return ([], Polarity.None);
        }
    }

    /// <summary>The polarities of the set-derived values that <paramref name="expression"/> reads, each seen through the negations between it and the expression.</summary>
    private Polarity Uses(IOperation expression, ILocalSymbol? ignore = null)
    {
        var result = Polarity.None;
        foreach (var descendant in expression.DescendantsAndSelf())
        {
            Polarity own;
            if (descendant == _seed)
            {
                own = Polarity.Keep;
            }
            else if (descendant is ILocalReferenceOperation local && _tainted.TryGetValue(local.Local, out var tainted)
                && !SymbolEqualityComparer.Default.Equals(local.Local, ignore))
            {
                own = tainted;
            }
            else if (_seedSymbol is not null && IsSeedSymbol(descendant))
            {
                own = Polarity.Keep;
            }
            else
            {
                continue;
            }

            result |= IsNegatedWithin(descendant, expression) ? Flip(own) : own;
        }

        return result;
    }

    private bool IsSeedSymbol(IOperation operation)
    {
        var symbol = operation switch
        {
            IFieldReferenceOperation field => field.Field,
            IPropertyReferenceOperation { Property.IsIndexer: false } property => property.Property,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => (ISymbol?)null,
        };

        return symbol is not null && SymbolEqualityComparer.Default.Equals(symbol.OriginalDefinition, _seedSymbol);
    }

    /// <summary>An odd number of negations between <paramref name="leaf"/> and <paramref name="root"/>.</summary>
    private static bool IsNegatedWithin(IOperation leaf, IOperation root)
    {
        var negated = false;
        for (var current = leaf; current != root && current.Parent is { } parent; current = parent)
        {
            switch (parent)
            {
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not }:
                    negated = !negated;
                    break;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } equals when IsConstant(Other(equals, current), false):
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.NotEquals } notEquals when IsConstant(Other(notEquals, current), true):
                    negated = !negated;
                    break;
                case IIsPatternOperation { Pattern: IConstantPatternOperation constant } when current != constant && IsConstant(constant.Value, false):
                case IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation negatedConstant } } when IsConstant(negatedConstant.Value, true):
                    negated = !negated;
                    break;
                case IArgumentOperation argument when argument.Parent is IInvocationOperation invocation
                    && IsRemover(invocation.TargetMethod.Name)
                    && !(invocation.TargetMethod.IsExtensionMethod && argument.Parameter?.Ordinal == 0):
                    // all.Except(keep), doomed.ExceptWith(keep), all.RemoveWhere(keep.Contains); not keep.Except(other).
                    negated = !negated;
                    break;
            }
        }

        return negated;
    }

    private static IOperation Other(IBinaryOperation binary, IOperation side) => binary.LeftOperand == side ? binary.RightOperand : binary.LeftOperand;

    private static bool IsConstant(IOperation operation, bool value) =>
        LoopShapes.Unwrap(operation).ConstantValue is { HasValue: true, Value: bool constant } && constant == value;

    /// <summary>The polarities of the conditions under which <paramref name="operation"/> runs, or the items it runs for.</summary>
    private Polarity Guards(IOperation operation, ILocalSymbol? ignore = null)
    {
        var result = Polarity.None;
        for (var current = operation; current != _root && current.Parent is { } parent; current = parent)
        {
            switch (parent)
            {
                case IConditionalOperation conditional when current == conditional.WhenTrue:
                    result |= Uses(conditional.Condition, ignore);
                    break;
                case IConditionalOperation conditional when current == conditional.WhenFalse:
                    result |= Flip(Uses(conditional.Condition, ignore));
                    break;
                case IWhileLoopOperation { Condition: { } condition } loop when current == loop.Body:
                    result |= Uses(condition, ignore);
                    break;
                case IForLoopOperation { Condition: { } forCondition } loop when current == loop.Body:
                    result |= Uses(forCondition, ignore);
                    break;
                case IForEachLoopOperation loop when current == loop.Body:
                    result |= Uses(loop.Collection, ignore);
                    break;
                case IBlockOperation block:
                    result |= SkipChecksBefore(block, current, ignore);
                    break;
                case IInvocationOperation invocation when current is IArgumentOperation argument && IsCallback(argument):
                    // A callback handed to a call that also receives the items (ForEach over them, Select over them) runs per item.
                    if (invocation.Instance is { } instance)
                    {
                        result |= Uses(instance, ignore);
                    }

                    foreach (var other in invocation.Arguments)
                    {
                        if (other != argument)
                        {
                            result |= Uses(other, ignore);
                        }
                    }

                    break;
                case ILocalFunctionOperation:
                    // Its callers are elsewhere in the method; what decides them is not on this path.
                    return result;
            }
        }

        return result;
    }

    // if (keep.Contains(f)) continue;  File.Delete(f);   -- the statements after run only when the condition is false.
    private Polarity SkipChecksBefore(IBlockOperation block, IOperation statement, ILocalSymbol? ignore)
    {
        var result = Polarity.None;
        foreach (var earlier in block.Operations)
        {
            if (earlier == statement)
            {
                break;
            }

            if (earlier is not IConditionalOperation conditional)
            {
                continue;
            }

            if (Jumps(conditional.WhenTrue))
            {
                result |= Flip(Uses(conditional.Condition, ignore));
            }

            if (conditional.WhenFalse is { } whenFalse && Jumps(whenFalse))
            {
                result |= Uses(conditional.Condition, ignore);
            }
        }

        return result;
    }

    private static bool Jumps(IOperation operation) =>
        operation.DescendantsAndSelf().Any(o => o is IBranchOperation or IReturnOperation or IThrowOperation);

    private static bool IsCallback(IArgumentOperation argument) =>
        LoopShapes.Unwrap(argument.Value) is IDelegateCreationOperation or IAnonymousFunctionOperation;
}
