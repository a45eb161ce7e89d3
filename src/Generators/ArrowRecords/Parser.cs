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

/// <summary>
/// Turns an <c>[ArrowRecord]</c> type symbol into a <see cref="RecordModel"/>. Everything that needs the semantic model
/// happens here; the model keeps only strings and numbers so that the emitter step stays cached across unrelated edits.
/// </summary>
internal static partial class Parser
{
    public const string ArrowRecordAttributeName = "Bulwark.ArrowRecordAttribute";
    private const string ColumnAttributeName = "Bulwark.ColumnAttribute";
    private const string DecimalAttributeName = "Bulwark.DecimalAttribute";
    private const string IgnoreAttributeName = "Bulwark.IgnoreAttribute";
    private const string StructRecordInterfaceName = "Bulwark.Records.IArrowStructRecord<T>";
    private const int MaxDecimalPrecision = 28;

    public static ParseResult<RecordModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse(
            (INamedTypeSymbol)context.TargetSymbol,
            (TypeDeclarationSyntax)context.TargetNode,
            context.Attributes,
            context.SemanticModel.Compilation,
            new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default),
            cancellationToken);

    /// <param name="visiting">Records being parsed up the stack, so that checking nested records ends at cycles.</param>
    private static ParseResult<RecordModel> Parse(
        INamedTypeSymbol type,
        TypeDeclarationSyntax declaration,
        ImmutableArray<AttributeData> recordAttributes,
        Compilation compilation,
        HashSet<INamedTypeSymbol> visiting,
        CancellationToken cancellationToken)
    {
        visiting.Add(type);
        var diagnostics = new List<DiagnosticInfo>();
        var displayName = type.ToDisplayString(Display);
        var typeLocation = LocationInfo.From(declaration.Identifier.GetLocation());

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, typeLocation, displayName));
        }

        var containingTypes = new List<ContainingTypeModel>();
        var isGeneric = type.IsGenericType;
        for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
        {
            isGeneric |= parent.TypeParameterList is not null;
            if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, typeLocation, displayName, parent.Identifier.ValueText));
            }

            containingTypes.Insert(0, new ContainingTypeModel(Keyword(parent), parent.Identifier.Text));
        }

        var unsupportedKind = isGeneric ? "generic or nested in a generic type"
            : type.IsRefLikeType ? "a ref struct"
            : type.IsFileLocal ? "file-local"
            : null;
        if (unsupportedKind is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedTypeKind, typeLocation, displayName, unsupportedKind));
        }

        var tableName = ParseTableName(type, recordAttributes, displayName, diagnostics);

        var columns = new List<ColumnModel>();
        var columnMembers = new List<ISymbol>();
        var primaryParameters = PrimaryConstructorParameters(type);

        // The attribute on two partial declarations is already compiler error CS0579; each would emit the same file.
        string? blockedBy = type.GetAttributes().Count(a => Is(a, ArrowRecordAttributeName)) > 1 ? displayName : null;
        foreach (var member in DataMembers(type))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attributes = MemberAttributes(member, primaryParameters);
            if (attributes.Any(a => Is(a, IgnoreAttributeName)))
            {
                continue;
            }

            var column = ParseColumn(member, attributes, displayName, diagnostics);
            if (column is null)
            {
                continue;
            }

            var columnAttribute = attributes.FirstOrDefault(a => Is(a, ColumnAttributeName));
            var location = columnAttribute is null ? MemberLocation(member) : LocationInfo.From(columnAttribute.ApplicationSyntaxReference);
            var duplicate = columns.FindIndex(c => string.Equals(c.ColumnName, column.ColumnName, StringComparison.Ordinal));
            if (duplicate >= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateColumnName, location, member.Name, displayName, column.ColumnName, columns[duplicate].MemberName));
                continue;
            }

            var cycle = FindCycle(type, member);
            if (cycle is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RecursiveRecord, MemberLocation(member), member.Name, displayName, cycle));
                continue;
            }

            if (blockedBy is null && NestedRecord(MemberType(member)) is { } nested && !visiting.Contains(nested) && IsBroken(nested, compilation, visiting, cancellationToken))
            {
                blockedBy = nested.ToDisplayString(Display);
            }

            columns.Add(column);
            columnMembers.Add(member);
        }

        var constructorArguments = ImmutableArray<ConstructorArgument>.Empty;
        var initialized = ImmutableArray<int>.Empty;
        if (!diagnostics.Any(d => d.IsError))
        {
            (constructorArguments, initialized) = PlanConstruction(type, columns, columnMembers, compilation, displayName, typeLocation, diagnostics);
        }

        if (columns.Count == 0 && !diagnostics.Any(d => d.IsError))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoColumns, typeLocation, displayName));
        }

        var hidesInherited = false;
        for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            hidesInherited |= IsArrowRecord(baseType);
        }

        ReportReservedNames(type, hidesInherited, displayName, typeLocation, diagnostics);

        var model = new RecordModel(
            Namespace(type),
            containingTypes.ToEquatableArray(),
            Keyword(declaration),
            declaration.Identifier.Text,
            type.ToDisplayString(FullyQualified),
            displayName,
            HintName(type, ".ArrowRecord.g.cs"),
            tableName,
            hidesInherited,
            columns.ToEquatableArray(),
            new EquatableArray<ConstructorArgument>(constructorArguments),
            new EquatableArray<int>(initialized));

        // A nested record this one stores that cannot be generated (it has errors of its own) blocks this one too.
        return ParseResult<RecordModel>.Create(model, diagnostics, canEmit: blockedBy is null);
    }

    /// <summary>
    /// Whether a nested record declared in this compilation has errors that keep its own code from being generated:
    /// code that stores it would then not compile, burying the nested record's diagnostic under compiler errors.
    /// </summary>
    private static bool IsBroken(INamedTypeSymbol nested, Compilation compilation, HashSet<INamedTypeSymbol> visiting, CancellationToken cancellationToken)
    {
        var attribute = nested.GetAttributes().FirstOrDefault(a => Is(a, ArrowRecordAttributeName));
        if (attribute?.ApplicationSyntaxReference is not { } reference || !nested.Locations.Any(l => l.IsInSource))
        {
            return false;
        }

        var declaration = reference.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>();
        return declaration is not null
            && Parse(nested, declaration, ImmutableArray.Create(attribute), compilation, visiting, cancellationToken).Model is null;
    }

    /// <summary>The names the emitter adds to the record type.</summary>
    private static readonly string[] ReservedNames = ["TableName", "ArrowSchema", "CreateBatchBuilder", "ReadBatch", "BatchBuilder", "ArrowReader"];

    /// <summary>
    /// A member named like a generated one would not compile, and an inherited one would be hidden with a warning.
    /// Bases that are Arrow records themselves are fine: the generated members are declared <c>new</c>.
    /// </summary>
    private static void ReportReservedNames(INamedTypeSymbol type, bool hidesInherited, string displayName, LocationInfo? typeLocation, List<DiagnosticInfo> diagnostics)
    {
        foreach (var name in ReservedNames)
        {
            for (var current = type; current is not null; current = hidesInherited ? null : current.BaseType)
            {
                var member = current.GetMembers(name).FirstOrDefault(m =>
                    !m.IsImplicitlyDeclared && (SymbolEqualityComparer.Default.Equals(current, type) || m.DeclaredAccessibility != Accessibility.Private));
                if (member is not null)
                {
                    var location = SymbolEqualityComparer.Default.Equals(current, type) ? MemberLocation(member) : typeLocation;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedMemberConflict, location, displayName, name, current.ToDisplayString(Display)));
                    break;
                }
            }
        }
    }

    private static string ParseTableName(INamedTypeSymbol type, ImmutableArray<AttributeData> attributes, string displayName, List<DiagnosticInfo> diagnostics)
    {
        var attribute = attributes.FirstOrDefault();
        if (attribute is { ConstructorArguments.Length: > 0 } && attribute.ConstructorArguments[0].Value is string name)
        {
            if (!IsValidName(name) || name.IndexOf('/') >= 0 || name.IndexOf('\\') >= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTableName, LocationInfo.From(attribute.ApplicationSyntaxReference), name, displayName));
            }

            return name;
        }

        return ToSnakeCase(type.Name);
    }

    /// <summary>snake_case of a PascalCase name: <c>HTTPRequest2Log</c> becomes <c>http_request2_log</c>.</summary>
    internal static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previous = i > 0 ? name[i - 1] : '\0';
                var next = i + 1 < name.Length ? name[i + 1] : '\0';
                var startsWord = i > 0 && previous != '_' && (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && char.IsLower(next)));
                if (startsWord)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool IsValidName(string name) =>
        name.Length > 0
        && !char.IsWhiteSpace(name[0])
        && !char.IsWhiteSpace(name[name.Length - 1])
        && !name.Any(char.IsControl);

    private static ColumnModel? ParseColumn(ISymbol member, ImmutableArray<AttributeData> attributes, string ownerName, List<DiagnosticInfo> diagnostics)
    {
        var memberType = MemberType(member);
        var errorCount = diagnostics.Count;

        var columnName = member.Name;
        var columnAttribute = attributes.FirstOrDefault(a => Is(a, ColumnAttributeName));
        if (columnAttribute is not null)
        {
            var name = columnAttribute.ConstructorArguments.Length > 0 ? columnAttribute.ConstructorArguments[0].Value as string : null;
            if (name is null || !IsValidName(name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidColumnName, LocationInfo.From(columnAttribute.ApplicationSyntaxReference), name ?? string.Empty, member.Name, ownerName));
            }
            else
            {
                columnName = name;
            }
        }

        var decimalAttribute = attributes.FirstOrDefault(a => Is(a, DecimalAttributeName));
        var collection = CollectionKind.None;
        var isNullable = IsNullable(memberType);
        var valueType = memberType;
        ValueModel? key = null;
        if (!IsByteArray(memberType))
        {
            (collection, var element) = Collection(memberType);
            if (element is not null)
            {
                valueType = element;
            }
            else if (Map(memberType) is var (mapKind, keyType, mapValue))
            {
                collection = mapKind;
                valueType = mapValue;
                key = ParseMapKey(member, keyType, ownerName, memberType, diagnostics);
            }
        }

        var value = ParseValue(member, valueType, decimalAttribute, collection, ownerName, memberType, diagnostics);
        if (decimalAttribute is not null && value is not null && value.Kind != ValueKind.Decimal)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DecimalOnNonDecimal, LocationInfo.From(decimalAttribute.ApplicationSyntaxReference), member.Name, ownerName, memberType.ToDisplayString(Display)));
        }

        if (value is null || diagnostics.Count != errorCount)
        {
            return null;
        }

        if (collection == CollectionKind.None)
        {
            isNullable = value.IsNullable;
        }

        return new ColumnModel(member.Name, columnName, isNullable, collection, value, key);
    }
}
