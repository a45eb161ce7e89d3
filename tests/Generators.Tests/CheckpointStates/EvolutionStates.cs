using Bulwark;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>The first version of a counter; <see cref="CounterV2"/> is the same state after an edit.</summary>
[CheckpointState]
public sealed partial class CounterV1
{
    [Id(1)] public long Total;
    [Id(2)] public string Host = "";
    [Id(3)] public List<int> Dropped = [];
}

/// <summary>Id 3 removed; ids 4 and 5 added.</summary>
[CheckpointState]
public sealed partial class CounterV2
{
    [Id(1)] public long Total;
    [Id(2)] public string Host = "";
    [Id(4)] public int Added = 42;
    [Id(5)] public Leaf? NewLeaf;
}

/// <summary>Id 2 changed from string to int: an edit the lock file forbids, and the reader rejects by wire kind.</summary>
[CheckpointState]
public sealed partial class CounterV3
{
    [Id(1)] public long Total;
    [Id(2)] public int Host;
}

/// <summary>A positional record whose later version added a parameter.</summary>
[CheckpointState]
public sealed partial record PairV1([property: Id(1)] int Left);

[CheckpointState]
public sealed partial record PairV2([property: Id(1)] int Left, [property: Id(2)] string Right, [property: Id(3)] Leaf Extra, [property: Id(4)] List<int> More);

/// <summary>A state whose setter validates: a restored value it rejects is still a format error of the file.</summary>
[CheckpointState]
public sealed partial class Validated
{
    private int _percent;

    [Id(1)]
    public int Percent
    {
        get => _percent;
        set => _percent = value is >= 0 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a percentage");
    }
}

/// <summary>Collections whose constructor chose a comparer: the restore keeps it.</summary>
[CheckpointState]
public sealed partial class CaseInsensitive
{
    [Id(1)] public Dictionary<string, int> ByHost { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    [Id(2)] public HashSet<string> Seen { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    [Id(3)] public Dictionary<string, int>? Maybe { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>The first version of a state whose members later change type; each "As" type below is one such edit.</summary>
[CheckpointState]
public sealed partial class WideV1
{
    [Id(1)] public string Text = "";
    [Id(2)] public long Count;
    [Id(3)] public double Ratio;
    [Id(4)] public List<long> Samples = [];
    [Id(5)] public int Small;
}

/// <summary>Id 1 changed from <c>string</c> to <c>long</c>: a different wire kind.</summary>
[CheckpointState]
public sealed partial class TextAsLong
{
    [Id(1)] public long Text;
}

/// <summary>Id 1 changed from <c>string</c> to <c>long?</c>.</summary>
[CheckpointState]
public sealed partial class TextAsNullableLong
{
    [Id(1)] public long? Text;
}

/// <summary>Id 2 narrowed from <c>long</c> to <c>int</c>: a varint does not record its width.</summary>
[CheckpointState]
public sealed partial class CountAsInt
{
    [Id(2)] public int Count;
}

/// <summary>Id 3 narrowed from <c>double</c> to <c>float</c>: the fixed width is the wire kind.</summary>
[CheckpointState]
public sealed partial class RatioAsFloat
{
    [Id(3)] public float Ratio;
}

/// <summary>Id 4 narrowed from <c>List&lt;long&gt;</c> to <c>List&lt;int&gt;</c>.</summary>
[CheckpointState]
public sealed partial class SamplesAsInts
{
    [Id(4)] public List<int> Samples = [];
}

/// <summary>Id 5 widened from <c>int</c> to <c>long</c>.</summary>
[CheckpointState]
public sealed partial class SmallAsLong
{
    [Id(5)] public long Small;
}

/// <summary>A state holding <see cref="WideV1"/>; <see cref="HolderV2"/> holds <see cref="TextAsLong"/> under the same id.</summary>
[CheckpointState]
public sealed partial class HolderV1
{
    [Id(1)] public WideV1 Inner = new();
}

[CheckpointState]
public sealed partial class HolderV2
{
    [Id(1)] public TextAsLong Inner = new();
}
