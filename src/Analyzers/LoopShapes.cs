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
internal enum LoopShape
{
    /// <summary>Not a background loop.</summary>
    None,

    /// <summary><c>while (true)</c>, <c>for (;;)</c>, <c>do ... while (true)</c> that only cancellation leaves.</summary>
    Forever,

    /// <summary><c>while (!ct.IsCancellationRequested)</c>, <c>while (await timer.WaitForNextTickAsync(ct))</c>.</summary>
    Stoppable,

    /// <summary><c>while (!_disposed)</c>, <c>while (_running)</c>: a background loop only in a background context.</summary>
    Flag,
}

internal static class LoopShapes
{
    public static readonly TypeName PeriodicTimer = new("System.Threading.PeriodicTimer");
    public static readonly TypeName CancellationTokenSource = new("System.Threading.CancellationTokenSource");

    public static bool IsBackgroundLoop(ILoopOperation loop) => Classify(loop) != LoopShape.None;

    /// <summary>
    /// Which kind of background loop <paramref name="loop"/> is, or <see cref="LoopShape.None"/>. A flag loop
    /// (<c>while (!_disposed)</c>) is only a candidate: whether it runs in the background is decided by
    /// <see cref="LoopCallers"/>, because the same shape is also how a reader walks to the end of its input.
    /// </summary>
    public static LoopShape Classify(ILoopOperation loop)
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
            return HasOrdinaryExit(loop, valueReturnsOnly: false) ? LoopShape.None : LoopShape.Forever;
        }

        var shape = condition is null ? LoopShape.None : ClassifyCondition(condition);

        // A loop that returns a value is computing a result (a wait for a signal, a search until cancelled): its caller
        // consumes that result, so an exception reaches the caller the same way.
        return shape != LoopShape.None && HasOrdinaryExit(loop, valueReturnsOnly: true) ? LoopShape.None : shape;
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

    /// <summary>
    /// A break out of the loop, a return, a yield break or a goto to a label outside the loop that no cancellation test
    /// guards; with <paramref name="valueReturnsOnly"/>, only a return of a value.
    /// </summary>
    private static bool HasOrdinaryExit(ILoopOperation loop, bool valueReturnsOnly)
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
                case IReturnOperation { Kind: OperationKind.Return, ReturnedValue: not null } when valueReturnsOnly && !IsCancellationExit(operation, loop):
                    return true;
                case IBranchOperation or IReturnOperation when !valueReturnsOnly && IsExit(operation, loop) && !IsCancellationExit(operation, loop):
                    return true;
            }

            foreach (var child in operation.ChildOperations)
            {
                pending.Push(child);
            }
        }

        return false;
    }

    /// <summary>A break to the loop's end, a return, a yield break, or a goto to a label outside the loop.</summary>
    public static bool IsExit(IOperation operation, ILoopOperation loop) => operation switch
    {
        IBranchOperation { BranchKind: BranchKind.Break } branch => SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel),
        IBranchOperation { BranchKind: BranchKind.GoTo } branch => IsOutside(branch.Target, loop.Syntax),
        IReturnOperation { Kind: OperationKind.Return or OperationKind.YieldBreak } => true,
        _ => false,
    };

    private static bool IsOutside(ILabelSymbol label, SyntaxNode loop)
    {
        foreach (var location in label.Locations)
        {
            if (location.SourceTree == loop.SyntaxTree && loop.Span.Contains(location.SourceSpan))
            {
                return false;
            }
        }

        return true;
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

    private static LoopShape ClassifyCondition(IOperation? condition)
    {
        switch (condition)
        {
            case null:
                return LoopShape.None;
            case { ConstantValue: { HasValue: true, Value: true } }:
                return LoopShape.Forever;
            case IConversionOperation { IsImplicit: true } conversion:
                return ClassifyCondition(conversion.Operand);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not when IsCancellationRequestedReference(Unwrap(not.Operand)):
                return LoopShape.Stoppable;
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return IsStateFlag(Unwrap(not.Operand)) ? LoopShape.Flag : LoopShape.None;
            case IAwaitOperation awaited:
                return IsTimerTick(awaited.Operation) ? LoopShape.Stoppable : LoopShape.None;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                // Every conjunct must be one of the shapes: "&& i < n" makes the loop finite again. A flag anywhere
                // makes the whole a flag loop, which needs a background context.
                var left = ClassifyCondition(and.LeftOperand);
                var right = ClassifyCondition(and.RightOperand);
                return left == LoopShape.None || right == LoopShape.None ? LoopShape.None
                    : left == LoopShape.Flag || right == LoopShape.Flag ? LoopShape.Flag
                    : LoopShape.Stoppable;
            default:
                return IsStateFlag(condition) ? LoopShape.Flag : LoopShape.None;
        }
    }

    /// <summary>
    /// A bool field of the object or type (<c>_running</c>, <c>disposed</c>, <c>Volatile.Read(ref _stopping)</c>): state
    /// that another method flips to stop the loop. A local or a parameter is the loop's own progress, not a stop flag.
    /// </summary>
    private static bool IsStateFlag(IOperation operation)
    {
        var current = Unwrap(operation);
        if (current is IInvocationOperation { TargetMethod.Name: "Read", Arguments.Length: 1 } read
            && read.TargetMethod.ContainingType is { Name: "Volatile" })
        {
            current = Unwrap(read.Arguments[0].Value);
        }

        return current is IFieldReferenceOperation { Field.Type.SpecialType: SpecialType.System_Boolean } field
            && (field.Field.IsStatic || field.Instance is IInstanceReferenceOperation);
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
