namespace Bulwark.Package.Tests;

public enum PackageKind
{
    /// <summary>A library a user adds with <c>dotnet add package ID</c>; it holds <c>lib/net10.0/ID.dll</c>.</summary>
    Library,

    /// <summary>A .NET tool a user installs with <c>dotnet tool install</c>.</summary>
    Tool,
}

/// <param name="ProjectDirectory">The project folder, relative to the repository root, as the README's `dotnet pack` names it.</param>
/// <param name="Id">The package id.</param>
/// <param name="Kind">How a user takes it in.</param>
/// <param name="Entries">Files the package must hold besides a library's own assembly.</param>
public sealed record PackageProject(string ProjectDirectory, string Id, PackageKind Kind, params string[] Entries)
{
    public override string ToString() => Id;
}

/// <summary>Every package the repository ships: each is packed, checked and installed the way the README says.</summary>
public static class Packages
{
    // One line per package: the pack, the content checks, the consumer's `dotnet add package` and the tool install
    // all follow this list. Bulwark.Runtime comes first because the others build on it.
    public static readonly PackageProject[] All =
    [
        new("src/Runtime", "Bulwark.Runtime", PackageKind.Library,
            "analyzers/dotnet/cs/Bulwark.Generators.dll",
            "analyzers/dotnet/cs/Bulwark.Analyzers.dll",
            "analyzers/dotnet/cs/Bulwark.Analyzers.CodeFixes.dll",
            "buildTransitive/Bulwark.Runtime.props",
            "buildTransitive/Bulwark.Runtime.targets"),
        new("src/Storage.S3", "Bulwark.Storage.S3", PackageKind.Library),
        new("src/Shards.PostgreSql", "Bulwark.Shards.PostgreSql", PackageKind.Library),
        new("src/Testing", "Bulwark.Testing", PackageKind.Library),
        new("src/Cli", "Bulwark.Cli", PackageKind.Tool, "tools/net10.0/any/bulwark.dll", "tools/net10.0/any/DotnetToolSettings.xml"),
    ];

    public static IEnumerable<PackageProject> Libraries => All.Where(p => p.Kind == PackageKind.Library);

    public static TheoryData<string> Ids => new(All.Select(p => p.Id));
}
