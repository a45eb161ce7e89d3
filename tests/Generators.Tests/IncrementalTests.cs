using Bulwark.Generators.ArrowRecords;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Bulwark.Generators.Tests;

/// <summary>
/// The generator runs on every keystroke in an IDE: edits that do not touch a record must leave its model equal and
/// skip the emitter, and edits that do touch it must re-run it.
/// </summary>
public sealed class IncrementalTests
{
    private const string Record = """
        using System;
        using System.Collections.Generic;
        using Bulwark;

        namespace Shop;

        public enum Color { Red, Green }

        [ArrowRecord]
        public partial record Order(long Id, string Name, Color Color, List<int> Lines);
        """;

    private const string Other = """
        namespace Shop;

        public static class Helpers
        {
            public static int Twice(int value) => value * 2;
        }
        """;

    [Fact]
    public void UnrelatedEditInAnotherTreeLeavesModelAndSourceCached()
    {
        var compilation = GeneratorHarness.CreateCompilation(Record, Other);
        var first = GeneratorHarness.Run(compilation);

        var otherTree = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(otherTree, otherTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Other + "\npublic sealed class Unrelated { public int X { get; set; } }\n")));
        var second = GeneratorHarness.Run(edited, first.Driver);

        AssertAllOutputs(second, TrackingNames.Model, IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Cached);
        AssertAllOutputs(second, TrackingNames.Source, IncrementalStepRunReason.Cached);
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void CommentInTheRecordFileLeavesTheEmitterCached()
    {
        var compilation = GeneratorHarness.CreateCompilation(Record, Other);
        var first = GeneratorHarness.Run(compilation);

        var recordTree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(recordTree, recordTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From("// a comment that moves nothing the model keeps\n" + Record)));
        var second = GeneratorHarness.Run(edited, first.Driver);

        // The comment shifts every position in the file: the parse re-runs, but its result holds no locations unless it
        // has diagnostics, so it comes out equal and the model and emitter steps after it are not run at all.
        AssertAllOutputs(second, TrackingNames.Parse, IncrementalStepRunReason.Unchanged);
        AssertAllOutputs(second, TrackingNames.Model, IncrementalStepRunReason.Cached);
        AssertAllOutputs(second, TrackingNames.Source, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void EditToTheRecordRerunsTheEmitter()
    {
        var compilation = GeneratorHarness.CreateCompilation(Record, Other);
        var first = GeneratorHarness.Run(compilation);

        var recordTree = compilation.SyntaxTrees.First();
        var changed = Record.Replace("List<int> Lines", "List<int> Lines, string? Note", StringComparison.Ordinal);
        var edited = compilation.ReplaceSyntaxTree(recordTree, recordTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(changed)));
        var second = GeneratorHarness.Run(edited, first.Driver);

        AssertAllOutputs(second, TrackingNames.Model, IncrementalStepRunReason.Modified);
        AssertAllOutputs(second, TrackingNames.Source, IncrementalStepRunReason.Modified);
        Assert.Contains("\"Note\"", second.Sources.Values.Single(), StringComparison.Ordinal);
        Assert.True(second.CompilationDiagnostics.IsEmpty, string.Join("\n", second.CompilationDiagnostics));
    }

    [Fact]
    public void EditToAnEnumTheRecordUsesRerunsTheEmitter()
    {
        var compilation = GeneratorHarness.CreateCompilation(Record, Other);
        var first = GeneratorHarness.Run(compilation);

        var recordTree = compilation.SyntaxTrees.First();
        var changed = Record.Replace("Red, Green", "Red, Green, Blue", StringComparison.Ordinal);
        var edited = compilation.ReplaceSyntaxTree(recordTree, recordTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(changed)));
        var second = GeneratorHarness.Run(edited, first.Driver);

        AssertAllOutputs(second, TrackingNames.Source, IncrementalStepRunReason.Modified);
        Assert.Contains("\"Blue\"", second.Sources.Values.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void ModelsHoldNoSymbolsOrSyntax()
    {
        var compilation = GeneratorHarness.CreateCompilation(Record);
        var run = GeneratorHarness.Run(compilation);
        var result = run.Driver.GetRunResult().Results.Single();
        var outputs = result.TrackedSteps[TrackingNames.Model].SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.NotEmpty(outputs);
        foreach (var output in outputs)
        {
            AssertNoCompilerObjects(output, new HashSet<object>(ReferenceEqualityComparer.Instance), "model");
        }
    }

    private static void AssertAllOutputs(GeneratorRun run, string step, params IncrementalStepRunReason[] allowed)
    {
        var result = run.Driver.GetRunResult().Results.Single();
        Assert.True(result.TrackedSteps.ContainsKey(step), $"No tracked step '{step}'; steps: {string.Join(", ", result.TrackedSteps.Keys)}");
        var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason => Assert.Contains(reason, allowed));
        if (step == TrackingNames.Source)
        {
            var outputReasons = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(outputReasons);
            if (allowed.All(a => a == IncrementalStepRunReason.Cached))
            {
                Assert.All(outputReasons, reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
            }
        }
    }

    private static void AssertNoCompilerObjects(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or SyntaxTree or Location or Compilation or SemanticModel, $"{path} holds a {value.GetType().Name}");
        if (value is DiagnosticDescriptor)
        {
            return;
        }

        if (value is System.Collections.IEnumerable items)
        {
            var i = 0;
            foreach (var item in items)
            {
                AssertNoCompilerObjects(item, seen, $"{path}[{i++}]");
            }

            return;
        }

        foreach (var property in value.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertNoCompilerObjects(property.GetValue(value), seen, path + "." + property.Name);
        }
    }
}
