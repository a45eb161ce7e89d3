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

/// <summary>How the restore constructs a state: the constructor, init and assigned members.</summary>
internal static partial class Parser
{
    /// <summary>
    /// A parameterless constructor (of any accessibility: the restore is generated inside the type) with settable or
    /// init members; otherwise the constructor whose parameters all match members by name and type, taking the most.
    /// </summary>
    private static (bool UsesConstructor, ImmutableArray<ConstructorArgumentModel> Arguments) PlanConstruction(
        INamedTypeSymbol type,
        List<ISymbol> members,
        List<StateValueModel> values,
        StateMemberModel?[] assignments,
        string displayName,
        LocationInfo? typeLocation,
        List<DiagnosticInfo> diagnostics)
    {
        var parameterless = type.IsValueType || type.InstanceConstructors.Any(c => c.Parameters.Length == 0);
        IMethodSymbol? best = null;
        List<ConstructorArgumentModel>? bestArguments = null;
        var bestMatched = -1;
        if (!parameterless || members.Any(m => !IsAssignable(m, out _)))
        {
            foreach (var constructor in type.InstanceConstructors)
            {
                if (constructor.Parameters.Length == 0 || IsCopyConstructor(type, constructor))
                {
                    continue;
                }

                var arguments = new List<ConstructorArgumentModel>();
                var matched = 0;
                var usable = true;
                foreach (var parameter in constructor.Parameters)
                {
                    var index = members.FindIndex(m => string.Equals(m.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                    if (index >= 0 && parameter.RefKind == RefKind.None && SymbolEqualityComparer.Default.Equals(parameter.Type, MemberType(members[index])))
                    {
                        arguments.Add(new ConstructorArgumentModel(parameter.Name, index));
                        matched++;
                    }
                    else if (parameter.HasExplicitDefaultValue)
                    {
                        arguments.Add(new ConstructorArgumentModel(parameter.Name, -1));
                    }
                    else
                    {
                        usable = false;
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
        }

        if (best is null && !parameterless)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.StateNotConstructible,
                typeLocation,
                displayName,
                "it has no parameterless constructor (a private one is enough) and no constructor whose parameters all match [Id] members by name and type"));
            return (false, ImmutableArray<ConstructorArgumentModel>.Empty);
        }

        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            var id = (int)member.GetAttributes().Concat(RecordParameterAttributes(type, member)).First(IsIdAttribute).ConstructorArguments[0].Value!;
            var argument = bestArguments?.FirstOrDefault(a => a.Member == i);
            if (argument is not null)
            {
                assignments[i] = new StateMemberModel(id, member.Name, values[i], AssignKind.Constructor, argument.Parameter);
            }
            else if (IsAssignable(member, out var init))
            {
                assignments[i] = new StateMemberModel(id, member.Name, values[i], init || IsRequired(member) ? AssignKind.Init : AssignKind.Assign, null);
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.StateMemberNotRestorable,
                    MemberLocation(member),
                    member.Name,
                    displayName,
                    member is IFieldSymbol ? "is readonly" : "is get-only"));
            }
        }

        var setsRequired = SetsRequiredMembers(best);
        if (!setsRequired)
        {
            foreach (var required in type.GetMembers().Where(IsRequired))
            {
                if (!members.Any(m => SymbolEqualityComparer.Default.Equals(m, required)))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.StateMemberNotRestorable,
                        MemberLocation(required),
                        required.Name,
                        displayName,
                        "is required but has no [Id]"));
                }
            }
        }

        return best is null ? (false, ImmutableArray<ConstructorArgumentModel>.Empty) : (true, bestArguments!.ToImmutableArray());
    }

    private static IEnumerable<AttributeData> RecordParameterAttributes(INamedTypeSymbol type, ISymbol member) =>
        PrimaryConstructorParameters(type).Where(p => p.Name == member.Name).SelectMany(p => p.GetAttributes());

    private static bool IsAssignable(ISymbol member, out bool init)
    {
        init = false;
        switch (member)
        {
            case IFieldSymbol field:
                return !field.IsReadOnly && !field.IsConst;
            case IPropertySymbol { SetMethod: { } setter }:
                init = setter.IsInitOnly;
                return true;
            default:
                return false;
        }
    }
}
