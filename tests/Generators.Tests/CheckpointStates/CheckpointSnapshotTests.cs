namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// The generated serializer for representative state shapes, compared with approved files in
/// Snapshots/CheckpointStates/. Each must compile without a warning under nullable enable.
/// </summary>
public sealed class CheckpointSnapshotTests
{
    [Fact]
    public void DesignExample() => Verify(nameof(DesignExample), """
        namespace Sample;

        [CheckpointState]
        public partial class HostCounter
        {
            [Id(1)] private Dictionary<string, long> _countsByHost = new();
            [Id(2)] private long _total;
        }
        """);

    [Fact]
    public void ScalarsAndNullables() => Verify(nameof(ScalarsAndNullables), """
        namespace Sample;

        public enum Level : short { Low = -1, High = 1 }

        [CheckpointState]
        public partial struct Scalars
        {
            [Id(1)] public bool Flag;
            [Id(2)] public sbyte I8;
            [Id(3)] public ushort U16;
            [Id(4)] public ulong U64;
            [Id(5)] public float F32;
            [Id(6)] public decimal Money;
            [Id(7)] public char Letter;
            [Id(8)] public Guid Key;
            [Id(9)] public DateTime When;
            [Id(10)] public DateTimeOffset At;
            [Id(11)] public TimeSpan Span;
            [Id(12)] public DateOnly Day;
            [Id(13)] public TimeOnly Time;
            [Id(14)] public Level Level;
            [Id(15)] public Level? MaybeLevel;
            [Id(16)] public long? MaybeLong;
            [Id(17)] public string? MaybeText;
            [Id(18)] public byte[]? MaybeBytes;
        }
        """);

    [Fact]
    public void CollectionsAndNestedStates() => Verify(nameof(CollectionsAndNestedStates), """
        namespace Sample;

        [CheckpointState]
        public partial class Window
        {
            [Id(1)] public List<int?> Counts { get; set; } = [];
            [Id(2)] public string?[] Labels { get; set; } = [];
            [Id(3)] public HashSet<string> Seen { get; private set; } = [];
            [Id(4)] public Dictionary<Guid, List<Entry?>> ByKey { get; set; } = [];
            [Id(5)] public Entry? Last { get; set; }
            [Id(6)] internal List<List<byte[]>> Chunks = [];
        }

        [CheckpointState]
        public partial record Entry([property: Id(1)] string Name, [Id(2)] long Value)
        {
            [Id(3)] public DateTime? Seen { get; init; }
        }
        """);

    [Fact]
    public void NestedTypeWithInitMembersAndKeywordNames() => Verify(nameof(NestedTypeWithInitMembersAndKeywordNames), """
        namespace Sample;

        public partial class Operators
        {
            [CheckpointState]
            internal sealed partial class Dedup
            {
                private Dedup() { }

                public Dedup(int @class) => @class_ = @class;

                [Id(1)] public int @class_;
                [Id(2)] public string @event { get; init; } = "none";
                [Id(7)] public required Dictionary<long, bool> Required { get; init; }
            }
        }
        """);

    private static void Verify(string name, string source)
    {
        var run = CheckpointHarness.Run(source);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
        Assert.True(run.CompilationDiagnostics.IsEmpty, string.Join("\n", run.CompilationDiagnostics) + "\n" + string.Join("\n\n", run.Sources.Values));
        Assert.NotEmpty(run.Sources);
        foreach (var (hint, text) in run.Sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var type = hint.Replace(".CheckpointState.g.cs", string.Empty, StringComparison.Ordinal);
            CheckpointHarness.MatchesSnapshot(text, run.Sources.Count == 1 ? name : name + "." + type);
        }
    }
}
