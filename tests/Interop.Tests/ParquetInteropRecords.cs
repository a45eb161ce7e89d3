using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark;

namespace Bulwark.Interop.Tests;

/// <summary>The members of js/duckdb-write-parquet.mjs's ENUM type, lower case because the file holds member names as DuckDB spells them.</summary>
public enum DuckMood
{
    sad,
    ok,
    happy,
}

/// <summary>The STRUCT column of the DuckDB-written table.</summary>
[ArrowRecord("duck_point")]
public partial record DuckPoint(
    [property: Column("x")] int X,
    [property: Column("label")] string? Label);

/// <summary>
/// The table js/duckdb-write-parquet.mjs writes, as a Bulwark user would declare it to read the file. DuckDB writes
/// every column OPTIONAL; members without nulls in the data are declared non-nullable, as a user would. "big" is a
/// DECIMAL(38,10) in the file and a System.Decimal (at most 28 digits) here: the values fit.
/// </summary>
[ArrowRecord("duck")]
public partial record DuckDbRow(
    [property: Column("id")] long Id,
    [property: Column("u8")] byte U8,
    [property: Column("u16")] ushort U16,
    [property: Column("u32")] uint U32,
    [property: Column("u64")] ulong U64,
    [property: Column("i8")] sbyte I8,
    [property: Column("i16")] short? I16,
    [property: Column("i32")] int I32,
    [property: Column("f64")] double F64,
    [property: Column("f32")] float? F32,
    [property: Column("host")] string Host,
    [property: Column("note")] string? Note,
    [property: Column("flag")] bool? Flag,
    [property: Column("ts")] DateTimeOffset Ts,
    [property: Column("day")] DateOnly? Day,
    [property: Column("tod")] TimeOnly Tod,
    [property: Column("price"), Decimal(9, 2)] decimal Price,
    [property: Column("amount"), Decimal(18, 4)] decimal? Amount,
    [property: Column("big"), Decimal(28, 10)] decimal Big,
    [property: Column("uid")] Guid? Uid,
    [property: Column("mood")] DuckMood? Mood,
    [property: Column("tags")] string?[]? Tags,
    [property: Column("nums")] int?[]? Nums,
    [property: Column("point")] DuckPoint? Point,
    [property: Column("payload")] byte[]? Payload)
{
    /// <summary>The row in the JSON conventions of js/duckdb-values.mjs, keyed by column name.</summary>
    public JsonObject ToJson() => new()
    {
        ["id"] = ParquetJson.Int64(Id),
        ["u8"] = U8,
        ["u16"] = U16,
        ["u32"] = U32,
        ["u64"] = ParquetJson.Int64(U64),
        ["i8"] = I8,
        ["i16"] = I16,
        ["i32"] = I32,
        ["f64"] = ArrowJson.Float(F64),
        ["f32"] = F32 is { } f32 ? ArrowJson.Float(f32) : null,
        ["host"] = Host,
        ["note"] = Note,
        ["flag"] = Flag,
        ["ts"] = ParquetJson.Micros(Ts),
        ["day"] = Day is { } day ? ParquetJson.Days(day) : null,
        ["tod"] = ParquetJson.Micros(Tod),
        ["price"] = ParquetJson.Unscaled(Price, 2),
        ["amount"] = Amount is { } amount ? ParquetJson.Unscaled(amount, 4) : null,
        ["big"] = ParquetJson.Unscaled(Big, 10),
        ["uid"] = Uid?.ToString("N"),
        ["mood"] = Mood?.ToString(),
        ["tags"] = Tags is null ? null : new JsonArray(Tags.Select(t => (JsonNode?)t).ToArray()),
        ["nums"] = Nums is null ? null : new JsonArray(Nums.Select(n => n is null ? null : (JsonNode)n.Value).ToArray()),
        ["point"] = Point is null ? null : new JsonObject { ["x"] = Point.X, ["label"] = Point.Label },
        ["payload"] = Payload is null ? null : ArrowJson.Hex(Payload),
    };
}

