using Bulwark.Generators.ArrowRecords;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Bulwark.Generators.Tests;

public sealed class NamingTests
{
    [Theory]
    [InlineData("HttpRequest", "http_request")]
    [InlineData("HTTPRequest", "http_request")]
    [InlineData("IOStream", "io_stream")]
    [InlineData("Order2Line", "order2_line")]
    [InlineData("Already_Snake", "already_snake")]
    [InlineData("X", "x")]
    [InlineData("lowercase", "lowercase")]
    public void DefaultTableNameIsSnakeCase(string typeName, string expected) =>
        Assert.Equal(expected, Parser.ToSnakeCase(typeName));

    [Fact]
    public void GeneratedCodeIsFullyDocumentedForProjectsThatGenerateDocs()
    {
        // Users with GenerateDocumentationFile and warnings-as-errors must not get CS1591 from generated members.
        var source = """
            using System.Collections.Generic;
            using Bulwark;

            /// <summary>Documented.</summary>
            public enum Kind { /** <summary>A.</summary> */ A }

            /// <summary>Documented.</summary>
            [ArrowRecord]
            public partial record Row(int Id, Kind Kind, List<string> Tags);
            """;
        var options = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        var compilation = CSharpCompilation.Create(
            "Documented",
            [CSharpSyntaxTree.ParseText(source, options, path: "Source0.cs")],
            GeneratorHarness.CreateCompilation().References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create([new ArrowRecordGenerator().AsSourceGenerator()], parseOptions: options);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
