using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Bulwark.Analyzers;

public sealed partial class UncommittedWriterAnalyzer
{
    /// <summary>How a path loses a writer, in words for the message, with where the code fix would commit it.</summary>
    private sealed partial class WriterRules
    {
        private Drop DropOnEdge(FlowEdge edge, ILocalSymbol local, SyntaxNode? usingSyntax)
        {
            var origin = edge.Origin;
            var branch = origin.Branch;
            var value = origin.Source.BranchValue?.Syntax;
            if (branch.Semantics == ControlFlowBranchSemantics.Throw)
            {
                var thrown = value?.FirstAncestorOrSelf<SyntaxNode>(n => n is ThrowStatementSyntax or ThrowExpressionSyntax);
                return new Drop(thrown is null ? "throws" : $"throws at line {FlowGraphs.LineOf(thrown)}", null, 0);
            }

            if (branch.Semantics == ControlFlowBranchSemantics.Return && value is not null)
            {
                return value.Parent is ReturnStatementSyntax statement
                    ? Returns(statement)
                    : new Drop($"returns at line {FlowGraphs.LineOf(value)}", null, 0);
            }

            var usingStatement = usingSyntax?.FirstAncestorOrSelf<SyntaxNode>(n => n is UsingStatementSyntax or LocalDeclarationStatementSyntax) as UsingStatementSyntax;
            var scope = usingStatement?.Statement ?? Scope(local);
            if (scope is null)
            {
                return new Drop("goes out of scope", null, 0);
            }

            switch (FlowGraphs.FindJump(_graph, origin.Source, branch, scope))
            {
                case ReturnStatementSyntax statement:
                    return Returns(statement);
                case BreakStatementSyntax jump:
                    var switches = jump.FirstAncestorOrSelf<SyntaxNode>(n => n is SwitchStatementSyntax or CommonForEachStatementSyntax or ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax) is SwitchStatementSyntax;
                    return new Drop($"{(switches ? "leaves its switch" : "leaves its loop")} at line {FlowGraphs.LineOf(jump)}", FixBefore, jump.SpanStart);
                case YieldStatementSyntax jump:
                    return new Drop($"returns early at line {FlowGraphs.LineOf(jump)}", FixBefore, jump.SpanStart);
                case ContinueStatementSyntax jump:
                    return new Drop($"goes on to the next iteration at line {FlowGraphs.LineOf(jump)}", FixBefore, jump.SpanStart);
                case StatementSyntax jump:
                    return new Drop($"jumps away at line {FlowGraphs.LineOf(jump)}", FixBefore, jump.SpanStart);
            }

            var what = usingStatement is null ? "scope" : "using block";
            return scope is BlockSyntax body
                ? new Drop($"reaches the end of its {what} at line {FlowGraphs.LineOf(body.CloseBraceToken)}", FixEnd, body.CloseBraceToken.SpanStart)
                : new Drop($"reaches the end of its {what} at line {FlowGraphs.LineOf(scope.GetLastToken())}", null, 0);
        }

        private static Drop Returns(ReturnStatementSyntax statement)
        {
            var last = statement.Parent is BlockSyntax { Parent: BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax or AnonymousFunctionExpressionSyntax } body
                       && body.Statements.LastOrDefault() == statement;
            return new Drop($"{(last ? "returns" : "returns early")} at line {FlowGraphs.LineOf(statement)}", FixBefore, statement.SpanStart);
        }

        /// <summary>The block (or switch section) a local lives in.</summary>
        private static SyntaxNode? Scope(ILocalSymbol local)
        {
            foreach (var reference in local.DeclaringSyntaxReferences)
            {
                for (var node = reference.GetSyntax().Parent; node is not null && !FlowGraphs.IsFunction(node); node = node.Parent)
                {
                    if (node is BlockSyntax or SwitchSectionSyntax)
                    {
                        return node;
                    }

                    if (node is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax)
                    {
                        break;
                    }
                }
            }

            return null;
        }

        private static int StatementStart(SyntaxNode node) =>
            node.FirstAncestorOrSelf<StatementSyntax>()?.SpanStart ?? node.SpanStart;
    }
}
