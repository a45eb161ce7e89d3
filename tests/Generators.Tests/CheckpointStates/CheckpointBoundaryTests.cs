using System.Buffers.Binary;
using Bulwark.Serialization;
using static Bulwark.Tests.Shared.CheckpointFileImage;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// The edges of the checkpoint format, where an off-by-one or a dropped check shows only at the limit: the largest
/// field id and the zero one, the tenth byte of a varint, decimal flags, DateTimeOffset ranges, exactly the deepest
/// nesting, bytes left over in a collection, and the field path of an error under unknown fields, dictionary keys and
/// keys that need escaping. The complete Serialization mutation run of bench/mutation found each of these unpinned
/// (bench/mutation/SURVIVORS.md).
/// </summary>
public sealed class CheckpointBoundaryTests
{
    private const string FileName = "ops/boundary/state.bin";

    [Fact]
    public void The_largest_field_id_is_skipped_as_unknown_and_zero_or_one_past_it_is_refused_at_the_tag()
    {
        // Id 2^31-1 carrying a varint, then U8 = 7: the unknown field is skipped and U8 still restored.
        var largest = Concat(Tag(int.MaxValue, CheckpointWireKind.Varint), Varint(0), Tag(6, CheckpointWireKind.Varint), Varint(7));
        Assert.Equal(7, Read(largest).U8);

        foreach (var (tag, id) in new[] { (0UL, 0UL), (((ulong)int.MaxValue + 1) << 3, (ulong)int.MaxValue + 1) })
        {
            var bytes = Build(Everything.StateTypeName, 0, Varint(tag));
            var error = Refused<Everything>(bytes);
            Assert.Equal("Everything", error.FieldPath);
            Assert.Equal(PayloadStart(bytes), error.Offset);
            Assert.Equal($"field tag {tag} has id {id}, outside 1..2147483647", error.Reason);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void An_unknown_wire_kind_is_refused_at_its_tag(int wire)
    {
        var bytes = Build(Everything.StateTypeName, 0, [(byte)((1 << 3) | wire), 0, 0, 0, 0, 0, 0, 0, 0]);
        var error = Refused<Everything>(bytes);
        Assert.Equal($"field 1 has unknown wire kind {wire}", error.Reason);
        Assert.Equal("Everything", error.FieldPath);
        Assert.Equal(PayloadStart(bytes), error.Offset);
    }

    [Fact]
    public void A_varint_may_carry_one_bit_in_its_tenth_byte_and_no_more()
    {
        byte[] nine = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        Assert.Equal(ulong.MaxValue, Read(Concat(Tag(9, CheckpointWireKind.Varint), nine, [0x01])).U64);
        Assert.Equal((ulong)long.MaxValue, Read(Concat(Tag(9, CheckpointWireKind.Varint), nine[..8], [0x7F])).U64);

        foreach (var tenth in new byte[] { 0x02, 0x7F })
        {
            var bytes = Build(Everything.StateTypeName, 0, Concat(Tag(9, CheckpointWireKind.Varint), nine, [tenth]));
            var error = Refused<Everything>(bytes);
            Assert.Equal("a varint is longer than 64 bits", error.Reason);
            Assert.Equal("Everything.U64", error.FieldPath);
            Assert.Equal(PayloadStart(bytes) + 1, error.Offset);
        }
    }

    [Theory]
    [InlineData(0x001D0000)] // scale 29
    [InlineData(0x00000001)] // a reserved low bit
    [InlineData(0x40000000)] // a reserved high bit
    [InlineData(unchecked((int)0x80FF0000))] // negative, scale 255
    public void Decimal_flags_outside_sign_and_scale_0_to_28_are_refused_by_name(int flags)
    {
        var error = Refused<Everything>(Build(Everything.StateTypeName, 0, Field(12, DecimalBytes(flags))));
        Assert.Equal("Everything.Money", error.FieldPath);
        Assert.StartsWith($"decimal flags 0x{flags:X8} are invalid", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_extreme_decimal_scales_and_signs_round_trip()
    {
        Assert.Equal(-0.0000000000000000000000000001m, Read(Field(12, DecimalBytes(unchecked((int)0x801C0000)))).Money);
        foreach (var value in new[] { decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, -1.5m })
        {
            Assert.Equal(value, RoundTrip(new Everything { Money = value }).Money);
        }
    }

    [Theory]
    [InlineData(0L, 60)] // UTC before year 1
    [InlineData(3155378975999999999L, -60)] // UTC after year 9999
    [InlineData(864000000000L, 841)] // the offset past +14:00
    [InlineData(6000000000000000L, -900)] // the offset past -14:00
    [InlineData(-1L, -1)] // local ticks negative although UTC is not
    [InlineData(3155378976000000000L, 0)] // local ticks past DateTime.MaxValue
    public void A_DateTimeOffset_outside_the_representable_range_is_a_typed_error(long ticks, short minutes)
    {
        var error = Refused<Everything>(Build(Everything.StateTypeName, 0, Field(18, OffsetBytes(ticks, minutes))));
        Assert.Equal("Everything.WhenOffset", error.FieldPath);
        Assert.Equal($"a DateTimeOffset has ticks {ticks} and offset {minutes} minutes, outside the representable range", error.Reason);
    }

    [Fact]
    public void DateTimeOffsets_at_the_edges_of_the_range_round_trip()
    {
        var edges = new[]
        {
            new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.FromHours(14)),
            new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.FromHours(-14)),
            new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero),
            DateTimeOffset.MaxValue,
            new DateTimeOffset(1, 1, 1, 14, 0, 0, TimeSpan.FromHours(14)),
        };
        foreach (var value in edges)
        {
            var back = RoundTrip(new Everything { WhenOffset = value }).WhenOffset;
            Assert.Equal(value.Ticks, back.Ticks);
            Assert.Equal(value.Offset, back.Offset);
        }
    }

    [Fact]
    public void Exactly_the_deepest_nesting_the_limit_allows_is_written_and_read_and_one_level_more_is_refused_by_both()
    {
        var deepest = Chain(CheckpointReader.MaxDepth);
        var back = RoundTrip(deepest);
        var levels = 0;
        for (var leaf = back.Child; leaf is not null; leaf = leaf.Child)
        {
            levels++;
        }

        Assert.Equal(CheckpointReader.MaxDepth, levels);

        var writeError = Assert.Throws<InvalidOperationException>(() => CheckpointSerializer.Serialize(Chain(CheckpointReader.MaxDepth + 1)));
        Assert.Contains("64", writeError.Message, StringComparison.Ordinal);

        // The same chain one level deeper, built by hand since the writer refuses it.
        byte[] inner = [];
        for (var i = 0; i <= CheckpointReader.MaxDepth; i++)
        {
            inner = Field(3, inner);
        }

        var error = Refused<Leaf>(Build(Leaf.StateTypeName, 0, inner));
        Assert.Contains($"deeper than {CheckpointReader.MaxDepth}", error.Reason, StringComparison.Ordinal);
        Assert.Equal("Leaf" + string.Concat(Enumerable.Repeat(".Child", CheckpointReader.MaxDepth + 1)), error.FieldPath);

        static Leaf Chain(int depth)
        {
            var root = new Leaf { Name = "root" };
            var leaf = root;
            for (var i = 0; i < depth; i++)
            {
                leaf = leaf.Child = new Leaf { Name = $"level {i + 1}", Weight = i };
            }

            return root;
        }
    }

    [Fact]
    public void A_collection_whose_length_covers_more_than_its_items_is_refused_rather_than_read_on_as_fields()
    {
        // Numbers (id 29) = [5], with one byte after the item inside the length: it would otherwise be read as a tag.
        var content = Concat(Varint(1), Varint(10), [0x30]);
        var bytes = Build(Everything.StateTypeName, 0, Field(29, content));
        var error = Refused<Everything>(bytes);
        Assert.Equal("1 bytes are left over at the end of a length-delimited value", error.Reason);
        Assert.Equal("Everything.Numbers", error.FieldPath);
        // Past the two-byte tag, the length, the count and the item: at the byte left over.
        Assert.Equal(PayloadStart(bytes) + 5, error.Offset);
    }

    [Fact]
    public void An_error_inside_a_skipped_unknown_field_names_that_field()
    {
        var bytes = Build(Everything.StateTypeName, 0, Concat(Tag(99, CheckpointWireKind.Fixed64), [1, 2, 3]));
        var error = Refused<Everything>(bytes);
        Assert.Equal("Everything.<field 99>", error.FieldPath);
        Assert.Contains("8 bytes are needed but only 3 are left", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_inside_a_dictionary_key_names_the_entry_by_position()
    {
        // HostCounter._countsByHost = { "ok": 1, <invalid UTF-8>: 2 }
        var entries = Concat(Varint(2), Varint(2), "ok"u8.ToArray(), Varint(1), Varint(2), [0xFF, 0xFE], Varint(2));
        var error = Refused<HostCounter>(Build(HostCounter.StateTypeName, 0, Field(1, entries)));
        Assert.Equal("HostCounter._countsByHost[#1].key", error.FieldPath);
        Assert.Equal("a string is not valid UTF-8", error.Reason);
    }

    [Theory]
    [InlineData("a\"b\\c", "[\"a\\\"b\\\\c\"]")]
    [InlineData("tab\there", "[\"tab\\u0009here\"]")]
    [InlineData("\u007F", "[\"\\u007F\"]")]
    [InlineData("\u009F", "[\"\\u009F\"]")]
    [InlineData("\u00A0~", "[\"\u00A0~\"]")]
    public void A_key_in_a_field_path_is_quoted_with_quotes_backslashes_and_control_characters_escaped(string key, string segment)
    {
        Assert.Equal($"HostCounter._countsByHost{segment}.value", CutValueUnder(key).FieldPath);
    }

    [Fact]
    public void A_long_key_in_a_field_path_is_cut_to_64_characters()
    {
        var key = new string('k', 64) + "tail";
        Assert.Equal($"HostCounter._countsByHost[\"{new string('k', 64)}...\"].value", CutValueUnder(key).FieldPath);
        Assert.Equal($"HostCounter._countsByHost[\"{new string('k', 64)}\"].value", CutValueUnder(new string('k', 64)).FieldPath);
    }

    [Fact]
    public void Dictionaries_keyed_by_Guid_and_long_round_trip_and_name_their_entries_in_errors()
    {
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var state = new Keyed { ByGuid = { [guid] = 3, [Guid.Empty] = -1 }, ByLong = { [long.MinValue] = "min", [5] = "five" } };
        var back = RoundTrip(state);
        Assert.Equal(state.ByGuid, back.ByGuid);
        Assert.Equal(state.ByLong, back.ByLong);

        // A Guid key: the entry is named by its position. A long key: by the key itself.
        var guidEntry = Concat(Varint(1), Varint(16), guid.ToByteArray(), [0xFF]);
        Assert.Equal("Keyed.ByGuid[#0].value", Refused<Keyed>(Build(Keyed.StateTypeName, 0, Field(1, guidEntry))).FieldPath);
        var longEntry = Concat(Varint(1), Varint(10), [0x3F]);
        Assert.Equal("Keyed.ByLong[5].value", Refused<Keyed>(Build(Keyed.StateTypeName, 0, Field(2, longEntry))).FieldPath);
    }

    [Fact]
    public void Sets_and_dictionaries_stored_as_null_or_without_an_initializer_round_trip()
    {
        var nulls = RoundTrip(new Keyed { MaybeSet = null, Bare = null });
        Assert.Null(nulls.MaybeSet);
        Assert.Null(nulls.Bare);
        Assert.Null(RoundTrip(new CaseInsensitive { Maybe = null }).Maybe);

        var filled = RoundTrip(new Keyed { MaybeSet = new(StringComparer.OrdinalIgnoreCase) { "x" }, Bare = ["y", "Y"] });
        Assert.Contains("X", filled.MaybeSet!);
        Assert.Equal(["Y", "y"], filled.Bare!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Collections_of_every_size_across_the_writers_buffer_boundaries_round_trip()
    {
        // The writer reserves one byte for a collection's length and moves the content when the length needs more:
        // sizes around 127/128 bytes of content and around each doubling of its buffer are where that move can overrun.
        for (var count = 1; count <= 1100; count++)
        {
            var numbers = Enumerable.Range(0, count).Select(i => i % 50).ToArray();
            var state = new Everything { Numbers = numbers, LeafList = [new Leaf { Name = new string('n', count % 300) }], Text = new string('t', count % 7) };
            var back = RoundTrip(state);
            Assert.Equal(numbers, back.Numbers);
            Assert.Equal(state.LeafList[0].Name, Assert.Single(back.LeafList).Name);
        }
    }

    [Fact]
    public void A_narrowed_value_out_of_range_names_its_own_field_not_a_deeper_one_read_before_it()
    {
        // Root = { Child = { Weight = 5 } } leaves deeper path entries behind; then I8 (sbyte) holds 300.
        var child = Concat(Tag(2, CheckpointWireKind.Varint), Varint(10));
        var root = Field(3, child);
        var payload = Concat(Field(34, root), Tag(2, CheckpointWireKind.Varint), Varint(600));
        var error = Refused<Everything>(Build(Everything.StateTypeName, 0, payload));
        Assert.Equal("Everything.I8", error.FieldPath);
        Assert.StartsWith("field Everything.I8 (id 2) holds 300", error.Reason, StringComparison.Ordinal);
    }

    private static CheckpointFormatException CutValueUnder(string key)
    {
        var keyBytes = System.Text.Encoding.UTF8.GetBytes(key);
        var entry = Concat(Varint(1), Varint((ulong)keyBytes.Length), keyBytes, [0xFF]);
        return Refused<HostCounter>(Build(HostCounter.StateTypeName, 0, Field(1, entry)));
    }

    private static byte[] Field(int id, byte[] content) =>
        Concat(Tag(id, CheckpointWireKind.LengthDelimited), Varint((ulong)content.Length), content);

    private static byte[] DecimalBytes(int flags)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), flags);
        return bytes;
    }

    private static byte[] OffsetBytes(long ticks, short minutes)
    {
        var bytes = new byte[10];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, ticks);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(8), minutes);
        return bytes;
    }

    private static T RoundTrip<T>(T state)
        where T : ICheckpointState<T> => CheckpointSerializer.Deserialize<T>(CheckpointSerializer.Serialize(state), FileName);

    private static Everything Read(byte[] payload) => CheckpointSerializer.Deserialize<Everything>(Build(Everything.StateTypeName, 0, payload), FileName);

    private static CheckpointFormatException Refused<T>(byte[] bytes)
        where T : ICheckpointState<T>
    {
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<T>(bytes, FileName));
        Assert.Equal(FileName, error.FileName);
        Assert.Contains(error.FieldPath, error.Message, StringComparison.Ordinal);
        return error;
    }
}

/// <summary>Dictionaries keyed by types other than string and int, and sets that may be null or lack an initializer.</summary>
[CheckpointState]
public sealed partial class Keyed
{
    [Id(1)] public Dictionary<Guid, int> ByGuid { get; set; } = [];
    [Id(2)] public Dictionary<long, string> ByLong { get; set; } = [];
    [Id(3)] public HashSet<string>? MaybeSet { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    [Id(4)] public HashSet<string>? Bare { get; set; }
}
