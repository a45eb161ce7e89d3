using System.Collections.Immutable;
using Bulwark.Generators.ArrowRecords;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Bulwark.Generators.Tests;

/// <summary>What one generator run produced.</summary>
/// <param name="Sources">Generated files by hint name.</param>
/// <param name="GeneratorDiagnostics">Diagnostics the generator reported.</param>
/// <param name="CompilationDiagnostics">Warnings and errors of the compilation that includes the generated files.</param>
public sealed record GeneratorRun(
    IReadOnlyDictionary<string, string> Sources,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> CompilationDiagnostics,
    GeneratorDriver Driver,
    Compilation OutputCompilation);

/// <summary>
/// Runs <see cref="ArrowRecordGenerator"/> in memory over source text, the way the compiler does during a build, with the
/// runtime assembly and the framework's trusted platform assemblies as references.
/// </summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    public static GeneratorRun Run(params string[] sources) =>
        Run(CreateCompilation(sources));

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CreateCompilation("GeneratorInput", [], sources);

    public static CSharpCompilation CreateCompilation(string assemblyName, IEnumerable<MetadataReference> extraReferences, params string[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            References.Value.AddRange(extraReferences),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The assembly image of a compilation, failing the test with the compiler's errors if it does not emit.</summary>
    public static byte[] Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException("Emit failed:\n" + string.Join("\n", result.Diagnostics));
        }

        return stream.ToArray();
    }

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new ArrowRecordGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult();
        var sources = result.GeneratedTrees.ToDictionary(t => Path.GetFileName(t.FilePath), t => t.GetText().ToString());
        var compilationDiagnostics = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToImmutableArray();
        return new GeneratorRun(sources, generatorDiagnostics, compilationDiagnostics, driver, output);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return platform
            .Where(path => !Path.GetFileName(path).StartsWith("Bulwark.", StringComparison.Ordinal))
            .Append(typeof(ArrowRecordAttribute).Assembly.Location)
            .Append(typeof(Apache.Arrow.Schema).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
