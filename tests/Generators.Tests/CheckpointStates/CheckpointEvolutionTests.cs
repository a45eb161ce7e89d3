using Bulwark.Serialization;
using Bulwark.Tests.Shared;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// Bytes written by one version of a state read by another: added fields take their defaults, removed and unknown
/// fields are skipped, and an incompatible change is a <see cref="CheckpointFormatException"/> naming the field.
/// </summary>
public sealed class CheckpointEvolutionTests
{
    private static byte[] WrittenAs<TOld, TNew>(TOld old)
        where TOld : ICheckpointState<TOld>
        where TNew : ICheckpointState<TNew> =>
        CheckpointFileImage.Rename(CheckpointSerializer.Serialize(old), TNew.StateTypeName);

    [Fact]
    public void Newer_version_reads_older_bytes_added_fields_keep_defaults_removed_fields_are_skipped()
    {
        var bytes = WrittenAs<CounterV1, CounterV2>(new CounterV1 { Total = 5, Host = "a.example", Dropped = [1, 2, 3] });

        var header = CheckpointSerializer.ReadHeader(bytes, "old.state");
        Assert.Equal(CounterV1.SchemaFingerprint, header.SchemaFingerprint);
        Assert.NotEqual(CounterV2.SchemaFingerprint, header.SchemaFingerprint);

        var state = CheckpointSerializer.Deserialize<CounterV2>(bytes, "old.state");
        Assert.Equal((5L, "a.example", 42, (Leaf?)null), (state.Total, state.Host, state.Added, state.NewLeaf));
    }

    [Fact]
    public void Older_version_skips_fields_it_does_not_know()
    {
        var bytes = WrittenAs<CounterV2, CounterV1>(new CounterV2 { Total = 9, Host = "h", Added = 7, NewLeaf = new Leaf { Name = "x", Child = new Leaf() } });

        var state = CheckpointSerializer.Deserialize<CounterV1>(bytes, "new.state");
        Assert.Equal((9L, "h"), (state.Total, state.Host));
        Assert.Empty(state.Dropped);
    }

    [Fact]
    public void Unknown_ids_of_every_wire_kind_are_skipped()
    {
        var payload = CheckpointFileImage.Concat(
            CheckpointFileImage.Tag(100, CheckpointWireKind.Varint), CheckpointFileImage.Varint(ulong.MaxValue),
            CheckpointFileImage.Tag(101, CheckpointWireKind.Fixed32), [1, 2, 3, 4],
            CheckpointFileImage.Tag(102, CheckpointWireKind.Fixed64), [1, 2, 3, 4, 5, 6, 7, 8],
            CheckpointFileImage.Tag(103, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint(3), [9, 9, 9],
            CheckpointFileImage.Tag(104, CheckpointWireKind.Null),
            CheckpointFileImage.Tag(1, CheckpointWireKind.Varint), CheckpointFileImage.Varint(22));
        var bytes = CheckpointFileImage.Build(CounterV1.StateTypeName, 0, payload);

        var state = CheckpointSerializer.Deserialize<CounterV1>(bytes, "future.state");
        Assert.Equal(11, state.Total);
    }

    [Fact]
    public void A_field_whose_wire_kind_changed_is_an_error_naming_the_field()
    {
        var bytes = WrittenAs<CounterV1, CounterV3>(new CounterV1 { Total = 1, Host = "a" });

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<CounterV3>(bytes, "v1.state"));
        Assert.Equal("CounterV3.Host", error.FieldPath);
        Assert.Equal("v1.state", error.FileName);
        Assert.Equal("field CounterV3.Host (id 2) was written as LengthDelimited, the member is int: give the member a new id", error.Reason);

        // Just after field 2's tag: the tag and value of field 1 (Total = 1) and the tag of field 2 take one byte each.
        Assert.Equal(CheckpointFileImage.PayloadStart(bytes) + 3, error.Offset);
    }

