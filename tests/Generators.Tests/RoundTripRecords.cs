using Bulwark;

namespace Bulwark.Generators.Tests.RoundTrip;

public enum Color
{
    Red,
    Green,
    Blue,
}

public enum Level : byte
{
    Low = 1,
    Medium = 5,
    High = 10,
    Critical = 10,
}

[ArrowRecord]
public partial record AllScalars(
    bool Flag,
    sbyte I8,
    short I16,
    int I32,
    long I64,
    byte U8,
    ushort U16,
    uint U32,
    ulong U64,
    float F32,
    double F64,
    [property: Decimal(28, 10)] decimal Amount,
    string Text,
    byte[] Bytes,
    DateTime When,
    DateTimeOffset WhenOffset,
    DateOnly Day,
    TimeOnly Time,
    TimeSpan Span,
    Guid Id,
    Color Color);

[ArrowRecord("nullable_scalars")]
public partial record NullableScalars(
    bool? Flag,
    sbyte? I8,
    short? I16,
    int? I32,
    long? I64,
    byte? U8,
    ushort? U16,
    uint? U32,
    ulong? U64,
    float? F32,
    double? F64,
    [Decimal(18, 4)] decimal? Amount,
    string? Text,
    byte[]? Bytes,
    DateTime? When,
    DateTimeOffset? WhenOffset,
    DateOnly? Day,
    TimeOnly? Time,
    TimeSpan? Span,
    Guid? Id,
    Level? Level);

[ArrowRecord]
public partial class InitProperties
{
    [Column("visit_id")]
    public long VisitId { get; init; }

    public string Url { get; set; } = string.Empty;

    public string? Referrer { get; init; }

    [Ignore]
    public string Computed => Url + "#" + VisitId;

    public int Status;
}

[ArrowRecord]
public partial record Lists(
    int[] Numbers,
    List<string> Names,
    List<string?>? MaybeNames,
    int?[] MaybeNumbers,
    IReadOnlyList<Color> Colors,
    IList<Guid>? Ids,
    List<byte[]> Blobs,
    DateTime[] Times,
    [property: Decimal(10, 2)] List<decimal> Prices);

[ArrowRecord]
public partial record Address(string City, string? Street, int Zip, Level Level);

[ArrowRecord]
public partial record struct Point(double X, double Y);

[ArrowRecord]
public partial record Shipment(
    long Id,
    Address Home,
    Address? Work,
    Point Origin,
    Point? Destination,
    List<Address> Stops,
    Point?[]? Path);

[ArrowRecord]
public partial record struct Reading(Guid Sensor, double Value, DateTime At, string? Note);

public static partial class Outer
{
    [ArrowRecord("inner_rows")]
    public partial record InnerRow(int A, string B);
}

// Pairs of records that share column names but not types or nullability, for reading one's batches as the other.
public enum ColorV2
{
    Red,
    Green,
    Blue,
    Purple,
}

[ArrowRecord]
public partial record OptionalText(int Id, string? Text);

[ArrowRecord]
public partial record RequiredText(int Id, string Text);

[ArrowRecord]
public partial record TextAsNumber(int Id, long Text);

[ArrowRecord]
public partial record WithExtraColumns(int Id, string? Text, int? Missing, List<int>? MissingList, Address? MissingAddress);

[ArrowRecord]
public partial record RequiresMissing(int Id, int Missing);

[ArrowRecord]
public partial record Paint(int Id, Color Color);

[ArrowRecord]
public partial record PaintV2(int Id, ColorV2 Color);

[ArrowRecord]
public partial record Invoice(long Id, [property: Decimal(5, 2)] decimal Total, string Note);

[ArrowRecord]
public partial record MoreLists(
    List<byte[]?> MaybeBlobs,
    IList<DateOnly?>? MaybeDates,
    List<Color?> MaybeColors,
    Level?[]? Levels,
    List<Address?> MaybeAddresses,
    IReadOnlyList<Point> Points,
    bool[] Flags,
    List<TimeSpan> Spans,
    [property: Decimal(28, 0)] decimal?[] Big);

[ArrowRecord]
public partial record Animal(string Name);

[ArrowRecord("dogs")]
public partial record Dog(string Name, int Barks) : Animal(Name);

/// <summary>System.Half maps to Arrow HalfFloat (Parquet FLOAT16).</summary>
[ArrowRecord("halves")]
public partial record Halves(Half Value, Half? Maybe, Half[] Values);
