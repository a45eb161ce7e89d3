using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1001's length shape: an integer decoded from stored bytes (<c>BitConverter.ToInt32</c>,
/// <c>BinaryPrimitives.Read*</c>, <c>BinaryReader.ReadInt32</c>, ...) that sizes an allocation or a read with no bound
/// check on the way. After a torn write the length is garbage, and the reader allocates gigabytes or throws far from
/// the cause on every restart instead of reporting one corrupt file.
/// </summary>
internal static class UncheckedLengths
{
    /// <summary>One use of a stored length: the operation it sizes and the locals it went through to get there.</summary>
    public readonly struct Use(IOperation sink, string sinkName, IReadOnlyList<ILocalSymbol> locals)
    {
        public IOperation Sink { get; } = sink;

        public string SinkName { get; } = sinkName;

        public IReadOnlyList<ILocalSymbol> Locals { get; } = locals;
    }

    /// <summary>Cheap test on the method alone: could this call decode a length? (Most invocations stop here.)</summary>
    public static bool MayDecodeLength(IMethodSymbol method)
    {
        var type = method.ContainingType;
        return method.Name switch
        {
            "ToInt16" or "ToUInt16" or "ToInt32" or "ToUInt32" or "ToInt64" or "ToUInt64" => KnownTypes.BitConverter.Matches(type),
            "ReadInt16" or "ReadUInt16" or "ReadInt32" or "ReadUInt32" or "ReadInt64" or "ReadUInt64" or "Read7BitEncodedInt" or "Read7BitEncodedInt64" =>
                type.IsOrDerivesFrom(KnownTypes.BinaryReader),
            _ => KnownTypes.BinaryPrimitives.Matches(type) && IsIntegerRead(method.Name),
        };
    }

    /// <summary>
    /// The value <paramref name="invocation"/> decodes from stored bytes: the call itself, or for <c>TryRead*</c> the
    /// local its out argument sets; null when its input is not stored bytes.
    /// </summary>
    public static IOperation? DecodedValue(IInvocationOperation invocation, StoredBytes body, out ILocalSymbol? outLocal)
    {
        outLocal = null;
        var method = invocation.TargetMethod;
        if (KnownTypes.BitConverter.Matches(method.ContainingType) || KnownTypes.BinaryPrimitives.Matches(method.ContainingType))
        {
            if (invocation.Arguments.Length == 0 || !body.IsStored(invocation.Arguments[0].Value))
            {
                return null;
            }

            if (method.Name.StartsWith("Try", System.StringComparison.Ordinal))
            {
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Parameter is { RefKind: RefKind.Out } && StoredBytes.Root(argument.Value) is ILocalReferenceOperation target)
                    {
                        outLocal = target.Local;
                    }
                }

                return null;
            }

