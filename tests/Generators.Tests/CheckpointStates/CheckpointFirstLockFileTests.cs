using Bulwark.Generators.CheckpointStates;
using Microsoft.CodeAnalysis;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// A project without <c>bulwark.lock.json</c>: the package's targets tell the generator whether this build creates it
/// (<c>_BulwarkLockFileMissing=create</c>: the first lock file is emitted for the target to write) or not
/// (<c>warn</c>: a CI build or an opt-out, BWK0113 on every state type with the command that creates it).
/// </summary>
public sealed class CheckpointFirstLockFileTests
{
    private const string Source = """
        namespace Shop;

        [CheckpointState]
        public partial class Counter
        {
            [Id(1)] public long Total;
            [Id(2)] public string? Host;
        }
        """;

    private const string FirstLock = """
        {
          "version": 1,
          "states": {
            "Shop.Counter": {
              "fields": [
                { "id": 1, "name": "Total", "type": "int64" },
                { "id": 2, "name": "Host", "type": "string?" }
              ],
              "reserved": []
            }
          }
        }

        """;

    [Fact]
    public void A_build_that_creates_the_lock_file_gets_the_first_one_and_no_diagnostic()
    {
        var run = CheckpointHarness.Run(Source, missing: "create");

        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
        Assert.True(run.CompilationDiagnostics.IsEmpty, string.Join("\n", run.CompilationDiagnostics));
        Assert.Equal(FirstLock.ReplaceLineEndings("\n"), LockLines(run.Sources[LockFile.GeneratedHintName]));

        // Under the file it created, changing id 1's type is the build error the lock file exists for.
        var changed = CheckpointHarness.Run(Source.Replace("public long Total", "public int Total", StringComparison.Ordinal), FirstLock);
        Assert.Equal(["BWK0109"], run.GeneratorDiagnostics.Select(d => d.Id).Concat(changed.GeneratorDiagnostics.Select(d => d.Id)));
    }

    [Fact]
    public void Without_state_types_the_generated_file_holds_no_lock_file_lines()
    {
        var run = CheckpointHarness.Run("namespace Shop; public class Plain { }", missing: "create");

        Assert.Empty(LockLines(run.Sources[LockFile.GeneratedHintName]));
        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
    }

    [Fact]
    public void A_build_that_does_not_create_it_warns_on_each_state_type_with_the_command()
    {
        var source = Source + "\n[CheckpointState] public partial struct Brand { [Id(1)] public string? Name; }";
        var run = CheckpointHarness.Run(source, missing: "warn");

        Assert.DoesNotContain(LockFile.GeneratedHintName, run.Sources.Keys);
        Assert.Equal(["BWK0113", "BWK0113"], run.GeneratorDiagnostics.Select(d => d.Id));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        var counter = run.GeneratorDiagnostics.Single(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).StartsWith("'Shop.Counter'", StringComparison.Ordinal));
        Assert.Contains("run 'dotnet build -p:BulwarkUpdateLockFile=true' and commit bulwark.lock.json", counter.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        // On the type's name, where the user can see which type is unchecked.
        var span = counter.Location.SourceSpan;
        Assert.Equal("Source0.cs", counter.Location.GetLineSpan().Path);
        Assert.Equal("Counter", (CheckpointHarness.Usings + source).Substring(span.Start, span.Length));
    }

    [Fact]
    public void An_existing_lock_file_or_the_update_switch_takes_precedence_over_the_missing_file_property()
    {
        // The targets only set the property when the file is absent; should both arrive, the file is the truth.
        var locked = CheckpointHarness.Run(Source, FirstLock, missing: "warn");
        Assert.True(locked.GeneratorDiagnostics.IsEmpty, string.Join("\n", locked.GeneratorDiagnostics));
        Assert.DoesNotContain(LockFile.GeneratedHintName, CheckpointHarness.Run(Source, FirstLock, missing: "create").Sources.Keys);

        var updating = CheckpointHarness.Run(Source, update: true, missing: "warn");
        Assert.True(updating.GeneratorDiagnostics.IsEmpty, string.Join("\n", updating.GeneratorDiagnostics));
        Assert.Equal(FirstLock.ReplaceLineEndings("\n"), LockLines(updating.Sources[LockFile.GeneratedHintName]));
    }

    [Fact]
    public void Without_word_from_the_build_nothing_is_emitted_or_reported()
    {
        // The generator referenced without the package's targets (as in this repository) cannot know who writes files.
        var run = CheckpointHarness.Run(Source);
        Assert.DoesNotContain(LockFile.GeneratedHintName, run.Sources.Keys);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
    }

    private static string LockLines(string generated) =>
        string.Concat(generated.Split('\n')
            .Where(l => l.StartsWith(LockFile.LinePrefix.TrimEnd(), StringComparison.Ordinal))
            .Select(l => (l.Length > LockFile.LinePrefix.Length ? l[LockFile.LinePrefix.Length..] : string.Empty) + "\n"));
}
