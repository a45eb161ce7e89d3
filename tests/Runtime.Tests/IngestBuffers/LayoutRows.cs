using System.Globalization;
using System.Text;

namespace Bulwark.Runtime.Tests.IngestBuffers;

public enum Shade
{
    Red,
    Green,
    Blue,
}

[ArrowRecord("layout_parts")]
public sealed partial record LayoutPart(string Name, int? Weight, List<string?>? Notes);

/// <summary>
/// A record with a column of every layout the generated builders produce — fixed-width values of several widths,
/// booleans, strings and binary, decimals, UUIDs, enum dictionaries, lists, maps, nested structs and lists of them —
/// most of them nullable, so that validity bitmaps, offsets and children all get exercised.
/// </summary>
[ArrowRecord("layouts")]
public sealed partial record LayoutRow(
    long VisitId,
    int Seq,
    string? Text,
    byte[]? Blob,
    bool? Flag,
    short Small,
    double? Ratio,
    [property: Decimal(18, 4)] decimal Amount,
    Guid? Key,
    DateOnly Day,
    DateTimeOffset? At,
    TimeSpan Elapsed,
    Shade Color,
    Shade? MaybeColor,
    List<string?>? Tags,
    Dictionary<string, string?>? Labels,
    LayoutPart? Part,
    List<LayoutPart>? Parts)
{
    /// <summary>Every value spelled out, collections included, for comparing rows by content.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{VisitId}/{Seq} {Text ?? "∅"} {(Blob is null ? "∅" : Convert.ToHexString(Blob))} {Flag?.ToString() ?? "∅"} {Small} ");
        text.Append(CultureInfo.InvariantCulture, $"{Ratio?.ToString("R", CultureInfo.InvariantCulture) ?? "∅"} {Amount.ToString("0.############", CultureInfo.InvariantCulture)} {Key?.ToString() ?? "∅"} {Day:O} {At?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "∅"} {Elapsed.Ticks} ");
        text.Append(CultureInfo.InvariantCulture, $"{Color} {MaybeColor?.ToString() ?? "∅"} [{string.Join(",", Tags?.Select(t => t ?? "∅") ?? ["∅∅"])}] ");
        text.Append(CultureInfo.InvariantCulture, $"{{{string.Join(",", Labels?.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value ?? "∅"}") ?? ["∅∅"])}}} ");
        text.Append(CultureInfo.InvariantCulture, $"{Describe(Part)} [{string.Join(",", Parts?.Select(Describe) ?? ["∅∅"])}]");
        return text.ToString();
    }

    private static string Describe(LayoutPart? part) =>
        part is null ? "∅" : $"({part.Name} {part.Weight?.ToString(CultureInfo.InvariantCulture) ?? "∅"} [{string.Join(",", part.Notes?.Select(n => n ?? "∅") ?? ["∅∅"])}])";
}

/// <summary>Where a record that cannot be encoded fails: each place leaves the builder half-appended differently.</summary>
public enum Flaw
{
    /// <summary>The top-level string: no column after it took the row.</summary>
    Text,

    /// <summary>An item in the middle of a list: the list's earlier items are in, its end is not.</summary>
    ListItem,

    /// <summary>A map value after its key: the map holds one more key than values.</summary>
    MapValue,

    /// <summary>A string inside the nested struct: some of the struct's children took the row.</summary>
    NestedText,

    /// <summary>A list inside a struct inside a list: several levels of children half-appended.</summary>
    DeepNote,
}

internal static class LayoutRows
{
    private const string Unpaired = "\uD800";

    /// <summary>A row with values drawn from <paramref name="random"/>, nulls and empty collections included.</summary>
    public static LayoutRow Create(Random random, long visit, int seq)
    {
        string? Maybe(string value) => random.Next(5) == 0 ? null : value;
        List<string?>? Strings(string prefix) => random.Next(6) == 0 ? null : Enumerable.Range(0, random.Next(4)).Select(i => Maybe($"{prefix}{i}-{random.Next(1000)}")).ToList();
        LayoutPart Part() => new($"part-{random.Next(100)}", random.Next(3) == 0 ? null : random.Next(), Strings("note"));
        return new LayoutRow(
            visit,
            seq,
            Maybe($"text {visit}/{seq} {new string('é', random.Next(4))}"),
            random.Next(4) == 0 ? null : Enumerable.Range(0, random.Next(6)).Select(_ => (byte)random.Next(256)).ToArray(),
            random.Next(3) == 0 ? null : random.Next(2) == 0,
            (short)random.Next(short.MinValue, short.MaxValue),
            random.Next(4) == 0 ? null : random.NextDouble() * 1000,
            random.Next(-1_000_000, 1_000_000) / 100m,
            random.Next(3) == 0 ? null : new Guid(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray()),
            DateOnly.FromDayNumber(730_000 + random.Next(10_000)),
            random.Next(4) == 0 ? null : new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.Next() * 10L),
            TimeSpan.FromTicks(random.Next() * 10L),
            (Shade)random.Next(3),
            random.Next(3) == 0 ? null : (Shade)random.Next(3),
            Strings("tag"),
            random.Next(5) == 0 ? null : Enumerable.Range(0, random.Next(4)).ToDictionary(i => $"k{i}", i => Maybe($"v{random.Next(100)}")),
            random.Next(4) == 0 ? null : Part(),
            random.Next(5) == 0 ? null : Enumerable.Range(0, random.Next(3)).Select(_ => Part()).ToList());
    }

    /// <summary>A row the builder rejects part-way through, at <paramref name="flaw"/>.</summary>
    public static LayoutRow Broken(Random random, long visit, int seq, Flaw flaw)
    {
        var row = Create(random, visit, seq);
        return flaw switch
        {
            Flaw.Text => row with { Text = "broken " + Unpaired },
            Flaw.ListItem => row with { Tags = ["fine", "also fine", "broken " + Unpaired, "never reached"] },
            Flaw.MapValue => row with { Labels = new Dictionary<string, string?> { ["a"] = "fine", ["b"] = Unpaired } },
            Flaw.NestedText => row with { Part = new LayoutPart("broken " + Unpaired, 7, ["x"]) },
            Flaw.DeepNote => row with { Parts = [new LayoutPart("ok", 1, ["fine"]), new LayoutPart("ok too", null, ["fine", Unpaired])] },
            _ => throw new ArgumentOutOfRangeException(nameof(flaw)),
        };
    }
}
