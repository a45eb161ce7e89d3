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

/// <summary>The map columns of parquet-testing's nonnullable.impala.parquet.</summary>
[ArrowRecord]
public partial record ImpalaRequired([property: Column("ID")] long Id, [property: Column("Int_Map")] Dictionary<string, int> IntMap);

/// <summary>The map column of parquet-testing's nullable.impala.parquet.</summary>
[ArrowRecord]
public partial record ImpalaNullable([property: Column("id")] long? Id, [property: Column("int_map")] Dictionary<string, int?>? IntMap);

/// <summary>The map column of parquet-testing's incorrect_map_schema.parquet (an optional key, as Presto writes it).</summary>
[ArrowRecord]
public partial record PrestoMap([property: Column("my_map")] Dictionary<string, string?> MyMap);
