using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// Decides whether an exception can leave a loop body. What counts as "can throw" is deliberately syntactic: an
/// invocation, an await or a throw statement. Member accesses, indexers and arithmetic can throw too, but flagging every
/// loop that reads a property would bury the loops that call out to storage or the network, which is where transient
/// failures come from.
/// </summary>
internal static class LoopExceptionEscape
{
    private static readonly TypeName Exception = new("System.Exception");
    private static readonly TypeName ExceptionDispatchInfo = new("System.Runtime.ExceptionServices.ExceptionDispatchInfo");

    /// <summary>
    /// The first operation in <paramref name="body"/> whose exception no catch inside the body stops, or null. Given the
    /// <paramref name="loop"/>, statements that run only on the way out of it (followed in their block by a break, a
    /// return or a goto out, with no continue among them) are left out: the loop ends there anyway, so an exception
    /// does not end a loop that would have kept running.
    /// </summary>
    public static IOperation? FindEscapingOperation(IOperation body, ILoopOperation? loop = null)
    {
        var pending = new Stack<IOperation>();
        pending.Push(body);
        while (pending.Count > 0)
        {
            var operation = pending.Pop();
            switch (operation)
            {
                // A lambda or local function runs when it is invoked; the invocation, if it is in the loop, is what counts.
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    continue;
                case ITryOperation @try:
                    // Handlers and finally blocks are the error path and the clean-up: a logger call or a Release in
                    // them is not the work whose transient failure the rule is about. What a handler rethrows is judged
                    // by CoversEverything.
                    if (!CoversEverything(@try))
                    {
                        pending.Push(@try.Body);
                    }

                    continue;
                case IBlockOperation block when loop is not null && LeavingStatements(block, loop) is var leaving and > 0:
                    for (var i = block.Operations.Length - 1; i >= 0; i--)
                    {
                        if (i >= leaving || ContainsContinue(block.Operations[i], loop))
                        {
                            pending.Push(block.Operations[i]);
                        }
                    }

                    continue;
                case IInvocationOperation invocation when !IsCancellationOnly(invocation.TargetMethod) && !IsConstantTimeSpanFactory(invocation):
                    return invocation;
                case IDynamicInvocationOperation:
                    return operation;
                case IAwaitOperation awaited when !IsCancellationOnlyAwait(awaited):
                    return awaited;
                case IThrowOperation thrown when !ThrowsCancellation(thrown):
                    return thrown;
            }

            foreach (var child in operation.ChildOperations)
            {
                pending.Push(child);
            }
        }

        return null;
    }

    /// <summary>
    /// The number of leading statements of <paramref name="block"/> that run only on the way out of the loop: all of them
    /// through the first unconditional exit, or 0 when the block has none.
    /// </summary>
    private static int LeavingStatements(IBlockOperation block, ILoopOperation loop)
    {
        for (var i = 0; i < block.Operations.Length; i++)
        {
            if (LoopShapes.IsExit(block.Operations[i], loop))
            {
                return i + 1;
            }
        }

        return 0;
    }

