using System.Buffers.Binary;
using System.Text;
using Bulwark.Shards;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// What a damaged shard state says is wrong with it: a payload cut short names the field it ends in and where, a count
/// that cannot fit is refused by what it counts, and an entry too short for a header is not taken for one.
/// </summary>
public sealed class ShardStateDecodeErrorTests
{
    private const string Id = ShardTestKit.ShardId;
    private static readonly string Key = ShardNames.ConsensusKey(Id);
    private static readonly Guid Lease = Guid.Parse("0c4b5f4e-6d0e-4f5f-9b8a-6a6b1f1e2d3c");
    private static readonly string PartKey = $"{ShardNames.PartsDirectory(Id)}/{Lease:N}-c3.parquet";

    private static readonly ShardState State = new(
        Id,
        "edges schema<Src: int64, Dst: utf8>",
        Upper: 9,
        Since: 4,
        Parts: [new ShardPart(PartKey, 0, 4, 4, 4, 10, 900, 0xdeadbeef)],
        Writers: [new WriterRegistration(Holder("writer ü"), Lease, Guid.Parse("11111111-2222-3333-4444-555555555555"), 4, PartKey, 3)],
        Leases: [new ShardLease(Holder("reader ü"), Lease, LeaseKind.Reader, 4, 3, 1_700_000_000_000, 2)]);

    /// <summary>
    /// Ids long enough that a cut inside the fields after them leaves room for the smallest writer or lease: a shorter
    /// one would be refused by its list's count before its GUIDs or kind byte are read.
    /// </summary>
    private static string Holder(string name) => name + new string('-', 48);

