using Bulwark.Runtime.Tests.Checkpoints;
using Bulwark.Serialization;
using Xunit;

namespace Bulwark.Runtime.Tests.Serialization;

/// <summary>
/// The reader's public surface that hand-written state types and older generated code use, checked directly: the
/// constructor's arguments, the four-argument <c>BeginField</c> overloads, restoring a collection's comparer, and the
/// limits on a state type's name. The complete Serialization mutation run of bench/mutation found each unpinned.
/// </summary>
public sealed class CheckpointReaderContractTests
{
    private const string FileName = "ops/counter/state.bin";

    [Fact]
    public void The_reader_refuses_a_null_file_or_root_name_by_name()
    {
        Assert.Equal("fileName", Assert.Throws<ArgumentNullException>(() => new CheckpointReader([], null!, "R")).ParamName);
        Assert.Equal("rootName", Assert.Throws<ArgumentNullException>(() => new CheckpointReader([], FileName, null!)).ParamName);
    }

    [Theory]
    [InlineData(new byte[] { 0x08, 0x0A, 0x08, 0x0A }, "the field appears twice")]
    [InlineData(new byte[] { 0x0B, 0x00 }, "the stored wire kind is LengthDelimited but the member's type is written as Varint; its type changed incompatibly")]
    [InlineData(new byte[] { 0x0C }, "the stored value is null but the member is not nullable")]
    public void The_four_argument_BeginField_refuses_a_repeated_null_or_retyped_field_naming_it(byte[] payload, string reason)
    {
        var error = Assert.Throws<CheckpointFormatException>(() =>
        {
            var reader = new CheckpointReader(payload, FileName, "CounterState");
            CounterState.ReadState(ref reader);
        });

        Assert.Equal(reason, error.Reason);
        Assert.Equal("CounterState.Total", error.FieldPath);
        Assert.Equal(FileName, error.FileName);
    }

    [Fact]
    public void The_four_argument_BeginField_leaves_the_path_as_it_found_it()
    {
        // Total = 5, then an unknown field 2 cut short: its error must be located at the root, not under Total.
        var error = Assert.Throws<CheckpointFormatException>(() =>
        {
            var reader = new CheckpointReader([0x08, 0x0A, 0x12], FileName, "CounterState");
            CounterState.ReadState(ref reader);
        });

        Assert.Equal("CounterState.<field 2>", error.FieldPath);
        var reader = new CheckpointReader([0x08, 0x0A], FileName, "CounterState");
        Assert.Equal(5, CounterState.ReadState(ref reader).Total);
    }

    [Fact]
    public void The_four_argument_BeginNullableField_reads_null_as_absent_and_refuses_a_repeat_or_a_retype()
    {
        var reader = new CheckpointReader([], FileName, "R");
        var seen = false;
        Assert.False(reader.BeginNullableField("Name", CheckpointWireKind.Null, CheckpointWireKind.LengthDelimited, ref seen));
        Assert.Equal("R.Name", reader.FieldPath);
        reader.EndField();
        Assert.Equal("R", reader.FieldPath);
        Assert.True(seen);

        seen = false;
        Assert.True(reader.BeginNullableField("Name", CheckpointWireKind.LengthDelimited, CheckpointWireKind.LengthDelimited, ref seen));
        reader.EndField();

        var repeated = Assert.Throws<CheckpointFormatException>(() =>
        {
            var again = new CheckpointReader([], FileName, "R");
            var alreadySeen = true;
            again.BeginNullableField("Name", CheckpointWireKind.LengthDelimited, CheckpointWireKind.LengthDelimited, ref alreadySeen);
        });
        Assert.Equal(("R.Name", "the field appears twice"), (repeated.FieldPath, repeated.Reason));

        var retyped = Assert.Throws<CheckpointFormatException>(() =>
        {
            var again = new CheckpointReader([], FileName, "R");
            var notSeen = false;
            again.BeginNullableField("Name", CheckpointWireKind.Varint, CheckpointWireKind.LengthDelimited, ref notSeen);
        });
        Assert.Equal("R.Name", retyped.FieldPath);
        Assert.Equal("the stored wire kind is Varint but the member's type is written as LengthDelimited; its type changed incompatibly", retyped.Reason);
    }

    [Fact]
    public void A_restored_dictionary_takes_the_comparer_of_the_constructors_and_keys_it_finds_equal_are_refused()
    {
        var ignoreCase = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var reader = new CheckpointReader([], FileName, "R");

        var rebuilt = reader.WithComparerOf(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }, ignoreCase, "ByHost");
        Assert.Same(StringComparer.OrdinalIgnoreCase, rebuilt.Comparer);
        Assert.Equal(1, rebuilt["A"]);
        Assert.Equal(2, rebuilt.Count);

