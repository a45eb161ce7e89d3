using System.Text.Json.Nodes;
using Bulwark;

namespace Bulwark.Interop.Tests;

/// <summary>The table Apache.Arrow writes, as a Bulwark user would declare it (the columns whose values fit .NET types).</summary>
[ArrowRecord("apache_arrow_rows")]
public partial record ApacheArrowRow(
    [property: Column("i32")] int? I32,
    [property: Column("i64")] long? I64,
    [property: Column("u64")] ulong? U64,
    [property: Column("f64")] double? F64,
    [property: Column("flag")] bool? Flag,
    [property: Column("name")] string? Name,
    [property: Column("bytes")] byte[]? Bytes,
    [property: Column("uuid")] Guid? Uuid,
    [property: Column("day")] DateOnly? Day,
    [property: Column("tod")] TimeOnly? Tod,
    [property: Column("ts")] DateTimeOffset? Ts,
    [property: Column("dur")] TimeSpan? Dur,
    [property: Column("ints")] int?[]? Ints,
    [property: Column("words")] string?[]? Words,
    [property: Column("color")] string? Color,
    [property: Column("point")] DuckPoint? Point)
{
    /// <summary>The record in the JSON conventions of <see cref="ArrowJson"/>: raw stored integers for temporal values.</summary>
    public JsonObject ToJson() => new()
    {
        ["i32"] = I32,
        ["i64"] = I64 is { } i64 ? ArrowJson.Invariant(i64) : null,
        ["u64"] = U64 is { } u64 ? ArrowJson.Invariant(u64) : null,
        ["f64"] = F64 is { } f64 ? ArrowJson.Float(f64) : null,
        ["flag"] = Flag,
        ["name"] = Name,
        ["bytes"] = Bytes is null ? null : ArrowJson.Hex(Bytes),
        ["uuid"] = Uuid?.ToString("N"),
        ["day"] = Day is { } day ? ParquetJson.Days(day) : null,
        ["tod"] = Tod is { } tod ? ParquetJson.Micros(tod) : null,
        ["ts"] = Ts is { } ts ? ParquetJson.Micros(ts) : null,
        ["dur"] = Dur is { } dur ? ArrowJson.Invariant(dur.Ticks / 10) : null,
        ["ints"] = Ints is null ? null : new JsonArray(Ints.Select(n => n is null ? null : (JsonNode)n.Value).ToArray()),
        ["words"] = Words is null ? null : new JsonArray(Words.Select(w => (JsonNode?)w).ToArray()),
        ["color"] = Color,
        ["point"] = Point is null ? null : new JsonObject { ["x"] = Point.X, ["label"] = Point.Label },
    };
}