    [Fact]
    public void A_payload_cut_short_at_any_byte_names_the_field_it_ends_in()
    {
        var bytes = ShardStateCodec.Encode(State);
        var payload = bytes[12..^4];
        var layout = Layout(State);
        Assert.Equal(payload.Length, layout[^1].Start + layout[^1].Length);
        var reasons = new HashSet<string>(StringComparer.Ordinal);

        for (var cut = 0; cut < payload.Length; cut++)
        {
            var error = Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(5, Sealed(payload[..cut]))));
            Assert.Equal(Expected(layout, cut), error.Reason);
            reasons.Add(error.Reason.Split(" at payload byte")[0].Split(" declares")[0]);
        }

        // Every kind of field is reached by some cut, not only refused by the count before it.
        Assert.Superset(
            new HashSet<string>(["it ends inside a 64-bit integer", "it ends inside a 32-bit integer", "it ends inside a byte", "it ends inside a GUID", "the shard id", "the record schema", "the part key", "the writer id", "the lease holder", "it"]),
            reasons);
    }

    [Fact]
    public void A_count_that_the_remaining_bytes_cannot_hold_is_refused_by_what_it_counts()
    {
        var empty = State with { Parts = [], Writers = [], Leases = [] };
        var payload = ShardStateCodec.Encode(empty)[12..^4];

        // The three counts are the payload's last 12 bytes: two parts would need 112 bytes where 8 remain.
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(payload.Length - 12), 2);
        var error = Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(5, Sealed(payload))));

        Assert.Equal("it declares 2 parts, more than its 8 remaining bytes can hold", error.Reason);
    }

    [Fact]
    public void An_entry_of_only_a_header_and_a_checksum_ends_inside_its_first_field()
    {
        var error = Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(5, Sealed([]))));

        Assert.Equal("it ends inside a 32-bit integer at payload byte 0", error.Reason);
        Assert.Equal("it does not start with the shard state magic 'BWSH'", Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(5, Sealed([])[..15]))).Reason);
    }

    [Fact]
    public void A_header_with_unknown_flags_or_another_payload_length_is_refused_saying_which()
    {
        var payload = ShardStateCodec.Encode(State)[12..^4];
        var flagged = Sealed(payload);
        BinaryPrimitives.WriteUInt16LittleEndian(flagged.AsSpan(6), 1);
        var longer = Sealed(payload);
        BinaryPrimitives.WriteUInt32LittleEndian(longer.AsSpan(8), (uint)payload.Length + 1);

        Assert.Equal("it sets flags this version does not know", Reason(flagged));
        Assert.Equal($"its header declares {payload.Length + 1} payload bytes but it holds {payload.Length}", Reason(longer));
    }

    [Fact]
    public void A_string_that_is_not_UTF8_is_refused_naming_its_field()
    {
        var payload = ShardStateCodec.Encode(State)[12..^4];

        // The shard id's first byte (after its 4-byte length) becomes a byte no UTF-8 text starts with.
        payload[4] = 0xFF;

        Assert.Equal("the shard id is not valid UTF-8", Reason(Sealed(payload)));
    }

    [Fact]
    public void Null_arguments_are_refused_by_name()
    {
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => ShardStateCodec.Encode(null!)).ParamName);
        Assert.Equal("entry", Assert.Throws<ArgumentNullException>(() => ShardStateCodec.Decode(Id, Key, null!)).ParamName);
    }

    /// <summary>A field of the documented layout: where it starts, how long it is, and for a count what it counts.</summary>
    private sealed record Field(string What, int Start, int Length, bool IsStringBody = false, (uint Count, int MinElementBytes)? Counts = null);

    /// <summary>The payload layout of <paramref name="state"/>, field by field, as the codec's documentation gives it.</summary>
    private static List<Field> Layout(ShardState state)
    {
        var fields = new List<Field>();
        var at = 0;
        void Fixed(string what, int length, (uint, int)? counts = null)
        {
            fields.Add(new Field(what, at, length, Counts: counts));
            at += length;
        }

        void Text(string what, string value)
        {
            Fixed("a 32-bit integer", 4);
            var length = Encoding.UTF8.GetByteCount(value);
            fields.Add(new Field(what, at, length, IsStringBody: true));
            at += length;
        }

        void Int64s(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Fixed("a 64-bit integer", 8);
            }
        }

        Text("shard id", state.ShardId);
        Text("record schema", state.RecordSchema);
        Int64s(2);
        Fixed("a 32-bit integer", 4, ((uint)state.Parts.Count, 56));
        foreach (var part in state.Parts)
        {
            Text("part key", part.Key);
            Int64s(6);
            Fixed("a 32-bit integer", 4);
        }

        Fixed("a 32-bit integer", 4, ((uint)state.Writers.Count, 52));
        foreach (var writer in state.Writers)
        {
            Text("writer id", writer.WriterId);
            Fixed("a GUID", 16);
            Fixed("a GUID", 16);
            Int64s(1);
            Text("part key", writer.PartKey ?? string.Empty);
            Int64s(1);
        }

        Fixed("a 32-bit integer", 4, ((uint)state.Leases.Count, 53));
        foreach (var lease in state.Leases)
        {
            Text("lease holder", lease.HolderId);
            Fixed("a GUID", 16);
            Fixed("a byte", 1);
            Int64s(4);
        }

        return fields;
    }

    /// <summary>The reason a payload cut at <paramref name="cut"/> bytes is refused: the first read in layout order that fails.</summary>
    private static string Expected(List<Field> layout, int cut)
    {
        string[] counted = ["parts", "writers", "leases"];
        var countIndex = 0;
        foreach (var field in layout)
        {
            if (cut < field.Start + field.Length)
            {
                return field.IsStringBody
                    ? $"the {field.What} declares {field.Length} bytes but only {cut - field.Start} remain"
                    : $"it ends inside {field.What} at payload byte {field.Start}";
            }

            if (field.Counts is var (count, minElementBytes))
            {
                var remaining = cut - (field.Start + field.Length);
                if (count > remaining / minElementBytes)
                {
                    return $"it declares {count} {counted[countIndex]}, more than its {remaining} remaining bytes can hold";
                }

                countIndex++;
            }
        }

        throw new InvalidOperationException($"a cut at {cut} leaves the whole payload");
    }

    /// <summary>Why <paramref name="bytes"/> are refused, with their checksum made right again first.</summary>
    private static string Reason(byte[] bytes)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Checksums.Crc32C(bytes.AsSpan(0, bytes.Length - 4)));
        return Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(5, bytes))).Reason;
    }

    /// <summary>A version-1 entry around <paramref name="payload"/>, with its length and checksum right.</summary>
    private static byte[] Sealed(byte[] payload)
    {
        var bytes = new byte[12 + payload.Length + 4];
        "BWSH"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), ShardStateCodec.FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)payload.Length);
        payload.CopyTo(bytes.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Checksums.Crc32C(bytes.AsSpan(0, bytes.Length - 4)));
        return bytes;
    }
}