    [Fact]
    public void A_string_restored_into_a_long_is_reported_as_the_type_change_not_as_a_decoding_error()
    {
        var bytes = WrittenAs<WideV1, TextAsLong>(new WideV1 { Text = "not a number" });

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<TextAsLong>(bytes, "wide.state"));
        Assert.Equal("field TextAsLong.Text (id 1) was written as LengthDelimited, the member is long: give the member a new id", error.Reason);
        Assert.Equal(("wide.state", "TextAsLong.Text", CheckpointFileImage.PayloadStart(bytes) + 1), (error.FileName, error.FieldPath, error.Offset));

        var nullable = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<TextAsNullableLong>(WrittenAs<WideV1, TextAsNullableLong>(new WideV1()), "wide.state"));
        Assert.Equal("field TextAsNullableLong.Text (id 1) was written as LengthDelimited, the member is long?: give the member a new id", nullable.Reason);
    }

    [Fact]
    public void A_changed_field_of_a_nested_state_names_the_nested_type_and_the_whole_path()
    {
        var bytes = WrittenAs<HolderV1, HolderV2>(new HolderV1 { Inner = new WideV1 { Text = "x" } });

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<HolderV2>(bytes, "holder.state"));
        Assert.Equal("HolderV2.Inner.Text", error.FieldPath);
        Assert.Equal("field TextAsLong.Text (id 1) was written as LengthDelimited, the member is long: give the member a new id", error.Reason);
    }

    [Fact]
    public void A_double_restored_into_a_float_is_refused_because_the_width_is_the_wire_kind()
    {
        var bytes = WrittenAs<WideV1, RatioAsFloat>(new WideV1 { Ratio = 0.1 });

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<RatioAsFloat>(bytes, "wide.state"));
        Assert.Equal("RatioAsFloat.Ratio", error.FieldPath);
        Assert.Equal("field RatioAsFloat.Ratio (id 3) was written as Fixed64, the member is float: give the member a new id", error.Reason);
    }

    [Fact]
    public void A_long_restored_into_an_int_is_refused_when_it_does_not_fit_and_names_the_field()
    {
        var bytes = WrittenAs<WideV1, CountAsInt>(new WideV1 { Count = 5_000_000_000 });

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<CountAsInt>(bytes, "wide.state"));
        Assert.Equal("CountAsInt.Count", error.FieldPath);
        Assert.Equal(
            "field CountAsInt.Count (id 2) holds 5000000000, outside the range -2147483648..2147483647 of int (the member is int): it was written from a wider type; give the member a new id",
            error.Reason);

        var negative = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<CountAsInt>(WrittenAs<WideV1, CountAsInt>(new WideV1 { Count = -5_000_000_000 }), "wide.state"));
        Assert.StartsWith("field CountAsInt.Count (id 2) holds -5000000000, outside the range", negative.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_that_fits_restores_into_an_int_unchanged()
    {
        // The documented rule: a varint records no width, so a narrowed member restores every value it can hold.
        Assert.Equal(5, CheckpointSerializer.Deserialize<CountAsInt>(WrittenAs<WideV1, CountAsInt>(new WideV1 { Count = 5 }), "wide.state").Count);
        Assert.Equal(int.MinValue, CheckpointSerializer.Deserialize<CountAsInt>(WrittenAs<WideV1, CountAsInt>(new WideV1 { Count = int.MinValue }), "wide.state").Count);
    }

    [Fact]
    public void A_list_of_longs_restored_into_a_list_of_ints_refuses_the_item_that_does_not_fit()
    {
        var bytes = WrittenAs<WideV1, SamplesAsInts>(new WideV1 { Samples = [1, long.MaxValue] });

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<SamplesAsInts>(bytes, "wide.state"));
        Assert.Equal("SamplesAsInts.Samples[1]", error.FieldPath);
        Assert.Equal(
            $"field SamplesAsInts.Samples (id 4) holds {long.MaxValue}, outside the range -2147483648..2147483647 of int (the member is List<int>): it was written from a wider type; give the member a new id",
            error.Reason);
    }

    [Fact]
    public void An_int_widened_to_a_long_restores_its_value()
    {
        var state = CheckpointSerializer.Deserialize<SmallAsLong>(WrittenAs<WideV1, SmallAsLong>(new WideV1 { Small = int.MinValue }), "wide.state");
        Assert.Equal(int.MinValue, state.Small);
    }

    [Fact]
    public void A_positional_record_reads_missing_parameters_as_defaults()
    {
        var bytes = WrittenAs<PairV1, PairV2>(new PairV1(3));

        var state = CheckpointSerializer.Deserialize<PairV2>(bytes, "pair.state");
        Assert.Equal((3, "", 0), (state.Left, state.Right, state.More.Count));
        Assert.Equal(("", 0, (Leaf?)null), (state.Extra.Name, state.Extra.Weight, state.Extra.Child));
    }

    [Fact]
    public void A_file_of_another_state_type_is_refused()
    {
        var bytes = CheckpointSerializer.Serialize(new CounterV1());

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<HostCounter>(bytes, "c.state"));
        Assert.Equal("header.stateTypeName", error.FieldPath);
        Assert.Contains("CounterV1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_stored_for_a_member_that_cannot_hold_one_is_an_error()
    {
        var payload = CheckpointFileImage.Concat(CheckpointFileImage.Tag(2, CheckpointWireKind.Null));
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<CounterV1>(CheckpointFileImage.Build(CounterV1.StateTypeName, 0, payload), "n.state"));
        Assert.Equal("CounterV1.Host", error.FieldPath);
        Assert.Contains("not nullable", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_the_state_type_itself_rejects_is_a_format_error_too()
    {
        var payload = CheckpointFileImage.Concat(CheckpointFileImage.Tag(1, CheckpointWireKind.Varint), CheckpointFileImage.Varint(400));
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<Validated>(CheckpointFileImage.Build(Validated.StateTypeName, 0, payload), "v.state"));
        Assert.Equal("Validated", error.FieldPath);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);
        Assert.Contains("rejected a restored value", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Restored_collections_keep_the_comparer_the_constructor_chose()
    {
        var state = new CaseInsensitive { ByHost = { ["A.example"] = 1 }, Seen = { "X" } };
        var back = CheckpointSerializer.Deserialize<CaseInsensitive>(CheckpointSerializer.Serialize(state), "c.state");
        Assert.Equal(1, back.ByHost["a.EXAMPLE"]);
        Assert.Contains("x", back.Seen);
        Assert.Same(StringComparer.OrdinalIgnoreCase, back.Maybe!.Comparer);

        // Keys distinct byte-wise but equal under the comparer cannot both be restored.
        var twoKeys = CheckpointFileImage.Concat(CheckpointFileImage.Varint(2), CheckpointFileImage.Varint(1), "a"u8.ToArray(), CheckpointFileImage.Varint(2), CheckpointFileImage.Varint(1), "A"u8.ToArray(), CheckpointFileImage.Varint(4));
        var payload = CheckpointFileImage.Concat(CheckpointFileImage.Tag(1, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint((ulong)twoKeys.Length), twoKeys);
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<CaseInsensitive>(CheckpointFileImage.Build(CaseInsensitive.StateTypeName, 0, payload), "c.state"));
        Assert.Equal("CaseInsensitive.ByHost[\"A\"].value", error.FieldPath);
    }

    [Fact]
    public void A_field_that_appears_twice_is_an_error()
    {
        var field = CheckpointFileImage.Concat(CheckpointFileImage.Tag(1, CheckpointWireKind.Varint), CheckpointFileImage.Varint(2));
        var bytes = CheckpointFileImage.Build(CounterV1.StateTypeName, 0, CheckpointFileImage.Concat(field, field));
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<CounterV1>(bytes, "twice.state"));
        Assert.Equal("CounterV1.Total", error.FieldPath);
        Assert.Contains("twice", error.Reason, StringComparison.Ordinal);
    }
}
