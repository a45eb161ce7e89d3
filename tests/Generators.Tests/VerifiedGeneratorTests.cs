using System.Collections.Immutable;
using System.Text;
using Bulwark.Generators.ArrowRecords;
using Bulwark.Generators.CheckpointStates;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Generators.Tests;

/// <summary>
/// The generators under Microsoft.CodeAnalysis.Testing's source generator test: diagnostics are asserted by
/// <c>{|BWK0xxx:span|}</c> markup at their exact source spans, the generated text against the approved snapshot, and
/// <c>#pragma warning disable</c> / <c>.editorconfig</c> severities are honoured because the generator reports at
/// locations in the compilation's own syntax trees.
/// </summary>
public sealed class VerifiedGeneratorTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using Bulwark;

        """;

    [Fact]
    public Task NotPartialIsReportedOnTheTypeName() => new ArrowTest
    {
        TestCode = Usings + """
            [ArrowRecord]
            public record {|BWK0001:Orders|}(int Id);
            """,
    }.RunAsync();

    [Fact]
    public Task DecimalWithoutPrecisionIsReportedOnTheMemberAndNothingIsGenerated() => new ArrowTest
    {
        TestCode = Usings + """
            [ArrowRecord]
            public partial record Item(int Id, decimal {|BWK0005:Price|});
            """,
    }.RunAsync();

    [Fact]
    public Task NoColumnsWarningIsReportedAndTheRecordIsStillGenerated()
    {
        var test = new ArrowTest { TestCode = Usings + NoColumns("{|BWK0016:Marker|}") };
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        return test.RunAsync();
    }

    [Fact]
    public Task PragmaWarningDisableSilencesTheGeneratorWarning()
    {
        var test = new ArrowTest
        {
            TestCode = Usings + "#pragma warning disable BWK0016\n" + NoColumns("Marker") + "#pragma warning restore BWK0016\n",
        };
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        return test.RunAsync();
    }

    [Fact]
    public Task PragmaElsewhereInTheFileDoesNotSilenceIt()
    {
        // Suppression follows the span: a directive restored before the type leaves its warning in place.
        var test = new ArrowTest
        {
            TestCode = Usings + "#pragma warning disable BWK0016\n#pragma warning restore BWK0016\n" + NoColumns("{|BWK0016:Marker|}"),
        };
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        return test.RunAsync();
    }

    [Fact]
    public Task EditorConfigSeverityForSourceFilesApplies()
    {
        // A [*.cs] section applies per syntax tree, so only a diagnostic located in a tree gets this severity.
        var test = new ArrowTest { TestCode = Usings + NoColumns("{|#0:Marker|}") };
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", """
            root = true

            [*.cs]
            dotnet_diagnostic.BWK0016.severity = error
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("BWK0016", DiagnosticSeverity.Error).WithLocation(0).WithArguments("Marker"));
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        return test.RunAsync();
    }

    [Fact]
    public Task CheckpointDuplicateIdIsReportedOnTheAttribute() => new CheckpointTest
    {
        TestCode = Usings + """
            namespace Shop;

            [CheckpointState]
            public partial class Counter
            {
                [Id(1)] public long Total;
                [{|BWK0103:Id(1)|}] public long Other;
            }
            """,
    }.RunAsync();

    [Fact]
    public async Task GeneratedSourceIsTheApprovedSnapshot()
    {
        var test = new ArrowTest
        {
            // The test source itself is undocumented; the generated file is held to CS1591 like everything else.
            TestCode = "#pragma warning disable CS1591\n" + Usings + """
                namespace Shop;

                public enum Color { Red, Green, Blue }

                [ArrowRecord]
                public partial record AllScalars(
                    bool Flag, sbyte I8, short I16, int I32, long I64, byte U8, ushort U16, uint U32, ulong U64,
                    float F32, double F64, [property: Decimal(18, 4)] decimal Amount, string Text, byte[] Bytes,
                    DateTime When, DateTimeOffset WhenOffset, DateOnly Day, TimeOnly Time, TimeSpan Span, Guid Id, Color Color);
                """,

            // The generated code must compile without a warning too, as in a warnings-as-errors project.
            CompilerDiagnostics = CompilerDiagnostics.Warnings,
        };
        var approved = await File.ReadAllTextAsync(Path.Combine(SnapshotDirectory(), "PositionalRecordOfAllScalars.verified.cs"));
        test.TestState.GeneratedSources.Add((typeof(ArrowRecordGenerator), "Shop.AllScalars.ArrowRecord.g.cs", SourceText.From(approved, Encoding.UTF8)));
        await test.RunAsync();
    }

    private static string NoColumns(string name) => $$"""
        [ArrowRecord]
        public partial class {{name}}
        {
            public static int Shared { get; set; }
        }

        """;

    private static string SnapshotDirectory([System.Runtime.CompilerServices.CallerFilePath] string callerFile = "") =>
        Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");

    private sealed class ArrowTest : CSharpSourceGeneratorTest<ArrowRecordGenerator, DefaultVerifier>
    {
        public ArrowTest() => OfflineReferences.Configure(this);
    }

    private sealed class CheckpointTest : CSharpSourceGeneratorTest<CheckpointStateGenerator, DefaultVerifier>
    {
        public CheckpointTest() => OfflineReferences.Configure(this);
    }
}

