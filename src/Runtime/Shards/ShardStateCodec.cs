using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Bulwark.Storage;

namespace Bulwark.Shards;

/// <summary>
/// The binary encoding of <see cref="ShardState"/> in a consensus entry. Layout, little-endian:
/// <c>"BWSH"</c>, format version (u16), flags (u16, 0), payload length (u32), payload, CRC32C (u32) of everything
/// before it. Strings are a u32 byte length and strict UTF-8; lists a u32 count. Decoding checks the checksum before
/// it reads a field, bounds every length and count by the bytes that remain, and then checks the state's invariants,
/// so hostile bytes raise <see cref="ShardStateException"/> and never allocate more than the entry's size.
/// </summary>
public static class ShardStateCodec
{
    /// <summary>The format this version writes and the only one it reads.</summary>
    public const ushort FormatVersion = 1;

    private const int HeaderBytes = 12;
    private const int TrailerBytes = 4;
    private static readonly byte[] Magic = "BWSH"u8.ToArray();
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Encodes <paramref name="state"/>.</summary>
    public static byte[] Encode(ShardState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var payload = new ArrayBufferWriter<byte>(256);
        WriteString(payload, state.ShardId);
        WriteString(payload, state.RecordSchema);
        WriteInt64(payload, state.Upper);
        WriteInt64(payload, state.Since);
        WriteUInt32(payload, (uint)state.Parts.Count);
        foreach (var part in state.Parts)
        {
            WriteString(payload, part.Key);
            WriteInt64(payload, part.Lower);
            WriteInt64(payload, part.Upper);
            WriteInt64(payload, part.MinTime);
            WriteInt64(payload, part.MaxTime);
            WriteInt64(payload, part.Rows);
            WriteInt64(payload, part.Bytes);
            WriteUInt32(payload, part.Crc32C);
        }

        WriteUInt32(payload, (uint)state.Writers.Count);
        foreach (var writer in state.Writers)
        {
            WriteString(payload, writer.WriterId);
            WriteGuid(payload, writer.LeaseId);
            WriteGuid(payload, writer.Token);
            WriteInt64(payload, writer.Upper);
            WriteString(payload, writer.PartKey ?? string.Empty);
            WriteInt64(payload, writer.SeqNo);
        }

        WriteUInt32(payload, (uint)state.Leases.Count);
        foreach (var lease in state.Leases)
        {
            WriteString(payload, lease.HolderId);
            WriteGuid(payload, lease.LeaseId);
            payload.GetSpan(1)[0] = (byte)lease.Kind;
            payload.Advance(1);
            WriteInt64(payload, lease.Hold ?? -1);
            WriteInt64(payload, lease.SeqNo);
            WriteInt64(payload, lease.ExpiresAtMs);
            WriteInt64(payload, lease.SettledAttempts);
        }

        var bytes = new byte[HeaderBytes + payload.WrittenCount + TrailerBytes];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)payload.WrittenCount);
        payload.WrittenSpan.CopyTo(bytes.AsSpan(HeaderBytes));
        var crc = Checksums.Crc32C(bytes.AsSpan(0, bytes.Length - TrailerBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - TrailerBytes), crc);
        return bytes;
    }

    /// <summary>Decodes and validates the state in <paramref name="entry"/>, read from <paramref name="key"/>.</summary>
    /// <exception cref="ShardStateException">The bytes are not a valid state of <paramref name="shardId"/>; the exception names key and sequence number.</exception>
    public static ShardState Decode(string shardId, string key, VersionedData entry, int maxBytes = ConsensusLimits.MaxDataBytes)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ShardState state;
        try
        {
            state = DecodeUnchecked(entry.Data.Span, maxBytes);
        }
        catch (FormatException e)
        {
            throw new ShardStateException(shardId, key, entry.SeqNo, e.Message);
        }

        if (ShardStateRules.Check(state, shardId, entry.SeqNo) is { } broken)
        {
            throw new ShardStateException(shardId, key, entry.SeqNo, broken);
        }

        return state;
    }

    private static ShardState DecodeUnchecked(ReadOnlySpan<byte> bytes, int maxBytes)
    {
        if (bytes.Length > maxBytes)
        {
            throw new FormatException($"it has {bytes.Length} bytes, more than the limit of {maxBytes}");
        }

        if (bytes.Length < HeaderBytes + TrailerBytes || !bytes[..4].SequenceEqual(Magic))
        {
            throw new FormatException("it does not start with the shard state magic 'BWSH'");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != FormatVersion)
        {
            throw new FormatException($"its format version is {version}; this version of Bulwark reads version {FormatVersion}");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]) != 0)
        {
            throw new FormatException("it sets flags this version does not know");
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (length != (uint)(bytes.Length - HeaderBytes - TrailerBytes))
        {
            throw new FormatException($"its header declares {length} payload bytes but it holds {bytes.Length - HeaderBytes - TrailerBytes}");
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^TrailerBytes..]);
        var computed = Checksums.Crc32C(bytes[..^TrailerBytes]);
        if (stored != computed)
        {
            throw new FormatException($"its CRC32C is 0x{computed:x8}, not the stored 0x{stored:x8}");
        }

        var reader = new SpanReader(bytes[HeaderBytes..^TrailerBytes]);
        var shardId = reader.String("shard id");
        var schema = reader.String("record schema");
        var upper = reader.Int64();
        var since = reader.Int64();
        var parts = new ShardPart[reader.Count("parts", 56)];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = new ShardPart(reader.String("part key"), reader.Int64(), reader.Int64(), reader.Int64(), reader.Int64(), reader.Int64(), reader.Int64(), reader.UInt32());
        }

        var writers = new WriterRegistration[reader.Count("writers", 52)];
        for (var i = 0; i < writers.Length; i++)
        {
            var id = reader.String("writer id");
            var leaseId = reader.Guid();
            var token = reader.Guid();
            var writtenUpper = reader.Int64();
            var partKey = reader.String("part key");
            writers[i] = new WriterRegistration(id, leaseId, token, writtenUpper, partKey.Length == 0 ? null : partKey, reader.Int64());
        }

        var leases = new ShardLease[reader.Count("leases", 53)];
        for (var i = 0; i < leases.Length; i++)
        {
            var holder = reader.String("lease holder");
            var leaseId = reader.Guid();
            var kind = (LeaseKind)reader.Byte();
            var hold = reader.Int64();
            leases[i] = new ShardLease(holder, leaseId, kind, hold == -1 ? null : hold, reader.Int64(), reader.Int64(), reader.Int64());
        }

        reader.ExpectEnd();
        return new ShardState(shardId, schema, upper, since, parts, writers, leases);
    }

    private static void WriteString(ArrayBufferWriter<byte> output, string value)
    {
        var bytes = StrictUtf8.GetBytes(value);
        WriteUInt32(output, (uint)bytes.Length);
        output.Write(bytes);
    }

    private static void WriteInt64(ArrayBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void WriteUInt32(ArrayBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void WriteGuid(ArrayBufferWriter<byte> output, Guid value)
    {
        value.TryWriteBytes(output.GetSpan(16), bigEndian: true, out _);
        output.Advance(16);
    }

    /// <summary>Reads fields front to back; every read is bounds-checked and a short payload is a <see cref="FormatException"/>.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;

        private readonly int Remaining => _bytes.Length - _position;

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8, "a 64-bit integer"));

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "a 32-bit integer"));

        public byte Byte() => Take(1, "a byte")[0];

        public Guid Guid() => new(Take(16, "a GUID"), bigEndian: true);

        public string String(string what)
        {
            var length = UInt32();
            if (length > (uint)Remaining)
            {
                throw new FormatException($"the {what} declares {length} bytes but only {Remaining} remain");
            }

            try
            {
                return StrictUtf8.GetString(Take((int)length, what));
            }
            catch (DecoderFallbackException)
            {
                throw new FormatException($"the {what} is not valid UTF-8");
            }
        }

        /// <summary>A list count, refused when even the smallest elements of that many would not fit in what remains.</summary>
        public int Count(string what, int minElementBytes)
        {
            var count = UInt32();
            if (count > (uint)(Remaining / minElementBytes))
            {
                throw new FormatException($"it declares {count} {what}, more than its {Remaining} remaining bytes can hold");
            }

            return (int)count;
        }

        public readonly void ExpectEnd()
        {
            if (Remaining != 0)
            {
                throw new FormatException($"{Remaining} bytes follow the last field");
            }
        }

        private ReadOnlySpan<byte> Take(int count, string what)
        {
            if (count > Remaining)
            {
                throw new FormatException($"it ends inside {what} at payload byte {_position}");
            }

            var slice = _bytes.Slice(_position, count);
            _position += count;
            return slice;
        }
    }
}