    private static bool ContainsContinue(IOperation statement, ILoopOperation loop)
    {
        foreach (var operation in statement.DescendantsAndSelf())
        {
            if (operation is IBranchOperation { BranchKind: BranchKind.Continue } branch
                && SymbolEqualityComparer.Default.Equals(branch.Target, loop.ContinueLabel))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Every exception the try body can throw, other than cancellation, ends in a handler that does not throw again:
    /// some catch of <c>Exception</c> (or a general catch) whose filter lets through everything except cancellation,
    /// with no earlier handler that rethrows.
    /// </summary>
    public static bool CoversEverything(ITryOperation @try)
    {
        foreach (var clause in @try.Catches)
        {
            // Whatever a cancellation handler does (break, return, rethrow), it is the intended way out of the loop.
            if (clause.ExceptionType.IsOrDerivesFrom(KnownTypes.OperationCanceledException))
            {
                continue;
            }

            var general = clause.ExceptionType.SpecialType == SpecialType.System_Object || Exception.Matches(clause.ExceptionType);
            if (HandlerRethrows(clause))
            {
                // An earlier handler that throws again lets its exceptions out before the general catch sees them.
                return false;
            }

            if (general && (clause.Filter is null || CatchesAllButCancellation(clause.Filter)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HandlerRethrows(ICatchClauseOperation clause)
    {
        var pending = new Stack<IOperation>();
        pending.Push(clause.Handler);
        while (pending.Count > 0)
        {
            var operation = pending.Pop();
            switch (operation)
            {
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    continue;
                case IThrowOperation thrown when !ThrowsCancellation(thrown) && !IsGuardedByCancellation(thrown, clause.Handler):
                    return true;
                case IInvocationOperation { TargetMethod.Name: "Throw" } invocation
                    when ExceptionDispatchInfo.Matches(invocation.TargetMethod.ContainingType) && !IsGuardedByCancellation(invocation, clause.Handler):
                    return true;
            }

            foreach (var child in operation.ChildOperations)
            {
                pending.Push(child);
            }
        }

        return false;
    }

    /// <summary>A filter that is false only for cancellation: <c>ex is not OperationCanceledException</c>, <c>!ct.IsCancellationRequested</c>, ...</summary>
    private static bool CatchesAllButCancellation(IOperation filter)
    {
        var operation = LoopShapes.Unwrap(filter);
        switch (operation)
        {
            case { ConstantValue: { HasValue: true, Value: true } }:
                return true;
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return IsCancellationTest(not.Operand);
            case IIsPatternOperation isPattern:
                return PatternMatchesAllButCancellation(isPattern.Pattern);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } or:
                return CatchesAllButCancellation(or.LeftOperand) || CatchesAllButCancellation(or.RightOperand);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                return CatchesAllButCancellation(and.LeftOperand) && CatchesAllButCancellation(and.RightOperand);
            default:
                return false;
        }
    }

    /// <summary>True only when cancellation was requested or the exception is a cancellation.</summary>
    private static bool IsCancellationTest(IOperation test)
    {
        var operation = LoopShapes.Unwrap(test);
        switch (operation)
        {
            case IPropertyReferenceOperation when LoopShapes.IsCancellationRequestedReference(operation):
                return true;
            case IIsTypeOperation isType:
                return !isType.IsNegated && isType.TypeOperand.IsOrDerivesFrom(KnownTypes.OperationCanceledException);
            case IIsPatternOperation isPattern:
                return PatternMatchesOnlyCancellation(isPattern.Pattern);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                return IsCancellationTest(and.LeftOperand) || IsCancellationTest(and.RightOperand);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } or:
                return IsCancellationTest(or.LeftOperand) && IsCancellationTest(or.RightOperand);
            default:
                return false;
        }
    }

    private static bool PatternMatchesOnlyCancellation(IPatternOperation pattern) => pattern switch
    {
        ITypePatternOperation type => type.MatchedType.IsOrDerivesFrom(KnownTypes.OperationCanceledException),
        IDeclarationPatternOperation declaration => declaration.MatchedType.IsOrDerivesFrom(KnownTypes.OperationCanceledException),
        IRecursivePatternOperation recursive => recursive.MatchedType.IsOrDerivesFrom(KnownTypes.OperationCanceledException),
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.Or } or => PatternMatchesOnlyCancellation(or.LeftPattern) && PatternMatchesOnlyCancellation(or.RightPattern),
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } and => PatternMatchesOnlyCancellation(and.LeftPattern) || PatternMatchesOnlyCancellation(and.RightPattern),
        _ => false,
    };

    private static bool PatternMatchesAllButCancellation(IPatternOperation pattern) => pattern switch
    {
        INegatedPatternOperation negated => PatternMatchesOnlyCancellation(negated.Pattern),
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } and => PatternMatchesAllButCancellation(and.LeftPattern) && PatternMatchesAllButCancellation(and.RightPattern),
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.Or } or => PatternMatchesAllButCancellation(or.LeftPattern) || PatternMatchesAllButCancellation(or.RightPattern),
        _ => false,
    };

    /// <summary>Inside <c>if (ex is OperationCanceledException) throw;</c> or <c>if (ct.IsCancellationRequested) throw;</c>.</summary>
    private static bool IsGuardedByCancellation(IOperation operation, IOperation handler)
    {
        for (var current = operation; current != handler && current.Parent is { } parent; current = parent)
        {
            if (parent is IConditionalOperation conditional && conditional.WhenTrue == current && IsCancellationTest(conditional.Condition))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ThrowsCancellation(IThrowOperation thrown) =>
        thrown.Exception is { } exception && LoopShapes.Unwrap(exception).Type.IsOrDerivesFrom(KnownTypes.OperationCanceledException);

    /// <summary>Calls whose only exception is the cancellation that is meant to end the loop.</summary>
    private static bool IsCancellationOnly(IMethodSymbol method)
    {
        var type = method.ContainingType;
        return method.Name switch
        {
            "ThrowIfCancellationRequested" => KnownTypes.CancellationToken.Matches(type),
            "Delay" or "Yield" => KnownTypes.Task.Matches(type),
            "WaitForNextTickAsync" => LoopShapes.PeriodicTimer.Matches(type),
            // The awaited operation is judged on its own; configuring the awaiter cannot fail.
            "ConfigureAwait" => KnownTypes.Task.Matches(type) || KnownTypes.TaskOfT.Matches(type.OriginalDefinition)
                || KnownTypes.ValueTask.Matches(type) || KnownTypes.ValueTaskOfT.Matches(type.OriginalDefinition),
            _ => false,
        };
    }

    /// <summary>
    /// <c>TimeSpan.FromSeconds(5)</c> and its siblings over constants, typically the argument of the loop's delay: the
    /// value is fixed at compile time, so the call cannot fail transiently.
    /// </summary>
    private static bool IsConstantTimeSpanFactory(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (!method.IsStatic || !method.Name.StartsWith("From", StringComparison.Ordinal) || !KnownTypes.TimeSpan.Matches(method.ContainingType))
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (!argument.Value.ConstantValue.HasValue)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsCancellationOnlyAwait(IAwaitOperation awaited)
    {
        var operation = LoopShapes.Unwrap(awaited.Operation);
        while (operation is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured })
        {
            operation = LoopShapes.Unwrap(configured);
        }

        return operation is IInvocationOperation invocation && IsCancellationOnly(invocation.TargetMethod) && invocation.TargetMethod.Name != "ConfigureAwait";
    }
}