/// <summary>
/// References for the testing framework without a package download: the framework's reference assemblies from the
/// running SDK's own <c>packs/Microsoft.NETCore.App.Ref</c>, plus the Bulwark runtime. <c>ReferenceAssemblies.Net.Net100</c>
/// would fetch a reference pack from a feed, which tests cannot reach.
/// </summary>
internal static class OfflineReferences
{
    /// <summary>Resolves no package: every reference comes from <see cref="Files"/>.</summary>
    public static readonly ReferenceAssemblies None = new("net10.0");

    private static readonly Lazy<ImmutableArray<MetadataReference>> Files = new(Load);

    /// <summary>Offline references, and nullable enabled as in the projects that use the generators.</summary>
    public static void Configure<TVerifier>(SourceGeneratorTest<TVerifier> test)
        where TVerifier : IVerifier, new()
    {
        test.TestState.ReferenceAssemblies = None;
        test.TestState.AdditionalReferences.AddRange(Files.Value);
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
            // CS1701/CS1702 (reference version unification) are what the SDK suppresses in every build: Apache.Arrow targets net8.0.
            var quiet = options.SpecificDiagnosticOptions.SetItem("CS1701", ReportDiagnostic.Suppress).SetItem("CS1702", ReportDiagnostic.Suppress);
            return solution.WithProjectCompilationOptions(projectId, options.WithNullableContextOptions(NullableContextOptions.Enable).WithSpecificDiagnosticOptions(quiet));
        });
    }

    private static ImmutableArray<MetadataReference> Load()
    {
        var packs = Path.Combine(DotnetRoot(), "packs", "Microsoft.NETCore.App.Ref");
        var runtimeVersion = Version.Parse(Path.GetFileName(Path.GetDirectoryName(typeof(object).Assembly.Location)!.TrimEnd(Path.DirectorySeparatorChar)).Split('-')[0]);
        var refDirectory = Directory.GetDirectories(packs)
            .Select(d => (Path: Path.Combine(d, "ref", "net10.0"), Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
            .Where(p => p.Version is not null && p.Version.Major == runtimeVersion.Major && Directory.Exists(p.Path))
            .OrderByDescending(p => p.Version)
            .Select(p => p.Path)
            .FirstOrDefault()
            ?? throw new InvalidOperationException($"No Microsoft.NETCore.App.Ref {runtimeVersion.Major}.x reference pack under {packs}.");
        return Directory.GetFiles(refDirectory, "*.dll")
            .Append(typeof(ArrowRecordAttribute).Assembly.Location)
            .Append(typeof(Apache.Arrow.Schema).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }

    /// <summary><c>DOTNET_ROOT</c>, else three levels above the running runtime (<c>shared/Microsoft.NETCore.App/&lt;version&gt;</c>).</summary>
    private static string DotnetRoot()
    {
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && Directory.Exists(Path.Combine(root, "packs")))
        {
            return root;
        }

        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
    }
}
