using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Bulwark.Analyzers;

/// <summary>
/// The writer types that must be committed: the <c>[MustCommit]</c> types seen, each with the names of the methods that
/// commit it (empty: any <c>Commit*</c>), and the runtime's writers that must end with a completing call although they
/// carry no attribute (the catalogue below).
/// </summary>
internal sealed class MustCommitTypes
{
    private const string DefaultCommit = "CommitAsync";

    /// <summary>
    /// Writers whose disposal does not finish what they wrote, so only their completing call publishes it. The Parquet
    /// footer is written by CompleteAsync alone: disposed without it, the file has row groups but no footer and no
    /// reader opens it. (The Arrow IPC writers are not listed: their DisposeAsync writes the footer.)
    /// </summary>
    private static readonly (TypeName Type, ImmutableArray<string> Commits)[] Catalogue =
    [
        (new TypeName("Bulwark.Parquet.ParquetFileWriter"), ImmutableArray.Create("CompleteAsync")),
    ];

    private readonly ConcurrentDictionary<ITypeSymbol, ImmutableArray<string>?> _cache = new(SymbolEqualityComparer.Default);

    public bool Matches(ITypeSymbol? type) => CommitMethods(type) is not null;

    /// <summary>Whether <paramref name="name"/> commits a value of <paramref name="type"/>; a type without the attribute keeps the Commit* rule.</summary>
    public bool IsCommit(ITypeSymbol? type, string name) => CommitMethods(type) is { IsEmpty: false } names
        ? names.Contains(name)
        : name.StartsWith("Commit", StringComparison.Ordinal);

    public string CommitMethod(ITypeSymbol? type) => CommitMethods(type) is { IsEmpty: false } names ? names[0] : DefaultCommit;

    private ImmutableArray<string>? CommitMethods(ITypeSymbol? type) =>
        type is { TypeKind: not TypeKind.Error } ? _cache.GetOrAdd(type, static t => Read(t.GetInheritedAttribute(KnownTypes.MustCommitAttribute)) ?? FromCatalogue(t)) : null;

    private static ImmutableArray<string>? FromCatalogue(ITypeSymbol type)
    {
        foreach (var (name, commits) in Catalogue)
        {
            if (name.Matches(type))
            {
                return commits;
            }
        }

        return null;
    }

    private static ImmutableArray<string>? Read(AttributeData? attribute)
    {
        if (attribute is null)
        {
            return null;
        }

        // `params string[]`: one array argument, empty when the attribute is written without arguments.
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var argument in attribute.ConstructorArguments)
        {
            if (argument.Kind == TypedConstantKind.Array && !argument.IsNull)
            {
                foreach (var value in argument.Values)
                {
                    if (value.Value is string { Length: > 0 } name)
                    {
                        names.Add(name);
                    }
                }
            }
            else if (argument.Value is string { Length: > 0 } single)
            {
                names.Add(single);
            }
        }

        return names.ToImmutable();
    }
}
