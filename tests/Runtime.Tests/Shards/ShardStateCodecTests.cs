using System.Buffers.Binary;
using Bulwark.Shards;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>Shard state bytes: what round-trips, and that every damaged or hostile entry is a typed error naming key and entry.</summary>
public sealed class ShardStateCodecTests
{
    private const string Id = ShardTestKit.ShardId;
    private static readonly string Key = ShardNames.ConsensusKey(Id);
    private static readonly Guid Lease = Guid.Parse("0c4b5f4e-6d0e-4f5f-9b8a-6a6b1f1e2d3c");

    private static ShardState Rich() => new(
        Id,
        "edges schema<Src: int64, Dst: utf8>",
        Upper: 9,
        Since: 4,
        Parts:
        [
            new ShardPart($"{ShardNames.PartsDirectory(Id)}/{Lease:N}-c3.parquet", 0, 4, 4, 4, 10, 900, 0xdeadbeef),
            new ShardPart($"{ShardNames.PartsDirectory(Id)}/{Lease:N}-{Guid.NewGuid():N}-7.parquet", 4, 9, 5, 8, 3, 512, 7),
        ],
        Writers: [new WriterRegistration("writer ü 1", Lease, Guid.NewGuid(), 9, $"{ShardNames.PartsDirectory(Id)}/{Lease:N}-{Guid.NewGuid():N}-7.parquet", 11)],
        Leases:
        [
            new ShardLease("writer ü 1", Lease, LeaseKind.Writer, null, 11, 1_700_000_000_000, 7),
            new ShardLease("reader", Guid.NewGuid(), LeaseKind.Reader, 5, 10, 1_700_000_000_000),
        ]);

    [Fact]
    public void A_state_round_trips_byte_for_byte()
    {
        var bytes = ShardStateCodec.Encode(Rich());
        var decoded = ShardStateCodec.Decode(Id, Key, new VersionedData(12, bytes));
        Assert.Equal(bytes, ShardStateCodec.Encode(decoded));
        Assert.Equal(Rich().Leases[0], decoded.Leases[0]);
    }

