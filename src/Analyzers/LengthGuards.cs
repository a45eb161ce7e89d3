using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// Whether a stored length is bounded before it is used, read off the control-flow graph: every path from where the
/// length is decoded to where it is used must pass a bound check on it (or on a local it went through). A bound check
/// is a branch whose outcome caps the value from above (<c>n &gt; max</c> on its false edge, <c>n &lt;= max</c> or
/// <c>n is &gt;= 0 and &lt;= max</c> on its true edge, a comparison with the bytes remaining), an
/// <c>ArgumentOutOfRangeException.ThrowIfGreaterThan</c>-style call, or a call of a helper of this compilation that
/// compares the value it is passed and throws. Checking only <c>n &lt; 0</c> does not cap it.
/// </summary>
internal static class LengthGuards
{
    /// <summary>True when some path from <paramref name="source"/> reaches <paramref name="sink"/> with no bound check on <paramref name="locals"/>.</summary>
    public static bool IsUnbounded(IReadOnlyList<ControlFlowGraph> graphs, IOperation source, IOperation sink, IReadOnlyList<ILocalSymbol> locals)
    {
        if (Locate(graphs, sink) is not { } to)
        {
            // Not in any graph (an attribute argument, a field initializer without a body): nothing to judge paths by.
            return false;
        }

        var from = Locate(graphs, source);
        var tracked = new HashSet<ILocalSymbol>(locals, SymbolEqualityComparer.Default);
        var graph = to.Graph;
        var pending = new Stack<BasicBlock>();
        var seen = new HashSet<BasicBlock>();
        if (from is { } start && start.Graph == graph)
        {
            if (start.Block == to.Block && start.Index <= to.Index)
            {
                return !HasThrowGuard(start.Block, start.Index, to.Index, tracked);
            }

            if (HasThrowGuard(start.Block, start.Index, int.MaxValue, tracked))
            {
                return false;
            }

            PushSuccessors(start.Block, tracked, pending);
        }
        else
        {
            // Decoded outside this lambda or local function: any path into it may carry the value.
            pending.Push(graph.Blocks[0]);
        }

        while (pending.Count > 0)
        {
            var block = pending.Pop();
            if (!seen.Add(block))
            {
                continue;
            }

            if (block == to.Block)
            {
                if (!HasThrowGuard(block, -1, to.Index, tracked))
                {
                    return true;
                }

                continue;
            }

            if (!HasThrowGuard(block, -1, int.MaxValue, tracked))
            {
                PushSuccessors(block, tracked, pending);
            }
        }

        return false;
    }

    private static void PushSuccessors(BasicBlock block, HashSet<ILocalSymbol> tracked, Stack<BasicBlock> pending)
    {
        var safeWhen = block.ConditionKind == ControlFlowConditionKind.None || block.BranchValue is null ? null : BoundedWhen(block.BranchValue, tracked);
        var conditionalIsTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
        if (block.ConditionalSuccessor?.Destination is { } conditional && safeWhen != conditionalIsTrue)
        {
            pending.Push(conditional);
        }

        if (block.FallThroughSuccessor?.Destination is { } fallThrough && (safeWhen is null || safeWhen == conditionalIsTrue))
        {
            pending.Push(fallThrough);
        }
    }

    /// <summary>The outcome of <paramref name="condition"/> (true or false) under which a tracked value is capped from above, or null.</summary>
    private static bool? BoundedWhen(IOperation condition, HashSet<ILocalSymbol> tracked)
    {
        switch (condition)
        {
            case IConversionOperation conversion:
                return BoundedWhen(conversion.Operand, tracked);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return BoundedWhen(not.Operand, tracked) is { } inner ? !inner : null;
            case IBinaryOperation binary:
                var left = IsTracked(binary.LeftOperand, tracked);
                var right = IsTracked(binary.RightOperand, tracked);
                if (left == right)
                {
                    return null;
                }

                // With the tracked value on the left: 'n < x', 'n <= x', 'n == x' cap it when true; 'n > x', 'n >= x', 'n != x' when false.
                return binary.OperatorKind switch
                {
                    BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual => left,
                    BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual => right,
                    BinaryOperatorKind.Equals => true,
                    BinaryOperatorKind.NotEquals => false,
                    _ => null,
                };
            case IIsPatternOperation pattern when IsTracked(pattern.Value, tracked):
                return CapsWhenMatched(pattern.Pattern) ? true : MatchesAllLarge(pattern.Pattern) ? false : null;
            default:
                return null;
        }
    }

