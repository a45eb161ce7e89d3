using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1001: stored bytes reinterpreted without validation. Three shapes:
/// <list type="bullet">
/// <item>a reinterpreting primitive (<c>MemoryMarshal.Cast/Read/TryRead/AsRef</c>, <c>Unsafe.ReadUnaligned/As</c>) over
/// bytes that, within the method, came from a file, stream, pipe or storage-backend read; or a struct's memory
/// (<c>MemoryMarshal.AsBytes</c>, <c>Cast&lt;T, byte&gt;</c>) handed to such a read as its buffer, which fills the
/// struct straight from the file;</item>
/// <item>object-graph formatters (<c>BinaryFormatter</c> and friends), wherever their input comes from;</item>
/// <item>any API marked <c>[UncheckedDeserialization]</c>, except from a method that is itself marked (it passes the
/// duty on to its callers) or from the replacement the attribute names (that is where the validation lives).</item>
/// </list>
/// The data flow is local and flow-insensitive: a local counts as stored bytes if any assignment in the method makes it
/// so, or if it is the buffer of a read. Bytes that arrive as a parameter or field are the caller's to validate.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UncheckedDeserializationAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: which fix applies ("Replacement" or "BinaryPrimitives").</summary>
    public const string FixKey = "Fix";

    /// <summary>Diagnostic property: the replacement method name (for "Replacement") or the BinaryPrimitives method (for "BinaryPrimitives").</summary>
    public const string TargetKey = "Target";

    public const string ReplacementFix = "Replacement";
    public const string BinaryPrimitivesFix = "BinaryPrimitives";

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

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [DiagnosticDescriptors.UncheckedDeserialization];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationBlockStartAction(OnBlockStart);
    }

    private static void OnBlockStart(OperationBlockStartAnalysisContext context)
    {
        var owner = context.OwningSymbol as IMethodSymbol;
        if (owner?.GetInheritedAttribute(KnownTypes.UncheckedDeserializationAttribute) is not null)
        {
            return;
        }

        var facts = new BodyFacts();
        context.RegisterOperationAction(c => facts.AddDeclarator((IVariableDeclaratorOperation)c.Operation), OperationKind.VariableDeclarator);
        context.RegisterOperationAction(c => facts.AddAssignment((ISimpleAssignmentOperation)c.Operation), OperationKind.SimpleAssignment);
        context.RegisterOperationAction(c => OnInvocation(c, owner, facts), OperationKind.Invocation);
        context.RegisterOperationAction(c => OnCreation(c, owner), OperationKind.ObjectCreation);
        context.RegisterOperationBlockEndAction(c => facts.Report(c));
    }

    private static void OnInvocation(OperationAnalysisContext context, IMethodSymbol? owner, BodyFacts facts)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        var type = method.ContainingType;

        if (KnownTypes.MemoryMarshal.Matches(type) || KnownTypes.Unsafe.Matches(type))
        {
            facts.AddReinterpretation(invocation);
            return;
        }

        if (method.IsGenericMethod
            && method.Name is "Read" or "ReadArray"
            && invocation.Instance?.Type.IsOrDerivesFrom(KnownTypes.MemoryMappedViewAccessor) == true)
        {
            // A memory-mapped view is the file itself: every generic read of it reinterprets stored bytes.
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.UncheckedDeserialization,
                invocation.Syntax.GetLocation(),
                Name(method),
                string.Format(FromStorage, Display(method.TypeArguments[0])),
                string.Empty));
            return;
        }

        if (IsFormatterDeserialize(method))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.UncheckedDeserialization,
                invocation.Syntax.GetLocation(),
                Name(method),
                "a serialized object graph",
                " such as a [CheckpointState] serializer or System.Text.Json with a declared contract"));
            return;
        }

        if (ReportIfMarked(context, method, owner, invocation.Syntax, isInvocation: true))
        {
            return;
        }

        facts.AddRead(invocation);
    }

    private static void OnCreation(OperationAnalysisContext context, IMethodSymbol? owner)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (creation.Constructor is { } constructor)
        {
            ReportIfMarked(context, constructor, owner, creation.Syntax, isInvocation: false);
        }
    }

    private static bool ReportIfMarked(OperationAnalysisContext context, IMethodSymbol method, IMethodSymbol? owner, SyntaxNode syntax, bool isInvocation)
    {
        var attribute = method.GetInheritedAttribute(KnownTypes.UncheckedDeserializationAttribute);
        if (attribute is null)
        {
            return false;
        }

        var replacement = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string { Length: > 0 } text ? text : null;
        if (replacement is not null
            && owner is not null
            && owner.Name == LastSegment(replacement)
            && SymbolEqualityComparer.Default.Equals(owner.ContainingType, method.ContainingType))
        {
            return true;
        }

        var properties = replacement is not null && isInvocation
            ? ImmutableDictionary<string, string?>.Empty.Add(FixKey, ReplacementFix).Add(TargetKey, replacement)
            : ImmutableDictionary<string, string?>.Empty;
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.UncheckedDeserialization,
            syntax.GetLocation(),
            properties,
            Name(method),
            "its input",
            replacement is null ? string.Empty : $" such as '{replacement}'"));
        return true;
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

    private static string Name(IMethodSymbol method) =>
        method.MethodKind == MethodKind.Constructor ? $"new {method.ContainingType.Name}" : $"{method.ContainingType.Name}.{method.Name}";

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    private static string LastSegment(string name) => name.Substring(name.LastIndexOf('.') + 1);

    /// <summary>What one method body says about where its bytes come from, gathered while the compiler walks it once.</summary>
    private sealed class BodyFacts
    {
        private readonly ConcurrentDictionary<ILocalSymbol, ConcurrentQueue<IOperation>> _assignments = new(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<ILocalSymbol, byte> _filled = new(SymbolEqualityComparer.Default);
        private readonly ConcurrentQueue<IInvocationOperation> _reinterpretations = new();
        private readonly ConcurrentQueue<IOperation> _readBuffers = new();

        public void AddDeclarator(IVariableDeclaratorOperation declarator)
        {
            if (declarator.GetVariableInitializer() is { } initializer)
            {
                Assign(declarator.Symbol, initializer.Value);
            }
        }

        public void AddAssignment(ISimpleAssignmentOperation assignment)
        {
            if (assignment.Target is ILocalReferenceOperation local)
            {
                Assign(local.Local, assignment.Value);
            }
        }

        public void AddReinterpretation(IInvocationOperation invocation) => _reinterpretations.Enqueue(invocation);

        /// <summary>Records the buffers a read fills; they hold stored bytes from here on.</summary>
        public void AddRead(IInvocationOperation invocation)
        {
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
                        _filled.TryAdd(result.Local, 0);
                    }
                }
                else if (IsByteBuffer(parameter.Type))
                {
                    _readBuffers.Enqueue(argument.Value);
                    if (Root(argument.Value) is ILocalReferenceOperation buffer)
                    {
                        _filled.TryAdd(buffer.Local, 0);
                    }
                }
            }
        }

        public void Report(OperationBlockAnalysisContext context)
        {
            var reported = new HashSet<IOperation>();
            foreach (var invocation in _reinterpretations)
            {
                if (ReadsStoredBytes(invocation) is { } target && reported.Add(invocation))
                {
                    context.ReportDiagnostic(Create(invocation, target));
                }
            }

            foreach (var buffer in _readBuffers)
            {
                foreach (var exposed in StructMemoryBehind(buffer))
                {
                    if (reported.Add(exposed.Invocation))
                    {
                        context.ReportDiagnostic(Create(exposed.Invocation, exposed.Type));
                    }
                }
            }
        }

        private void Assign(ILocalSymbol local, IOperation value) =>
            _assignments.GetOrAdd(local, _ => new ConcurrentQueue<IOperation>()).Enqueue(value);

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
                properties = properties.Add(FixKey, BinaryPrimitivesFix).Add(TargetKey, replacement);
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

        /// <summary>The type the call reinterprets stored bytes as, if its input is stored bytes; null otherwise.</summary>
        private ITypeSymbol? ReadsStoredBytes(IInvocationOperation invocation)
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
            if (target is null || target.SpecialType == SpecialType.System_Byte)
            {
                return null;
            }

            var data = invocation.Arguments[0].Value;
            return IsStored(data, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)) ? target : null;
        }

        private bool IsStored(IOperation? operation, HashSet<ILocalSymbol> visiting)
        {
            switch (operation)
            {
                case null:
                    return false;
                case ILocalReferenceOperation local:
                    if (_filled.ContainsKey(local.Local))
                    {
                        return true;
                    }

                    if (!visiting.Add(local.Local) || !_assignments.TryGetValue(local.Local, out var values))
                    {
                        return false;
                    }

                    foreach (var value in values)
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

        /// <summary>
        /// For a buffer handed to a read: the <c>AsBytes</c> / <c>Cast&lt;T, byte&gt;</c> calls that expose a struct's
        /// memory as that buffer, directly or through a local.
        /// </summary>
        private IEnumerable<(IInvocationOperation Invocation, ITypeSymbol Type)> StructMemoryBehind(IOperation buffer)
        {
            var root = Root(buffer);
            if (AsStructMemory(root) is { } direct)
            {
                yield return direct;
            }
            else if (root is ILocalReferenceOperation local && _assignments.TryGetValue(local.Local, out var values))
            {
                foreach (var value in values)
                {
                    if (AsStructMemory(Root(value)) is { } viaLocal)
                    {
                        yield return viaLocal;
                    }
                }
            }
        }

        private static (IInvocationOperation, ITypeSymbol)? AsStructMemory(IOperation operation)
        {
            if (operation is IInvocationOperation { TargetMethod: { IsGenericMethod: true } method } invocation
                && KnownTypes.MemoryMarshal.Matches(method.ContainingType))
            {
                var typeArguments = method.TypeArguments;
                if (method.Name == "AsBytes" && typeArguments.Length == 1 && typeArguments[0].SpecialType != SpecialType.System_Byte)
                {
                    return (invocation, typeArguments[0]);
                }

                if (method.Name == "Cast" && typeArguments.Length == 2
                    && typeArguments[1].SpecialType == SpecialType.System_Byte
                    && typeArguments[0].SpecialType != SpecialType.System_Byte)
                {
                    return (invocation, typeArguments[0]);
                }
            }

            return null;
        }

        /// <summary>The operation with views (slices, spans over arrays, conversions) peeled off: a local, or where the bytes are made.</summary>
        private static IOperation Root(IOperation operation)
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
        private static bool IsFillingRead(IMethodSymbol method)
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
}
