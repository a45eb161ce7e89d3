namespace Bulwark.Generators.Tests;

/// <summary>
/// The generated code for representative record shapes, compared with approved files in Snapshots/. Each shape must
/// also compile without a single warning under nullable enable, as a user project with warnings-as-errors sees it.
/// </summary>
public sealed class SnapshotTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using Bulwark;

        """;

    [Fact]
    public void PositionalRecordOfAllScalars() => Verify(nameof(PositionalRecordOfAllScalars), """
        namespace Shop;

        public enum Color { Red, Green, Blue }

        [ArrowRecord]
        public partial record AllScalars(
            bool Flag, sbyte I8, short I16, int I32, long I64, byte U8, ushort U16, uint U32, ulong U64,
            float F32, double F64, [property: Decimal(18, 4)] decimal Amount, string Text, byte[] Bytes,
            DateTime When, DateTimeOffset WhenOffset, DateOnly Day, TimeOnly Time, TimeSpan Span, Guid Id, Color Color);
        """);

    [Fact]
    public void ClassWithInitPropertiesColumnAndIgnore() => Verify(nameof(ClassWithInitPropertiesColumnAndIgnore), """
        namespace Web;

        [ArrowRecord("http_requests")]
        public partial class HttpRequest
        {
            [Column("visit_id")]
            public long VisitId { get; init; }

            public string Url { get; set; } = "";

            public string? Referrer { get; init; }

            [Ignore]
            public string Display => Url;

            public int Status;
        }
        """);

    [Fact]
    public void NullableVariants() => Verify(nameof(NullableVariants), """
        namespace Shop;

        public enum Level { Low, High }

        [ArrowRecord]
        public partial record Optional(
            bool? Flag, int? Count, double? Ratio, [Decimal(10, 2)] decimal? Price, string? Name, byte[]? Data,
            DateTime? When, DateOnly? Day, TimeOnly? Time, TimeSpan? Span, Guid? Id, Level? Level);
        """);

    [Fact]
    public void Lists() => Verify(nameof(Lists), """
        namespace Shop;

        public enum Tag { A, B }

        [ArrowRecord]
        public partial record Lists(
            int[] Numbers, List<string> Names, List<string?>? MaybeNames, long?[] MaybeLongs,
            IReadOnlyList<Tag> Tags, IList<DateTime>? Times, byte[][] Blobs);
        """);

    [Fact]
    public void Maps() => Verify(nameof(Maps), """
        namespace Shop;

        public enum Tag { A, B }

        [ArrowRecord]
        public partial record Item(string Sku, int Count);

        [ArrowRecord]
        public partial record Maps(
            Dictionary<string, long> Counts, Dictionary<Tag, string?>? Labels, IReadOnlyDictionary<Guid, Tag> Owners,
            IDictionary<int, Item?> Items, [property: Decimal(9, 2)] Dictionary<DateOnly, decimal?> Prices);
        """);

    [Fact]
    public void EnumWithAliasesAndUnderlyingType() => Verify(nameof(EnumWithAliasesAndUnderlyingType), """
        namespace Shop;

        public enum Priority : byte { Low = 1, Normal = 2, Default = 2, High = 3 }

        [ArrowRecord]
        public partial record Ticket(int Id, Priority Priority, Priority? Escalation);
        """);

    [Fact]
    public void NestedRecord() => Verify(nameof(NestedRecord), """
        namespace Shop;

        public enum Kind { Home, Work }

        [ArrowRecord]
        public partial record Address(string City, Kind Kind);

        [ArrowRecord]
        public partial record Customer(long Id, Address Home, Address? Work, List<Address> Previous);
        """);

    [Fact]
    public void StructRecordInNestedType() => Verify(nameof(StructRecordInNestedType), """
        namespace Geo;

        public static partial class Shapes
        {
            [ArrowRecord]
            public readonly partial record struct Point(double X, double Y);
        }
        """);

    private static void Verify(string name, string source)
    {
        var run = GeneratorHarness.Run(Usings + source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.CompilationDiagnostics.IsEmpty, string.Join("\n", run.CompilationDiagnostics));
        Assert.NotEmpty(run.Sources);
        foreach (var (hint, text) in run.Sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var suffix = run.Sources.Count == 1 ? string.Empty : "." + hint.Replace(".ArrowRecord.g.cs", string.Empty, StringComparison.Ordinal);
            SnapshotAssert.Matches(text, name + suffix);
        }
    }
}
