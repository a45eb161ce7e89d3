using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Bulwark.Storage;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// What test sources compile against: the reference assemblies of the SDK that built this project (its
/// Microsoft.NETCore.App.Ref pack on disk), the runtime and the packages the runtime references. Nothing is resolved
/// over the network, and nothing of the test process itself (xunit, Roslyn, NuGet) leaks into a test compilation.
/// </summary>
public static class TestReferences
{
    private static readonly Lazy<string> LazyRefPackDirectory = new(FindRefPackDirectory);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyFramework = new(() => Load(FrameworkFiles()));

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyRuntimePackages = new(() => Load(RuntimeDependencyFiles()));

    private static readonly Lazy<MetadataReference> LazyRuntime = new(() => MetadataReference.CreateFromFile(typeof(PendingFile).Assembly.Location));

    /// <summary>The target framework this project builds for (net10.0), the one whose reference pack is used.</summary>
    public static string TargetFramework { get; } = Metadata("TargetFrameworkMoniker");

    /// <summary>The ref/&lt;tfm&gt; folder of the installed Microsoft.NETCore.App.Ref pack.</summary>
    public static string RefPackDirectory => LazyRefPackDirectory.Value;

    /// <summary>
    /// For the testing library: a framework with no package to resolve, so it never consults a feed; the pack's
    /// assemblies come in as <see cref="ProjectState.AdditionalReferences"/> instead.
    /// </summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new(Metadata("TargetFrameworkMoniker"));

    /// <summary>The reference pack's assemblies.</summary>
    public static ImmutableArray<MetadataReference> Framework => LazyFramework.Value;

    /// <summary>The framework and the packages the runtime references: what the runtime's own sources compile against.</summary>
    public static ImmutableArray<MetadataReference> Platform => Framework.AddRange(LazyRuntimePackages.Value);

    /// <summary><see cref="Platform"/> and the runtime: what a test source compiles against.</summary>
    public static ImmutableArray<MetadataReference> All => Platform.Add(LazyRuntime.Value);

    private static string Metadata(string key) =>
        typeof(TestReferences).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"The test assembly has no '{key}' metadata; see Bulwark.Analyzers.Tests.csproj.");

    private static string FindRefPackDirectory()
    {
        var directory = Path.Combine(Metadata("NetCoreTargetingPackRoot"), "Microsoft.NETCore.App.Ref", Metadata("NetCoreAppRefPackVersion"), "ref", TargetFramework);
        return Directory.Exists(directory) && Directory.EnumerateFiles(directory, "System.Runtime.dll").Any()
            ? directory
            : throw new DirectoryNotFoundException($"The SDK's reference pack is not at '{directory}' (NetCoreTargetingPackRoot/Microsoft.NETCore.App.Ref/<version>/ref/{TargetFramework}).");
    }

    private static IEnumerable<string> FrameworkFiles() =>
        Directory.EnumerateFiles(RefPackDirectory, "*.dll").Order(StringComparer.Ordinal);

    /// <summary>
    /// The assemblies the runtime references, followed transitively, that are not part of the framework: found next to
    /// this test assembly, where the build copied the runtime's package dependencies.
    /// </summary>
    private static IEnumerable<string> RuntimeDependencyFiles()
    {
        var framework = FrameworkFiles().Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(typeof(PendingFile).Assembly.Location);
        while (pending.Count > 0)
        {
            foreach (var name in ReferencedAssemblyNames(pending.Pop()))
            {
                var candidate = Path.Combine(AppContext.BaseDirectory, name + ".dll");
                if (!framework.Contains(name) && File.Exists(candidate) && found.Add(candidate))
                {
                    pending.Push(candidate);
                }
            }
        }

        return found;
    }

    private static IEnumerable<string> ReferencedAssemblyNames(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        return reader.AssemblyReferences.Select(handle => reader.GetString(reader.GetAssemblyReference(handle).Name)).ToList();
    }

    private static ImmutableArray<MetadataReference> Load(IEnumerable<string> files) =>
        files.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToImmutableArray();
}
