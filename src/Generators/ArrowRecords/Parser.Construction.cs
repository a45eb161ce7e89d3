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

/// <summary>How the reader constructs a record: the constructor, the object initializer, and which members are columns at all.</summary>
internal static partial class Parser
{
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
}
