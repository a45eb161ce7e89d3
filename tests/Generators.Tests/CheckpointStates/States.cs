using Bulwark;

namespace Bulwark.Generators.Tests.CheckpointStates;

public enum Mood : byte
{
    Calm,
    Busy,
    Angry = 200,
}

public enum Huge : ulong
{
    Zero,
    Max = ulong.MaxValue,
}

/// <summary>The DESIGN §3 example: private fields, a dictionary initialized by the constructor.</summary>
[CheckpointState]
public sealed partial class HostCounter
{
    [Id(1)] private Dictionary<string, long> _countsByHost = new();
    [Id(2)] private long _total;

    public IReadOnlyDictionary<string, long> CountsByHost => _countsByHost;

    public long Total => _total;

    public void Count(string host)
    {
        _countsByHost[host] = _countsByHost.GetValueOrDefault(host) + 1;
        _total++;
    }
}

/// <summary>Every scalar, nullable forms, and every collection shape, for round trips.</summary>
[CheckpointState]
public sealed partial class Everything
{
    [Id(1)] public bool Flag { get; set; }
    [Id(2)] public sbyte I8 { get; set; }
    [Id(3)] public short I16 { get; set; }
    [Id(4)] public int I32 { get; set; }
    [Id(5)] public long I64 { get; set; }
    [Id(6)] public byte U8 { get; set; }
    [Id(7)] public ushort U16 { get; set; }
    [Id(8)] public uint U32 { get; set; }
    [Id(9)] public ulong U64 { get; set; }
    [Id(10)] public float F32 { get; set; }
    [Id(11)] public double F64 { get; set; }
    [Id(12)] public decimal Money { get; set; }
    [Id(13)] public char Letter { get; set; }
    [Id(14)] public string Text { get; set; } = "";
    [Id(15)] public byte[] Blob { get; set; } = [];
    [Id(16)] public Guid Key { get; set; }
    [Id(17)] public DateTime When { get; set; }
    [Id(18)] public DateTimeOffset WhenOffset { get; set; }
    [Id(19)] public TimeSpan Span { get; set; }
    [Id(20)] public DateOnly Day { get; set; }
    [Id(21)] public TimeOnly Time { get; set; }
    [Id(22)] public Mood Mood { get; set; }
    [Id(23)] public Huge Huge { get; set; }
    [Id(24)] public int? MaybeInt { get; set; }
    [Id(25)] public string? MaybeText { get; set; }
    [Id(26)] public byte[]? MaybeBlob { get; set; }
    [Id(27)] public Mood? MaybeMood { get; set; }
    [Id(28)] public DateTime? MaybeWhen { get; set; }
    [Id(29)] public int[] Numbers { get; set; } = [];
    [Id(30)] public List<string?> Names { get; set; } = [];
    [Id(31)] public HashSet<Guid> Keys { get; set; } = [];
    [Id(32)] public Dictionary<int, List<double?>> Series { get; set; } = [];
    [Id(33)] public Dictionary<string, Leaf?>? Leaves { get; set; }
    [Id(34)] public Leaf Root { get; set; } = new();
    [Id(35)] public Leaf? MaybeLeaf { get; set; }
    [Id(36)] public List<Leaf> LeafList { get; set; } = [];
    [Id(37)] public List<List<long>> Jagged { get; set; } = [];
    [Id(38)] public Position Where { get; set; }
    [Id(39)] public Point? Corner { get; set; }
    [Id(40)] public decimal[] Prices { get; set; } = [];
    [Id(41)] public float[] Floats { get; set; } = [];
}

[CheckpointState]
public sealed partial class Leaf
{
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public int Weight { get; set; }
    [Id(3)] public Leaf? Child { get; set; }
}

/// <summary>A struct state.</summary>
[CheckpointState]
public partial struct Position
{
    [Id(1)] public double X;
    [Id(2)] public double Y;
}

/// <summary>A positional record: restored through its constructor.</summary>
[CheckpointState]
public sealed partial record Point([property: Id(1)] int X, [property: Id(2)] int Y, [property: Id(3)] string Label);

/// <summary>A record with [Id] on the positional parameters and an init-only member.</summary>
[CheckpointState]
public partial record Window([Id(1)] DateTimeOffset Start, [Id(2)] TimeSpan Length)
{
    [Id(3)] public List<string> Events { get; init; } = [];

    [Id(4)] public string Note { get; init; } = "default note";
}

/// <summary>A private parameterless constructor and a readonly-looking API: restore still works.</summary>
[CheckpointState]
public sealed partial class Sealed
{
    private Sealed()
    {
    }

    public Sealed(int value) => Value = value;

    [Id(1)] public int Value { get; private set; }
}

/// <summary>Init-only members on a class with a parameterless constructor: missing fields keep their initializers.</summary>
[CheckpointState]
public sealed partial class Settings
{
    [Id(1)] public string Name { get; init; } = "unnamed";
    [Id(2)] public int Retries { get; init; } = 3;
}
