using System.Buffers.Binary;
using Bulwark.Serialization;
using Xunit;
using static Bulwark.Tests.Shared.CheckpointFileImage;

namespace Bulwark.Runtime.Tests.Serialization;

/// <summary>
/// A file refused before its payload is read says which part of the header or trailer is wrong and what it found
/// there, in words: the complete Serialization mutation run of bench/mutation found that every one of these reasons
/// could be emptied without a test failing (the tests asserted only the field path and the offset).
/// </summary>
public sealed class CheckpointHeaderReasonTests
{
    private const string FileName = "ops/header/state.bin";

    private const string StateName = "Ops.Header.State";

    /// <summary>Where the state type name starts: after its two-byte length.</summary>
    private const int NameAt = NameLengthAt + 2;

    private static readonly byte[] Valid = File(StateName, Concat(Tag(1, CheckpointWireKind.Varint), Varint(42)));

    [Fact]
    public void A_file_shorter_than_the_smallest_checkpoint_gives_both_sizes()
    {
        var error = Refused(Valid[..29]);
        Assert.Equal("the file is 29 bytes, shorter than the smallest checkpoint (30 bytes)", error.Reason);
        Assert.Equal(("header", 29L), (error.FieldPath, error.Offset));
    }

    [Fact]
    public void A_file_without_the_magic_says_which_magic_it_lacks()
    {
        var bytes = (byte[])Valid.Clone();
        bytes[3] = (byte)'X';
        var error = Refused(bytes);
        Assert.Equal("the file does not start with the checkpoint magic \"BWCK\"", error.Reason);
        Assert.Equal(("header.magic", 0L), (error.FieldPath, error.Offset));
    }

    [Fact]
    public void Another_format_version_names_it_and_the_one_this_build_reads()
    {
        var bytes = (byte[])Valid.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 2);
        var error = Refused(bytes);
        Assert.Equal("format version 2 is not supported; this build reads version 1", error.Reason);
        Assert.Equal(("header.formatVersion", 4L), (error.FieldPath, error.Offset));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1025)]
    public void A_state_type_name_length_out_of_bounds_is_given_with_the_bounds(int length)
    {
        var bytes = (byte[])Valid.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(NameLengthAt), (ushort)length);
        var error = Refused(bytes);
        Assert.Equal($"a state type name of {length} bytes is empty, longer than 1024 or longer than the file allows", error.Reason);
        Assert.Equal(("header.stateTypeName", (long)NameLengthAt), (error.FieldPath, error.Offset));
    }

    [Fact]
    public void A_state_type_name_that_is_not_UTF8_is_refused_at_the_name()
    {
        var bytes = (byte[])Valid.Clone();
        bytes[NameAt + 1] = 0xFF;
        var error = Refused(bytes);
        Assert.Equal("the state type name is not valid UTF-8", error.Reason);
        Assert.Equal(("header.stateTypeName", (long)NameAt), (error.FieldPath, error.Offset));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void A_payload_length_that_disagrees_with_the_file_gives_both_lengths(int change)
    {
        var bytes = (byte[])Valid.Clone();
        var payloadLengthAt = PayloadStart(bytes) - 8;
        var actual = bytes.Length - PayloadStart(bytes) - 4;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(payloadLengthAt), actual + change);
        var error = Refused(bytes);
        Assert.Equal($"the header announces a payload of {actual + change} bytes but the file holds {actual} (truncated or extended)", error.Reason);
        Assert.Equal(("header.payloadLength", (long)payloadLengthAt), (error.FieldPath, error.Offset));
    }

    [Fact]
    public void A_wrong_checksum_gives_the_computed_and_the_stored_one()
    {
        var bytes = (byte[])Valid.Clone();
        var crcAt = bytes.Length - 4;
        var computed = Crc32C(bytes.AsSpan(0, crcAt));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(crcAt), 0x0BAD_F00Du);
        var error = Refused(bytes);
        Assert.Equal($"the CRC32C is 0x{computed:X8} but the trailer says 0x0BADF00D", error.Reason);
        Assert.Equal(("trailer.crc32c", (long)crcAt), (error.FieldPath, error.Offset));
    }

    [Fact]
    public void The_unchanged_file_is_read()
    {
        var header = CheckpointSerializer.ReadHeader(Valid, FileName);
        Assert.Equal((StateName, 2L, 0x7E57UL), (header.StateTypeName, header.PayloadLength, header.SchemaFingerprint));
    }

    private static CheckpointFormatException Refused(byte[] bytes)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.ReadHeader(bytes, FileName));
        Assert.Equal(FileName, error.FileName);
        Assert.Equal($"{FileName}: invalid checkpoint at byte offset {error.Offset}, field {error.FieldPath}: {error.Reason}", error.Message);
        return error;
    }
}
