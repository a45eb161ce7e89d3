using System.Buffers.Binary;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Rewrites what Bulwark writes into the shape older Arrow writers produced, byte by byte: the 4-byte message prefix
/// without the FF FF FF FF continuation marker (Arrow 0.14 and earlier), a chosen message metadata version, and a
/// file footer whose version field is absent or set. Message sizes and offsets stay the same, so file blocks remain valid.
/// </summary>
internal static class LegacyFormat
{
    public const short V3 = 2;
    public const short V4 = 3;

    /// <summary>
    /// Each message's 8-byte prefix becomes a 4-byte length, the flatbuffer moves up 4 bytes and 4 zero bytes pad it,
    /// as the legacy writers did to keep the body 8-byte aligned; the end-of-stream marker becomes 4 zero bytes.
    /// </summary>
    public static byte[] Rewrite(Format format, byte[] bulwark, short messageVersion, FooterVersion footer = FooterVersion.Absent)
    {
        var bytes = (byte[])bulwark.Clone();
        var position = format == Format.File ? 8 : 0;
        var end = bytes.Length;
        if (format == Format.File)
        {
            end = bytes.Length - 10 - BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 10));
        }

        while (position < end)
        {
            if (BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position)) != -1)
            {
                throw new InvalidOperationException($"no continuation marker at {position}");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position + 4));
            if (length == 0)
            {
                // Legacy end-of-stream is a zero length alone; a stream ends there, a file keeps its footer offset.
                bytes.AsSpan(position, 8).Clear();
                if (format == Format.Stream)
                {
                    return bytes[..(position + 4)];
                }

                break;
            }

            var flatbuffer = bytes.AsSpan(position + 8, length);
            var bodyLength = SetMessageVersion(flatbuffer, messageVersion);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(position), length + 4);
            flatbuffer.CopyTo(bytes.AsSpan(position + 4));
            bytes.AsSpan(position + 4 + length, 4).Clear();
            position += 8 + length + (int)bodyLength;
        }

        if (format == Format.File)
        {
            SetFooterVersion(bytes.AsSpan(end, bytes.Length - 10 - end), footer);
        }

        return bytes;
    }

    /// <summary>Overwrites Message.version (always written by Bulwark) and returns Message.bodyLength.</summary>
    private static long SetMessageVersion(Span<byte> flatbuffer, short version)
    {
        var (root, vtable) = Root(flatbuffer);
        var versionField = BinaryPrimitives.ReadUInt16LittleEndian(flatbuffer[(vtable + 4)..]);
        BinaryPrimitives.WriteInt16LittleEndian(flatbuffer[(root + versionField)..], version);
        var bodyField = BinaryPrimitives.ReadUInt16LittleEndian(flatbuffer[(vtable + 10)..]);
        return bodyField == 0 ? 0 : BinaryPrimitives.ReadInt64LittleEndian(flatbuffer[(root + bodyField)..]);
    }

    /// <summary>Footer.version is field 0: a zero vtable entry makes it absent, as some Arrow 0.14 era writers left it.</summary>
    private static void SetFooterVersion(Span<byte> footer, FooterVersion version)
    {
        var (root, vtable) = Root(footer);
        var entry = footer[(vtable + 4)..];
        if (version == FooterVersion.Absent)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(entry, 0);
        }
        else
        {
            BinaryPrimitives.WriteInt16LittleEndian(footer[(root + BinaryPrimitives.ReadUInt16LittleEndian(entry))..], (short)version);
        }
    }

    private static (int Root, int VTable) Root(ReadOnlySpan<byte> flatbuffer)
    {
        var root = BinaryPrimitives.ReadInt32LittleEndian(flatbuffer);
        return (root, root - BinaryPrimitives.ReadInt32LittleEndian(flatbuffer[root..]));
    }
}

/// <summary>What <see cref="LegacyFormat.Rewrite"/> leaves in a file footer's version field.</summary>
internal enum FooterVersion : short
{
    Absent = -1,
    V3 = LegacyFormat.V3,
    V4 = LegacyFormat.V4,
}
