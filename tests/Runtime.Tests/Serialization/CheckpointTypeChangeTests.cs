using System.Text;
using Bulwark.Serialization;
using Xunit;

namespace Bulwark.Runtime.Tests.Serialization;

/// <summary>
/// A checkpoint written by an earlier version of a state type whose member has since changed type, restored by the
/// generated reader: a different wire kind is reported as that type change, and a value a narrowed integer cannot hold
/// is refused naming the field; one it can hold restores (a varint records no width).
/// </summary>
public sealed class CheckpointTypeChangeTests
{
    private const string FileName = "ops/ledger/state.bin";

    [Fact]
    public void A_string_written_for_what_is_now_a_long_is_reported_as_the_type_change()
    {
        var bytes = CheckpointSerializer.Serialize(new EarlierLedger((ref CheckpointWriter w) =>
        {
            w.WriteTag(1, CheckpointWireKind.LengthDelimited);
            w.WriteString("12.50");
        }));

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<Ledger>(bytes, FileName));
        Assert.Equal("field Ledger.Balance (id 1) was written as LengthDelimited, the member is long: give the member a new id", error.Reason);
        Assert.Equal(FileName, error.FileName);
        Assert.Equal("Ledger.Balance", error.FieldPath);
        Assert.Equal(PayloadStart + 1, error.Offset);
    }

    [Fact]
    public void A_long_too_large_for_what_is_now_an_int_is_refused_not_wrapped()
    {
        var bytes = WrittenAsLong(5_000_000_000);

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<Ledger>(bytes, FileName));
        Assert.Equal(
            "field Ledger.Entries (id 2) holds 5000000000, outside the range -2147483648..2147483647 of int (the member is int): it was written from a wider type; give the member a new id",
            error.Reason);
        Assert.Equal(("Ledger.Entries", PayloadStart + 1), (error.FieldPath, error.Offset));
    }

    [Fact]
    public void A_long_that_fits_what_is_now_an_int_restores_unchanged()
    {
        Assert.Equal(5, CheckpointSerializer.Deserialize<Ledger>(WrittenAsLong(5), FileName).Entries);
        Assert.Equal(-5, CheckpointSerializer.Deserialize<Ledger>(WrittenAsLong(-5), FileName).Entries);
    }

    /// <summary>Where the payload starts in a file of <see cref="Ledger"/>: magic, version, fingerprint, name length, name, payload length.</summary>
    private static int PayloadStart => 4 + 4 + 8 + 2 + Encoding.UTF8.GetByteCount(Ledger.StateTypeName) + 8;

    private static byte[] WrittenAsLong(long value) =>
        CheckpointSerializer.Serialize(new EarlierLedger((ref CheckpointWriter w) =>
        {
            w.WriteTag(2, CheckpointWireKind.Varint);
            w.WriteInt64(value);
        }));
}

/// <summary>The current version: <c>Balance</c> was a string, <c>Entries</c> a long.</summary>
[CheckpointState]
public sealed partial class Ledger
{
    [Id(1)] public long Balance;
    [Id(2)] public int Entries;
}

internal delegate void WriteFields(ref CheckpointWriter writer);

/// <summary>An earlier version of <see cref="Ledger"/> (same state type name), writing whatever fields a test gives it.</summary>
internal sealed class EarlierLedger(WriteFields write) : ICheckpointState<EarlierLedger>
{
    public static string StateTypeName => Ledger.StateTypeName;

    public static ulong SchemaFingerprint => 0x0EA2_11E2UL;

    public void WriteState(ref CheckpointWriter writer) => write(ref writer);

    public static EarlierLedger ReadState(ref CheckpointReader reader) => throw new NotSupportedException("only written, as an earlier version");
}
