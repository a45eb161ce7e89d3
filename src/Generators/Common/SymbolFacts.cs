using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Bulwark.Generators.Common;

/// <summary>What the parsers ask of symbols and syntax: names, formats and member shapes. Used only in the model step.</summary>
internal static class SymbolFacts
{
    /// <summary><c>global::Shop.Order</c>, with keywords for special types (<c>int</c>, <c>string</c>).</summary>
    public static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayFormat.FullyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    /// <summary><see cref="FullyQualified"/> that also keeps <c>?</c> on nullable reference type arguments.</summary>
    public static readonly SymbolDisplayFormat FullyQualifiedWithNullability = FullyQualified
        .WithMiscellaneousOptions(FullyQualified.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>The type as compiler messages name it, for diagnostics.</summary>
    public static readonly SymbolDisplayFormat Display = SymbolDisplayFormat.CSharpErrorMessageFormat;

    public static string? Namespace(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null;

    /// <summary>The declaration keyword(s): <c>class</c>, <c>struct</c>, <c>record</c> or <c>record struct</c>.</summary>
    public static string Keyword(TypeDeclarationSyntax declaration) => declaration switch
    {
        RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        StructDeclarationSyntax => "struct",
        InterfaceDeclarationSyntax => "interface",
        _ => "class",
    };

    /// <summary>A file name unique per type: the full name with characters other than letters, digits, '.' and '_' replaced.</summary>
    public static string HintName(INamedTypeSymbol type, string suffix)
    {
        var name = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted));
        var builder = new StringBuilder(name.Length + suffix.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsLetterOrDigit(c) || c is '.' or '_' ? c : '_');
        }

        return builder.Append(suffix).ToString();
    }

    public static bool Is(AttributeData attribute, string metadataName) =>
        attribute.AttributeClass?.ToDisplayString() == metadataName;

    public static bool HasAttribute(ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().Any(a => Is(a, metadataName));

    public static ITypeSymbol MemberType(ISymbol member) => member is IPropertySymbol property ? property.Type : ((IFieldSymbol)member).Type;

    public static LocationInfo? MemberLocation(ISymbol member) =>
        LocationInfo.From(member.Locations.FirstOrDefault(l => l.IsInSource));

    public static bool IsRequired(ISymbol member) => member switch
    {
        IPropertySymbol property => property.IsRequired,
        IFieldSymbol field => field.IsRequired,
        _ => false,
    };

    public static bool IsNullableValueType(ITypeSymbol type) =>
        type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T };

    /// <summary>Whether a value of this type may be null: nullable value types, and reference types unless annotated non-null.</summary>
    public static bool IsNullable(ITypeSymbol type) =>
        IsNullableValueType(type) || (type.IsReferenceType && type.NullableAnnotation != NullableAnnotation.NotAnnotated);

    /// <summary><c>T</c> for <c>Nullable&lt;T&gt;</c>, otherwise the type itself.</summary>
    public static ITypeSymbol WithoutNullableWrapper(ITypeSymbol type) =>
        type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapper ? wrapper.TypeArguments[0] : type;

    public static bool IsByteArray(ITypeSymbol type) =>
        type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte };

    /// <summary>A non-generic type declared directly in namespace <c>System</c> (<c>Guid</c>, <c>DateOnly</c>...), or null.</summary>
    public static string? SystemTypeName(ITypeSymbol type) =>
        type is INamedTypeSymbol { ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true }, IsGenericType: false } system
            ? system.Name
            : null;

    /// <summary>Whether the outermost namespace is <c>System</c> or <c>Microsoft</c>.</summary>
    public static bool IsFrameworkNamespace(INamespaceSymbol? ns)
    {
        while (ns is { ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }

        return ns is { Name: "System" or "Microsoft" };
    }

    /// <summary>A class or struct the user wrote (or a library's), as opposed to a framework or special type.</summary>
    public static bool IsUserType(INamedTypeSymbol type) =>
        !type.IsGenericType
        && type.SpecialType == SpecialType.None
        && (type.Locations.Any(l => l.IsInSource) || !IsFrameworkNamespace(type.ContainingNamespace));

    public static bool SetsRequiredMembers(IMethodSymbol? constructor) =>
        constructor?.GetAttributes().Any(a => Is(a, "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute")) == true;

    /// <summary>A record's copy constructor, which is never the one to restore through.</summary>
    public static bool IsCopyConstructor(INamedTypeSymbol type, IMethodSymbol constructor) =>
        type.IsRecord && constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type);

    public static ImmutableArray<IParameterSymbol> PrimaryConstructorParameters(INamedTypeSymbol type)
    {
        foreach (var constructor in type.InstanceConstructors)
        {
            foreach (var reference in constructor.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is TypeDeclarationSyntax)
                {
                    return constructor.Parameters;
                }
            }
        }

        return ImmutableArray<IParameterSymbol>.Empty;
    }
}
