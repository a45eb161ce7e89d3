using System.IO.Compression;
using System.Xml.Linq;

namespace Bulwark.Package.Tests;

/// <summary>Each package of <see cref="Packages.All"/>: `dotnet pack DIR -o FEED` with plain options made it, and it holds what a user needs.</summary>
[Collection(PackagesCollection.Name)]
public sealed class PackageContentTests(PackedFeed feed)
{
    [Theory]
    [MemberData(nameof(Packages.Ids), MemberType = typeof(Packages))]
    public void Package_packs_with_plain_options_and_holds_its_assemblies(string id)
    {
        var package = Packages.All.Single(p => p.Id == id);
        var nupkg = feed.RequirePackage(id);
        using var zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        var expected = package.Kind == PackageKind.Library ? package.Entries.Prepend($"lib/net10.0/{id}.dll") : package.Entries;
        foreach (var entry in expected)
        {
            Assert.True(entries.Contains(entry), $"{id} lacks {entry}; it holds: {string.Join(", ", entries.Order(StringComparer.Ordinal))}");
        }

        var nuspecEntry = zip.Entries.Single(e => e.FullName == $"{id}.nuspec");
        XDocument nuspec;
        using (var stream = nuspecEntry.Open())
        {
            nuspec = XDocument.Load(stream);
        }

        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        Assert.Equal(id, metadata.Elements().Single(e => e.Name.LocalName == "id").Value);

        // A dependency on a project of ours that is not itself a package (the generator, the analyzers) would make the
        // package uninstallable; one on a package of ours must name this very version.
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").ToList();
        foreach (var dependency in dependencies.Where(d => ((string?)d.Attribute("id"))?.StartsWith("Bulwark.", StringComparison.Ordinal) == true))
        {
            var dependencyId = (string)dependency.Attribute("id")!;
            Assert.True(Packages.All.Any(p => p.Id == dependencyId), $"{id} depends on {dependencyId}, which is not a package");
            Assert.Equal(feed.Version, (string?)dependency.Attribute("version"));
        }

        if (package.Kind == PackageKind.Tool)
        {
            // Tool packages carry their dependencies inside; the command a user types is declared in the settings file.
            Assert.Empty(dependencies);
            using var settings = zip.Entries.Single(e => e.FullName == "tools/net10.0/any/DotnetToolSettings.xml").Open();
            var command = XDocument.Load(settings).Descendants().Single(e => e.Name.LocalName == "Command");
            Assert.Equal("bulwark", (string?)command.Attribute("Name"));
        }
        else if (id != "Bulwark.Runtime")
        {
            Assert.Contains(dependencies, d => (string?)d.Attribute("id") == "Bulwark.Runtime");
        }
    }
}
