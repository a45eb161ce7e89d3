using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>Finding the graphs of an operation block and reading source positions back out of them.</summary>
internal static class FlowGraphs
{
    /// <summary>
    /// The graph of every body in the block: the member itself and each lambda and local function inside it, each
    /// judged on its own (a path ends where its own body ends).
    /// </summary>
    public static List<ControlFlowGraph> GetAll(OperationBlockAnalysisContext context)
    {
        var graphs = new List<ControlFlowGraph>();
        var roots = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            // A method's body block hangs below its IMethodBodyOperation; the graph belongs to that root, once.
            var root = block;
            while (root.Parent is { } parent)
            {
                root = parent;
            }

            if (root is IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation && roots.Add(root))
            {
                AddWithNested(context.GetControlFlowGraph(block), graphs, context.CancellationToken);
            }
        }

        return graphs;
    }

    /// <summary><paramref name="graph"/> and the graph of each lambda and local function inside it.</summary>
    public static List<ControlFlowGraph> WithNested(ControlFlowGraph graph, CancellationToken cancellationToken)
    {
        var graphs = new List<ControlFlowGraph>();
        AddWithNested(graph, graphs, cancellationToken);
        return graphs;
    }

    private static void AddWithNested(ControlFlowGraph graph, List<ControlFlowGraph> graphs, CancellationToken cancellationToken)
    {
        graphs.Add(graph);
        foreach (var localFunction in graph.LocalFunctions)
        {
            AddWithNested(graph.GetLocalFunctionControlFlowGraph(localFunction, cancellationToken), graphs, cancellationToken);
        }

        foreach (var block in graph.Blocks)
        {
            foreach (var operation in Roots(block))
            {
                foreach (var descendant in operation.DescendantsAndSelf())
                {
                    if (descendant is IFlowAnonymousFunctionOperation anonymous)
                    {
                        AddWithNested(graph.GetAnonymousFunctionControlFlowGraph(anonymous, cancellationToken), graphs, cancellationToken);
                    }
                }
            }
        }
    }

    /// <summary>The block's statements followed by its branch value: every operation tree the block evaluates, in order.</summary>
    public static IEnumerable<IOperation> Roots(BasicBlock block)
    {
        foreach (var operation in block.Operations)
        {
            yield return operation;
        }

        if (block.BranchValue is { } value)
        {
            yield return value;
        }
    }

    /// <summary>Children before parents: the order in which an expression's parts run.</summary>
    public static IEnumerable<IOperation> PostOrder(IOperation operation)
    {
        var stack = new Stack<(IOperation Operation, bool Expanded)>();
        stack.Push((operation, false));
        while (stack.Count > 0)
        {
            var (current, expanded) = stack.Pop();
            if (expanded)
            {
                yield return current;
                continue;
            }

            stack.Push((current, true));
            var children = new List<IOperation>(current.ChildOperations);
            for (var i = children.Count - 1; i >= 0; i--)
            {
                stack.Push((children[i], false));
            }
        }
    }

    /// <summary>The 1-based line of a position, as the message shows it.</summary>
    public static int LineOf(SyntaxNodeOrToken node) => node.GetLocation()!.GetLineSpan().StartLinePosition.Line + 1;

    /// <summary>
    /// The <c>return;</c>, <c>break;</c>, <c>continue;</c>, <c>goto</c> or <c>yield break;</c> that ends
    /// <paramref name="source"/>, or null if the block simply runs off the end of its statement. Roslyn's graph keeps
    /// no syntax for a jump that carries no value, so it is found in the source: the first jump statement inside
    /// <paramref name="scope"/> after the block's last operation, with no other operation of the graph in between.
    /// </summary>
    public static StatementSyntax? FindJump(ControlFlowGraph graph, BasicBlock source, ControlFlowBranch branch, SyntaxNode scope)
    {
        var end = SyntaxEnd(source);
        if (end < 0)
        {
            foreach (var predecessor in source.Predecessors)
            {
                end = Math.Max(end, SyntaxEnd(predecessor.Source));
            }
        }

        if (end < 0)
        {
            return null;
        }

        StatementSyntax? jump = null;
        foreach (var node in scope.DescendantNodes(n => n == scope || !IsFunction(n)))
        {
            if (node is ReturnStatementSyntax { Expression: null } or BreakStatementSyntax or ContinueStatementSyntax or GotoStatementSyntax or YieldStatementSyntax { RawKind: (int)SyntaxKind.YieldBreakStatement }
                && node.SpanStart >= end
                && (jump is null || node.SpanStart < jump.SpanStart))
            {
                jump = (StatementSyntax)node;
            }
        }

        if (jump is null)
        {
            return null;
        }

        // A return always goes to the exit; a break or continue may too, when nothing follows its loop.
        if (jump is ReturnStatementSyntax or YieldStatementSyntax && branch.Destination is { Kind: not BasicBlockKind.Exit })
        {
            return null;
        }

        foreach (var block in graph.Blocks)
        {
            foreach (var operation in Roots(block))
            {
                var start = operation.Syntax.SpanStart;
                if (start >= end && start < jump.SpanStart && !operation.IsImplicit)
                {
                    return null;
                }
            }
        }

        return jump;
    }

    public static bool IsFunction(SyntaxNode node) =>
        node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;

    // Implicit operations (a using's captures, a foreach's MoveNext) carry the syntax of a whole statement, which says
    // nothing about where the block's own code ends; they count only when the block has nothing else.
    private static int SyntaxEnd(BasicBlock block)
    {
        var explicitEnd = -1;
        var anyEnd = -1;
        foreach (var operation in Roots(block))
        {
            anyEnd = Math.Max(anyEnd, operation.Syntax.Span.End);
            if (!operation.IsImplicit)
            {
                explicitEnd = Math.Max(explicitEnd, operation.Syntax.Span.End);
            }
        }

        return explicitEnd >= 0 ? explicitEnd : anyEnd;
    }
}
