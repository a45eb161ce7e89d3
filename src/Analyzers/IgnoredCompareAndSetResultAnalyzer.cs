using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1006: the result of a compare-and-set is ignored. A failed compare writes nothing, so code that goes on as if it
/// succeeded loses the write (or, for a consensus append, believes it owns a shard it lost). A method counts if it is
/// marked <c>[MustCheckResult]</c> (on itself, an overridden or an implemented member) or is named
/// <c>CompareAndSet*</c>, <c>CompareAndAppend*</c> or <c>TryCompareAndSwap*</c>, and returns a value (for a task, a
/// <c>Task&lt;T&gt;</c> / <c>ValueTask&lt;T&gt;</c>). Ignored means: an expression statement, a discard <c>_ =</c>,
/// either of them around an <c>await</c>, or a local that takes the result and is never read.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IgnoredCompareAndSetResultAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [DiagnosticDescriptors.IgnoredCompareAndSetResult];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationBlockStartAction(OnBlockStart);
    }

    private static void OnBlockStart(OperationBlockStartAnalysisContext context)
    {
        // Locals that take a result: reported at the end of the block unless some operation reads them.
        var pending = new ConcurrentDictionary<ILocalSymbol, IInvocationOperation>(SymbolEqualityComparer.Default);
        var read = new ConcurrentDictionary<ILocalSymbol, byte>(SymbolEqualityComparer.Default);

        context.RegisterOperationAction(
            c =>
            {
                var invocation = (IInvocationOperation)c.Operation;
                if (!MustBeChecked(invocation.TargetMethod))
                {
                    return;
                }

                if (invocation.IsValueDiscarded())
                {
                    c.ReportDiagnostic(Create(invocation));
                }
                else if (AssignedLocal(invocation) is { } local)
                {
                    pending.TryAdd(local, invocation);
                }
            },
            OperationKind.Invocation);

        context.RegisterOperationAction(
            c =>
            {
                var reference = (ILocalReferenceOperation)c.Operation;
                if (!IsWriteOnly(reference))
                {
                    read.TryAdd(reference.Local, 0);
                }
            },
            OperationKind.LocalReference);

        context.RegisterOperationBlockEndAction(c =>
        {
            foreach (var entry in pending)
            {
                if (!read.ContainsKey(entry.Key))
                {
                    c.ReportDiagnostic(Create(entry.Value));
                }
            }
        });
    }

    private static bool MustBeChecked(IMethodSymbol method)
    {
        if (method.ReturnsVoid || method.ReturnType.UnwrapTask() is not { } result || IsResultless(result) || IsResultless(method.ReturnType))
        {
            return false;
        }

        var name = method.Name;
        return name.StartsWith("CompareAndSet", StringComparison.Ordinal)
            || name.StartsWith("CompareAndAppend", StringComparison.Ordinal)
            || name.StartsWith("TryCompareAndSwap", StringComparison.Ordinal)
            || method.GetInheritedAttribute(KnownTypes.MustCheckResultAttribute) is not null;
    }

    // A plain Task or ValueTask completes with nothing to check.
    private static bool IsResultless(ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_Void || KnownTypes.Task.Matches(type) || KnownTypes.ValueTask.Matches(type);

    /// <summary>The local a declaration or assignment stores the result in (through an await or a conversion).</summary>
    private static ILocalSymbol? AssignedLocal(IOperation operation)
    {
        var current = operation;
        while (true)
        {
            var parent = current.Parent;
            switch (parent)
            {
                case IConversionOperation:
                case IAwaitOperation:
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure when configure.Instance == current:
                    current = parent;
                    continue;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    return declarator.Symbol;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when assignment.Value == current:
                    return target.Local;
                default:
                    return null;
            }
        }
    }

    /// <summary>The reference is only the target of a plain assignment; anything else (a compound assignment too) reads the local.</summary>
    private static bool IsWriteOnly(ILocalReferenceOperation reference) =>
        reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference;

    private static Diagnostic Create(IInvocationOperation invocation)
    {
        // For 'shard?.CompareAndSet(...)' the invocation's own syntax is only '.CompareAndSet(...)'; the whole access reads better.
        IOperation reported = invocation;
        while (reported.Parent is IConditionalAccessOperation access && access.WhenNotNull == reported)
        {
            reported = access;
        }

        return Diagnostic.Create(
            DiagnosticDescriptors.IgnoredCompareAndSetResult,
            reported.Syntax.GetLocation(),
            $"{invocation.TargetMethod.ContainingType.Name}.{invocation.TargetMethod.Name}");
    }
}