    /// <summary>Every value the pattern matches is below some bound.</summary>
    private static bool CapsWhenMatched(IPatternOperation pattern) =>
        pattern switch
        {
            IRelationalPatternOperation relational => relational.OperatorKind is BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual,
            IConstantPatternOperation => true,
            IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } and => CapsWhenMatched(and.LeftPattern) || CapsWhenMatched(and.RightPattern),
            IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.Or } or => CapsWhenMatched(or.LeftPattern) && CapsWhenMatched(or.RightPattern),
            INegatedPatternOperation negated => MatchesAllLarge(negated.Pattern),
            _ => false,
        };

    /// <summary>Every value above some bound matches the pattern (so failing it caps the value).</summary>
    private static bool MatchesAllLarge(IPatternOperation pattern) =>
        pattern switch
        {
            IRelationalPatternOperation relational => relational.OperatorKind is BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual,
            IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.Or } or => MatchesAllLarge(or.LeftPattern) || MatchesAllLarge(or.RightPattern),
            IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } and => MatchesAllLarge(and.LeftPattern) && MatchesAllLarge(and.RightPattern),
            INegatedPatternOperation negated => CapsWhenMatched(negated.Pattern),
            _ => false,
        };

    /// <summary>A call in the block, between the two statement indexes, that throws unless a tracked value is capped.</summary>
    private static bool HasThrowGuard(BasicBlock block, int after, int before, HashSet<ILocalSymbol> tracked)
    {
        var index = 0;
        foreach (var root in FlowGraphs.Roots(block))
        {
            if (index > after && index < before)
            {
                foreach (var operation in root.DescendantsAndSelf())
                {
                    if (operation is IInvocationOperation invocation && IsThrowGuard(invocation, tracked))
                    {
                        return true;
                    }
                }
            }

            index++;
        }

        return false;
    }

    /// <summary>
    /// <c>ArgumentOutOfRangeException.ThrowIfGreaterThan(n, max)</c> and kin, or a helper of this compilation that
    /// compares the parameter it receives a tracked value in and throws (<c>ValidateLength(n)</c>).
    /// </summary>
    private static bool IsThrowGuard(IInvocationOperation invocation, HashSet<ILocalSymbol> tracked)
    {
        var method = invocation.TargetMethod;
        if (method.Name is "ThrowIfGreaterThan" or "ThrowIfGreaterThanOrEqual" or "ThrowIfNotEqual"
            && KnownTypes.ArgumentOutOfRangeException.Matches(method.ContainingType))
        {
            return invocation.Arguments.Length > 0 && IsTracked(invocation.Arguments[0].Value, tracked);
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { RefKind: RefKind.None } parameter && IsTracked(argument.Value, tracked) && ThrowsOnComparing(method, parameter.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ThrowsOnComparing(IMethodSymbol method, string parameter)
    {
        foreach (var reference in method.OriginalDefinition.DeclaringSyntaxReferences)
        {
            var body = reference.GetSyntax();
            var throws = false;
            var compares = false;
            foreach (var node in body.DescendantNodes())
            {
                throws |= node is ThrowStatementSyntax or ThrowExpressionSyntax;
                compares |= node switch
                {
                    BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.GreaterThanExpression) || binary.IsKind(SyntaxKind.GreaterThanOrEqualExpression)
                        || binary.IsKind(SyntaxKind.LessThanExpression) || binary.IsKind(SyntaxKind.LessThanOrEqualExpression) =>
                        Names(binary.Left, parameter) || Names(binary.Right, parameter),
                    IsPatternExpressionSyntax pattern => Names(pattern.Expression, parameter),
                    _ => false,
                };
            }

            if (throws && compares)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Names(ExpressionSyntax expression, string name)
    {
        while (expression is CastExpressionSyntax or ParenthesizedExpressionSyntax or CheckedExpressionSyntax)
        {
            expression = expression switch
            {
                CastExpressionSyntax cast => cast.Expression,
                ParenthesizedExpressionSyntax parenthesized => parenthesized.Expression,
                _ => ((CheckedExpressionSyntax)expression).Expression,
            };
        }

        return expression is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == name;
    }

    private static bool IsTracked(IOperation operation, HashSet<ILocalSymbol> tracked)
    {
        var current = operation;
        while (current is IConversionOperation conversion)
        {
            current = conversion.Operand;
        }

        return current is ILocalReferenceOperation local && tracked.Contains(local.Local);
    }

    private readonly struct Position(ControlFlowGraph graph, BasicBlock block, int index)
    {
        public ControlFlowGraph Graph { get; } = graph;

        public BasicBlock Block { get; } = block;

        public int Index { get; } = index;
    }

    /// <summary>The graph, block and statement index that evaluate <paramref name="operation"/> (found by its syntax: graphs hold copies).</summary>
    private static Position? Locate(IReadOnlyList<ControlFlowGraph> graphs, IOperation operation)
    {
        foreach (var graph in graphs)
        {
            foreach (var block in graph.Blocks)
            {
                var index = 0;
                foreach (var root in FlowGraphs.Roots(block))
                {
                    if (root.Syntax.Span.Contains(operation.Syntax.Span))
                    {
                        foreach (var candidate in root.DescendantsAndSelf())
                        {
                            if (candidate.Syntax == operation.Syntax && candidate.Kind == operation.Kind)
                            {
                                return new Position(graph, block, index);
                            }
                        }
                    }

                    index++;
                }
            }
        }

        return null;
    }
}
