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
internal static class Parser
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
        if (!IsByteArray(memberType))
        {
            (collection, var element) = Collection(memberType);
            if (element is not null)
            {
                valueType = element;
            }
        }

        var value = ParseValue(member, valueType, decimalAttribute, collection != CollectionKind.None, ownerName, memberType, diagnostics);
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

        return new ColumnModel(member.Name, columnName, isNullable, collection, value);
    }

    private static ValueModel? ParseValue(ISymbol member, ITypeSymbol type, AttributeData? decimalAttribute, bool isItem, string ownerName, ITypeSymbol memberType, List<DiagnosticInfo> diagnostics)
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
            if (isItem && Collection(named).Element is not null)
            {
                Unsupported(" (lists of lists are not supported)");
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

        if (isItem && type is IArrayTypeSymbol)
        {
            Unsupported(" (lists of lists are not supported)");
            return null;
        }

        Unsupported(string.Empty);
        return null;
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

    /// <summary>
    /// Picks the constructor that takes the most columns, matching parameters to columns by name (case-insensitively)
    /// and type; a parameter without a column must be optional or able to take <c>default</c> (an ignored member's).
    /// The remaining columns are set through the object initializer.
    /// </summary>
    private static (ImmutableArray<ConstructorArgument> Arguments, ImmutableArray<int> Initialized) PlanConstruction(
        INamedTypeSymbol type, List<ColumnModel> columns, List<ISymbol> members, Compilation compilation, string displayName, LocationInfo? typeLocation, List<DiagnosticInfo> diagnostics)
    {
        if (type.IsAbstract || type.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoUsableConstructor, typeLocation, displayName, "the type is abstract or static"));
            return (ImmutableArray<ConstructorArgument>.Empty, ImmutableArray<int>.Empty);
        }

        IMethodSymbol? best = null;
        List<ConstructorArgument>? bestArguments = null;
        var bestMatched = -1;
        foreach (var constructor in type.InstanceConstructors)
        {
            if (IsCopyConstructor(type, constructor) || !compilation.IsSymbolAccessibleWithin(constructor, type))
            {
                continue;
            }

            var arguments = new List<ConstructorArgument>();
            var matched = 0;
            var usable = true;
            foreach (var parameter in constructor.Parameters)
            {
                var column = members.FindIndex(m => string.Equals(m.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                if (column >= 0)
                {
                    usable = parameter.RefKind == RefKind.None
                        && !arguments.Any(a => a.Column == column)
                        && SymbolEqualityComparer.Default.Equals(parameter.Type, MemberType(members[column]))
                        && !(columns[column].IsNullable && parameter.Type.IsReferenceType && parameter.Type.NullableAnnotation == NullableAnnotation.NotAnnotated);
                    arguments.Add(new ConstructorArgument(parameter.Name, column));
                    matched++;
                }
                else if (parameter.HasExplicitDefaultValue)
                {
                    // Left out, so the declared default applies rather than default(T).
                }
                else if (parameter.RefKind == RefKind.None && (parameter.Type.IsValueType || IsNullable(parameter.Type)))
                {
                    // An ignored member's parameter: the value was never stored, so it reads back as default.
                    arguments.Add(new ConstructorArgument(parameter.Name, -1));
                }
                else
                {
                    usable = false;
                }

                if (!usable)
                {
                    break;
                }
            }

            if (usable && matched > bestMatched)
            {
                best = constructor;
                bestArguments = arguments;
                bestMatched = matched;
            }
        }

        if (best is null || bestArguments is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.NoUsableConstructor,
                typeLocation,
                displayName,
                "no accessible constructor has parameters that all match columns by name and type; add one, or a parameterless constructor with settable members"));
            return (ImmutableArray<ConstructorArgument>.Empty, ImmutableArray<int>.Empty);
        }

        var setsRequired = SetsRequiredMembers(best);
        var initialized = new List<int>();
        for (var i = 0; i < members.Count; i++)
        {
            if (bestArguments.Any(a => a.Column == i))
            {
                continue;
            }

            if (IsSettable(members[i], type, compilation))
            {
                initialized.Add(i);
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MemberNotRestorable,
                    MemberLocation(members[i]),
                    members[i].Name,
                    displayName,
                    "is get-only and no constructor parameter sets it, so reading a batch would lose its value"));
            }
        }

        if (!setsRequired)
        {
            foreach (var required in DataMembers(type, includeNonPublic: true).Where(IsRequired))
            {
                if (!members.Any(m => m.Name == required.Name))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.MemberNotRestorable,
                        MemberLocation(required),
                        required.Name,
                        displayName,
                        "is required but is not a column, so the reader cannot set it"));
                }
            }
        }

        return (bestArguments.ToImmutableArray(), initialized.ToImmutableArray());
    }

    private static bool IsSettable(ISymbol member, INamedTypeSymbol type, Compilation compilation) => member switch
    {
        IPropertySymbol { SetMethod: { } setter } => compilation.IsSymbolAccessibleWithin(setter, type),
        IFieldSymbol field => !field.IsReadOnly,
        _ => false,
    };

    /// <summary>
    /// Public instance properties and fields, base types first. A derived member hides a base member of the same name.
    /// </summary>
    private static IEnumerable<ISymbol> DataMembers(INamedTypeSymbol type, bool includeNonPublic = false)
    {
        var levels = new List<List<ISymbol>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
        {
            var level = new List<ISymbol>();
            foreach (var member in current.GetMembers())
            {
                if (member.IsStatic || member.IsImplicitlyDeclared || (!includeNonPublic && member.DeclaredAccessibility != Accessibility.Public))
                {
                    continue;
                }

                var include = member switch
                {
                    IPropertySymbol { IsIndexer: false, GetMethod: not null, ExplicitInterfaceImplementations.Length: 0, ReturnsByRef: false, ReturnsByRefReadonly: false } => true,
                    IFieldSymbol { IsConst: false } => true,
                    _ => false,
                };
                if (include && seen.Add(member.Name))
                {
                    level.Add(member);
                }
            }

            levels.Insert(0, level);
        }

        return levels.SelectMany(l => l);
    }

    /// <summary>The member's attributes plus those on the primary-constructor parameter it comes from.</summary>
    private static ImmutableArray<AttributeData> MemberAttributes(ISymbol member, ImmutableArray<IParameterSymbol> primaryParameters)
    {
        var attributes = member.GetAttributes();
        foreach (var parameter in primaryParameters)
        {
            if (string.Equals(parameter.Name, member.Name, StringComparison.OrdinalIgnoreCase))
            {
                return attributes.AddRange(parameter.GetAttributes());
            }
        }

        return attributes;
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

        return type is INamedTypeSymbol named && IsArrowRecord(named) ? named : null;
    }
}
