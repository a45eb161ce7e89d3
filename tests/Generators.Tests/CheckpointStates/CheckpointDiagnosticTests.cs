using Microsoft.CodeAnalysis;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// Every BWK01xx diagnostic: id, severity, the exact source text it points at and the names in its message; plus
/// look-alikes that must stay silent and compile cleanly.
/// </summary>
public sealed class CheckpointDiagnosticTests
{
    private const string Lock = """
        {
          "version": 1,
          "states": {
            "Shop.Counter": {
              "fields": [
                { "id": 1, "name": "Total", "type": "int64" },
                { "id": 2, "name": "Host", "type": "string" },
                { "id": 3, "name": "Tags", "type": "list<string>" },
                { "id": 4, "name": "Mood", "type": "enum(Shop.Mood):int32" }
              ],
              "reserved": [9]
            }
          }
        }
        """;

    private const string Counter = """
        namespace Shop;

        public enum Mood { Calm }

        public enum Feeling { Calm }

        [CheckpointState]
        public partial class Counter
        {
            [Id(1)] public long Total;
            [Id(2)] public string Host = "";
            [Id(3)] public List<string> Tags = [];
            [Id(4)] public Mood Mood;
        }
        """;

    [Fact]
    public void BWK0101_TypeNotPartial() =>
        Expect("BWK0101", "Counter", """
            [CheckpointState]
            public class Counter { [Id(1)] public long Total; }
            """, "'Counter'", "partial");

    [Theory]
    [InlineData("object", " ")]
    [InlineData("IList<int>", " ")]
    [InlineData("int[,]", "one-dimensional")]
    [InlineData("Dictionary<string?, int>", "keys cannot be null")]
    [InlineData("List<System.IO.Stream>", " ")]
    [InlineData("nint", " ")]
    public void BWK0102_UnsupportedMemberType(string type, string detail) =>
        Expect("BWK0102", "Payload", $$"""
            [CheckpointState]
            public partial class Holder
            {
                [Id(1)] public {{type}} Payload = default!;
            }
            """, "'Payload'", "'Holder'", detail);

    [Fact]
    public void BWK0103_DuplicateId() =>
        Expect("BWK0103", "Id(1)", """
            [CheckpointState]
            public partial class Dup
            {
                [Id(1)] public int First;
                [Id(1)] public int Second;
            }
            """, "'Second'", "'First'", "[Id(1)]");

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void BWK0104_IdNotPositive(string id) =>
        Expect("BWK0104", $"Id({id})", $$"""
            [CheckpointState]
            public partial class Bad
            {
                [Id({{id}})] public int Value;
            }
            """, "'Value'", $"[Id({id})]");

    [Theory]
    [InlineData("[Id(1)] public readonly int Value;", "Value", "is readonly")]
    [InlineData("[Id(1)] public int Value { get; }", "Value", "is get-only")]
    [InlineData("[Id(1)] public static int Value;", "Value", "is static")]
    [InlineData("[Id(1)] public int Value { set { } }", "Value", "has no getter")]
    [InlineData("public required int Other { get; init; }", "Other", "is required but has no [Id]")]
    public void BWK0105_MemberNotRestorable(string member, string span, string detail) =>
        Expect("BWK0105", span, $$"""
            [CheckpointState]
            public partial class State
            {
                [Id(2)] public int Kept { get; set; }
                {{member}}
            }
            """, $"'{span}'", detail);

    [Fact]
    public void BWK0105_IdOnAClassPrimaryConstructorParameter() =>
        Expect("BWK0105", "count", """
            [CheckpointState]
            public partial class State([Id(1)] int count)
            {
                public int Count => count;
            }
            """, "'count'", "primary-constructor parameter");

