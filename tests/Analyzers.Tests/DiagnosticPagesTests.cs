using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// Every BWK id a user can see — the generators' (BWK0xxx), the analyzers' (BWK1xxx) and the one the package's build
/// target logs — has its page docs/diagnostics/{Id}.md, a help link to it, and a row in the README's diagnostics table;
/// no page outlives its diagnostic. The help links are built from the repository's address written once in
/// Directory.Build.props.
/// </summary>
public sealed partial class DiagnosticPagesTests
{
    // Warnings the Bulwark.Runtime package's MSBuild target logs itself: they have no DiagnosticDescriptor, only a page.
    private static readonly string[] BuildTargetIds = ["BWK0114"];

    private static string Root => RuntimeSources.RepositoryRoot;

    private static string PagesDirectory => Path.Combine(Root, "docs", "diagnostics");

    private static Type GeneratorDescriptors { get; } =
        typeof(Bulwark.Generators.ArrowRecords.ArrowRecordGenerator).Assembly.GetType("Bulwark.Generators.DiagnosticDescriptors", throwOnError: true)!;

    public static TheoryData<string> AllIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Descriptors().Select(d => d.Id).Concat(BuildTargetIds).Order(StringComparer.Ordinal))
        {
            data.Add(id);
        }

        return data;
    }

    [Fact]
    public void Both_descriptor_tables_use_the_repository_url_of_Directory_Build_props()
    {
        var props = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));
        var repositoryUrl = Assert.Single(props.Descendants("RepositoryUrl")).Value.Trim();

        Assert.Equal(DiagnosticDescriptors.RepositoryUrl, repositoryUrl);
        Assert.Equal(repositoryUrl, (string)GeneratorDescriptors.GetField("RepositoryUrl", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!);
    }

    [Fact]
    public void Every_descriptor_links_to_its_page_and_the_page_is_titled_like_the_descriptor()
    {
        var descriptors = Descriptors();
        Assert.Contains(descriptors, d => d.Id == "BWK0017");
        Assert.Contains(descriptors, d => d.Id == "BWK0113");
        Assert.Contains(descriptors, d => d.Id == "BWK1006");
        Assert.Equal(descriptors.Count, descriptors.Select(d => d.Id).Distinct().Count());

        Assert.All(descriptors, d =>
        {
            Assert.Equal($"{DiagnosticDescriptors.RepositoryUrl}/blob/main/docs/diagnostics/{d.Id}.md", d.HelpLinkUri);
            var page = Path.Combine(PagesDirectory, d.Id + ".md");
            Assert.True(File.Exists(page), $"{d.Id} links to docs/diagnostics/{d.Id}.md, which does not exist");
            Assert.Equal($"# {d.Id}: {d.Title}", File.ReadLines(page).First());
        });
    }

    [Fact]
    public void Every_id_the_build_target_logs_has_a_page()
    {
        var targets = File.ReadAllText(Path.Combine(Root, "src", "Runtime", "buildTransitive", "Bulwark.Runtime.targets"));
        Assert.All(BuildTargetIds, id =>
        {
            Assert.Contains($"\"{id}\"", targets, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(PagesDirectory, id + ".md")), $"docs/diagnostics/{id}.md does not exist");
        });
    }

    [Fact]
    public void Every_page_belongs_to_a_diagnostic()
    {
        var known = Descriptors().Select(d => d.Id).Concat(BuildTargetIds).ToHashSet(StringComparer.Ordinal);
        var pages = Directory.EnumerateFiles(PagesDirectory).Select(Path.GetFileName).ToList();

        Assert.NotEmpty(pages);
        Assert.All(pages, name =>
        {
            Assert.EndsWith(".md", name, StringComparison.Ordinal);
            Assert.True(known.Contains(Path.GetFileNameWithoutExtension(name!)), $"docs/diagnostics/{name} is the page of no diagnostic");
        });
    }

    [Theory]
    [MemberData(nameof(AllIds))]
    public void The_readme_table_lists_the_id_with_a_link_to_its_page(string id)
    {
        var rows = File.ReadLines(Path.Combine(Root, "README.md"))
            .Where(line => line.StartsWith($"| [{id}](docs/diagnostics/{id}.md) |", StringComparison.Ordinal))
            .ToList();

        var row = Assert.Single(rows);
        var descriptor = Descriptors().SingleOrDefault(d => d.Id == id);
        if (descriptor is not null)
        {
            Assert.Contains($"| {descriptor.Title} |", row, StringComparison.Ordinal);
            Assert.Contains($"| {descriptor.DefaultSeverity.ToString().ToLowerInvariant()} |", row, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_relative_link_of_the_readme_and_the_docs_names_a_file_of_the_repository()
    {
        var documents = new[] { Path.Combine(Root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories));

        Assert.All(documents, document =>
        {
            var text = File.ReadAllText(document);
            foreach (Match link in RelativeLink().Matches(text))
            {
                var target = link.Groups["target"].Value.Split('#')[0];
                if (target.Length == 0)
                {
                    continue;
                }

                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, Uri.UnescapeDataString(target)));
                Assert.True(
                    File.Exists(resolved) || Directory.Exists(resolved),
                    $"{Path.GetRelativePath(Root, document)} links to '{target}', which is not in the repository");
            }
        });
    }

    private static List<DiagnosticDescriptor> Descriptors() =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Concat(GeneratorDescriptors.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();

    // A Markdown link or image whose target is neither absolute (scheme:) nor only an anchor.
    [GeneratedRegex(@"\]\((?<target>(?![a-zA-Z][a-zA-Z0-9+.-]*:)[^)\s]+)\)")]
    private static partial Regex RelativeLink();
}
