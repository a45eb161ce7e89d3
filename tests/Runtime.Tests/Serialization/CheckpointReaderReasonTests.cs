using Bulwark.Serialization;
using Xunit;
using static Bulwark.Tests.Shared.CheckpointFileImage;

namespace Bulwark.Runtime.Tests.Serialization;

/// <summary>
/// What the reader says when it refuses a value, word for word: an operator reading a failed restore has only the
/// Reason, so each kind of refusal must name the type it could not hold, the value it found and the range it allows.
/// The complete Serialization mutation run of bench/mutation found these texts unpinned (every one of them could be
/// emptied or exchanged for the generic one without a test failing), as were the narrowed-integer texts of every
/// width but int.
/// </summary>
public sealed class CheckpointReaderReasonTests
{
    private const string FileName = "ops/narrowed/state.bin";

    private const string WiderType = "it was written from a wider type; give the member a new id";

    [Theory]
    [InlineData(1, 300L, "I8", "-128..127", "sbyte")]
    [InlineData(1, -129L, "I8", "-128..127", "sbyte")]
    [InlineData(2, 40000L, "I16", "-32768..32767", "short")]
    [InlineData(2, -40000L, "I16", "-32768..32767", "short")]
    public void A_signed_value_a_narrowed_member_cannot_hold_names_the_field_its_range_and_type(int id, long value, string member, string range, string type)
    {
        var bytes = File(Narrowed.StateTypeName, Concat(Tag(id, CheckpointWireKind.Varint), ZigZag(value)));

        var error = Refused(bytes);

        Assert.Equal($"field Narrowed.{member} (id {id}) holds {value}, outside the range {range} of {type} (the member is {type}): {WiderType}", error.Reason);
        Assert.Equal(($"Narrowed.{member}", PayloadStart(bytes) + 1), (error.FieldPath, error.Offset));
    }

    [Theory]
    [InlineData(3, 300UL, "U8", "0..255", "byte")]
    [InlineData(4, 70000UL, "U16", "0..65535", "ushort")]
    [InlineData(5, 5_000_000_000UL, "U32", "0..4294967295", "uint")]
    public void An_unsigned_value_a_narrowed_member_cannot_hold_names_the_field_its_range_and_type(int id, ulong value, string member, string range, string type)
    {
        var bytes = File(Narrowed.StateTypeName, Concat(Tag(id, CheckpointWireKind.Varint), Varint(value)));

        var error = Refused(bytes);

        Assert.Equal($"field Narrowed.{member} (id {id}) holds {value}, outside the range {range} of {type} (the member is {type}): {WiderType}", error.Reason);
        Assert.Equal(($"Narrowed.{member}", PayloadStart(bytes) + 1), (error.FieldPath, error.Offset));
    }

    [Theory]
    [InlineData(6, 70000UL, "Letter", "70000 is out of range for char (at most 65535)")]
    [InlineData(7, 3652059UL, "Day", "3652059 is out of range for DateOnly day number (at most 3652058)")]
    [InlineData(8, 864000000000UL, "Time", "864000000000 is out of range for TimeOnly ticks (at most 863999999999)")]
    public void A_varint_past_a_char_DateOnly_or_TimeOnly_is_refused_with_the_plain_range(int id, ulong value, string member, string reason)
    {
        // Not integers a member is narrowed to from a wider one: the reason is the plain range, not the "wider type" advice.
        var error = Refused(File(Narrowed.StateTypeName, Concat(Tag(id, CheckpointWireKind.Varint), Varint(value))));
        Assert.Equal(reason, error.Reason);
        Assert.Equal($"Narrowed.{member}", error.FieldPath);
    }

    [Fact]
    public void A_caller_of_the_four_argument_BeginField_gets_the_plain_range_of_an_integer_too_large()
    {
        // That overload records no id or member type, so there is no field to name in the reason.
        var signed = Assert.Throws<CheckpointFormatException>(() => ReadUnderLegacyField(ZigZag(300), static (ref CheckpointReader r) => r.ReadSByte()));
        Assert.Equal("300 is out of range for sbyte (-128..127)", signed.Reason);
        Assert.Equal("R.Small", signed.FieldPath);

        var unsigned = Assert.Throws<CheckpointFormatException>(() => ReadUnderLegacyField(Varint(300), static (ref CheckpointReader r) => r.ReadByte()));
        Assert.Equal("300 is out of range for byte (at most 255)", unsigned.Reason);
        Assert.Equal("R.Small", unsigned.FieldPath);

        Assert.Equal(-100, ReadUnderLegacyField(ZigZag(-100), static (ref CheckpointReader r) => r.ReadSByte()));
    }

