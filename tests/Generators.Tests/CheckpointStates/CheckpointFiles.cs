using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// Builds checkpoint file images by hand, independently of the runtime's writer, so tests can wrap any payload
/// (hand-made, corrupted, or written by an "older" type) in a header with a correct length and CRC32C.
/// </summary>
internal static class CheckpointFiles
{
    private const int NameLengthAt = 16;

    public static byte[] Build(string stateTypeName, ulong fingerprint, ReadOnlySpan<byte> payload)
    {
        var name = Encoding.UTF8.GetBytes(stateTypeName);
        var file = new byte[4 + 4 + 8 + 2 + name.Length + 8 + payload.Length + 4];
        "BWCK"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(8), fingerprint);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(NameLengthAt), (ushort)name.Length);
        name.CopyTo(file.AsSpan(NameLengthAt + 2));
        var payloadLengthAt = NameLengthAt + 2 + name.Length;
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(payloadLengthAt), payload.Length);
        payload.CopyTo(file.AsSpan(payloadLengthAt + 8));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 4), Crc32C(file.AsSpan(0, file.Length - 4)));
        return file;
    }

    public static int PayloadStart(ReadOnlySpan<byte> file) =>
        NameLengthAt + 2 + BinaryPrimitives.ReadUInt16LittleEndian(file[NameLengthAt..]) + 8;

    public static byte[] Payload(byte[] file) => file[PayloadStart(file)..^4];

    public static ulong Fingerprint(byte[] file) => BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(8));

    /// <summary>The same payload under another state type name: how a test plays "the previous version of this type".</summary>
    public static byte[] Rename(byte[] file, string stateTypeName) => Build(stateTypeName, Fingerprint(file), Payload(file));

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

    public static byte[] Tag(int id, Bulwark.Serialization.CheckpointWireKind kind) => Varint(((ulong)id << 3) | (byte)kind);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
