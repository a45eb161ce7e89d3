using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Bulwark.Generators.ArrowRecords;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// The runtime's sources compiled in memory as its build compiles them: every .cs under src/Runtime, the implicit usings,
/// unsafe code allowed, the framework and package references, and the source generators of the build (the SDK's
/// LibraryImport and friends, LoggerMessage, Bulwark's own), whose output the sources call into.
/// </summary>
public static class RuntimeSources
{
    private static readonly Lazy<ImmutableArray<ISourceGenerator>> LazyGenerators = new(LoadGenerators);

    private static readonly Lazy<Compilation> LazyCompilation = new(CompileOnce);

    public static string RepositoryRoot { get; } =
        typeof(RuntimeSources).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static IReadOnlyList<string> Files() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "src", "Runtime"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The compilation after the generators ran; it must have no errors, or the analyzers would see a different program.</summary>
    public static Compilation Compile() => LazyCompilation.Value;

    private static Compilation CompileOnce()
    {
        var parseOptions = AnalyzerHarness.ParseOptions.WithPreprocessorSymbols("NET", "NET10_0", "NET10_0_OR_GREATER", "NETCOREAPP", "DEBUG", "TRACE");
        var trees = Files()
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), parseOptions, path))
            .Append(CSharpSyntaxTree.ParseText(AnalyzerHarness.ImplicitUsings, parseOptions, "ImplicitUsings.g.cs"));
        var compilation = CSharpCompilation.Create("Bulwark.Runtime", trees, AnalyzerHarness.PlatformReferences, AnalyzerHarness.CompilationOptions);
        CSharpGeneratorDriver.Create(LazyGenerators.Value, parseOptions: parseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);
        var errors = generatorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("The generators failed on the runtime sources:\n" + string.Join("\n", errors));
        }

        AnalyzerHarness.AssertCompiles(generated);
        return generated;
    }

    private static bool IsBuildOutput(string path)
    {
        var relative = Path.GetRelativePath(Path.Combine(RepositoryRoot, "src", "Runtime"), path).Replace('\\', '/');
        return relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal);
    }

    private static ImmutableArray<ISourceGenerator> LoadGenerators()
    {
        var listed = Path.Combine(AppContext.BaseDirectory, "build-analyzers.txt");
        var loader = new GeneratorLoader();
        var external = File.ReadAllLines(listed)
            .Where(path => path.Length > 0)
            // Analyzer-only assemblies hold no generators; loading them would only cost time.
            .Where(path => !Path.GetFileName(path).Contains("Analyzers", StringComparison.OrdinalIgnoreCase)
                && !Path.GetFileName(path).StartsWith("xunit", StringComparison.OrdinalIgnoreCase))
            .SelectMany(path => new AnalyzerFileReference(path, loader).GetGenerators(LanguageNames.CSharp));
        var own = typeof(ArrowRecordGenerator).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(IIncrementalGenerator).IsAssignableFrom(t) && t.GetCustomAttribute<GeneratorAttribute>() is not null)
            .Select(t => ((IIncrementalGenerator)Activator.CreateInstance(t)!).AsSourceGenerator());
        return external.Concat(own).ToImmutableArray();
    }

    /// <summary>Loads a generator and its sibling dependencies; Roslyn itself comes from the test process.</summary>
    private sealed class GeneratorLoader : IAnalyzerAssemblyLoader
    {
        private readonly AssemblyLoadContext _context = new("build-generators");
        private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

        public GeneratorLoader()
        {
            _context.Resolving += (context, name) =>
            {
                lock (_directories)
                {
                    foreach (var directory in _directories)
                    {
                        var candidate = Path.Combine(directory, name.Name + ".dll");
                        if (File.Exists(candidate))
                        {
                            return context.LoadFromAssemblyPath(candidate);
                        }
                    }
                }

                return null;
            };
        }

        public void AddDependencyLocation(string fullPath)
        {
            lock (_directories)
            {
                _directories.Add(Path.GetDirectoryName(fullPath)!);
            }
        }

        public Assembly LoadFromPath(string fullPath)
        {
            AddDependencyLocation(fullPath);
            return _context.LoadFromAssemblyPath(fullPath);
        }
    }
}