    [Theory]
    [InlineData("Address")]
    [InlineData("List<Address>")]
    [InlineData("Dictionary<string, Address?>")]
    public void BWK0106_NestedTypeNotCheckpointState(string type) =>
        Expect("BWK0106", "Home", $$"""
            public sealed class Address { public string City { get; set; } = ""; }

            [CheckpointState]
            public partial class Customer
            {
                [Id(1)] public {{type}} Home = default!;
            }
            """, "'Home'", "'Address", "not marked [CheckpointState]");

    [Fact]
    public void BWK0107_NoConstructor() =>
        Expect("BWK0107", "Frozen", """
            [CheckpointState]
            public partial class Frozen
            {
                public Frozen(string unrelated) { }

                [Id(1)] public int Value { get; set; }
            }
            """, "'Frozen'", "parameterless constructor");

    [Theory]
    [InlineData("public partial class Generic<T> { [Id(1)] public int Value; }", "Generic", "generic")]
    [InlineData("public ref partial struct Span { [Id(1)] public int Value; }", "Span", "ref struct")]
    [InlineData("public abstract partial class Base { [Id(1)] public int Value; }", "Base", "abstract")]
    public void BWK0108_UnsupportedTypeKind(string declaration, string span, string detail) =>
        Expect("BWK0108", span, "[CheckpointState]\n" + declaration, $"'{span}", detail);

    [Fact]
    public void BWK0108_DerivedFromAStateWithIds() =>
        Expect("BWK0108", "Derived", """
            public class Base { [Id(1)] public int Inherited; }

            [CheckpointState]
            public partial class Derived : Base { [Id(2)] public int Own; }
            """, "'Derived'", "derived from 'Base'");

    [Fact]
    public void BWK0108_ContainingTypeNotPartial() =>
        Expect("BWK0108", "Inner", """
            public class Outer
            {
                [CheckpointState]
                public partial class Inner { [Id(1)] public int Value; }
            }
            """, "'Outer'", "not partial");

    [Theory]
    [InlineData("[Id(1)] public int Total;", "Total", "'int32'", "'int64'")]
    [InlineData("[Id(1)] public ulong Total;", "Total", "'uint64'", "'int64'")]
    [InlineData("[Id(3)] public List<int> Tags = [];", "Tags", "'list<int32>'", "'list<string>'")]
    [InlineData("[Id(3)] public List<string?> Tags = [];", "Tags", "'list<string?>'", "'list<string>'")]
    [InlineData("[Id(4)] public string Mood = \"\";", "Mood", "'string'", "'enum(Shop.Mood):int32'")]
    public void BWK0109_LockedIdChangedType(string member, string span, string now, string locked)
    {
        var source = Counter.Replace(Line(member), member, StringComparison.Ordinal);
        Expect("BWK0109", span, source, Lock, update: false, $"'{span}'", now, locked);

        // Rewriting the lock file does not make an incompatible change acceptable.
        Expect("BWK0109", span, source, Lock, update: true, $"'{span}'");
    }

    [Fact]
    public void BWK0110_ReservedIdReused() =>
        Expect("BWK0110", "Fresh", Counter.Replace("[Id(4)] public Mood Mood;", "[Id(4)] public Mood Mood;\n    [Id(9)] public int Fresh;", StringComparison.Ordinal), Lock, update: false, "'Fresh'", "[Id(9)]", "reserves");

    [Fact]
    public void BWK0111_RemovedIdNotReserved() =>
        Expect("BWK0111", "Counter", Counter.Replace("[Id(3)] public List<string> Tags = [];", string.Empty, StringComparison.Ordinal), Lock, update: false,
            "[Id(3)]", "'Tags'", "dotnet build -p:BulwarkUpdateLockFile=true");

