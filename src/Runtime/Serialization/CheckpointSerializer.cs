using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using System.Text.Unicode;

namespace Bulwark.Serialization;

/// <summary>What a checkpoint file's header says, after the header, the payload length and the trailer checksum were validated.</summary>
public sealed record CheckpointHeader(int FormatVersion, ulong SchemaFingerprint, long PayloadLength, string StateTypeName);

/// <summary>
/// Turns a <c>[CheckpointState]</c> value into a self-describing, checksummed file image and back. The layout
/// (all integers little-endian):
/// <code>
/// magic "BWCK" | format version u32 | schema fingerprint u64 | type name length u16 | type name UTF-8 | payload length u64
/// payload (the state's tagged fields)
/// CRC32C u32 over everything before it
/// </code>
/// Reading validates all of it; there is no way to read state bytes without that validation.
/// </summary>
public static class CheckpointSerializer
{
    /// <summary>The one format version this build writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The longest state type name a header may carry, in UTF-8 bytes.</summary>
    public const int MaxStateTypeNameLength = 1024;

    private const int MagicLength = 4;
    private const int TrailerLength = 4;

    // magic + version + fingerprint + name length + payload length + trailer, with an empty name and payload.
    private const int MinLength = MagicLength + 4 + 8 + 2 + 8 + TrailerLength;

    private static ReadOnlySpan<byte> Magic => "BWCK"u8;

