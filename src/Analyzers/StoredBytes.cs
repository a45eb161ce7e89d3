using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1001's data flow over one body (a member with its lambdas and local functions): which locals hold bytes read
/// from storage, which buffers reads fill, and where each local is read. Built once, on demand, for the few bodies that
/// call something BWK1001 looks at. Local and flow-insensitive: a local holds stored bytes if any assignment in the
/// body makes it so, or if it is the buffer of a read. Bytes that arrive as a parameter or field are the caller's.
/// </summary>
internal sealed class StoredBytes
{
    private readonly Dictionary<ILocalSymbol, List<IOperation>> _assignments = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ILocalSymbol, List<ILocalReferenceOperation>> _reads = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ILocalSymbol, IInvocationOperation> _outs = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ILocalSymbol> _filled = new(SymbolEqualityComparer.Default);
    private readonly List<IOperation> _readBuffers = [];

    public StoredBytes(IOperation root)
    {
        Body = root;
        foreach (var operation in root.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when declarator.GetVariableInitializer() is { } initializer:
                    Assign(declarator.Symbol, initializer.Value);
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment:
                    Assign(local.Local, assignment.Value);
                    break;
                case ILocalReferenceOperation reference when !IsWriteOnly(reference):
                    Add(_reads, reference.Local, reference);
                    break;
                case IInvocationOperation invocation:
                    AddInvocation(invocation);
                    break;
            }
        }
    }

    /// <summary>The outermost operation of the analysed body.</summary>
    public IOperation Body { get; }

    /// <summary>Every read of <paramref name="local"/> in the body.</summary>
    public IReadOnlyList<ILocalReferenceOperation> ReadsOf(ILocalSymbol local) =>
        _reads.TryGetValue(local, out var reads) ? reads : [];

    /// <summary>The values assigned to <paramref name="local"/> in the body.</summary>
    public IReadOnlyList<IOperation> AssignmentsOf(ILocalSymbol local) =>
        _assignments.TryGetValue(local, out var values) ? values : [];

    /// <summary>The call that sets <paramref name="local"/> through an <c>out</c> argument, if any.</summary>
    public IInvocationOperation? OutSourceOf(ILocalSymbol local) => _outs.TryGetValue(local, out var call) ? call : null;

    /// <summary>The value of <paramref name="operation"/> is (a view of) bytes read from storage in this body.</summary>
    public bool IsStored(IOperation? operation) => IsStored(operation, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default));

    /// <summary>
    /// For the buffer of a read: the <c>AsBytes</c> / <c>Cast&lt;T, byte&gt;</c> call that exposes a struct's memory as
    /// that buffer, directly or through a local, is <paramref name="invocation"/>.
    /// </summary>
    public bool IsFilledByRead(IInvocationOperation invocation)
    {
        foreach (var buffer in _readBuffers)
        {
            var root = Root(buffer);
            if (root == invocation)
            {
                return true;
            }

            if (root is ILocalReferenceOperation local && AssignmentsOf(local.Local).Any(value => Root(value) == invocation))
            {
                return true;
            }
        }

        return false;
    }

    private void AddInvocation(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { RefKind: RefKind.Out } && Root(argument.Value) is ILocalReferenceOperation target)
            {
                _outs[target.Local] = invocation;
            }
        }

        if (!IsFillingRead(invocation.TargetMethod))
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            var parameter = argument.Parameter;
            if (parameter is null)
            {
                continue;
            }

            if (parameter.RefKind == RefKind.Out && KnownTypes.ReadResult.Matches(parameter.Type))
            {
                if (Root(argument.Value) is ILocalReferenceOperation result)
                {
                    _filled.Add(result.Local);
                }
            }
            else if (IsByteBuffer(parameter.Type))
            {
                _readBuffers.Add(argument.Value);
                if (Root(argument.Value) is ILocalReferenceOperation buffer)
                {
                    _filled.Add(buffer.Local);
                }
            }
        }
    }

    private void Assign(ILocalSymbol local, IOperation value) => Add(_assignments, local, value);

    private static void Add<T>(Dictionary<ILocalSymbol, List<T>> map, ILocalSymbol local, T value)
    {
        if (!map.TryGetValue(local, out var list))
        {
            list = [];
            map.Add(local, list);
        }

        list.Add(value);
    }

    private static bool IsWriteOnly(ILocalReferenceOperation reference) =>
        (reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference)
        || reference.IsDeclaration;

    private bool IsStored(IOperation? operation, HashSet<ILocalSymbol> visiting)
    {
        switch (operation)
        {
            case null:
                return false;
            case ILocalReferenceOperation local:
                if (_filled.Contains(local.Local))
                {
                    return true;
                }

                if (!visiting.Add(local.Local))
                {
                    return false;
                }

                foreach (var value in AssignmentsOf(local.Local))
                {
                    if (IsStored(value, visiting))
                    {
                        return true;
                    }
                }

                return false;
            case IInvocationOperation invocation when IsReturningRead(invocation.TargetMethod):
                return true;
            case IConditionalOperation conditional:
                return IsStored(conditional.WhenTrue, visiting) || IsStored(conditional.WhenFalse, visiting);
            case ICoalesceOperation coalesce:
                return IsStored(coalesce.Value, visiting) || IsStored(coalesce.WhenNull, visiting);
            default:
                var inner = ViewSource(operation);
                return inner is not null && IsStored(inner, visiting);
        }
    }

    /// <summary>The operation with views (slices, spans over arrays, conversions) peeled off: a local, or where the bytes are made.</summary>
    public static IOperation Root(IOperation operation)
    {
        var current = operation;
        while (!(current is IInvocationOperation call && KnownTypes.MemoryMarshal.Matches(call.TargetMethod.ContainingType)))
        {
            var inner = current is IDeclarationExpressionOperation declaration ? declaration.Expression : ViewSource(current);
            if (inner is null)
            {
                break;
            }

            current = inner;
        }

        return current;
    }

    /// <summary>
    /// The operation whose bytes <paramref name="operation"/> merely views or passes through (a conversion, an
    /// await, a slice, an element reference, a span over an array, <c>ReadResult.Buffer</c>), or null.
    /// </summary>
    private static IOperation? ViewSource(IOperation operation)
    {
        switch (operation)
        {
            case IConversionOperation conversion:
                return conversion.Operand;
            case IAwaitOperation await:
                return await.Operation;
            case IAddressOfOperation addressOf:
                return addressOf.Reference;
            case IArrayElementReferenceOperation element:
                return element.ArrayReference;
            case IImplicitIndexerReferenceOperation indexer:
                return indexer.Instance;
            case IPropertyReferenceOperation property when property.Property.IsIndexer
                || property.Property.Name is "Span" or "First" or "FirstSpan" or "Buffer" or "Result" or "Array":
                return property.Instance;
            case IObjectCreationOperation creation when creation.Arguments.Length > 0 && IsSpanLike(creation.Type):
                return creation.Arguments[0].Value;
            case IInvocationOperation invocation when IsView(invocation.TargetMethod):
                return invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
            case { Kind: OperationKind.None } unbound when unbound.ChildOperations.Count == 1:
                // The array or string pinned by a 'fixed' initializer has no operation kind of its own yet.
                return unbound.ChildOperations.First();
            default:
                return null;
        }
    }

    private static bool IsView(IMethodSymbol method) =>
        method.Name switch
        {
            "AsSpan" or "AsMemory" or "Slice" or "ToArray" or "GetAwaiter" or "GetResult" or "ConfigureAwait" => true,
            "GetReference" or "GetArrayDataReference" or "CreateSpan" or "CreateReadOnlySpan" => KnownTypes.MemoryMarshal.Matches(method.ContainingType),
            "Add" or "AddByteOffset" or "AsRef" => KnownTypes.Unsafe.Matches(method.ContainingType),
            _ => false,
        };

    private static bool IsSpanLike(ITypeSymbol? type) =>
        KnownTypes.Span.Matches(type) || KnownTypes.ReadOnlySpan.Matches(type) || KnownTypes.Memory.Matches(type)
        || KnownTypes.ReadOnlyMemory.Matches(type) || KnownTypes.ArraySegment.Matches(type) || KnownTypes.ReadOnlySequence.Matches(type);

    private static bool IsByteBuffer(ITypeSymbol type) =>
        type switch
        {
            IArrayTypeSymbol array => array.ElementType.SpecialType == SpecialType.System_Byte,
            INamedTypeSymbol { TypeArguments.Length: 1 } named when named.TypeArguments[0].SpecialType == SpecialType.System_Byte =>
                KnownTypes.Span.Matches(named) || KnownTypes.Memory.Matches(named),
            _ => false,
        };

    /// <summary>A read that fills a caller's buffer (or, for a pipe, an out <c>ReadResult</c>) with stored bytes.</summary>
    public static bool IsFillingRead(IMethodSymbol method)
    {
        var type = method.ContainingType;
        return method.Name switch
        {
            "Read" or "ReadAsync" or "ReadExactly" or "ReadExactlyAsync" or "ReadAtLeast" or "ReadAtLeastAsync" =>
                type.IsOrDerivesFrom(KnownTypes.Stream) || KnownTypes.BinaryReader.Matches(type) || KnownTypes.RandomAccess.Matches(type),
            "TryRead" => type.IsOrDerivesFrom(KnownTypes.PipeReader),
            _ => false,
        };
    }

    /// <summary>A read that returns stored bytes (or a pipe's <c>ReadResult</c> holding them).</summary>
    private static bool IsReturningRead(IMethodSymbol method)
    {
        var type = method.ContainingType;
        return method.Name switch
        {
            "ReadAllBytes" or "ReadAllBytesAsync" => KnownTypes.File.Matches(type) || type.IsOrDerivesFrom(KnownTypes.StorageBackend),
            "ReadBytes" => KnownTypes.BinaryReader.Matches(type),
            "ReadAsync" or "ReadAtLeastAsync" => type.IsOrDerivesFrom(KnownTypes.PipeReader),
            _ => false,
        };
    }
}
