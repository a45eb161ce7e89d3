using Microsoft.CodeAnalysis;

namespace Bulwark.Analyzers;

/// <summary>
/// A top-level type named by namespace and metadata name (<c>List`1</c>, not <c>List&lt;T&gt;</c>). Analyzers never
/// reference the runtime (DESIGN §1), and a user may compile a second copy of an attribute, so types are matched by
/// name; the walk up the namespaces allocates nothing, unlike comparing display strings.
/// </summary>
internal sealed class TypeName
{
    private readonly string[] _namespace;

    public TypeName(string fullMetadataName)
    {
        FullMetadataName = fullMetadataName;
        var dot = fullMetadataName.LastIndexOf('.');
        MetadataName = fullMetadataName.Substring(dot + 1);
        _namespace = dot < 0 ? [] : fullMetadataName.Substring(0, dot).Split('.');
    }

    public string FullMetadataName { get; }

    public string MetadataName { get; }

    public bool Matches(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named || named.ContainingType is not null || named.MetadataName != MetadataName)
        {
            return false;
        }

        var ns = named.ContainingNamespace;
        for (var i = _namespace.Length - 1; i >= 0; i--)
        {
            if (ns is null || ns.IsGlobalNamespace || ns.Name != _namespace[i])
            {
                return false;
            }

            ns = ns.ContainingNamespace;
        }

        return ns is null || ns.IsGlobalNamespace;
    }

    public override string ToString() => FullMetadataName;
}
