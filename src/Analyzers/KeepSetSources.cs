using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Analyzers;

/// <summary>
/// The ways a method drops failures while it gathers what to keep: a catch in the gathering loop that neither stops nor
/// records the failure, or a LINQ filter that keeps only the successful results. And the deletion APIs whose decision
/// such a set must not feed.
/// </summary>
internal static class KeepSetSources
{
    public static readonly TypeName FileSystemInfo = new("System.IO.FileSystemInfo");
    private static readonly TypeName Enumerable = new("System.Linq.Enumerable");
    private static readonly TypeName Queryable = new("System.Linq.Queryable");
    private static readonly TypeName ParallelEnumerable = new("System.Linq.ParallelEnumerable");
    private static readonly TypeName EnumerableOfT = new("System.Collections.Generic.IEnumerable`1");

    private static readonly HashSet<string> SuccessMembers = new(StringComparer.Ordinal)
    {
        "Succeeded", "Success", "IsSuccess", "IsSuccessful", "Successful", "Ok", "IsOk", "IsCompletedSuccessfully",
    };

    private static readonly HashSet<string> FailureMembers = new(StringComparer.Ordinal)
    {
        "Failed", "IsFailed", "Failure", "IsFailure", "IsFaulted", "HasError", "HasErrors", "IsError",
    };

    private static readonly HashSet<string> ErrorMembers = new(StringComparer.Ordinal)
    {
        "Error", "Exception", "Failure",
    };

    private static readonly HashSet<string> SuccessStates = new(StringComparer.Ordinal)
    {
        "Success", "Succeeded", "Ok", "RanToCompletion",
    };

    /// <summary>
    /// A call of, or a method group naming, File.Delete, Directory.Delete, FileInfo/DirectoryInfo.Delete, or any
    /// Delete*/Remove* method of a storage backend (through the interface or an implementation).
    /// </summary>
    public static bool IsDeletion(IOperation operation) => operation switch
    {
        IInvocationOperation invocation => IsDeletion(invocation.TargetMethod),
        IMethodReferenceOperation reference => IsDeletion(reference.Method),
        _ => false,
    };

    private static bool IsDeletion(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (method.Name == "Delete" && (KnownTypes.File.Matches(type) || KnownTypes.Directory.Matches(type) || type.IsOrDerivesFrom(FileSystemInfo)))
        {
            return true;
        }

        return (method.Name.StartsWith("Delete", StringComparison.Ordinal) || method.Name.StartsWith("Remove", StringComparison.Ordinal))
            && type.IsOrDerivesFrom(KnownTypes.StorageBackend);
    }