    public static byte[] Serialize<T>(T state)
        where T : ICheckpointState<T>
    {
        if (state is null)
        {
            throw new ArgumentNullException(nameof(state));
        }

        var name = Encoding.UTF8.GetBytes(T.StateTypeName);
        if (name.Length is 0 or > MaxStateTypeNameLength)
        {
            throw new InvalidOperationException($"The state type name must be 1 to {MaxStateTypeNameLength} UTF-8 bytes.");
        }

        var writer = new CheckpointWriter();
        try
        {
            Span<byte> fixedPart = stackalloc byte[8];
            writer.WriteRaw(Magic);
            BinaryPrimitives.WriteInt32LittleEndian(fixedPart, FormatVersion);
            writer.WriteRaw(fixedPart[..4]);
            BinaryPrimitives.WriteUInt64LittleEndian(fixedPart, T.SchemaFingerprint);
            writer.WriteRaw(fixedPart);
            BinaryPrimitives.WriteUInt16LittleEndian(fixedPart, (ushort)name.Length);
            writer.WriteRaw(fixedPart[..2]);
            writer.WriteRaw(name);
            var payloadLengthAt = writer.Length;
            writer.WriteRaw(fixedPart);
            var payloadStart = writer.Length;

            state.WriteState(ref writer);

            var written = writer.WrittenForPatching;
            BinaryPrimitives.WriteInt64LittleEndian(written[payloadLengthAt..], written.Length - payloadStart);
            BinaryPrimitives.WriteUInt32LittleEndian(fixedPart, Crc32C(written));
            writer.WriteRaw(fixedPart[..4]);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <exception cref="CheckpointFormatException">
    /// The bytes are not a valid checkpoint of <typeparamref name="T"/>: bad header or checksum, another state type,
    /// or a malformed field. A different schema fingerprint alone is not an error.
    /// </exception>
    public static T Deserialize<T>(ReadOnlySpan<byte> bytes, string fileName)
        where T : ICheckpointState<T>
    {
        var (header, payloadStart) = ValidateHeader(bytes, fileName);
        if (!string.Equals(header.StateTypeName, T.StateTypeName, StringComparison.Ordinal))
        {
            throw new CheckpointFormatException(
                fileName,
                "header.stateTypeName",
                MagicLength + 4 + 8,
                $"the file holds state of type '{header.StateTypeName}', not '{T.StateTypeName}'");
        }

        var reader = new CheckpointReader(bytes, payloadStart, payloadStart + (int)header.PayloadLength, fileName, ShortName(T.StateTypeName));
        try
        {
            return T.ReadState(ref reader);
        }
        catch (Exception e) when (e is not CheckpointFormatException and not OutOfMemoryException)
        {
            // A constructor or setter of the state type that validates its input rejected a restored value: the bytes
            // are still what is wrong, so the caller gets the one exception type that this method promises.
            throw reader.Fail(reader.Position, $"the state type rejected a restored value: {e.GetType().Name}: {e.Message}", e);
        }
    }

    /// <summary>Validates magic, format version, payload length and the trailer CRC32C without knowing the state type.</summary>
    /// <exception cref="CheckpointFormatException">Any of them is wrong.</exception>
    public static CheckpointHeader ReadHeader(ReadOnlySpan<byte> bytes, string fileName) => ValidateHeader(bytes, fileName).Header;

    private static (CheckpointHeader Header, int PayloadStart) ValidateHeader(ReadOnlySpan<byte> bytes, string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (bytes.Length < MinLength)
        {
            throw new CheckpointFormatException(fileName, "header", bytes.Length, $"the file is {bytes.Length} bytes, shorter than the smallest checkpoint ({MinLength} bytes)");
        }

        if (!bytes[..MagicLength].SequenceEqual(Magic))
        {
            throw new CheckpointFormatException(fileName, "header.magic", 0, "the file does not start with the checkpoint magic \"BWCK\"");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        if (version != FormatVersion)
        {
            throw new CheckpointFormatException(fileName, "header.formatVersion", 4, $"format version {version} is not supported; this build reads version {FormatVersion}");
        }

        var fingerprint = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        const int nameLengthAt = 16;
        const int nameAt = nameLengthAt + 2;
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[nameLengthAt..]);
        if (nameLength is 0 or > MaxStateTypeNameLength || nameLength > bytes.Length - MinLength)
        {
            throw new CheckpointFormatException(fileName, "header.stateTypeName", nameLengthAt, $"a state type name of {nameLength} bytes is empty, longer than {MaxStateTypeNameLength} or longer than the file allows");
        }

        var nameBytes = bytes.Slice(nameAt, nameLength);
        if (!Utf8.IsValid(nameBytes))
        {
            throw new CheckpointFormatException(fileName, "header.stateTypeName", nameAt, "the state type name is not valid UTF-8");
        }

        var payloadLengthAt = nameAt + nameLength;
        var payloadStart = payloadLengthAt + 8;
        var payloadLength = BinaryPrimitives.ReadInt64LittleEndian(bytes[payloadLengthAt..]);
        var actualPayload = bytes.Length - payloadStart - TrailerLength;
        if (payloadLength != actualPayload)
        {
            throw new CheckpointFormatException(fileName, "header.payloadLength", payloadLengthAt, $"the header announces a payload of {payloadLength} bytes but the file holds {actualPayload} (truncated or extended)");
        }

        var crcAt = bytes.Length - TrailerLength;
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[crcAt..]);
        var computed = Crc32C(bytes[..crcAt]);
        if (stored != computed)
        {
            throw new CheckpointFormatException(fileName, "trailer.crc32c", crcAt, $"the CRC32C is 0x{computed:X8} but the trailer says 0x{stored:X8}");
        }

        var header = new CheckpointHeader(version, fingerprint, payloadLength, Encoding.UTF8.GetString(nameBytes));
        return (header, payloadStart);
    }

    private static string ShortName(string stateTypeName)
    {
        var dot = stateTypeName.LastIndexOf('.');
        return dot < 0 ? stateTypeName : stateTypeName[(dot + 1)..];
    }

    /// <summary>CRC32C (Castagnoli), eight bytes per step through the hardware instruction where there is one.</summary>
    internal static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        var crc = uint.MaxValue;
        var i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]));
        }

        for (; i < bytes.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, bytes[i]);
        }

        return ~crc;
    }
}
