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

namespace Bulwark.Generators.ArrowRecords;

/// <summary>How a member type maps to a <see cref="ValueModel"/>: scalar kinds, decimals, enums, nested records and list shapes.</summary>
internal static partial class Parser
{
    /// <param name="container">The list or map shape holding the value (an item, a key or a value), or None for a member's own value.</param>
    private static ValueModel? ParseValue(ISymbol member, ITypeSymbol type, AttributeData? decimalAttribute, CollectionKind container, string ownerName, ITypeSymbol memberType, List<DiagnosticInfo> diagnostics)
    {
        var location = MemberLocation(member);
        var nullable = IsNullable(type);
        type = WithoutNullableWrapper(type);
        var typeName = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualified);
        ValueModel Make(ValueKind kind, int precision = 0, int scale = 0, EquatableArray<EnumMemberModel> members = default) =>
            new(kind, nullable, typeName, type.IsValueType, precision, scale, members);

        void Unsupported(string reason) =>
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedMemberType, location, member.Name, ownerName, memberType.ToDisplayString(Display), reason));

        switch (ValueKindInfo.Find(type))
        {
            case ValueKind.Decimal:
                return ParseDecimal(member, decimalAttribute, ownerName, location, diagnostics) is var (precision, scale)
                    ? Make(ValueKind.Decimal, precision, scale)
                    : null;
            case { } kind:
                return Make(kind);
        }

        if (IsByteArray(type))
        {
            return Make(ValueKind.Binary);
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType)
        {
            if (enumType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute"))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FlagsEnum, location, member.Name, ownerName, enumType.ToDisplayString(Display)));
                return null;
            }

            var members = new List<EnumMemberModel>();
            var seen = new HashSet<object>();
            foreach (var field in enumType.GetMembers().OfType<IFieldSymbol>())
            {
                if (field is { HasConstantValue: true, ConstantValue: { } constant })
                {
                    members.Add(new EnumMemberModel(field.Name, !seen.Add(constant)));
                }
            }

            if (members.Count == 0)
            {
                Unsupported(" (an enum without members has no name to store)");
                return null;
            }

            return Make(ValueKind.Enum, members: members.ToEquatableArray());
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named)
        {
            if (container != CollectionKind.None && (Collection(named).Element is not null || Map(named) is not null))
            {
                Unsupported(NestedCollectionReason(container));
                return null;
            }

            if (IsArrowRecord(named))
            {
                var fromMetadata = !named.Locations.Any(l => l.IsInSource);
                if (!fromMetadata || named.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() == StructRecordInterfaceName))
                {
                    return Make(ValueKind.Record);
                }
            }

            if (IsUserType(named))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NestedTypeNotArrowRecord, location, member.Name, ownerName, named.ToDisplayString(Display)));
                return null;
            }
        }

        if (container != CollectionKind.None && type is IArrayTypeSymbol)
        {
            Unsupported(NestedCollectionReason(container));
            return null;
        }

        Unsupported(string.Empty);
        return null;
    }

    private static string NestedCollectionReason(CollectionKind container) =>
        container.IsMap() ? " (map keys and values cannot be lists or maps)" : " (list items cannot be lists or maps)";

    /// <summary>
    /// The key of a map member, or null (reported as BWK0018) when its type cannot be one: keys are never null, and only
    /// kinds that round-trip exactly and compare as they are stored (<see cref="ValueKindInfo.NotAMapKey"/>) qualify.
    /// </summary>
    private static ValueModel? ParseMapKey(ISymbol member, ITypeSymbol keyType, string ownerName, ITypeSymbol memberType, List<DiagnosticInfo> diagnostics)
    {
        void Refuse(string reason) =>
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedMapKey, MemberLocation(member), member.Name, ownerName, memberType.ToDisplayString(Display), keyType.ToDisplayString(Display), reason));

        // Only an explicit '?' makes a key nullable: a key type from nullable-oblivious code is still a key.
        if (IsNullableValueType(keyType) || keyType.NullableAnnotation == NullableAnnotation.Annotated)
        {
            Refuse(" (a map key cannot be null)");
            return null;
        }

        // Refused by kind before parsing, which would ask a decimal key for a [Decimal] of its own.
        if (ValueKindInfo.Find(keyType) is { } scalar && ValueKindInfo.Of(scalar).NotAMapKey is { } scalarReason)
        {
            Refuse(scalarReason);
            return null;
        }

        var ownDiagnostics = new List<DiagnosticInfo>();
        var key = ParseValue(member, keyType, null, CollectionKind.Dictionary, ownerName, memberType, ownDiagnostics);
        if (key is null)
        {
            Refuse(" (it has no Arrow mapping)");
            return null;
        }

        if (ValueKindInfo.Of(key.Kind).NotAMapKey is { } reason)
        {
            Refuse(reason);
            return null;
        }

        return key with { IsNullable = false };
    }

    /// <summary>The precision and scale of a decimal member's <c>[Decimal]</c>, or null (reported) when missing or out of range.</summary>
    private static (int Precision, int Scale)? ParseDecimal(ISymbol member, AttributeData? decimalAttribute, string ownerName, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (decimalAttribute is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DecimalWithoutPrecision, location, member.Name, ownerName));
            return null;
        }

        var precision = decimalAttribute.ConstructorArguments.Length > 0 && decimalAttribute.ConstructorArguments[0].Value is int p ? p : 0;
        var scale = decimalAttribute.ConstructorArguments.Length > 1 && decimalAttribute.ConstructorArguments[1].Value is int s ? s : -1;
        if (precision is < 1 or > MaxDecimalPrecision || scale < 0 || scale > precision)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.InvalidDecimalPrecision,
                LocationInfo.From(decimalAttribute.ApplicationSyntaxReference),
                precision.ToString(CultureInfo.InvariantCulture),
                scale.ToString(CultureInfo.InvariantCulture),
                member.Name,
                ownerName));
            return null;
        }

        return (precision, scale);
    }

    private static bool IsArrowRecord(INamedTypeSymbol type) =>
        type.GetAttributes().Any(a => Is(a, ArrowRecordAttributeName));

    private static (CollectionKind Kind, ITypeSymbol? Element) Collection(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol { Rank: 1 } array)
        {
            return (CollectionKind.Array, array.ElementType);
        }

        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named)
        {
            var kind = named.OriginalDefinition.ToDisplayString() switch
            {
                "System.Collections.Generic.List<T>" => CollectionKind.List,
                "System.Collections.Generic.IReadOnlyList<T>" => CollectionKind.ReadOnlyList,
                "System.Collections.Generic.IList<T>" => CollectionKind.IList,
                _ => CollectionKind.None,
            };
            if (kind != CollectionKind.None)
            {
                return (kind, named.TypeArguments[0]);
            }
        }

        return (CollectionKind.None, null);
    }

    /// <summary>The map shape, key and value of <c>Dictionary&lt;K, V&gt;</c>, <c>IDictionary&lt;K, V&gt;</c> or <c>IReadOnlyDictionary&lt;K, V&gt;</c>, or null.</summary>
    private static (CollectionKind Kind, ITypeSymbol Key, ITypeSymbol Value)? Map(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 2 } named)
        {
            var kind = named.OriginalDefinition.ToDisplayString() switch
            {
                "System.Collections.Generic.Dictionary<TKey, TValue>" => CollectionKind.Dictionary,
                "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>" => CollectionKind.ReadOnlyDictionary,
                "System.Collections.Generic.IDictionary<TKey, TValue>" => CollectionKind.IDictionary,
                _ => CollectionKind.None,
            };
            if (kind != CollectionKind.None)
            {
                return (kind, named.TypeArguments[0], named.TypeArguments[1]);
            }
        }

        return null;
    }

    /// <summary>
    /// Follows the nested record members of <paramref name="member"/> depth-first; returns the path back to
    /// <paramref name="root"/> (e.g. <c>Node.Next -&gt; Node</c>) if there is one.
    /// </summary>
    private static string? FindCycle(INamedTypeSymbol root, ISymbol member)
    {
        var visited = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        return Visit(NestedRecord(MemberType(member)), root.Name + "." + member.Name);

        string? Visit(INamedTypeSymbol? nested, string path)
        {
            if (nested is null)
            {
                return null;
            }

            if (SymbolEqualityComparer.Default.Equals(nested, root))
            {
                return path + " -> " + root.Name;
            }

            if (!visited.Add(nested))
            {
                return null;
            }

            var parameters = PrimaryConstructorParameters(nested);
            foreach (var inner in DataMembers(nested))
            {
                if (MemberAttributes(inner, parameters).Any(a => Is(a, IgnoreAttributeName)))
                {
                    continue;
                }

                var found = Visit(NestedRecord(MemberType(inner)), path + " -> " + nested.Name + "." + inner.Name);
                if (found is not null)
                {
                    return found;
                }
            }

            return null;
        }
    }

    private static INamedTypeSymbol? NestedRecord(ITypeSymbol type)
    {
        type = WithoutNullableWrapper(type);
        if (!IsByteArray(type) && Collection(type).Element is { } element)
        {
            type = WithoutNullableWrapper(element);
        }
        else if (Map(type) is { } map)
        {
            type = WithoutNullableWrapper(map.Value);
        }

        return type is INamedTypeSymbol named && IsArrowRecord(named) ? named : null;
    }
}
