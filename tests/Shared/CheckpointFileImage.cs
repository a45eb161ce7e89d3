using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Bulwark.Serialization;

namespace Bulwark.Tests.Shared;

/// <summary>
/// Builds checkpoint bytes by hand, independently of <see cref="CheckpointWriter"/>, so that a test can hand the reader
/// exactly the malformed, boundary or "older type" bytes it is about: varints, tags, length-delimited fields, and a
/// whole file image (header, payload, CRC32C) around a payload. Linked into the runtime's and the generator's tests.
/// </summary>
internal static class CheckpointFileImage
{
    /// <summary>Where the state type name's length is in a file: after the magic, the version and the fingerprint.</summary>
    public const int NameLengthAt = 16;

    /// <summary>The fingerprint <see cref="File"/> writes when the test does not care which.</summary>
    public const ulong AnyFingerprint = 0x7E57UL;

    /// <summary>A whole, valid file image of state type <paramref name="stateTypeName"/> around <paramref name="payload"/>.</summary>
    public static byte[] Build(string stateTypeName, ulong fingerprint, ReadOnlySpan<byte> payload)
    {
        var name = Encoding.UTF8.GetBytes(stateTypeName);
        var file = new byte[4 + 4 + 8 + 2 + name.Length + 8 + payload.Length + 4];
        "BWCK"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(4), CheckpointSerializer.FormatVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(8), fingerprint);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(NameLengthAt), (ushort)name.Length);
        name.CopyTo(file.AsSpan(NameLengthAt + 2));
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(NameLengthAt + 2 + name.Length), payload.Length);
        payload.CopyTo(file.AsSpan(PayloadStart(file)));
        Reseal(file);
        return file;
    }

    public static byte[] File(string stateTypeName, byte[] payload) => Build(stateTypeName, AnyFingerprint, payload);

    /// <summary>Where the payload of <paramref name="file"/> starts.</summary>
    public static int PayloadStart(ReadOnlySpan<byte> file) => NameLengthAt + 2 + BinaryPrimitives.ReadUInt16LittleEndian(file[NameLengthAt..]) + 8;

    public static byte[] Payload(byte[] file) => file[PayloadStart(file)..^4];

    public static ulong Fingerprint(byte[] file) => BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(8));

    /// <summary>The same payload under another state type name: how a test plays "the previous version of this type".</summary>
    public static byte[] Rename(byte[] file, string stateTypeName) => Build(stateTypeName, Fingerprint(file), Payload(file));

    /// <summary>Recomputes the trailer's CRC32C after a test changed the bytes before it.</summary>
    public static void Reseal(byte[] file) =>
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 4), Crc32C(file.AsSpan(0, file.Length - 4)));

    /// <summary>CRC32C one byte at a time, not the serializer's eight-byte steps.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        var crc = uint.MaxValue;
        foreach (var b in bytes)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }

    /// <summary>A signed value as the writer stores it: zigzag, then a varint.</summary>
    public static byte[] ZigZag(long value) => Varint((ulong)((value << 1) ^ (value >> 63)));

    public static byte[] Tag(int id, CheckpointWireKind kind) => Varint(((ulong)(uint)id << 3) | (byte)kind);

    /// <summary>A length-delimited field: tag, length, content.</summary>
    public static byte[] Field(int id, byte[] content) =>
        Concat(Tag(id, CheckpointWireKind.LengthDelimited), Varint((ulong)content.Length), content);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