    [Theory]
    [InlineData("{ \"version\": 1, \"states\": { ")]
    [InlineData("{ \"version\": 2, \"states\": {} }")]
    [InlineData("{ \"version\": 1, \"states\": { \"Shop.Counter\": { \"fields\": [ { \"id\": 0, \"name\": \"x\", \"type\": \"int32\" } ] } } }")]
    [InlineData("[]")]
    public void BWK0112_LockFileInvalid(string json)
    {
        var run = CheckpointHarness.Run(Counter, json);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "BWK0112");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(CheckpointHarness.LockPath, diagnostic.Location.GetLineSpan().Path);
        Assert.Contains("bulwark.lock.json is invalid", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Added field", "[Id(4)] public Mood Mood;", "[Id(4)] public Mood Mood;\n    [Id(5)] public Dictionary<string, int> Added = [];")]
    [InlineData("List to array", "[Id(3)] public List<string> Tags = [];", "[Id(3)] public string[] Tags = [];")]
    [InlineData("Becomes nullable", "[Id(2)] public string Host = \"\";", "[Id(2)] public string? Host;")]
    [InlineData("Enum renamed", "[Id(4)] public Mood Mood;", "[Id(4)] public Feeling Mood;")]
    [InlineData("Member renamed", "[Id(1)] public long Total;", "[Id(1)] public long Sum;")]
    [InlineData("Unchanged", "", "")]
    public void Compatible_edits_are_silent(string what, string from, string to)
    {
        var source = from.Length == 0 ? Counter : Counter.Replace(from, to, StringComparison.Ordinal);
        var run = CheckpointHarness.Run(source, Lock);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, what + ": " + string.Join("\n", run.GeneratorDiagnostics));
        Assert.True(run.CompilationDiagnostics.IsEmpty, what + ": " + string.Join("\n", run.CompilationDiagnostics));
    }

    [Fact]
    public void A_removed_id_that_is_reserved_is_silent()
    {
        var source = Counter.Replace("[Id(3)] public List<string> Tags = [];", string.Empty, StringComparison.Ordinal);
        var run = CheckpointHarness.Run(source, Lock.Replace("\"reserved\": [9]", "\"reserved\": [3, 9]", StringComparison.Ordinal));
        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
    }

    [Theory]
    [InlineData("""
        public partial class NotState { [Id(0)] public object Anything = new(); }
        """)]
    [InlineData("""
        [CheckpointState]
        public partial class PrivateSetters
        {
            [Id(1)] public int Value { get; private set; }
            private readonly List<int> _ignoredWithoutId = [];
            public int Computed => Value * 2 + _ignoredWithoutId.Count;
            public readonly int NotCheckpointed;
        }
        """)]
    [InlineData("""
        [CheckpointState]
        public partial record Positional([property: Id(1)] int A, [Id(2)] string B, int NotStored = 3);
        """)]
    [InlineData("""
        [CheckpointState]
        public partial class Empty { }
        """)]
    [InlineData("""
        public class PlainBase { public int NotStored; }

        [CheckpointState]
        public sealed partial class FromPlainBase : PlainBase { [Id(1)] public int Own; }
        """)]
    public void Look_alikes_are_silent_and_compile(string source)
    {
        var run = CheckpointHarness.Run(source);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
        Assert.True(run.CompilationDiagnostics.IsEmpty, string.Join("\n", run.CompilationDiagnostics) + "\n" + string.Join("\n\n", run.Sources.Values));
    }

    private static string Line(string member)
    {
        var id = member[..(member.IndexOf(')', StringComparison.Ordinal) + 1)];
        return Counter.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(id, StringComparison.Ordinal));
    }

    private static void Expect(string id, string span, string source, params string[] messageParts) =>
        Expect(id, span, source, null, false, messageParts);

    private static void Expect(string id, string span, string source, string? lockJson, bool update, params string[] messageParts)
    {
        var run = CheckpointHarness.Run(source, lockJson, update);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        var text = CheckpointHarness.Usings + source;
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(span, text.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var part in messageParts)
        {
            Assert.Contains(part, message, StringComparison.Ordinal);
        }

        // The type with an error is not generated, so the compiler adds no follow-up errors about generated code.
        Assert.DoesNotContain(run.CompilationDiagnostics, d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }
}
