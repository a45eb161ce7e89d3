using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers;

/// <summary>
/// <c>bulwark.bwk1001.deserialization_methods</c>: methods a user declares unchecked deserialization APIs in
/// <c>.editorconfig</c> (or a global config), for code they cannot mark with <c>[UncheckedDeserialization]</c>.
/// Entries are <c>Type.Method</c> or <c>Namespace.Type.Method</c>, separated by commas or semicolons; a type given
/// without its namespace matches that type in any namespace.
/// </summary>
internal sealed class DeserializationOptions
{
    public const string MethodsKey = "bulwark.bwk1001.deserialization_methods";

    private readonly AnalyzerConfigOptionsProvider _provider;

    // Every file of a project usually shares one value: parse each distinct value once.
    private readonly ConcurrentDictionary<string, ImmutableArray<(string Type, string Method)>> _parsed = new(StringComparer.Ordinal);

    public DeserializationOptions(AnalyzerConfigOptionsProvider provider) => _provider = provider;

    /// <summary>The method is listed for the file <paramref name="tree"/> (its section of .editorconfig, else the global config).</summary>
    public bool IsListed(IMethodSymbol method, SyntaxTree tree)
    {
        if (!_provider.GetOptions(tree).TryGetValue(MethodsKey, out var value) && !_provider.GlobalOptions.TryGetValue(MethodsKey, out value))
        {
            return false;
        }

        var entries = _parsed.GetOrAdd(value, Parse);
        if (entries.IsEmpty)
        {
            return false;
        }

        string? typeName = null;
        foreach (var (type, name) in entries)
        {
            if (name != method.Name)
            {
                continue;
            }

            typeName ??= QualifiedName(method.ContainingType);
            if (typeName == type || typeName.EndsWith("." + type, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static ImmutableArray<(string Type, string Method)> Parse(string value)
    {
        var entries = ImmutableArray.CreateBuilder<(string, string)>();
        foreach (var raw in value.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            var entry = raw.Trim();
            var dot = entry.LastIndexOf('.');
            if (dot > 0 && dot < entry.Length - 1)
            {
                entries.Add((entry.Substring(0, dot), entry.Substring(dot + 1)));
            }
        }

        return entries.ToImmutable();
    }

    /// <summary>Namespace and type names joined by dots, without type arguments (<c>Acme.Codecs.Reader</c>).</summary>
    private static string QualifiedName(INamedTypeSymbol type)
    {
        var builder = new StringBuilder(type.Name);
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            builder.Insert(0, outer.Name + ".");
        }

        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            builder.Insert(0, ns.Name + ".");
        }

        return builder.ToString();
    }
}