        var same = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["x"] = 1 };
        Assert.Same(same, reader.WithComparerOf(same, ignoreCase, "ByHost"));
        Assert.Same(same, reader.WithComparerOf(same, null, "ByHost"));
        Assert.Null(reader.WithComparerOf(null, ignoreCase, "ByHost"));

        var error = Assert.Throws<CheckpointFormatException>(() =>
        {
            var clash = new CheckpointReader([], FileName, "R");
            clash.WithComparerOf(new Dictionary<string, int> { ["a"] = 1, ["A"] = 2 }, ignoreCase, "ByHost");
        });
        Assert.Equal("two keys are equal under the dictionary's comparer", error.Reason);
        Assert.Equal("R.ByHost[\"A\"].value", error.FieldPath);
    }

    [Fact]
    public void A_restored_set_takes_the_comparer_of_the_constructors_and_elements_it_finds_equal_are_refused()
    {
        var ignoreCase = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var reader = new CheckpointReader([], FileName, "R");

        var rebuilt = reader.WithComparerOf(new HashSet<string> { "a", "b" }, ignoreCase, "Seen");
        Assert.Same(StringComparer.OrdinalIgnoreCase, rebuilt.Comparer);
        Assert.Contains("A", rebuilt);
        Assert.Equal(2, rebuilt.Count);

        var same = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "x" };
        Assert.Same(same, reader.WithComparerOf(same, ignoreCase, "Seen"));
        Assert.Same(same, reader.WithComparerOf(same, null, "Seen"));
        Assert.Null(reader.WithComparerOf(null, ignoreCase, "Seen"));

        var error = Assert.Throws<CheckpointFormatException>(() =>
        {
            var clash = new CheckpointReader([], FileName, "R");
            clash.WithComparerOf(new HashSet<string> { "a", "A" }, ignoreCase, "Seen");
        });
        Assert.Equal("two elements are equal under the set's comparer", error.Reason);
        Assert.Equal("R.Seen", error.FieldPath);
    }

    [Fact]
    public void A_state_type_name_of_1024_UTF8_bytes_is_written_and_read_and_an_empty_or_longer_one_is_refused()
    {
        var bytes = CheckpointSerializer.Serialize(new Named<Longest>());
        Assert.Equal(Longest.Name, CheckpointSerializer.ReadHeader(bytes, FileName).StateTypeName);
        Assert.NotNull(CheckpointSerializer.Deserialize<Named<Longest>>(bytes, FileName));

        var tooLong = Assert.Throws<InvalidOperationException>(() => CheckpointSerializer.Serialize(new Named<TooLong>()));
        Assert.Equal("The state type name must be 1 to 1024 UTF-8 bytes.", tooLong.Message);
        Assert.Equal(tooLong.Message, Assert.Throws<InvalidOperationException>(() => CheckpointSerializer.Serialize(new Named<Empty>())).Message);
    }

    [Fact]
    public void A_file_of_another_state_type_is_refused_at_the_name_length_field()
    {
        var bytes = CheckpointSerializer.Serialize(new Ledger { Balance = 1 });
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<Named<Longest>>(bytes, FileName));
        Assert.Equal("header.stateTypeName", error.FieldPath);
        Assert.Equal(16, error.Offset);
        Assert.Contains($"not '{Longest.Name}'", error.Reason, StringComparison.Ordinal);
    }

    private interface IStateName
    {
        static abstract string Name { get; }
    }

    /// <summary>1024 UTF-8 bytes: 340 three-byte characters and four ASCII ones.</summary>
    private sealed class Longest : IStateName
    {
        public static string Name { get; } = "Name" + new string('\u20AC', 340);
    }

    private sealed class TooLong : IStateName
    {
        public static string Name { get; } = Longest.Name + "x";
    }

    private sealed class Empty : IStateName
    {
        public static string Name => "";
    }

    /// <summary>A state with no fields under the type name <typeparamref name="TName"/> gives.</summary>
    private sealed class Named<TName> : ICheckpointState<Named<TName>>
        where TName : IStateName
    {
        public static string StateTypeName => TName.Name;

        public static ulong SchemaFingerprint => 0x4E41_4D45UL;

        public void WriteState(ref CheckpointWriter writer)
        {
        }

        public static Named<TName> ReadState(ref CheckpointReader reader)
        {
            while (reader.ReadField(out var id, out var kind))
            {
                reader.SkipField(id, kind);
            }

            return new Named<TName>();
        }
    }
}
