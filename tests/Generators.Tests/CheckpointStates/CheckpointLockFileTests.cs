using Bulwark.Generators.CheckpointStates;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// With <c>BulwarkUpdateLockFile=true</c> the generator emits the rewritten lock file as comment lines (the package's
/// build target copies them out), moves removed ids to the reserved list and drops the "removed id" error.
/// </summary>
public sealed class CheckpointLockFileTests
{
    private const string Source = """
        namespace Shop;

        [CheckpointState]
        public partial class Counter
        {
            [Id(1)] public long Total;
            [Id(4)] public Dictionary<string, int?> Added = [];
        }

        [CheckpointState]
        public partial record struct Brand([property: Id(1)] string Name);
        """;

    private const string OldLock = """
        {
          "version": 1,
          "states": {
            "Gone.Type": {
              "fields": [
                { "id": 1, "name": "X", "type": "int32" }
              ],
              "reserved": []
            },
            "Shop.Counter": {
              "fields": [
                { "id": 1, "name": "Total", "type": "int64" },
                { "id": 2, "name": "Host", "type": "string" }
              ],
              "reserved": [3]
            }
          }
        }
        """;

    private const string NewLock = """
        {
          "version": 1,
          "states": {
            "Gone.Type": {
              "fields": [
                { "id": 1, "name": "X", "type": "int32" }
              ],
              "reserved": []
            },
            "Shop.Brand": {
              "fields": [
                { "id": 1, "name": "Name", "type": "string" }
              ],
              "reserved": []
            },
            "Shop.Counter": {
              "fields": [
                { "id": 1, "name": "Total", "type": "int64" },
                { "id": 4, "name": "Added", "type": "dictionary<string,int32?>" }
              ],
              "reserved": [2, 3]
            }
          }
        }

        """;

    [Fact]
    public void Without_the_switch_a_removed_id_is_an_error_and_no_lock_file_is_emitted()
    {
        var run = CheckpointHarness.Run(Source, OldLock);
        Assert.Equal(["BWK0111"], run.GeneratorDiagnostics.Select(d => d.Id));
        Assert.DoesNotContain(LockFile.GeneratedHintName, run.Sources.Keys);
    }

    [Fact]
    public void The_switch_emits_the_updated_lock_file_and_accepts_the_removal()
    {
        var run = CheckpointHarness.Run(Source, OldLock, update: true);

        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
        Assert.True(run.CompilationDiagnostics.IsEmpty, string.Join("\n", run.CompilationDiagnostics));
        Assert.Equal(NewLock.ReplaceLineEndings("\n"), Extract(run.Sources[LockFile.GeneratedHintName]));

        // The written file is itself a valid lock file under which the same code is clean.
        var again = CheckpointHarness.Run(Source, NewLock);
        Assert.True(again.GeneratorDiagnostics.IsEmpty, string.Join("\n", again.GeneratorDiagnostics));
    }

    [Fact]
    public void Without_a_lock_file_the_switch_writes_one_from_scratch()
    {
        var run = CheckpointHarness.Run(Source, lockJson: null, update: true);
        var json = Extract(run.Sources[LockFile.GeneratedHintName]);
        Assert.Contains("\"Shop.Counter\"", json, StringComparison.Ordinal);
        Assert.Contains("\"reserved\": []", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_schema_fingerprint_is_the_hash_of_the_locked_table()
    {
        var run = CheckpointHarness.Run(Source);
        var counter = run.Sources.Single(s => s.Key.Contains("Counter", StringComparison.Ordinal)).Value;
        var renamed = CheckpointHarness.Run(Source.Replace("public long Total", "public long Sum", StringComparison.Ordinal))
            .Sources.Single(s => s.Key.Contains("Counter", StringComparison.Ordinal)).Value;

        string Fingerprint(string code) => code.Split('\n').Single(l => l.Contains("SchemaFingerprint =>", StringComparison.Ordinal));
        Assert.NotEqual(Fingerprint(counter), Fingerprint(renamed));
        Assert.Equal(Fingerprint(counter), Fingerprint(CheckpointHarness.Run("// same table\n" + Source).Sources.Single(s => s.Key.Contains("Counter", StringComparison.Ordinal)).Value));
    }

    [Theory]
    [InlineData("int32", "int64", true)]
    [InlineData("int8", "int16", true)]
    [InlineData("uint8", "uint64", true)]
    [InlineData("int32", "int64?", true)]
    [InlineData("list<int32>", "hashset<int64>", true)]
    [InlineData("dictionary<int16,uint16>", "dictionary<int32,uint32>", true)]
    [InlineData("enum(Shop.Mood):int32", "enum(Shop.Feeling):int64", true)]
    [InlineData("int64", "int32", false)]
    [InlineData("list<int64>", "list<int32>", false)]
    [InlineData("uint32", "int64", false)]
    [InlineData("int32", "uint64", false)]
    [InlineData("float32", "float64", false)]
    [InlineData("float64", "float32", false)]
    [InlineData("int64?", "int64", false)]
    public void Integers_may_widen_within_their_signedness_and_nothing_may_narrow(string locked, string current, bool compatible) =>
        Assert.Equal(compatible, LockFile.IsCompatible(locked, current));

    private static string Extract(string generated) =>
        string.Concat(generated.Split('\n')
            .Where(l => l.StartsWith(LockFile.LinePrefix.TrimEnd(), StringComparison.Ordinal))
            .Select(l => (l.Length > LockFile.LinePrefix.Length ? l[LockFile.LinePrefix.Length..] : string.Empty) + "\n"));
}
