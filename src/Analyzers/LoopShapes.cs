using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Analyzers;

/// <summary>
/// Recognises the loops that are meant to run for the life of a service: their condition never turns false by itself
/// (<c>while (true)</c>, <c>for (;;)</c>), only cancellation or disposal ends them (<c>!token.IsCancellationRequested</c>,
/// <c>await timer.WaitForNextTickAsync(...)</c>). A loop over data ends when the data does, so an exception in it is
/// ordinary control flow for its caller, not a silently dead service.
/// </summary>
internal static class LoopShapes
{
    public static readonly TypeName PeriodicTimer = new("System.Threading.PeriodicTimer");
    public static readonly TypeName CancellationTokenSource = new("System.Threading.CancellationTokenSource");

    public static bool IsBackgroundLoop(ILoopOperation loop)
    {
        var condition = loop switch
        {
            IWhileLoopOperation { ConditionIsUntil: false } whileLoop => whileLoop.Condition,
            IForLoopOperation forLoop => forLoop.Condition,
            _ => null,
        };

        if (loop is IForLoopOperation { Condition: null } || condition is { ConstantValue: { HasValue: true, Value: true } })
        {
            // "while (true)" is also how a parser or a search loops until it finds its end; only a loop that nothing
            // but cancellation leaves is a background loop.
            return !HasOrdinaryExit(loop);
        }

        return condition is not null && IsBackgroundCondition(condition);
    }

    /// <summary>A token or token source, the receiver of <c>IsCancellationRequested</c>.</summary>
    public static bool IsCancellationSource(ITypeSymbol? type) =>
        KnownTypes.CancellationToken.Matches(type) || CancellationTokenSource.Matches(type);

    /// <summary><c>x.IsCancellationRequested</c> on a token or a token source.</summary>
    public static bool IsCancellationRequestedReference(IOperation operation) =>
        operation is IPropertyReferenceOperation { Property.Name: "IsCancellationRequested" } property
        && IsCancellationSource(property.Property.ContainingType);

    /// <summary><c>timer.WaitForNextTickAsync(...)</c>, with or without <c>ConfigureAwait</c>.</summary>
    public static bool IsTimerTick(IOperation operation)
    {
        var current = operation;
        while (current is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured })
        {
            current = configured;
        }

        return current is IInvocationOperation { TargetMethod.Name: "WaitForNextTickAsync" } tick
            && PeriodicTimer.Matches(tick.TargetMethod.ContainingType);
    }

    /// <summary>A break out of the loop, a return or a yield break that no cancellation test guards.</summary>
    private static bool HasOrdinaryExit(ILoopOperation loop)
    {
        var pending = new Stack<IOperation>();
        pending.Push(loop.Body);
        while (pending.Count > 0)
        {
            var operation = pending.Pop();
            switch (operation)
            {
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    continue;
                case IBranchOperation { BranchKind: BranchKind.Break } branch when SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel) && !IsCancellationExit(branch, loop):
                case IReturnOperation { Kind: OperationKind.Return or OperationKind.YieldBreak } when !IsCancellationExit(operation, loop):
                    return true;
            }

            foreach (var child in operation.ChildOperations)
            {
                pending.Push(child);
            }
        }

        return false;
    }

    /// <summary>
    /// Inside <c>if (ct.IsCancellationRequested)</c>, <c>if (!await timer.WaitForNextTickAsync(ct))</c> (false means the
    /// timer was disposed, the other way a service is stopped) or a catch of <c>OperationCanceledException</c>.
    /// </summary>
    private static bool IsCancellationExit(IOperation exit, ILoopOperation loop)
    {
        for (var current = exit; current != loop.Body && current.Parent is { } parent; current = parent)
        {
            switch (parent)
            {
                case IConditionalOperation conditional when conditional.WhenTrue == current && IsStopTest(conditional.Condition):
                case ICatchClauseOperation clause when clause.ExceptionType.IsOrDerivesFrom(KnownTypes.OperationCanceledException):
                    return true;
            }
        }

        return false;
    }

    private static bool IsStopTest(IOperation condition)
    {
        var operation = Unwrap(condition);
        return IsCancellationRequestedReference(operation)
            || (operation is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not && Unwrap(not.Operand) is IAwaitOperation awaited && IsTimerTick(awaited.Operation))
            || (operation is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } or && (IsStopTest(or.LeftOperand) && IsStopTest(or.RightOperand)));
    }

    /// <summary>
    /// The span a diagnostic covers: the loop keyword through the closing parenthesis of its head, which for a
    /// do-while is the trailing <c>while (...)</c> that makes it a background loop.
    /// </summary>
    public static TextSpan GetHeadSpan(SyntaxNode loop) => loop switch
    {
        WhileStatementSyntax w => TextSpan.FromBounds(w.WhileKeyword.SpanStart, w.CloseParenToken.Span.End),
        ForStatementSyntax f => TextSpan.FromBounds(f.ForKeyword.SpanStart, f.CloseParenToken.Span.End),
        DoStatementSyntax d => TextSpan.FromBounds(d.WhileKeyword.SpanStart, d.CloseParenToken.Span.End),
        _ => loop.Span,
    };

    /// <summary>The head as the message shows it: one line, a do-while marked as such.</summary>
    public static string GetHeadText(SyntaxNode loop)
    {
        var text = CollapseWhitespace(loop.SyntaxTree.GetText().ToString(GetHeadSpan(loop)));
        return loop is DoStatementSyntax ? "do ... " + text : text;
    }

    public static string CollapseWhitespace(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static bool IsBackgroundCondition(IOperation? condition)
    {
        switch (condition)
        {
            case null:
                return false;
            case { ConstantValue: { HasValue: true, Value: true } }:
                return true;
            case IConversionOperation { IsImplicit: true } conversion:
                return IsBackgroundCondition(conversion.Operand);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return IsCancellationRequestedReference(Unwrap(not.Operand));
            case IAwaitOperation awaited:
                return IsTimerTick(awaited.Operation);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                // Every conjunct must be one of the shapes: "&& i < n" makes the loop finite again.
                return IsBackgroundCondition(and.LeftOperand) && IsBackgroundCondition(and.RightOperand);
            default:
                return false;
        }
    }

    public static IOperation Unwrap(IOperation operation)
    {
        var current = operation;
        while (current is IConversionOperation { IsImplicit: true } conversion)
        {
            current = conversion.Operand;
        }

        return current;
    }
}