    /// <summary>
    /// A catch that lets the method carry on as if the item had not been there: it neither throws nor returns, and it
    /// records nothing (no assignment, no call on a collection) that a later check could see. A <c>break</c> swallows
    /// too: it ends the gathering early and leaves a set with the rest of the entries missing.
    /// </summary>
    public static bool Swallows(ICatchClauseOperation clause)
    {
        foreach (var operation in clause.Handler.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IThrowOperation:
                case IReturnOperation:
                case IAssignmentOperation { Target: not IDiscardOperation }:
                case IIncrementOrDecrementOperation:
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out }:
                    return false;
                case IInvocationOperation { Instance: { } instance } when IsCollection(instance.Type):
                    return false;
            }
        }

        return true;
    }

    public static bool IsCollection(ITypeSymbol? type) =>
        type is not null
        && type.SpecialType != SpecialType.System_String
        && (type is IArrayTypeSymbol
            || type.SpecialType == SpecialType.System_Collections_IEnumerable
            || type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable));

    /// <summary>The innermost loop around <paramref name="operation"/> within its own method, lambda or local function.</summary>
    public static ILoopOperation? EnclosingLoop(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ILoopOperation loop:
                    return loop;
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// Where a swallowed failure drops an entry: the loop around the catch (the failure skips the rest of the
    /// iteration), or without a loop the try itself (the failure skips the rest of its body).
    /// </summary>
    public static IOperation GatheringScope(ICatchClauseOperation clause) =>
        EnclosingLoop(clause)?.Body ?? clause.Parent!;

    /// <summary>
    /// The collection locals that <paramref name="scope"/> adds to (Add, AddRange, UnionWith, an indexer assignment,
    /// ...) where a failure caught by <paramref name="try"/> can skip the add: inside the try body, or after the try
    /// statement. An add that ran before the try in the same iteration has its entry whatever the catch does.
    /// </summary>
    public static HashSet<ILocalSymbol> CollectionsFilledIn(IOperation scope, ITryOperation @try)
    {
        var filled = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var operation in scope.DescendantsAndSelf())
        {
            var target = operation switch
            {
                IInvocationOperation { Instance: ILocalReferenceOperation local } invocation when IsAdd(invocation.TargetMethod.Name) => local.Local,
                IAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true, Instance: ILocalReferenceOperation local } } => local.Local,
                _ => null,
            };

            if (target is not null && IsCollection(target.Type)
                && (IsWithin(operation, @try.Body) || operation.Syntax.SpanStart >= @try.Syntax.Span.End))
            {
                filled.Add(target);
            }
        }

        return filled;
    }

    /// <summary>
    /// <c>Where(r =&gt; r.Succeeded)</c> and its kin (<c>!r.Failed</c>, <c>r.Error is null</c>, <c>r.Status == Status.Ok</c>,
    /// <c>t.IsCompletedSuccessfully</c>), or <c>OfType&lt;T&gt;()</c> over results: a null filter (the failed loads
    /// became nulls) or a result type narrowed to its success case.
    /// </summary>
    public static bool IsSuccessFilter(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        if (!Enumerable.Matches(type) && !Queryable.Matches(type) && !ParallelEnumerable.Matches(type))
        {
            return false;
        }

        switch (method.Name)
        {
            case "Where" when invocation.Arguments.Length == 2:
                return Lambda(invocation.Arguments[1].Value) is { } lambda
                    && lambda.Symbol.Parameters.Length == 1
                    && ReturnedValue(lambda) is { } predicate
                    && TestsSuccess(predicate, lambda.Symbol.Parameters[0]);
            case "OfType" when method.TypeArguments.Length == 1 && invocation.Arguments.Length == 1:
                return IsResultNarrowing(ElementType(invocation.Arguments[0].Value), method.TypeArguments[0]);
            default:
                return false;
        }
    }

    /// <summary>The span and text a diagnostic shows for a source: the catch clause, or the filter call from its name on.</summary>
    public static TextSpan GetSpan(IOperation source)
    {
        if (source.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } invocation)
        {
            return TextSpan.FromBounds(access.Name.SpanStart, invocation.Span.End);
        }

        if (source.Syntax is InvocationExpressionSyntax { Expression: GenericNameSyntax or IdentifierNameSyntax } call)
        {
            return call.Span;
        }

        return source.Syntax.Span;
    }

    public static bool IsWithin(IOperation operation, IOperation container)
    {
        for (var current = operation; current is not null; current = current.Parent)
        {
            if (current == container)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAdd(string name) => name is
        "Add" or "AddRange" or "UnionWith" or "TryAdd" or "Insert" or "InsertRange" or "Push" or "Enqueue" or "AddOrUpdate" or "GetOrAdd";

    private static IAnonymousFunctionOperation? Lambda(IOperation operation) => LoopShapes.Unwrap(operation) switch
    {
        IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda } => lambda,
        IAnonymousFunctionOperation lambda => lambda,
        _ => null,
    };

    private static IOperation? ReturnedValue(IAnonymousFunctionOperation lambda) =>
        lambda.Body.Operations.Length == 1 && lambda.Body.Operations[0] is IReturnOperation { ReturnedValue: { } value } ? value : null;

    private static bool TestsSuccess(IOperation predicate, IParameterSymbol item)
    {
        var operation = LoopShapes.Unwrap(predicate);
        switch (operation)
        {
            case IPropertyReferenceOperation or IFieldReferenceOperation:
                return SuccessMembers.Contains(MemberName(operation)!) && IsRootedAt(operation, item);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                var negated = LoopShapes.Unwrap(not.Operand);
                return negated is IPropertyReferenceOperation or IFieldReferenceOperation
                    && FailureMembers.Contains(MemberName(negated)!) && IsRootedAt(negated, item);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                return TestsSuccess(and.LeftOperand, item) || TestsSuccess(and.RightOperand, item);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } comparison:
                return ComparesToSuccess(comparison, item);
            case IIsPatternOperation isPattern:
                return PatternTestsSuccess(LoopShapes.Unwrap(isPattern.Value), isPattern.Pattern, item);
            default:
                return false;
        }
    }

    private static bool ComparesToSuccess(IBinaryOperation comparison, IParameterSymbol item)
    {
        var equals = comparison.OperatorKind == BinaryOperatorKind.Equals;
        foreach (var (member, other) in new[] { (comparison.LeftOperand, comparison.RightOperand), (comparison.RightOperand, comparison.LeftOperand) })
        {
            var value = LoopShapes.Unwrap(member);
            if (value is not (IPropertyReferenceOperation or IFieldReferenceOperation) || !IsRootedAt(value, item))
            {
                continue;
            }

            var name = MemberName(value)!;
            var constant = LoopShapes.Unwrap(other);
            if (constant.ConstantValue is { HasValue: true, Value: null } && ErrorMembers.Contains(name))
            {
                // r.Error == null keeps the successes; r.Error != null keeps the failures.
                return equals;
            }

            if (constant.ConstantValue is { HasValue: true, Value: bool flag })
            {
                return (SuccessMembers.Contains(name) && flag == equals) || (FailureMembers.Contains(name) && flag != equals);
            }

            if (equals && constant is IFieldReferenceOperation { Field.ContainingType.TypeKind: TypeKind.Enum } state && SuccessStates.Contains(state.Field.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool PatternTestsSuccess(IOperation value, IPatternOperation pattern, IParameterSymbol item)
    {
        switch (pattern)
        {
            case IConstantPatternOperation constant when value is IPropertyReferenceOperation or IFieldReferenceOperation && IsRootedAt(value, item):
                var name = MemberName(value)!;
                var matched = LoopShapes.Unwrap(constant.Value);
                return matched.ConstantValue switch
                {
                    { HasValue: true, Value: true } => SuccessMembers.Contains(name),
                    { HasValue: true, Value: false } => FailureMembers.Contains(name),
                    { HasValue: true, Value: null } => ErrorMembers.Contains(name),
                    _ => matched is IFieldReferenceOperation { Field.ContainingType.TypeKind: TypeKind.Enum } state && SuccessStates.Contains(state.Field.Name),
                };
            case IRecursivePatternOperation recursive:
                return recursive.PropertySubpatterns.Any(p => p.Member is IPropertyReferenceOperation or IFieldReferenceOperation
                    && PatternTestsSuccess(p.Member, p.Pattern, item));
            case IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } and:
                return PatternTestsSuccess(value, and.LeftPattern, item) || PatternTestsSuccess(value, and.RightPattern, item);
            default:
                return false;
        }
    }

    private static string? MemberName(IOperation operation) => operation switch
    {
        IPropertyReferenceOperation property => property.Property.Name,
        IFieldReferenceOperation field => field.Field.Name,
        _ => null,
    };

    // r.Succeeded, r.Result.Succeeded, and inside a property subpattern the implicit receiver, which is the item itself.
    private static bool IsRootedAt(IOperation member, IParameterSymbol item)
    {
        var current = member;
        while (true)
        {
            var instance = current switch
            {
                IPropertyReferenceOperation property => property.Instance,
                IFieldReferenceOperation field => field.Instance,
                _ => null,
            };

            switch (instance is null ? null : LoopShapes.Unwrap(instance))
            {
                case null:
                    return false;
                case IParameterReferenceOperation parameter:
                    return SymbolEqualityComparer.Default.Equals(parameter.Parameter, item);
                case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.PatternInput }:
                    return true;
                case var next:
                    current = next;
                    break;
            }
        }
    }

    private static ITypeSymbol? ElementType(IOperation source)
    {
        var type = LoopShapes.Unwrap(source).Type;
        if (type is IArrayTypeSymbol array)
        {
            return array.ElementType;
        }

        if (type is INamedTypeSymbol named && EnumerableOfT.Matches(named.OriginalDefinition))
        {
            return named.TypeArguments[0];
        }

        return type?.AllInterfaces.FirstOrDefault(i => EnumerableOfT.Matches(i.OriginalDefinition))?.TypeArguments[0];
    }

    private static bool IsResultNarrowing(ITypeSymbol? element, ITypeSymbol target)
    {
        if (element is null)
        {
            return false;
        }

        // OfType<T> over T? drops the nulls, which is what a loader that returns null on failure leaves behind.
        if (SymbolEqualityComparer.Default.Equals(element.WithNullableAnnotation(NullableAnnotation.NotAnnotated), target.WithNullableAnnotation(NullableAnnotation.NotAnnotated))
            || (element is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
                && SymbolEqualityComparer.Default.Equals(nullable.TypeArguments[0], target)))
        {
            return true;
        }

        return EndsWithAny(element.Name, "Result", "Outcome", "Attempt")
            || ContainsAny(target.Name, "Success", "Succeeded", "Loaded", "Ok");
    }

    private static bool EndsWithAny(string name, params string[] suffixes) => suffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));

    private static bool ContainsAny(string name, params string[] parts) => parts.Any(p => name.IndexOf(p, StringComparison.Ordinal) >= 0);
}