            return invocation;
        }

        return IsStoredReader(invocation.Instance, body, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)) ? invocation : null;
    }

    /// <summary>Where the value flows, through arithmetic and locals, into a size or a read length (bounding calls stop it).</summary>
    public static List<Use> UsesOf(IOperation value, ILocalSymbol? outLocal, StoredBytes body)
    {
        var uses = new List<Use>();
        var visited = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        if (outLocal is not null)
        {
            FollowLocal(outLocal, [], body, uses, visited);
        }
        else
        {
            Follow(value, [], body, uses, visited);
        }

        return uses;
    }

    private static void FollowLocal(ILocalSymbol local, List<ILocalSymbol> locals, StoredBytes body, List<Use> uses, HashSet<ILocalSymbol> visited)
    {
        if (!visited.Add(local))
        {
            return;
        }

        var through = new List<ILocalSymbol>(locals) { local };
        foreach (var read in body.ReadsOf(local))
        {
            Follow(read, through, body, uses, visited);
        }
    }

    private static void Follow(IOperation value, List<ILocalSymbol> locals, StoredBytes body, List<Use> uses, HashSet<ILocalSymbol> visited)
    {
        var current = value;
        while (current.Parent is { } parent)
        {
            switch (parent)
            {
                case IConversionOperation:
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply or BinaryOperatorKind.LeftShift }:
                    current = parent;
                    continue;
                case IArrayCreationOperation creation when creation.DimensionSizes.Contains(current):
                    uses.Add(new Use(creation, $"new {Display(((IArrayTypeSymbol)creation.Type!).ElementType)}[]", locals));
                    return;
                case { Kind: OperationKind.None, Syntax: StackAllocArrayCreationExpressionSyntax stackAllocation }:
                    var elementType = stackAllocation.Type is ArrayTypeSyntax array ? array.ElementType.ToString() : stackAllocation.Type.ToString();
                    uses.Add(new Use(parent, $"stackalloc {elementType}[]", locals));
                    return;
                case IArgumentOperation { Parameter: { } parameter, Parent: { } call }:
                    if (SinkName(call, parameter) is { } name)
                    {
                        uses.Add(new Use(call, name, locals));
                    }

                    return;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    FollowLocal(declarator.Symbol, locals, body, uses, visited);
                    return;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when assignment.Value == current:
                    FollowLocal(target.Local, locals, body, uses, visited);
                    return;
                default:
                    return;
            }
        }
    }

    /// <summary>The name of what the argument sizes, when <paramref name="parameter"/> is an allocation size or a read length.</summary>
    private static string? SinkName(IOperation call, IParameterSymbol parameter)
    {
        if (call is IObjectCreationOperation { Constructor: { } constructor } creation)
        {
            var sized = parameter.Name == "capacity"
                || (parameter.Name is "length" or "count" && (IsSpanLike(creation.Type) || KnownTypes.ArraySegment.Matches(creation.Type)));
            return sized ? $"new {constructor.ContainingType.Name}" : null;
        }

        if (call is not IInvocationOperation { TargetMethod: var method })
        {
            return null;
        }

        var type = method.ContainingType;
        var isSink = (method.Name, parameter.Name) switch
        {
            ("AllocateUninitializedArray" or "AllocateArray", "length") => KnownTypes.GC.Matches(type),
            ("Rent", "minimumLength" or "minBufferSize") => true,
            ("Resize", "newSize") => type.SpecialType == SpecialType.System_Array,
            ("Slice" or "AsSpan" or "AsMemory", "length") => true,
            ("Read" or "ReadAsync" or "ReadExactly" or "ReadExactlyAsync" or "ReadBytes" or "ReadChars" or "ReadBlock", "count") =>
                type.IsOrDerivesFrom(KnownTypes.Stream) || type.IsOrDerivesFrom(KnownTypes.BinaryReader),
            ("ReadAtLeast" or "ReadAtLeastAsync", "minimumBytes") => type.IsOrDerivesFrom(KnownTypes.Stream),
            _ => false,
        };
        return isSink ? $"{type.Name}.{method.Name}" : null;
    }

    /// <summary>A BinaryReader over a stream from storage: a parameter or field (a reader reads a stream), or one built here over such a stream.</summary>
    private static bool IsStoredReader(IOperation? reader, StoredBytes body, HashSet<ILocalSymbol> visiting)
    {
        switch (reader)
        {
            case null:
                return false;
            case IConversionOperation conversion:
                return IsStoredReader(conversion.Operand, body, visiting);
            case ILocalReferenceOperation local:
                if (!visiting.Add(local.Local))
                {
                    return false;
                }

                foreach (var value in body.AssignmentsOf(local.Local))
                {
                    if (IsStoredReader(value, body, visiting))
                    {
                        return true;
                    }
                }

                return false;
            case IObjectCreationOperation creation:
                return creation.Arguments.Length > 0 && IsStoredStream(creation.Arguments[0].Value, body, visiting);
            default:
                return true;
        }
    }

    /// <summary>A stream over storage: anything but a memory stream, unless that wraps stored bytes.</summary>
    private static bool IsStoredStream(IOperation? stream, StoredBytes body, HashSet<ILocalSymbol> visiting)
    {
        switch (stream)
        {
            case null:
                return false;
            case IConversionOperation conversion:
                return IsStoredStream(conversion.Operand, body, visiting);
            case ILocalReferenceOperation local:
                if (!visiting.Add(local.Local))
                {
                    return false;
                }

                foreach (var value in body.AssignmentsOf(local.Local))
                {
                    if (IsStoredStream(value, body, visiting))
                    {
                        return true;
                    }
                }

                return false;
            case IObjectCreationOperation creation when creation.Type.IsOrDerivesFrom(KnownTypes.MemoryStream):
                return creation.Arguments.Length > 0 && body.IsStored(creation.Arguments[0].Value);
            default:
                return !stream.Type.IsOrDerivesFrom(KnownTypes.MemoryStream);
        }
    }

    private static bool IsIntegerRead(string name) =>
        (name.StartsWith("Read", System.StringComparison.Ordinal) || name.StartsWith("TryRead", System.StringComparison.Ordinal))
        && (name.Contains("Int16") || name.Contains("Int32") || name.Contains("Int64") || name.Contains("IntPtr"));

    private static bool IsSpanLike(ITypeSymbol? type) =>
        KnownTypes.Span.Matches(type) || KnownTypes.ReadOnlySpan.Matches(type) || KnownTypes.Memory.Matches(type) || KnownTypes.ReadOnlyMemory.Matches(type);

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
