using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers;

/// <summary>
/// An <c>.editorconfig</c> (or global config) option that lists methods, the way users teach an analyzer their own
/// code: <c>bulwark.directory_sync_methods</c>, <c>bulwark.bwk1001.deserialization_methods</c>,
/// <c>bulwark.bwk1004.stop_on_error_methods</c>. Entries are separated by commas or semicolons and are <c>Method</c>,
/// <c>Type.Method</c> or <c>Namespace.Type.Method</c> (nested types as <c>Outer.Inner</c>, no type arguments); a
/// shorter entry matches the qualified name's tail at a dot, so a type given without its namespace matches it in any
/// namespace. The file's own section wins over the global config.
/// </summary>
internal sealed class MethodListOption
{
    private readonly string _key;
    private readonly AnalyzerConfigOptionsProvider _provider;

    // Every file of a project usually shares one value: parse each distinct value once.
    private readonly ConcurrentDictionary<string, ImmutableArray<(string Entry, string Method)>> _parsed = new(StringComparer.Ordinal);

    public MethodListOption(string key, AnalyzerConfigOptionsProvider provider)
    {
        _key = key;
        _provider = provider;
    }

    /// <summary>The option, as it applies to <paramref name="tree"/>, lists <paramref name="method"/>.</summary>
    public bool Lists(IMethodSymbol method, SyntaxTree tree)
    {
        if (!_provider.GetOptions(tree).TryGetValue(_key, out var value) && !_provider.GlobalOptions.TryGetValue(_key, out value))
        {
            return false;
        }

        string? qualified = null;
        foreach (var (entry, name) in _parsed.GetOrAdd(value, Parse))
        {
            // The method's own name first: most entries fail there without building the qualified name.
            if (name != method.Name)
            {
                continue;
            }

            qualified ??= QualifiedName(method);
            if (qualified == entry
                || (qualified.EndsWith(entry, StringComparison.Ordinal) && qualified[qualified.Length - entry.Length - 1] == '.'))
            {
                return true;
            }
        }

        return false;
    }

    private static ImmutableArray<(string Entry, string Method)> Parse(string value)
    {
        var entries = ImmutableArray.CreateBuilder<(string, string)>();
        foreach (var raw in value.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            var entry = raw.Trim();
            if (entry.Length > 0 && !entry.EndsWith(".", StringComparison.Ordinal))
            {
                entries.Add((entry, entry.Substring(entry.LastIndexOf('.') + 1)));
            }
        }

        return entries.ToImmutable();
    }

    /// <summary><c>Namespace.Outer.Inner.Method</c>, without type arguments.</summary>
    private static string QualifiedName(IMethodSymbol method)
    {
        var builder = new StringBuilder(method.Name);
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            builder.Insert(0, type.Name + ".");
        }

        for (var ns = method.ContainingType?.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            builder.Insert(0, ns.Name + ".");
        }

        return builder.ToString();
    }
}
