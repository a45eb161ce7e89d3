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
