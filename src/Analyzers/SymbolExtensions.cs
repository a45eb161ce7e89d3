using Microsoft.CodeAnalysis;

namespace Bulwark.Analyzers;

internal static class SymbolExtensions
{
    /// <summary>The type itself, a base class or an implemented interface matches <paramref name="name"/>.</summary>
    public static bool IsOrDerivesFrom(this ITypeSymbol? type, TypeName name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (name.Matches(current))
            {
                return true;
            }
        }

        if (type is null)
        {
            return false;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            if (name.Matches(@interface))
            {
                return true;
            }
        }

        return false;
    }

    public static AttributeData? GetAttribute(this ISymbol symbol, TypeName attribute)
    {
        foreach (var data in symbol.GetAttributes())
        {
            if (attribute.Matches(data.AttributeClass))
            {
                return data;
            }
        }

        return null;
    }

    /// <summary>
    /// The attribute on the method or on a method it overrides or implements: the Bulwark method attributes are
    /// <c>Inherited = true</c>, and a call through a derived type or an interface must be caught as well as a direct one.
    /// </summary>
    public static AttributeData? GetInheritedAttribute(this IMethodSymbol method, TypeName attribute)
    {
        for (var current = method; current is not null; current = current.OverriddenMethod)
        {
            var data = current.GetAttribute(attribute) ?? current.OriginalDefinition.GetAttribute(attribute);
            if (data is not null)
            {
                return data;
            }
        }

        var type = method.ContainingType;
        if (type is null || method.MethodKind == MethodKind.Constructor)
        {
            return null;
        }

        foreach (var explicitImplementation in method.ExplicitInterfaceImplementations)
        {
            var data = explicitImplementation.OriginalDefinition.GetAttribute(attribute);
            if (data is not null)
            {
                return data;
            }
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (member is IMethodSymbol interfaceMethod
                    && SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(interfaceMethod), method)
                    && interfaceMethod.OriginalDefinition.GetAttribute(attribute) is { } data)
                {
                    return data;
                }
            }
        }

        return null;
    }

    /// <summary>The type or a base type or interface carries the attribute (the type-level Bulwark attributes are inherited).</summary>
    public static bool HasInheritedAttribute(this ITypeSymbol? type, TypeName attribute) => type.GetInheritedAttribute(attribute) is not null;

    /// <summary>The attribute on the type, else on the nearest base type, else on an interface it implements.</summary>
    public static AttributeData? GetInheritedAttribute(this ITypeSymbol? type, TypeName attribute)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if ((current.GetAttribute(attribute) ?? current.OriginalDefinition.GetAttribute(attribute)) is { } data)
            {
                return data;
            }
        }

        if (type is null)
        {
            return null;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            if (@interface.OriginalDefinition.GetAttribute(attribute) is { } data)
            {
                return data;
            }
        }

        return null;
    }

    /// <summary>The value a <c>Task&lt;T&gt;</c> / <c>ValueTask&lt;T&gt;</c> completes with; the type itself for anything else.</summary>
    public static ITypeSymbol? UnwrapTask(this ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol { TypeArguments.Length: 1 } named
            && (KnownTypes.TaskOfT.Matches(named) || KnownTypes.ValueTaskOfT.Matches(named)))
        {
            return named.TypeArguments[0];
        }

        return type;
    }
}
