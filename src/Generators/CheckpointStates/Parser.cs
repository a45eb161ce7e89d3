using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Bulwark.Generators.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Bulwark.Generators.Common.SymbolFacts;

namespace Bulwark.Generators.CheckpointStates;

/// <summary>
/// Turns a <c>[CheckpointState]</c> type symbol into a <see cref="StateParseResult"/>: the emitter's model (strings and
/// numbers only) and the lock-file checker's input (with locations). Every decision that needs symbols is made here.
/// </summary>
internal static partial class Parser
{
    public const string CheckpointStateAttributeName = "Bulwark.CheckpointStateAttribute";
    private const string IdAttributeName = "Bulwark.IdAttribute";

    /// <summary>A member's type as its declaration reads (<c>long</c>, <c>List&lt;string&gt;?</c>), for restore errors.</summary>
    private static readonly SymbolDisplayFormat MemberDisplay = SymbolDisplayFormat.MinimallyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayFormat.MinimallyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static StateParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        var diagnostics = new List<DiagnosticInfo>();
        var displayName = type.ToDisplayString(Display);
        var typeLocation = LocationInfo.From(declaration.Identifier.GetLocation());

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StateTypeNotPartial, typeLocation, displayName));
        }

        var containingTypes = new List<ContainingTypeModel>();
        var isGeneric = type.IsGenericType;
        string? unsupportedKind = null;
        for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
        {
            isGeneric |= parent.TypeParameterList is not null;
            if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                unsupportedKind ??= $"nested in '{parent.Identifier.ValueText}', which is not partial";
            }

            containingTypes.Insert(0, new ContainingTypeModel(Keyword(parent), parent.Identifier.Text));
        }

        for (var baseType = type.BaseType; baseType is { SpecialType: SpecialType.None } && unsupportedKind is null; baseType = baseType.BaseType)
        {
            // Generated code cannot reach a base type's private members, and silently dropping them would lose state.
            if (baseType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == CheckpointStateAttributeName)
                || baseType.GetMembers().Any(m => m.GetAttributes().Any(IsIdAttribute)))
            {
                unsupportedKind = $"derived from '{baseType.ToDisplayString(Display)}', which has [Id] members of its own (hold it as a member instead)";
            }
        }

        unsupportedKind = isGeneric ? "generic or nested in a generic type"
            : type.IsRefLikeType ? "a ref struct"
            : type.IsFileLocal ? "file-local"
            : type.IsAbstract ? "abstract"
            : unsupportedKind;
        if (unsupportedKind is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StateTypeKindUnsupported, typeLocation, displayName, unsupportedKind));
        }

        var members = new List<(ISymbol Symbol, int Id, StateValueModel Value, LocationInfo? Location)>();
        var primaryParameters = PrimaryConstructorParameters(type);
        var seenMembers = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var (member, attribute) in IdMembers(type, primaryParameters, diagnostics, displayName))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!seenMembers.Add(member))
            {
                continue;
            }

            var attributeLocation = LocationInfo.From(attribute.ApplicationSyntaxReference);
            var id = attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is int value ? value : 0;
            if (id <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidStateId, attributeLocation, member.Name, displayName, id.ToString(CultureInfo.InvariantCulture)));
                continue;
            }

            var duplicate = members.FindIndex(m => m.Id == id);
            if (duplicate >= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateStateId, attributeLocation, member.Name, displayName, id.ToString(CultureInfo.InvariantCulture), members[duplicate].Symbol.Name));
                continue;
            }

            var problem = member switch
            {
                { IsStatic: true } => "is static",
                IPropertySymbol { GetMethod: null } => "has no getter",
                IPropertySymbol { IsIndexer: true } => "is an indexer",
                _ => null,
            };
            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StateMemberNotRestorable, MemberLocation(member), member.Name, displayName, problem));
                continue;
            }

            var memberType = MemberType(member);
            var valueModel = ParseValue(memberType, isItem: false, out var error);
            if (valueModel is null)
            {
                var descriptor = error.NotState is not null ? DiagnosticDescriptors.NestedTypeNotCheckpointState : DiagnosticDescriptors.StateMemberTypeUnsupported;
                diagnostics.Add(error.NotState is not null
                    ? DiagnosticInfo.Create(descriptor, MemberLocation(member), member.Name, displayName, error.NotState)
                    : DiagnosticInfo.Create(descriptor, MemberLocation(member), member.Name, displayName, memberType.ToDisplayString(Display), error.Reason ?? string.Empty));
                continue;
            }

            members.Add((member, id, valueModel, MemberLocation(member)));
        }

        var assignments = new StateMemberModel[members.Count];
        var usesConstructor = false;
        var arguments = ImmutableArray<ConstructorArgumentModel>.Empty;
        if (!diagnostics.Any(d => d.IsError))
        {
            (usesConstructor, arguments) = PlanConstruction(type, members.Select(m => m.Symbol).ToList(), members.Select(m => m.Value).ToList(), assignments, displayName, typeLocation, diagnostics);
        }

        var memberModels = new List<StateMemberModel>();
        for (var i = 0; i < members.Count; i++)
        {
            var member = assignments[i] ?? new StateMemberModel(members[i].Id, members[i].Symbol.Name, members[i].Value, AssignKind.Assign, null);
            memberModels.Add(member with { TypeDisplay = MemberType(members[i].Symbol).ToDisplayString(MemberDisplay) });
        }

        var stateTypeName = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.None));
        var lockFields = members
            .OrderBy(m => m.Id)
            .Select(m => new LockFieldModel(m.Id, m.Symbol.Name, m.Value.Canonical, m.Location))
            .ToEquatableArray();
        var model = new StateModel(
            Namespace(type),
            containingTypes.ToEquatableArray(),
            Keyword(declaration),
            declaration.Identifier.Text,
            type.ToDisplayString(FullyQualifiedWithNullability),
            stateTypeName,
            HintName(type, ".CheckpointState.g.cs"),
            Fingerprint(lockFields),
            type.IsValueType,
            memberModels.OrderBy(m => m.Id).ToEquatableArray(),
            usesConstructor,
            new EquatableArray<ConstructorArgumentModel>(arguments),
            type.GetMembers().Any(IsRequired));
        var check = new StateCheckModel(stateTypeName, displayName, typeLocation, lockFields);
        return new StateParseResult(ParseResult<StateModel>.Create(model, diagnostics), check);
    }

    /// <summary>FNV-1a over the sorted (id, name, type) table: stable across processes, unlike string.GetHashCode.</summary>
    internal static ulong Fingerprint(IEnumerable<LockFieldModel> fields)
    {
        var hash = 14695981039346656037UL;
        foreach (var field in fields.OrderBy(f => f.Id))
        {
            foreach (var b in Encoding.UTF8.GetBytes(field.Id.ToString(CultureInfo.InvariantCulture) + ":" + field.Name + ":" + field.Type + "\n"))
            {
                hash = unchecked((hash ^ b) * 1099511628211UL);
            }
        }

        return hash;
    }

    private readonly struct ValueError
    {
        public ValueError(string? reason, string? notState)
        {
            Reason = reason;
            NotState = notState;
        }

        public string? Reason { get; }

        public string? NotState { get; }
    }

    private static StateValueModel? ParseValue(ITypeSymbol type, bool isItem, out ValueError error)
    {
        error = default;
        var nullable = IsNullable(type);
        type = WithoutNullableWrapper(type);

        var typeName = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualifiedWithNullability);
        StateValueModel Make(StateValueKind kind, string canonical, StateValueKind underlying = StateValueKind.Int32, params StateValueModel[] arguments) =>
            new(kind, nullable, typeName, type.IsValueType, underlying, arguments.ToEquatableArray(), canonical + (nullable ? "?" : string.Empty));

        var scalar = Scalar(type);
        if (scalar is { } s)
        {
            return Make(s.Kind, s.Canonical);
        }

        if (IsByteArray(type))
        {
            return Make(StateValueKind.Bytes, "bytes");
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlyingType } enumType && Scalar(underlyingType) is { } underlying)
        {
            return Make(StateValueKind.Enum, $"enum({enumType.ToDisplayString(Display)}):{underlying.Canonical}", underlying.Kind);
        }

        if (type is IArrayTypeSymbol array)
        {
            if (array.Rank != 1)
            {
                error = new ValueError(" (only one-dimensional arrays are supported)", null);
                return null;
            }

            var element = ParseValue(array.ElementType, isItem: true, out error);
            return element is null ? null : Make(StateValueKind.Array, $"array<{element.Canonical}>", StateValueKind.Int32, element);
        }

        if (type is INamedTypeSymbol named)
        {
            if (named.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == CheckpointStateAttributeName))
            {
                return Make(StateValueKind.State, $"state({named.ToDisplayString(Display)})");
            }

            var definition = named.IsGenericType ? named.OriginalDefinition.ToDisplayString() : null;
            switch (definition)
            {
                case "System.Collections.Generic.List<T>":
                case "System.Collections.Generic.HashSet<T>":
                {
                    var element = ParseValue(named.TypeArguments[0], isItem: true, out error);
                    var isList = definition.EndsWith("List<T>", StringComparison.Ordinal);
                    return element is null ? null : Make(isList ? StateValueKind.List : StateValueKind.HashSet, (isList ? "list<" : "hashset<") + element.Canonical + ">", StateValueKind.Int32, element);
                }

                case "System.Collections.Generic.Dictionary<TKey, TValue>":
                {
                    var key = ParseValue(named.TypeArguments[0], isItem: true, out error);
                    if (key is null)
                    {
                        return null;
                    }

                    if (key.IsNullable)
                    {
                        error = new ValueError(" (dictionary keys cannot be null)", null);
                        return null;
                    }

                    var value = ParseValue(named.TypeArguments[1], isItem: true, out error);
                    return value is null ? null : Make(StateValueKind.Dictionary, $"dictionary<{key.Canonical},{value.Canonical}>", StateValueKind.Int32, key, value);
                }
            }

            if (named.TypeKind is TypeKind.Class or TypeKind.Struct && IsUserType(named))
            {
                error = new ValueError(null, named.ToDisplayString(Display));
                return null;
            }
        }

        error = new ValueError(string.Empty, null);
        return null;
    }

    private static (StateValueKind Kind, string Canonical)? Scalar(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return (StateValueKind.Boolean, "bool");
            case SpecialType.System_SByte: return (StateValueKind.SByte, "int8");
            case SpecialType.System_Int16: return (StateValueKind.Int16, "int16");
            case SpecialType.System_Int32: return (StateValueKind.Int32, "int32");
            case SpecialType.System_Int64: return (StateValueKind.Int64, "int64");
            case SpecialType.System_Byte: return (StateValueKind.Byte, "uint8");
            case SpecialType.System_UInt16: return (StateValueKind.UInt16, "uint16");
            case SpecialType.System_UInt32: return (StateValueKind.UInt32, "uint32");
            case SpecialType.System_UInt64: return (StateValueKind.UInt64, "uint64");
            case SpecialType.System_Char: return (StateValueKind.Char, "char");
            case SpecialType.System_Single: return (StateValueKind.Single, "float32");
            case SpecialType.System_Double: return (StateValueKind.Double, "float64");
            case SpecialType.System_Decimal: return (StateValueKind.Decimal, "decimal");
            case SpecialType.System_String: return (StateValueKind.String, "string");
            case SpecialType.System_DateTime: return (StateValueKind.DateTime, "datetime");
        }

        switch (SystemTypeName(type))
        {
            case "Guid": return (StateValueKind.Guid, "guid");
            case "DateTimeOffset": return (StateValueKind.DateTimeOffset, "datetimeoffset");
            case "TimeSpan": return (StateValueKind.TimeSpan, "timespan");
            case "DateOnly": return (StateValueKind.DateOnly, "dateonly");
            case "TimeOnly": return (StateValueKind.TimeOnly, "timeonly");
        }

        return null;
    }

    /// <summary>
    /// Fields and properties declared in the type with <c>[Id]</c>, in declaration order, plus record properties whose
    /// positional parameter carries it. <c>[Id]</c> on a primary-constructor parameter of a class or struct marks no member.
    /// </summary>
    private static IEnumerable<(ISymbol Member, AttributeData Attribute)> IdMembers(
        INamedTypeSymbol type, ImmutableArray<IParameterSymbol> primaryParameters, List<DiagnosticInfo> diagnostics, string displayName)
    {
        foreach (var parameter in primaryParameters)
        {
            var attribute = parameter.GetAttributes().FirstOrDefault(IsIdAttribute);
            if (attribute is null)
            {
                continue;
            }

            var property = type.IsRecord ? type.GetMembers(parameter.Name).OfType<IPropertySymbol>().FirstOrDefault() : null;
            if (property is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.StateMemberNotRestorable,
                    LocationInfo.From(parameter.Locations.FirstOrDefault()),
                    parameter.Name,
                    displayName,
                    "is a primary-constructor parameter, not a field or property"));
                continue;
            }

            yield return (property, attribute);
        }

        foreach (var member in type.GetMembers())
        {
            if (member is not (IFieldSymbol or IPropertySymbol) || member.IsImplicitlyDeclared && member is IFieldSymbol)
            {
                continue;
            }

            var attribute = member.GetAttributes().FirstOrDefault(IsIdAttribute);
            if (attribute is not null)
            {
                yield return (member, attribute);
            }
        }
    }

    private static bool IsIdAttribute(AttributeData attribute) => attribute.AttributeClass?.ToDisplayString() == IdAttributeName;
}
