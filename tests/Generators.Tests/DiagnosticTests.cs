using Microsoft.CodeAnalysis;

namespace Bulwark.Generators.Tests;

/// <summary>
/// Every BWK0xxx diagnostic: its id, severity, the exact source text it points at and the names in its message; plus
/// look-alike declarations that must stay silent and compile cleanly.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using Bulwark;

        """;

    [Fact]
    public void BWK0001_TypeNotPartial() =>
        Expect("BWK0001", DiagnosticSeverity.Error, "Orders", """
            [ArrowRecord]
            public record Orders(int Id);
            """, "Orders", "partial");

    [Theory]
    [InlineData("object", "Payload")]
    [InlineData("SortedDictionary<string, int>", "Payload")]
    [InlineData("List<Dictionary<string, int>>", "Payload")]
    [InlineData("Dictionary<string, List<int>>", "Payload")]
    [InlineData("Dictionary<string, Dictionary<string, int>>", "Payload")]
    [InlineData("char", "Payload")]
    [InlineData("List<List<int>>", "Payload")]
    [InlineData("int[][]", "Payload")]
    [InlineData("Empty", "Payload")]
    public void BWK0002_UnsupportedMemberType(string type, string member) =>
        Expect("BWK0002", DiagnosticSeverity.Error, member, $$"""
            public enum Empty { }

            [ArrowRecord]
            public partial class Holder
            {
                public int Id { get; set; }

                public {{type}} {{member}} { get; set; } = default!;
            }
            """, member, "Holder");

    [Fact]
    public void BWK0003_DuplicateColumnNameViaColumnAttribute() =>
        Expect("BWK0003", DiagnosticSeverity.Error, "Column(\"Id\")", """
            [ArrowRecord]
            public partial record Dup(int Id, [property: Column("Id")] int Other);
            """, "Other", "Dup", "'Id'");

    [Fact]
    public void BWK0003_DuplicateColumnNameOnThePlainMember() =>
        Expect("BWK0003", DiagnosticSeverity.Error, "B", """
            [ArrowRecord]
            public partial record Dup([property: Column("B")] int A, int B);
            """, "'B'", "'A'", "Dup");

    [Fact]
    public void BWK0004_NestedTypeNotArrowRecord() =>
        Expect("BWK0004", DiagnosticSeverity.Error, "Home", """
            public sealed class Address { public string City { get; set; } = ""; }

            [ArrowRecord]
            public partial record Customer(int Id, Address Home);
            """, "Home", "Customer", "Address");

    [Fact]
    public void BWK0005_DecimalWithoutPrecision() =>
        Expect("BWK0005", DiagnosticSeverity.Error, "Price", """
            [ArrowRecord]
            public partial record Item(int Id, decimal Price);
            """, "Price", "Item");

    [Theory]
    [InlineData("Decimal(29, 2)")]
    [InlineData("Decimal(0, 0)")]
    [InlineData("Decimal(10, 11)")]
    [InlineData("Decimal(10, -1)")]
    public void BWK0006_InvalidDecimalPrecisionOrScale(string attribute) =>
        Expect("BWK0006", DiagnosticSeverity.Error, attribute, $$"""
            [ArrowRecord]
            public partial record Item(int Id, [property: {{attribute}}] decimal Price);
            """, "Price", "Item");

    [Fact]
    public void BWK0007_DecimalOnNonDecimal() =>
        Expect("BWK0007", DiagnosticSeverity.Error, "Decimal(10, 2)", """
            [ArrowRecord]
            public partial record Item(int Id, [property: Decimal(10, 2)] double Ratio);
            """, "Ratio", "Item", "double");

    [Theory]
    [InlineData("Column(\"\")")]
    [InlineData("Column(\" padded\")")]
    [InlineData("Column(\"tab\\t\")")]
    public void BWK0008_InvalidColumnName(string attribute) =>
        Expect("BWK0008", DiagnosticSeverity.Error, attribute, $$"""
            [ArrowRecord]
            public partial class Row
            {
                [{{attribute}}]
                public int Value { get; set; }
            }
            """, "Value", "Row");

    [Theory]
    [InlineData("ArrowRecord(\"\")")]
    [InlineData("ArrowRecord(\"a/b\")")]
    [InlineData("ArrowRecord(\"trailing \")")]
    public void BWK0009_InvalidTableName(string attribute) =>
        Expect("BWK0009", DiagnosticSeverity.Error, attribute, $$"""
            [{{attribute}}]
            public partial record Row(int Value);
            """, "Row");

    [Fact]
    public void BWK0010_FlagsEnum() =>
        Expect("BWK0010", DiagnosticSeverity.Error, "Access", """
            [Flags]
            public enum Permissions { None = 0, Read = 1, Write = 2 }

            [ArrowRecord]
            public partial record User(int Id, Permissions Access);
            """, "Access", "User", "Permissions");

    [Fact]
    public void BWK0011_NoUsableConstructor() =>
        Expect("BWK0011", DiagnosticSeverity.Error, "Row", """
            [ArrowRecord]
            public partial class Row
            {
                public Row(string unrelated) => Value = unrelated.Length;

                public int Value { get; set; }
            }
            """, "Row");

    [Fact]
    public void BWK0011_IgnoredNonNullableConstructorParameter() =>
        Expect("BWK0011", DiagnosticSeverity.Error, "Row", """
            [ArrowRecord]
            public partial record Row(int Value, [property: Ignore] string Secret);
            """, "Row");

    [Fact]
    public void BWK0011_AbstractType() =>
        Expect("BWK0011", DiagnosticSeverity.Error, "Row", """
            [ArrowRecord]
            public abstract partial record Row(int Value);
            """, "Row", "abstract");

    [Fact]
    public void BWK0012_GetOnlyComputedProperty() =>
        Expect("BWK0012", DiagnosticSeverity.Error, "Total", """
            [ArrowRecord]
            public partial record Line(int Count, double Price)
            {
                public double Total => Count * Price;
            }
            """, "Total", "Line", "[Ignore]");

    [Fact]
    public void BWK0012_RequiredMemberThatIsNotAColumn() =>
        Expect("BWK0012", DiagnosticSeverity.Error, "Secret", """
            [ArrowRecord]
            public partial class Account
            {
                public int Id { get; set; }

                [Ignore]
                public required string Secret { get; init; }
            }
            """, "Secret", "Account", "required");

    [Fact]
    public void BWK0013_GenericType() =>
        Expect("BWK0013", DiagnosticSeverity.Error, "Box", """
            [ArrowRecord]
            public partial record Box<T>(int Id);
            """, "Box");

    [Fact]
    public void BWK0013_NestedInGenericType() =>
        Expect("BWK0013", DiagnosticSeverity.Error, "Inner", """
            public partial class Outer<T>
            {
                [ArrowRecord]
                public partial record Inner(int Id);
            }
            """, "Inner");

    [Fact]
    public void BWK0013_RefStruct() =>
        Expect("BWK0013", DiagnosticSeverity.Error, "Span", """
            [ArrowRecord]
            public ref partial struct Span
            {
                public int Id;
            }
            """, "Span", "ref struct");

    [Fact]
    public void BWK0013_FileLocalType() =>
        Expect("BWK0013", DiagnosticSeverity.Error, "Local", """
            [ArrowRecord]
            file partial record Local(int Id);
            """, "Local", "file-local");

    [Fact]
    public void BWK0014_ContainingTypeNotPartial() =>
        Expect("BWK0014", DiagnosticSeverity.Error, "Inner", """
            public static class Outer
            {
                [ArrowRecord]
                public partial record Inner(int Id);
            }
            """, "Inner", "Outer");

    [Fact]
    public void BWK0015_SelfReferencingRecord() =>
        Expect("BWK0015", DiagnosticSeverity.Error, "Next", """
            [ArrowRecord]
            public partial record Node(int Value, Node? Next);
            """, "Next", "Node");

    [Fact]
    public void BWK0015_MutuallyRecursiveRecordsThroughAList()
    {
        var (run, text) = Run("""
            [ArrowRecord]
            public partial record Parent(int Id, List<Child> Children);

            [ArrowRecord]
            public partial record Child(int Id, Parent? Owner);
            """);
        var cycles = run.GeneratorDiagnostics.Where(d => d.Id == "BWK0015").ToList();
        Assert.Equal(2, cycles.Count);
        Assert.Equal(["Children", "Owner"], cycles.Select(d => SpanText(text, d)).Order());
    }

    [Fact]
    public void BWK0016_NoColumnsIsAWarning() =>
        Expect("BWK0016", DiagnosticSeverity.Warning, "Marker", """
            [ArrowRecord]
            public partial class Marker
            {
                public static int Shared { get; set; }

                [Ignore]
                public int Skipped { get; set; }
            }
            """, "Marker");

    [Theory]
    [InlineData("public static string TableName => \"t\";", "TableName")]
    [InlineData("public int ArrowSchema { get; set; }", "ArrowSchema")]
    [InlineData("public sealed class BatchBuilder { }", "BatchBuilder")]
    [InlineData("public static void ReadBatch() { }", "ReadBatch")]
    public void BWK0017_MemberNamedLikeAGeneratedOne(string member, string name) =>
        Expect("BWK0017", DiagnosticSeverity.Error, name, $$"""
            [ArrowRecord]
            public partial class Row
            {
                public int Id { get; set; }

                {{member}}
            }
            """, "Row", name);

    [Fact]
    public void BWK0017_InheritedFromAPlainBaseClass() =>
        Expect("BWK0017", DiagnosticSeverity.Error, "Row", """
            public class Base
            {
                public static string TableName => "base";
            }

            [ArrowRecord]
            public partial class Row : Base
            {
                public int Id { get; set; }
            }
            """, "Row", "TableName", "Base");

    [Theory]
    [InlineData("Dictionary<string?, int>", "string?", "cannot be null")]
    [InlineData("IDictionary<int?, string>", "int?", "cannot be null")]
    [InlineData("Dictionary<double, int>", "double", "NaN")]
    [InlineData("IReadOnlyDictionary<Half, int>", "System.Half", "NaN")]
    [InlineData("Dictionary<byte[], int>", "byte[]", "compare by reference")]
    [InlineData("Dictionary<DateTime, int>", "System.DateTime", "microsecond")]
    [InlineData("Dictionary<TimeSpan, int>?", "System.TimeSpan", "microsecond")]
    [InlineData("Dictionary<decimal, int>", "decimal", "[Decimal]")]
    [InlineData("Dictionary<Key, int>", "Key", "not a record")]
    [InlineData("Dictionary<object, int>", "object", "no Arrow mapping")]
    public void BWK0018_UnsupportedMapKey(string type, string key, string reason) =>
        Expect("BWK0018", DiagnosticSeverity.Error, "Payload", $$"""
            [ArrowRecord]
            public partial record Key(int Value);

            [ArrowRecord]
            public partial class Holder
            {
                public int Id { get; set; }

                public {{type}} Payload { get; set; } = default!;
            }
            """, "Payload", "Holder", $"'{key}'", reason);

    [Fact]
    public void EveryDescriptorHasATest()
    {
        // BWK00xx belong to [ArrowRecord] and are tested here; other generators' ranges (BWK01xx: [CheckpointState]) have tests of their own.
        var ids = typeof(DiagnosticDescriptors).GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public)
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)
            .Where(id => id.StartsWith("BWK00", StringComparison.Ordinal))
            .ToList();
        var tested = typeof(DiagnosticTests).GetMethods().Select(m => m.Name.Split('_')[0]).Where(n => n.StartsWith("BWK", StringComparison.Ordinal)).ToHashSet();
        Assert.Equal(18, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Contains(id, tested));
    }

    [Theory]
    [InlineData("IgnoredUnsupportedAndComputedMembers", """
        [ArrowRecord]
        public partial record Line(int Count, double Price)
        {
            [Ignore] public double Total => Count * Price;
            [Ignore] public object? Tag { get; set; }
            public static int Shared { get; set; }
            public const int Limit = 3;
            private int _hidden = 0;
            public int this[int i] => i + _hidden;
        }
        """)]
    [InlineData("DecimalAtTheLimits", """
        [ArrowRecord]
        public partial record Money([property: Decimal(28, 28)] decimal Fraction, [Decimal(1, 0)] decimal Digit, [property: Decimal(18, 2)] decimal?[] Prices);
        """)]
    [InlineData("ColumnNamedLikeItsMember", """
        [ArrowRecord("orders")]
        public partial record Order([property: Column("Id")] int Id, [property: Column("id")] int Other);
        """)]
    [InlineData("PlainEnumAndEnumNamedFlags", """
        public enum Flags { A, B }

        [ArrowRecord]
        public partial record Settings(Flags Mode, DayOfWeek Day);
        """)]
    [InlineData("NestedInPartialTypes", """
        public static partial class Outer
        {
            public partial struct Middle
            {
                [ArrowRecord]
                public partial record Inner(int Id);
            }
        }
        """)]
    [InlineData("SettableMembersWithoutConstructor", """
        [ArrowRecord]
        public partial class Row
        {
            public int Id { get; private set; }
            public required string Name { get; init; }
            public List<int> Values { get; set; } = new();
            public DateTime When;
        }
        """)]
    [InlineData("MutableStructAndRecordStruct", """
        [ArrowRecord]
        public partial struct Pixel
        {
            public byte R;
            public byte G { get; set; }
        }

        [ArrowRecord]
        public partial record struct Range(int Start, int End);
        """)]
    [InlineData("SelfReferenceThatIsIgnored", """
        [ArrowRecord]
        public partial record Node(int Value, [property: Ignore] Node? Next);
        """)]
    [InlineData("IgnoredPositionalMembersWithDefaults", """
        [ArrowRecord]
        public partial record Row(int Value, [property: Ignore] string Secret = "hidden", [property: Ignore] int Count = 3, [property: Ignore] DateTime When = default);
        """)]
    [InlineData("DerivedRecordOfARecord", """
        [ArrowRecord]
        public partial record Animal(string Name);

        [ArrowRecord("dogs")]
        public partial record Dog(string Name, int Barks) : Animal(Name);

        [ArrowRecord]
        public sealed partial record Puppy(string Name, int Barks, [property: Column("age_days")] int Age) : Dog(Name, Barks);
        """)]
    [InlineData("RecordDeclaredInsideTheRecordThatStoresIt", """
        [ArrowRecord]
        public partial record Outer(int A, Outer.Inner In, List<Outer.Inner>? More)
        {
            [ArrowRecord]
            public partial record Inner(int B, string? C);
        }
        """)]
    [InlineData("PrivateNestedRecords", """
        public partial class Service
        {
            [ArrowRecord]
            private partial record struct Entry(int Key, Payload Value);

            [ArrowRecord]
            private sealed partial class Payload
            {
                public string Text { get; init; } = "";
            }
        }
        """)]
    [InlineData("ObsoleteMembersAreStillColumns", """
        [ArrowRecord]
        public partial class Row
        {
            public int Id { get; set; }

            [Obsolete("use Id")]
            public int LegacyId { get; set; }
        }
        """)]
    [InlineData("NestedRecordsWithoutCycle", """
        [ArrowRecord]
        public partial record Leaf(int Id);

        [ArrowRecord]
        public partial record Branch(Leaf Left, Leaf? Right, Leaf[] More);

        [ArrowRecord]
        public partial record Tree(Branch Root, List<Branch?>? Others);
        """)]
    [InlineData("ConstructorParameterCaseDiffers", """
        [ArrowRecord]
        public partial class Row
        {
            public Row(int id, string name) { Id = id; Name = name; }
            public int Id { get; }
            public string Name { get; }
        }
        """)]
    [InlineData("NullableDisabledContext", """
        #nullable disable
        [ArrowRecord]
        public partial record Legacy(string Name, List<string> Tags, byte[] Data);
        """)]
    [InlineData("GlobalNamespaceAndKeywordMembers", """
        [ArrowRecord]
        public partial class Keywords
        {
            public int @class { get; set; }
            public string @event { get; set; } = "";
        }
        """)]
    public void LookAlikesProduceNoDiagnosticAndCompile(string name, string source)
    {
        var (run, _) = Run(source);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, name + ": " + string.Join("\n", run.GeneratorDiagnostics));
        Assert.True(run.CompilationDiagnostics.IsEmpty, name + ": " + string.Join("\n", run.CompilationDiagnostics));
        Assert.NotEmpty(run.Sources);
    }

    [Fact]
    public void ARecordStoringABrokenNestedRecordIsNotGeneratedEither()
    {
        // Only the root cause is reported: no compiler errors from code that would call the nested record's members.
        var (run, text) = Run("""
            [ArrowRecord]
            public partial record Item(int Id, decimal Price);

            [ArrowRecord]
            public partial record Basket(int Id, List<Item> Items);

            [ArrowRecord]
            public partial record Customer(int Id, Basket? Basket);
            """);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("BWK0005", diagnostic.Id);
        Assert.Equal("Price", SpanText(text, diagnostic));
        Assert.Empty(run.Sources);
        Assert.True(run.CompilationDiagnostics.IsEmpty, string.Join("\n", run.CompilationDiagnostics));
    }

    [Fact]
    public void AttributeOnTwoPartialDeclarationsDoesNotCrashTheGenerator()
    {
        var (run, _) = Run("""
            [ArrowRecord]
            public partial record Twice(int Id);

            [ArrowRecord]
            public partial record Twice;
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
        Assert.Contains(run.CompilationDiagnostics, d => d.Id == "CS0579");
    }

    [Fact]
    public void RecordsWithErrorsAreNotEmitted()
    {
        var (run, _) = Run("""
            [ArrowRecord]
            public partial record Item(int Id, decimal Price);
            """);
        Assert.Empty(run.Sources);
    }

    private static void Expect(string id, DiagnosticSeverity severity, string spanText, string source, params string[] messageContains)
    {
        var (run, text) = Run(source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(spanText, SpanText(text, diagnostic));
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(messageContains, part => Assert.Contains(part, message, StringComparison.Ordinal));
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.Descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static (GeneratorRun Run, string Text) Run(string source)
    {
        var text = Usings + source;
        return (GeneratorHarness.Run(text), text);
    }

    private static string SpanText(string text, Diagnostic diagnostic) =>
        text.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
}
