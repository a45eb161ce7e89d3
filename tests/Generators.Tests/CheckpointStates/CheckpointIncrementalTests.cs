using Bulwark.Generators.CheckpointStates;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// Edits that do not change a state type leave its model equal and the emitter cached; the lock file feeds only the
/// checks, so editing it never re-runs the emitter either.
/// </summary>
public sealed class CheckpointIncrementalTests
{
    private const string State = CheckpointHarness.Usings + """
        namespace Shop;

        [CheckpointState]
        public partial class Counter
        {
            [Id(1)] public long Total;
            [Id(2)] public Dictionary<string, List<int>> ByHost = [];
        }
        """;

    private const string Other = """
        namespace Shop;

        public static class Helpers
        {
            public static int Twice(int value) => value * 2;
        }
        """;

    private const string Lock = """{ "version": 1, "states": { "Shop.Counter": { "fields": [ { "id": 1, "name": "Total", "type": "int64" } ], "reserved": [] } } }""";

    [Fact]
    public void Unrelated_edit_leaves_model_and_source_cached()
    {
        var compilation = GeneratorHarness.CreateCompilation(State, Other);
        var first = GeneratorHarness.Run(compilation, CheckpointHarness.CreateDriver(Lock));
        var tree = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(Other + "\npublic sealed class Unrelated { }\n")));

        var second = GeneratorHarness.Run(edited, first.Driver);

        AssertReasons(second, CheckpointStateTrackingNames.Model, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertReasons(second, CheckpointStateTrackingNames.Source, IncrementalStepRunReason.Cached);
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void Comment_in_the_state_file_leaves_the_emitter_cached()
    {
        var compilation = GeneratorHarness.CreateCompilation(State, Other);
        var first = GeneratorHarness.Run(compilation, CheckpointHarness.CreateDriver(Lock));
        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From("// shifts every location\n" + State)));

        var second = GeneratorHarness.Run(edited, first.Driver);

        // The check model holds locations and changes; the (model, diagnostics) result does not, so nothing after it runs.
        AssertReasons(second, CheckpointStateTrackingNames.Parse, IncrementalStepRunReason.Modified);
        AssertReasons(second, CheckpointStateTrackingNames.Result, IncrementalStepRunReason.Unchanged);
        AssertReasons(second, CheckpointStateTrackingNames.Model, IncrementalStepRunReason.Cached);
        AssertReasons(second, CheckpointStateTrackingNames.Source, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void Editing_the_lock_file_leaves_the_emitter_cached_but_rechecks()
    {
        var compilation = GeneratorHarness.CreateCompilation(State, Other);
        var lockText = new CheckpointHarness.InMemoryText(CheckpointHarness.LockPath, Lock);
        var first = GeneratorHarness.Run(compilation, CheckpointHarness.CreateDriver(lockText));
        Assert.True(first.GeneratorDiagnostics.IsEmpty, string.Join("\n", first.GeneratorDiagnostics));

        var changedLock = Lock.Replace("int64", "string", StringComparison.Ordinal);
        var driver = first.Driver.ReplaceAdditionalText(lockText, new CheckpointHarness.InMemoryText(CheckpointHarness.LockPath, changedLock));
        var second = GeneratorHarness.Run(compilation, driver);

        AssertReasons(second, CheckpointStateTrackingNames.Source, IncrementalStepRunReason.Cached);
        Assert.Contains(second.GeneratorDiagnostics, d => d.Id == "BWK0109");
    }

    [Fact]
    public void Edit_to_the_state_reruns_the_emitter()
    {
        var compilation = GeneratorHarness.CreateCompilation(State, Other);
        var first = GeneratorHarness.Run(compilation, CheckpointHarness.CreateDriver());
        var tree = compilation.SyntaxTrees.First();
        var changed = State.Replace("[Id(1)] public long Total;", "[Id(1)] public long Total;\n    [Id(3)] public string? Note;", StringComparison.Ordinal);
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(changed)));

        var second = GeneratorHarness.Run(edited, first.Driver);

        AssertReasons(second, CheckpointStateTrackingNames.Model, IncrementalStepRunReason.Modified);
        AssertReasons(second, CheckpointStateTrackingNames.Source, IncrementalStepRunReason.Modified);
        Assert.Contains("\"Note\"", second.Sources.Values.Single(), StringComparison.Ordinal);
        Assert.True(second.CompilationDiagnostics.IsEmpty, string.Join("\n", second.CompilationDiagnostics));
    }

    private static void AssertReasons(GeneratorRun run, string step, params IncrementalStepRunReason[] allowed)
    {
        var result = run.Driver.GetRunResult().Results.Single();
        Assert.True(result.TrackedSteps.ContainsKey(step), $"No tracked step '{step}'; steps: {string.Join(", ", result.TrackedSteps.Keys)}");
        var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason => Assert.Contains(reason, allowed));
    }
}