/// <summary>A member of every kind DESIGN.md section 2 maps, nested record and enum included, for <c>ParquetFile.WriteAsync</c>.</summary>
[ArrowRecord("parquet_all_members")]
public partial record ParquetAllMembersRow(
    [property: Column("id")] long Id,
    [property: Column("flag")] bool Flag,
    [property: Column("i8")] sbyte? I8,
    [property: Column("i16")] short I16,
    [property: Column("i32")] int? I32,
    [property: Column("u8")] byte U8,
    [property: Column("u16")] ushort? U16,
    [property: Column("u32")] uint U32,
    [property: Column("u64")] ulong? U64,
    [property: Column("f32")] float F32,
    [property: Column("f64")] double? F64,
    [property: Column("price"), Decimal(9, 2)] decimal Price,
    [property: Column("amount"), Decimal(18, 4)] decimal? Amount,
    [property: Column("big"), Decimal(28, 10)] decimal? Big,
    [property: Column("name")] string Name,
    [property: Column("note")] string? Note,
    [property: Column("bytes")] byte[]? Bytes,
    [property: Column("uid")] Guid Uid,
    [property: Column("day")] DateOnly? Day,
    [property: Column("tod")] TimeOnly? Tod,
    [property: Column("at")] DateTimeOffset At,
    [property: Column("local")] DateTime? Local,
    [property: Column("span")] TimeSpan? Span,
    [property: Column("status")] CrawlStatus Status,
    [property: Column("maybe_status")] CrawlStatus? MaybeStatus,
    [property: Column("ints")] int?[]? Ints,
    [property: Column("words")] List<string>? Words,
    [property: Column("point")] DuckPoint? Point)
{
    private static readonly DateTimeOffset Start = new(2024, 2, 29, 12, 34, 56, TimeSpan.Zero);

    /// <summary>Row i: every nullable member is null somewhere, extremes appear in the first rows.</summary>
    public static ParquetAllMembersRow Create(int i) => new(
        i,
        i % 3 == 0,
        i % 7 == 3 ? null : (sbyte)((i * 37 % 256) - 128),
        i == 0 ? short.MinValue : i == 1 ? short.MaxValue : (short)(i * 101),
        i % 5 == 4 ? null : i == 0 ? int.MinValue : i * -7919,
        (byte)(255 - (i % 256)),
        i % 6 == 5 ? null : (ushort)(65535 - i),
        i == 0 ? uint.MaxValue : (uint)i * 3u,
        i % 4 == 2 ? null : i == 0 ? ulong.MaxValue : (ulong)i << 40,
        i % 9 == 8 ? -0f : (i - 20) * 0.5f,
        i % 8 == 1 ? null : i % 8 == 2 ? double.NaN : i % 8 == 3 ? double.NegativeInfinity : (i - 30) * 1.125,
        (i - 25) * 1.37m,
        i % 10 == 9 ? null : (i - 25) * 12345.6789m,
        i % 11 == 10 ? null : (i - 25) * 1234567890123.0123456789m,
        "name " + (i % 13).ToString(CultureInfo.InvariantCulture),
        i % 3 == 1 ? null : i % 3 == 2 ? string.Empty : "ünï 😀 " + i.ToString(CultureInfo.InvariantCulture),
        i % 4 == 3 ? null : Enumerable.Range(0, i % 6).Select(k => (byte)(k * 51 + i)).ToArray(),
        i == 0 ? Guid.Empty : new Guid(i, (short)i, (short)(i * 3), 1, 2, 3, 4, 5, 6, 7, (byte)i),
        i % 5 == 2 ? null : DateOnly.FromDayNumber(719162 + ((i - 25) * 397)),
        i % 6 == 1 ? null : TimeOnly.FromTimeSpan(TimeSpan.FromTicks(i * 7919000013L % TimeSpan.TicksPerDay / 10 * 10)),
        Start.AddTicks((i - 25) * 1_000_003L * 10),
        i % 7 == 0 ? null : DateTime.SpecifyKind(new DateTime(2001, 2, 3, 4, 5, 6).AddTicks(i * 10L), DateTimeKind.Utc),
        i % 8 == 0 ? null : TimeSpan.FromTicks((i - 20) * 123_456_789L * 10),
        (CrawlStatus)(i % 3),
        i % 4 == 0 ? null : (CrawlStatus)((i + 1) % 3),
        i % 5 == 0 ? null : Enumerable.Range(0, i % 4).Select(k => k == 1 ? (int?)null : (i * 10) + k).ToArray(),
        i % 6 == 0 ? null : Enumerable.Range(0, i % 3).Select(k => "w" + (i + k).ToString(CultureInfo.InvariantCulture)).ToList(),
        i % 4 == 1 ? null : new DuckPoint(i * 3, i % 2 == 0 ? null : "p" + i.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The row in describe.mjs / duckdb-values.mjs conventions, keyed by column name.</summary>
    public JsonObject ToJson() => new()
    {
        ["id"] = ParquetJson.Int64(Id),
        ["flag"] = Flag,
        ["i8"] = I8,
        ["i16"] = I16,
        ["i32"] = I32,
        ["u8"] = U8,
        ["u16"] = U16,
        ["u32"] = U32,
        ["u64"] = U64 is { } u64 ? ParquetJson.Int64(u64) : null,
        ["f32"] = ArrowJson.Float(F32),
        ["f64"] = F64 is { } f64 ? ArrowJson.Float(f64) : null,
        ["price"] = ParquetJson.Unscaled(Price, 2),
        ["amount"] = Amount is { } amount ? ParquetJson.Unscaled(amount, 4) : null,
        ["big"] = Big is { } big ? ParquetJson.Unscaled(big, 10) : null,
        ["name"] = Name,
        ["note"] = Note,
        ["bytes"] = Bytes is null ? null : ArrowJson.Hex(Bytes),
        ["uid"] = Uid.ToString("N"),
        ["day"] = Day is { } day ? ParquetJson.Days(day) : null,
        ["tod"] = Tod is { } tod ? ParquetJson.Micros(tod) : null,
        ["at"] = ParquetJson.Micros(At),
        ["local"] = Local is { } local ? ParquetJson.Micros(new DateTimeOffset(local)) : null,
        ["span"] = Span is { } span ? ParquetJson.Int64(span.Ticks / 10) : null,
        ["status"] = Status.ToString(),
        ["maybe_status"] = MaybeStatus?.ToString(),
        ["ints"] = Ints is null ? null : new JsonArray(Ints.Select(n => n is null ? null : (JsonNode)n.Value).ToArray()),
        ["words"] = Words is null ? null : new JsonArray(Words.Select(w => (JsonNode?)w).ToArray()),
        ["point"] = Point is null ? null : new JsonObject { ["x"] = Point.X, ["label"] = Point.Label },
    };
}

/// <summary>Value encodings shared by the record-to-JSON mappings (js/describe.mjs conventions).</summary>
internal static class ParquetJson
{
    public static JsonNode Int64(long value) => ArrowJson.Invariant(value);

    public static JsonNode Int64(ulong value) => ArrowJson.Invariant(value);

    public static JsonNode Micros(DateTimeOffset value) => ArrowJson.Invariant((value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10);

    public static JsonNode Micros(TimeOnly value) => ArrowJson.Invariant(value.Ticks / 10);

    public static JsonNode Days(DateOnly value) => value.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>Rows of <c>ToJson()</c> objects turned into columns: { name: [value of row 0, row 1, ...] }, in the first row's key order.</summary>
    public static JsonObject Columns(IReadOnlyList<JsonObject> rows)
    {
        var result = new JsonObject();
        if (rows.Count == 0)
        {
            return result;
        }

        foreach (var (name, _) in rows[0])
        {
            result[name] = new JsonArray(rows.Select(r => r[name]?.DeepClone()).ToArray());
        }

        return result;
    }

    /// <summary>The unscaled integer of <paramref name="value"/> at <paramref name="scale"/>; a value with more fractional digits is an error, not a rounding.</summary>
    public static JsonNode Unscaled(decimal value, int scale)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        var dot = digits.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? digits : digits[..dot];
        var fraction = dot < 0 ? string.Empty : digits[(dot + 1)..].TrimEnd('0');
        if (fraction.Length > scale)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"has more than {scale} fractional digits");
        }

        var unscaled = System.Numerics.BigInteger.Parse(whole + fraction.PadRight(scale, '0'), CultureInfo.InvariantCulture);
        return (negative ? -unscaled : unscaled).ToString(CultureInfo.InvariantCulture);
    }
}
