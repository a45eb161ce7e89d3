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

    public static bool IsBackgroundLoop(ILoopOperation loop) => loop switch
    {
        IWhileLoopOperation { ConditionIsUntil: false } whileLoop => IsBackgroundCondition(whileLoop.Condition),
        IForLoopOperation forLoop => forLoop.Condition is null || IsBackgroundCondition(forLoop.Condition),
        _ => false,
    };

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