    [Fact]
    public void A_bool_other_than_0_or_1_is_refused_with_the_value_found()
    {
        var bytes = File(Narrowed.StateTypeName, Concat(Tag(9, CheckpointWireKind.Varint), Varint(2)));
        var error = Refused(bytes);
        Assert.Equal("a bool must be 0 or 1, found 2", error.Reason);
        Assert.Equal(("Narrowed.Flag", PayloadStart(bytes) + 1), (error.FieldPath, error.Offset));
    }

    [Theory]
    [InlineData(10, 15, "Money", "a decimal must be 16 bytes, found 15")]
    [InlineData(11, 9, "At", "a DateTimeOffset must be 10 bytes, found 9")]
    public void A_fixed_size_value_of_the_wrong_length_names_its_type_and_both_lengths(int id, int length, string member, string reason)
    {
        var bytes = File(Narrowed.StateTypeName, Field(id, new byte[length]));
        var error = Refused(bytes);
        Assert.Equal(reason, error.Reason);
        Assert.Equal(($"Narrowed.{member}", PayloadStart(bytes) + 1), (error.FieldPath, error.Offset));
    }

    [Fact]
    public void A_presence_marker_other_than_0_or_1_is_refused_with_the_value_found()
    {
        // Maybe (id 12, List<int?>) = [<marker 2>]: count 1, then the bad marker.
        var bytes = File(Narrowed.StateTypeName, Field(12, [1, 2, 0]));
        var error = Refused(bytes);
        Assert.Equal("a presence marker must be 0 or 1, found 2", error.Reason);
        Assert.Equal(("Narrowed.Maybe[0]", PayloadStart(bytes) + 3), (error.FieldPath, error.Offset));
        Assert.Equal(new int?[] { null, 7 }, Read(File(Narrowed.StateTypeName, Field(12, Concat([2, 0, 1], ZigZag(7))))).Maybe);
    }

    [Fact]
    public void A_length_past_the_end_of_the_message_names_both_sizes()
    {
        // Text (id 13) claims 5 bytes; 2 follow.
        var bytes = File(Narrowed.StateTypeName, Concat(Tag(13, CheckpointWireKind.LengthDelimited), Varint(5), "ab"u8.ToArray()));
        var error = Refused(bytes);
        Assert.Equal("a length of 5 bytes runs past the 2 bytes left", error.Reason);
        Assert.Equal(("Narrowed.Text", PayloadStart(bytes) + 1), (error.FieldPath, error.Offset));
    }

    [Fact]
    public void A_varint_cut_off_by_the_end_of_its_message_says_so_at_its_first_byte()
    {
        var bytes = File(Narrowed.StateTypeName, Concat(Tag(1, CheckpointWireKind.Varint), [0x80, 0x80]));
        var error = Refused(bytes);
        Assert.Equal("a varint runs past the end of its message", error.Reason);
        Assert.Equal(("Narrowed.I8", PayloadStart(bytes) + 1), (error.FieldPath, error.Offset));
    }

    [Fact]
    public void SkipField_refuses_a_wire_kind_it_does_not_know_under_the_fields_id()
    {
        // ReadField never returns such a kind; a hand-written ReadState could pass one.
        var error = Assert.Throws<CheckpointFormatException>(() =>
        {
            var reader = new CheckpointReader([0, 0], FileName, "R");
            reader.SkipField(7, (CheckpointWireKind)6);
        });
        Assert.Equal("unknown wire kind 6", error.Reason);
        Assert.Equal(("R.<field 7>", 0L), (error.FieldPath, error.Offset));
    }

    private static T ReadUnderLegacyField<T>(byte[] value, CheckpointItemReader<T> read)
    {
        var reader = new CheckpointReader(value, FileName, "R");
        var seen = false;
        reader.BeginField("Small", CheckpointWireKind.Varint, CheckpointWireKind.Varint, ref seen);
        var result = read(ref reader);
        reader.EndField();
        return result;
    }

    private static Narrowed Read(byte[] bytes) => CheckpointSerializer.Deserialize<Narrowed>(bytes, FileName);

    private static CheckpointFormatException Refused(byte[] bytes)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => Read(bytes));
        Assert.Equal(FileName, error.FileName);
        Assert.Null(error.InnerException);
        return error;
    }
}

/// <summary>One member of each type whose refusal has its own reason.</summary>
[CheckpointState]
public sealed partial class Narrowed
{
    [Id(1)] public sbyte I8;
    [Id(2)] public short I16;
    [Id(3)] public byte U8;
    [Id(4)] public ushort U16;
    [Id(5)] public uint U32;
    [Id(6)] public char Letter;
    [Id(7)] public DateOnly Day;
    [Id(8)] public TimeOnly Time;
    [Id(9)] public bool Flag;
    [Id(10)] public decimal Money;
    [Id(11)] public DateTimeOffset At;
    [Id(12)] public List<int?> Maybe = [];
    [Id(13)] public string Text = "";
}