    [Fact]
    public void Every_flipped_bit_is_a_typed_error_naming_key_and_entry()
    {
        var bytes = ShardStateCodec.Encode(Rich());
        for (var bit = 0; bit < bytes.Length * 8; bit++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            var error = Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(12, damaged)));
            Assert.Equal(Key, error.Key);
            Assert.Equal(12, error.SeqNo);
            Assert.Contains($"entry 12 of key '{Key}'", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_truncation_and_extension_is_a_typed_error()
    {
        var bytes = ShardStateCodec.Encode(Rich());
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(12, bytes[..length])));
        }

        Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(12, bytes.Append((byte)0).ToArray())));
    }

    [Fact]
    public void Bytes_after_the_last_field_behind_a_valid_length_and_checksum_are_refused_by_count()
    {
        var bytes = ShardStateCodec.Encode(Rich());
        var longer = Reseal([.. bytes[..^4], 0, 0, 0, 0, 0, 0, 0]);
        var error = Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(12, longer)));
        Assert.Equal("3 bytes follow the last field", error.Reason);
    }

    [Fact]
    public void An_entry_over_the_size_limit_is_refused_before_it_is_parsed()
    {
        var bytes = ShardStateCodec.Encode(Rich());
        Assert.Equal(bytes, ShardStateCodec.Encode(ShardStateCodec.Decode(Id, Key, new VersionedData(12, bytes), maxBytes: bytes.Length)));

        var error = Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(12, bytes), maxBytes: bytes.Length - 1));
        Assert.Equal($"it has {bytes.Length} bytes, more than the limit of {bytes.Length - 1}", error.Reason);
        Assert.Equal(Key, error.Key);
    }

    [Fact]
    public void Another_format_version_is_refused_by_number()
    {
        var bytes = ShardStateCodec.Encode(Rich());
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 2);
        var error = Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(12, Reseal(bytes))));
        Assert.Contains("format version is 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_lengths_and_counts_behind_a_valid_checksum_are_refused_before_allocating()
    {
        var bytes = ShardStateCodec.Encode(Rich());

        // The payload starts with the shard id's length: claim 2 GB; then claim a billion parts.
        var hugeString = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(hugeString.AsSpan(12), int.MaxValue);
        Assert.Contains("declares", Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(1, Reseal(hugeString)))).Reason, StringComparison.Ordinal);

        var state = Rich();
        var countAt = 12 + 4 + Id.Length + 4 + System.Text.Encoding.UTF8.GetByteCount(state.RecordSchema) + 16;
        var hugeCount = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(hugeCount.AsSpan(countAt), 1_000_000_000);
        Assert.Contains("1000000000 parts", Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(1, Reseal(hugeCount)))).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_payloads_behind_a_valid_header_and_checksum_never_escape_as_anything_but_a_typed_error()
    {
        var random = new Random(42);
        var valid = ShardStateCodec.Encode(Rich());
        for (var i = 0; i < 3000; i++)
        {
            // Half random bytes, half a valid state with a few random bytes overwritten: both past the checksum.
            var bytes = i % 2 == 0 ? new byte[16 + random.Next(200)] : (byte[])valid.Clone();
            if (i % 2 == 0)
            {
                random.NextBytes(bytes.AsSpan(12, bytes.Length - 16));
                "BWSH"u8.CopyTo(bytes);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), ShardStateCodec.FormatVersion);
            }
            else
            {
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    bytes[12 + random.Next(bytes.Length - 16)] = (byte)random.Next(256);
                }
            }

            try
            {
                var state = ShardStateCodec.Decode(Id, Key, new VersionedData(20, Reseal(bytes)));
                Assert.Equal(Reseal(bytes), ShardStateCodec.Encode(state));
            }
            catch (ShardStateException)
            {
                // The only other allowed outcome.
            }
        }
    }

    public static TheoryData<string, Func<ShardState, ShardState>> BrokenInvariants => new()
    {
        { "belongs to shard", s => s with { ShardId = "other" } },
        { "frontiers are out of order", s => s with { Since = 10 } },
        { "not a part file of this shard", s => s with { Parts = [s.Parts[0] with { Key = "../../etc/passwd" }, s.Parts[1]] } },
        { "overlaps", s => s with { Parts = [s.Parts[0] with { Upper = 6 }, s.Parts[1]] } },
        { "passes the upper", s => s with { Upper = 9, Parts = [s.Parts[0], s.Parts[1] with { Upper = 10 }] } },
        { "outside its interval", s => s with { Parts = [s.Parts[0], s.Parts[1] with { MaxTime = 9 }] } },
        { "registered twice", s => s with { Writers = [s.Writers[0], s.Writers[0]] } },
        { "past this entry", s => s with { Leases = [s.Leases[0] with { SeqNo = 13 }, s.Leases[1]] } },
        { "holds 3, below the since 4", s => s with { Leases = [s.Leases[0], s.Leases[1] with { Hold = 3 }] } },
        { "holds two leases", s => s with { Leases = [s.Leases[0], s.Leases[0] with { LeaseId = Guid.NewGuid() }] } },
        { "unknown kind", s => s with { Leases = [s.Leases[0], s.Leases[1] with { Kind = (LeaseKind)9 }] } },
        { "control characters", s => s with { Writers = [s.Writers[0] with { WriterId = "a\nb" }] } },
        { "-c3.parquet' is listed twice", s => s with { Parts = [s.Parts[0], s.Parts[0]] } },
        { "has an empty token or lease id", s => s with { Writers = [s.Writers[0] with { Token = Guid.Empty }] } },
        { $"lease {Guid.Empty} is empty or listed twice", s => s with { Leases = [s.Leases[0], s.Leases[1] with { LeaseId = Guid.Empty }] } },
        { "holds nothing, below the since 4", s => s with { Leases = [s.Leases[0], s.Leases[1] with { Hold = null }] } },
        { "has the interval [4, 4)", s => s with { Parts = [s.Parts[0] with { Lower = 4 }, s.Parts[1]] } },
        { "has times [3, 8]", s => s with { Parts = [s.Parts[0], s.Parts[1] with { MinTime = 3 }] } },
        { "has times [8, 7]", s => s with { Parts = [s.Parts[0], s.Parts[1] with { MinTime = 8, MaxTime = 7 }] } },
        { "has 0 rows in 512 bytes", s => s with { Parts = [s.Parts[0], s.Parts[1] with { Rows = 0 }] } },
        { "has 3 rows in 0 bytes", s => s with { Parts = [s.Parts[0], s.Parts[1] with { Bytes = 0 }] } },
        { "records upper 10 at entry 11, past the state's upper 9 or entry 12", s => s with { Writers = [s.Writers[0] with { Upper = 10 }] } },
        { "records upper 9 at entry -1", s => s with { Writers = [s.Writers[0] with { SeqNo = -1 }] } },
        { "records upper 9 at entry 13", s => s with { Writers = [s.Writers[0] with { SeqNo = 13 }] } },
        { "records 'x', which is not a part file of this shard", s => s with { Writers = [s.Writers[0] with { PartKey = "x" }] } },
        { "a lease holder id is refused: it must have 1 to 200 characters", s => s with { Leases = [s.Leases[0], s.Leases[1] with { HolderId = "" }] } },
        { "holds entry -1, past this entry 12", s => s with { Leases = [s.Leases[0], s.Leases[1] with { SeqNo = -1 }] } },
        { "holds a since", s => s with { Leases = [s.Leases[0] with { Hold = 5 }, s.Leases[1]] } },

        // With several invariants broken, the parts are reported before the writers, and the writers before the leases.
        { "-c3.parquet' is listed twice", s => s with { Parts = [s.Parts[0], s.Parts[0]], Writers = [s.Writers[0], s.Writers[0]] } },
        { "registered twice", s => s with { Writers = [s.Writers[0], s.Writers[0]], Leases = [s.Leases[0] with { SeqNo = 13 }, s.Leases[1]] } },
    };

    [Theory]
    [MemberData(nameof(BrokenInvariants))]
    public void A_well_formed_entry_that_breaks_an_invariant_is_refused_with_the_reason(string reason, Func<ShardState, ShardState> breakIt)
    {
        var bytes = ShardStateCodec.Encode(breakIt(Rich()));
        var error = Assert.Throws<ShardStateException>(() => ShardStateCodec.Decode(Id, Key, new VersionedData(12, bytes)));
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, Func<ShardState, ShardState>> EdgesOfTheInvariants => new()
    {
        { "a writer and a lease at entry 0", s => s with { Writers = [s.Writers[0] with { SeqNo = 0 }], Leases = [s.Leases[0] with { SeqNo = 0 }, s.Leases[1]] } },
        { "a writer and a lease at this entry", s => s with { Writers = [s.Writers[0] with { SeqNo = 12 }], Leases = [s.Leases[0] with { SeqNo = 12 }, s.Leases[1]] } },
        { "a reader holding exactly the since", s => s with { Leases = [s.Leases[0], s.Leases[1] with { Hold = 4 }] } },
        { "a part of one row in one byte whose times start at its lower", s => s with { Parts = [s.Parts[0], s.Parts[1] with { MinTime = 4, Rows = 1, Bytes = 1 }] } },
    };

    [Theory]
    [MemberData(nameof(EdgesOfTheInvariants))]
    public void A_state_at_the_edges_of_its_invariants_is_accepted(string edge, Func<ShardState, ShardState> change)
    {
        var bytes = ShardStateCodec.Encode(change(Rich()));

        Assert.True(bytes.SequenceEqual(ShardStateCodec.Encode(ShardStateCodec.Decode(Id, Key, new VersionedData(12, bytes)))), edge);
    }

    [Fact]
    public async Task A_corrupt_head_fails_open_and_append_with_the_typed_error()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        var head = await kit.Memory.HeadAsync(Key);
        Assert.True((await kit.Memory.CompareAndSetAsync(Key, head!.SeqNo, new VersionedData(head.SeqNo + 1, "not a state"u8.ToArray()))).IsCommitted);

        var appendError = await Assert.ThrowsAsync<ShardStateException>(() => writer.CompareAndAppendAsync(ShardTestKit.Batch("a", 0), 0, 1, Guid.NewGuid()));
        Assert.Equal(head.SeqNo + 1, appendError.SeqNo);
        var openError = await Assert.ThrowsAsync<ShardStateException>(() => kit.OpenAsync());
        Assert.Equal(Key, openError.Key);
        Assert.Empty(await kit.PartFilesAsync());
    }

    [Fact]
    public async Task A_shard_is_never_opened_as_another_record_type()
    {
        var kit = new ShardTestKit();
        await kit.OpenAsync();
        var error = await Assert.ThrowsAsync<ShardException>(() => Shard<OtherEdge>.OpenAsync(Id, kit.Recording, kit.Blob, kit.Options()));
        Assert.Contains("OtherEdge", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0c4b5f4e6d0e4f5f9b8a6a6b1f1e2d3c-c3.parquet", true, 3)]
    [InlineData("0c4b5f4e6d0e4f5f9b8a6a6b1f1e2d3c-c0ffee00c0ffee00c0ffee00c0ffee00-12.parquet", true, 12)]
    [InlineData("0c4b5f4e6d0e4f5f9b8a6a6b1f1e2d3c-c03.parquet", false, 0)]
    [InlineData("0c4b5f4e6d0e4f5f9b8a6a6b1f1e2d3c-x3.parquet", false, 0)]
    [InlineData("0c4b5f4e6d0e4f5f9b8a6a6b1f1e2d3c-c3.arrow", false, 0)]
    [InlineData("README.txt", false, 0)]
    [InlineData("0c4b5f4e6d0e4f5f9b8a6a6b1f1e2d3c-c99999999999.parquet", false, 0)]
    public void Part_names_parse_strictly(string name, bool valid, int attempt)
    {
        var parsed = ShardNames.ParsePart(name);
        Assert.Equal(valid, parsed is not null);
        if (valid)
        {
            Assert.Equal(attempt, parsed!.Value.Attempt);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("a b")]
    [InlineData("ключ")]
    public void Hostile_shard_ids_are_refused(string id) => Assert.Throws<ArgumentException>(() => ShardNames.ValidateShardId(id));

    /// <summary>Rewrites the declared length and the checksum so the damage reaches the parser.</summary>
    private static byte[] Reseal(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(8), (uint)(copy.Length - 16));
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(copy.Length - 4), Checksums.Crc32C(copy.AsSpan(0, copy.Length - 4)));
        return copy;
    }
}
