using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
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
/// <c>Interlocked.CompareExchange</c> counts only where its ignored result decides a later write (see the Interlocked part).
/// Cost: nothing is registered for a compilation that can contain no such call (the .NET libraries always declare
/// Interlocked, so the one invocation callback leaves at once unless the method's name is one it looks for); a body
/// is searched for reads of a local only when a result is stored in one.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class IgnoredCompareAndSetResultAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [DiagnosticDescriptors.IgnoredCompareAndSetResult];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Most compilations have nothing to check: no marked method can exist without the attribute, and no
            // compare-and-set-named one without a declaration of it in the sources or a reference.
            var hasAttribute = !start.Compilation.GetTypesByMetadataName(KnownTypes.MustCheckResultAttribute.FullMetadataName).IsEmpty;
            var named = hasAttribute || DeclaresCompareAndSet(start.Compilation, start.CancellationToken);
            var hasInterlocked = start.Compilation.GetTypeByMetadataName(Interlocked.FullMetadataName) is not null;
            if (!named && !hasInterlocked)
            {
                return;
            }

            var marked = new ConcurrentDictionary<IMethodSymbol, bool>(SymbolEqualityComparer.Default);
            start.RegisterOperationAction(c => OnInvocation(c, hasAttribute, named, marked), OperationKind.Invocation);
        });
    }

    private static void OnInvocation(OperationAnalysisContext context, bool hasAttribute, bool named, ConcurrentDictionary<IMethodSymbol, bool> marked)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name == CompareExchange && IsInterlockedCompareExchange(invocation.TargetMethod))
        {
            if (DecidesAWrite(invocation))
            {
                context.ReportDiagnostic(Create(invocation));
            }

            return;
        }

        if (!named || !MustBeChecked(invocation.TargetMethod, hasAttribute, marked))
        {
            return;
        }

        if (invocation.IsValueDiscarded())
        {
            context.ReportDiagnostic(Create(invocation));
        }
        else if (AssignedLocal(invocation) is { } local && !IsReadInBody(invocation, local))
        {
            context.ReportDiagnostic(Create(invocation));
        }
    }

    /// <summary>Some operation of the body (the member with its lambdas and local functions) reads the local.</summary>
    private static bool IsReadInBody(IOperation operation, ILocalSymbol local)
    {
        var root = operation;
        while (root.Parent is { } parent)
        {
            root = parent;
        }

        foreach (var descendant in root.Descendants())
        {
            if (descendant is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                && !IsWriteOnly(reference))
            {
                return true;
            }
        }

        return false;
    }

    private static bool DeclaresCompareAndSet(Compilation compilation, CancellationToken cancellationToken)
    {
        if (compilation.ContainsSymbolsWithName(IsCompareAndSetName, SymbolFilter.Member, cancellationToken))
        {
            return true;
        }

        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            // The .NET libraries declare no method of these names (Interlocked's is CompareExchange); their types are
            // most of a compilation's references, so only the others are looked through.
            if (!IsMicrosoftSigned(assembly.Identity) && DeclaresCompareAndSet(assembly.GlobalNamespace, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private static bool DeclaresCompareAndSet(INamespaceOrTypeSymbol container, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (container is INamedTypeSymbol type)
        {
            foreach (var name in type.MemberNames)
            {
                if (IsCompareAndSetName(name))
                {
                    return true;
                }
            }
        }

        foreach (var member in container.GetMembers())
        {
            if (member is INamespaceOrTypeSymbol inner && DeclaresCompareAndSet(inner, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsMicrosoftSigned(AssemblyIdentity identity)
    {
        var token = identity.PublicKeyToken;
        if (token.Length != 8)
        {
            return false;
        }

        var hex = string.Concat(token.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        return hex is "b03f5f7f11d50a3a" or "b77a5c561934e089" or "cc7b13ffcd2ddd51" or "7cec85d7bea7798e" or "adb9793829ddae60" or "31bf3856ad364e35";
    }

    private static bool IsCompareAndSetName(string name) =>
        name.StartsWith("CompareAndSet", StringComparison.Ordinal)
        || name.StartsWith("CompareAndAppend", StringComparison.Ordinal)
        || name.StartsWith("TryCompareAndSwap", StringComparison.Ordinal);

    private static bool MustBeChecked(IMethodSymbol method, bool hasAttribute, ConcurrentDictionary<IMethodSymbol, bool> marked)
    {
        if (method.ReturnsVoid || method.ReturnType.UnwrapTask() is not { } result || IsResultless(result) || IsResultless(method.ReturnType))
        {
            return false;
        }

        return IsCompareAndSetName(method.Name)
            || (hasAttribute && marked.GetOrAdd(method, m => m.GetInheritedAttribute(KnownTypes.MustCheckResultAttribute) is not null));
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
