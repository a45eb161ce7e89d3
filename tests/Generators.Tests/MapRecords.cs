using Bulwark;

namespace Bulwark.Generators.Tests.RoundTrip;

/// <summary>Dictionary members of every shape, key kinds and value kinds the generator maps to Arrow Map.</summary>
[ArrowRecord]
public partial record Maps(
    int Id,
    Dictionary<string, long> Counts,
    Dictionary<string, string?>? Labels,
    IReadOnlyDictionary<int, Address?> Places,
    IDictionary<Color, double?> ByColor,
    Dictionary<Guid, Level>? Owners,
    Dictionary<DateOnly, byte[]> Blobs,
    [property: Decimal(9, 2)] Dictionary<long, decimal?> Prices,
    Dictionary<bool, Point> Corners);

/// <summary>The same column names, read as a subset: a map member with a narrower record.</summary>
[ArrowRecord]
public partial record CountsOnly(int Id, Dictionary<string, long> Counts);
