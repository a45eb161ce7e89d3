using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1001's reinterpreting shapes: <c>MemoryMarshal</c> / <c>Unsafe</c> casts and reads over stored bytes, a struct's
/// memory used as a read's buffer, generic reads of a memory-mapped view, and object-graph formatters.
/// </summary>
internal static class Reinterpretations
{
    private const string FromStorage = "bytes read from storage as '{0}'";

    private static readonly TypeName[] Formatters =
    [
        new("System.Runtime.Serialization.Formatters.Binary.BinaryFormatter"),
        new("System.Runtime.Serialization.Formatters.Soap.SoapFormatter"),
        new("System.Runtime.Serialization.NetDataContractSerializer"),
        new("System.Runtime.Serialization.IFormatter"),
        new("System.Web.UI.LosFormatter"),
        new("System.Web.UI.ObjectStateFormatter"),
    ];

    public static string Name(IMethodSymbol method) =>
        method.MethodKind == MethodKind.Constructor ? $"new {method.ContainingType.Name}" : $"{method.ContainingType.Name}.{method.Name}";

    /// <summary>A <c>MemoryMarshal</c> or <c>Unsafe</c> call: reported when it reinterprets stored bytes or exposes a struct to a read.</summary>
    public static void Analyze(OperationAnalysisContext context, IInvocationOperation invocation, Func<StoredBytes> body)
    {
        if (ReinterpretedAs(invocation) is { } target)
        {
            if (body().IsStored(invocation.Arguments[0].Value))
            {
                context.ReportDiagnostic(Create(invocation, target));
            }
        }
        else if (ExposedStruct(invocation) is { } exposed && body().IsFilledByRead(invocation))
        {
            context.ReportDiagnostic(Create(invocation, exposed));
        }
    }

    /// <summary>The diagnostic for a call that is unchecked whatever its input (a memory-mapped view read, a formatter), or null.</summary>
    public static Diagnostic? AlwaysUnchecked(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (method.IsGenericMethod
            && method.Name is "Read" or "ReadArray"
            && invocation.Instance?.Type.IsOrDerivesFrom(KnownTypes.MemoryMappedViewAccessor) == true)
        {
            // A memory-mapped view is the file itself: every generic read of it reinterprets stored bytes.
            return Diagnostic.Create(
                DiagnosticDescriptors.UncheckedDeserialization,
                invocation.Syntax.GetLocation(),
                Name(method),
                string.Format(FromStorage, Display(method.TypeArguments[0])),
                string.Empty);
        }

        if (IsFormatterDeserialize(method))
        {
            return Diagnostic.Create(
                DiagnosticDescriptors.UncheckedDeserialization,
                invocation.Syntax.GetLocation(),
                Name(method),
                "a serialized object graph",
                " such as a [CheckpointState] serializer or System.Text.Json with a declared contract");
        }

        return null;
    }

    /// <summary>The type a reinterpreting call reads its first argument's bytes as, or null.</summary>
    private static ITypeSymbol? ReinterpretedAs(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (!method.IsGenericMethod || invocation.Arguments.Length == 0)
        {
            return null;
        }

        var typeArguments = method.TypeArguments;
        var isMemoryMarshal = KnownTypes.MemoryMarshal.Matches(method.ContainingType);
        var target = (isMemoryMarshal, method.Name, typeArguments.Length) switch
        {
            (true, "Cast", 2) when typeArguments[0].SpecialType == SpecialType.System_Byte => typeArguments[1],
            (true, "Read" or "TryRead" or "AsRef", 1) => typeArguments[0],
            (false, "ReadUnaligned", 1) => typeArguments[0],
            (false, "As", 2) when typeArguments[0].SpecialType == SpecialType.System_Byte => typeArguments[1],
            _ => null,
        };
        return target is null || target.SpecialType == SpecialType.System_Byte ? null : target;
    }

    /// <summary>For <c>AsBytes&lt;T&gt;</c> / <c>Cast&lt;T, byte&gt;</c>: the struct whose memory it exposes as bytes, or null.</summary>
    private static ITypeSymbol? ExposedStruct(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (!method.IsGenericMethod || !KnownTypes.MemoryMarshal.Matches(method.ContainingType))
        {
            return null;
        }

        var typeArguments = method.TypeArguments;
        if (method.Name == "AsBytes" && typeArguments.Length == 1 && typeArguments[0].SpecialType != SpecialType.System_Byte)
        {
            return typeArguments[0];
        }

        return method.Name == "Cast" && typeArguments.Length == 2
            && typeArguments[1].SpecialType == SpecialType.System_Byte
            && typeArguments[0].SpecialType != SpecialType.System_Byte
            ? typeArguments[0]
            : null;
    }

    private static Diagnostic Create(IInvocationOperation invocation, ITypeSymbol target)
    {
        var method = invocation.TargetMethod;
        var properties = ImmutableDictionary<string, string?>.Empty;
        var hint = string.Empty;
        if (KnownTypes.MemoryMarshal.Matches(method.ContainingType)
            && method.Name is "Read" or "TryRead"
            && BinaryPrimitivesName(target) is { } primitive)
        {
            var replacement = (method.Name == "TryRead" ? "Try" : string.Empty) + "Read" + primitive + "LittleEndian";
            properties = properties.Add(UncheckedDeserializationAnalyzer.FixKey, UncheckedDeserializationAnalyzer.BinaryPrimitivesFix)
                .Add(UncheckedDeserializationAnalyzer.TargetKey, replacement);
            hint = $" such as 'BinaryPrimitives.{replacement}'";
        }

        return Diagnostic.Create(
            DiagnosticDescriptors.UncheckedDeserialization,
            invocation.Syntax.GetLocation(),
            properties,
            Name(method),
            string.Format(FromStorage, Display(target)),
            hint);
    }

    private static bool IsFormatterDeserialize(IMethodSymbol method)
    {
        if (method.Name is not ("Deserialize" or "UnsafeDeserialize" or "UnsafeDeserializeMethodResponse" or "ReadObject"))
        {
            return false;
        }

        foreach (var formatter in Formatters)
        {
            if (method.ContainingType.IsOrDerivesFrom(formatter))
            {
                return true;
            }
        }

        return false;
    }

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    /// <summary>The BinaryPrimitives name part for a primitive (Int32, Double, ...), or null.</summary>
    private static string? BinaryPrimitivesName(ITypeSymbol type) =>
        type.SpecialType switch
        {
            SpecialType.System_Int16 => "Int16",
            SpecialType.System_UInt16 => "UInt16",
            SpecialType.System_Int32 => "Int32",
            SpecialType.System_UInt32 => "UInt32",
            SpecialType.System_Int64 => "Int64",
            SpecialType.System_UInt64 => "UInt64",
            SpecialType.System_IntPtr => "IntPtr",
            SpecialType.System_UIntPtr => "UIntPtr",
            SpecialType.System_Single => "Single",
            SpecialType.System_Double => "Double",
            _ => type is INamedTypeSymbol { ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true }, Name: "Half" or "Int128" or "UInt128" } named
                ? named.Name
                : null,
        };
}
