using Bulwark.Serialization;
using Bulwark.Tests.Shared;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// The read and write shortcuts keep every guarantee of the slow paths they replace: a collection read straight into
/// the constructor's comparer still tells an exact duplicate from a comparer collision and names where it is, strings
/// encoded without counting their bytes first still get the right length prefix, and the one-pass decode still refuses
/// invalid UTF-8.
/// </summary>
public sealed class CheckpointFastPathTests
{
    private const string FileName = "fast.state";

    [Fact]
    public void A_state_without_init_members_reads_its_dictionary_with_the_constructors_comparer()
    {
        var state = new IgnoreCaseCounts { Counts = { ["A.example"] = 3 } };
        var back = CheckpointSerializer.Deserialize<IgnoreCaseCounts>(CheckpointSerializer.Serialize(state), FileName);
        Assert.Same(StringComparer.OrdinalIgnoreCase, back.Counts.Comparer);
        Assert.Equal(3, back.Counts["a.EXAMPLE"]);
    }

    [Fact]
    public void A_comparer_collision_is_told_from_an_exact_duplicate_and_points_at_the_second_entry()
    {
        var (bytes, secondEntryAt) = TwoKeys("a", "A");
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<IgnoreCaseCounts>(bytes, FileName));
        Assert.Equal("IgnoreCaseCounts.Counts[\"A\"].value", error.FieldPath);
        Assert.Equal(secondEntryAt, error.Offset);
        Assert.Contains("equal under the dictionary's comparer", error.Reason, StringComparison.Ordinal);

        (bytes, secondEntryAt) = TwoKeys("a", "a");
        error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<IgnoreCaseCounts>(bytes, FileName));
        Assert.Equal("IgnoreCaseCounts.Counts[\"a\"].value", error.FieldPath);
        Assert.Equal(secondEntryAt, error.Offset);
        Assert.Contains("holds this key twice", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_init_only_set_is_read_with_the_constructors_comparer_and_refuses_a_collision_at_its_index()
    {
        var back = CheckpointSerializer.Deserialize<CaseInsensitive>(CheckpointSerializer.Serialize(new CaseInsensitive { Seen = { "X" } }), FileName);
        Assert.Same(StringComparer.OrdinalIgnoreCase, back.Seen.Comparer);

        foreach (var (second, reason) in new[] { ("X", "equal under the set's comparer"), ("x", "holds this element twice") })
        {
            var items = CheckpointFileImage.Concat(CheckpointFileImage.Varint(2), CheckpointFileImage.Varint(1), "x"u8.ToArray(), CheckpointFileImage.Varint(1), System.Text.Encoding.UTF8.GetBytes(second));
            var payload = CheckpointFileImage.Concat(CheckpointFileImage.Tag(2, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint((ulong)items.Length), items);
            var bytes = CheckpointFileImage.Build(CaseInsensitive.StateTypeName, 0, payload);
            var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<CaseInsensitive>(bytes, FileName));
            Assert.Equal("CaseInsensitive.Seen[1]", error.FieldPath);
            Assert.Equal(CheckpointFileImage.PayloadStart(bytes) + payload.Length - 2, error.Offset);
            Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Strings_around_the_one_byte_length_boundary_round_trip_in_every_encoded_width()
    {
        // 1-, 2-, 3- and 4-byte UTF-8 (the last as surrogate pairs), at lengths where the byte count crosses 127.
        foreach (var unit in new[] { "a", "ÿ", "€", "\U0001F600" })
        {
            for (var count = 0; count <= 70; count++)
            {
                var text = string.Concat(Enumerable.Repeat(unit, count));
                var bytes = CheckpointSerializer.Serialize(new Everything { Text = text });
                var back = CheckpointSerializer.Deserialize<Everything>(bytes, FileName);
                Assert.Equal(text, back.Text);
                Assert.Equal(bytes, CheckpointSerializer.Serialize(back));
            }
        }
    }

    [Fact]
    public void An_unpaired_surrogate_fails_when_checkpointing_in_short_and_long_strings()
    {
        foreach (var text in new[] { "\uDC00", new string('a', 42) + "\uD800", new string('a', 43) + "\uD800", new string('€', 200) + "\uD800x" })
        {
            var error = Assert.Throws<ArgumentException>(() => CheckpointSerializer.Serialize(new Everything { Text = text }));
            Assert.Contains("surrogate", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xE0, 0x80, 0x80 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0x61, 0xFF })]
    public void Invalid_UTF8_in_a_string_is_a_format_error_at_its_length(byte[] invalid)
    {
        var payload = CheckpointFileImage.Concat(CheckpointFileImage.Tag(14, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint((ulong)invalid.Length), invalid);
        var bytes = CheckpointFileImage.Build(Everything.StateTypeName, 0, payload);
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<Everything>(bytes, FileName));
        Assert.Equal("Everything.Text", error.FieldPath);
        Assert.Equal(CheckpointFileImage.PayloadStart(bytes) + 1, error.Offset);
        Assert.Contains("not valid UTF-8", error.Reason, StringComparison.Ordinal);
    }

    private static (byte[] File, long SecondEntryAt) TwoKeys(string first, string second)
    {
        var firstEntry = CheckpointFileImage.Concat(CheckpointFileImage.Varint((ulong)first.Length), System.Text.Encoding.UTF8.GetBytes(first), CheckpointFileImage.Varint(2));
        var secondEntry = CheckpointFileImage.Concat(CheckpointFileImage.Varint((ulong)second.Length), System.Text.Encoding.UTF8.GetBytes(second), CheckpointFileImage.Varint(4));
        var entries = CheckpointFileImage.Concat(CheckpointFileImage.Varint(2), firstEntry, secondEntry);
        var payload = CheckpointFileImage.Concat(CheckpointFileImage.Tag(1, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint((ulong)entries.Length), entries);
        var file = CheckpointFileImage.Build(IgnoreCaseCounts.StateTypeName, 0, payload);
        return (file, CheckpointFileImage.PayloadStart(file) + payload.Length - secondEntry.Length);
    }
}

/// <summary>Only settable members, so the generated restore creates the instance before it reads the fields.</summary>
[CheckpointState]
public sealed partial class IgnoreCaseCounts
{
    [Id(1)] public Dictionary<string, int> Counts { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
