using Bulwark.Serialization;
using Bulwark.Tests.Shared;
using FsCheck;
using FsCheck.Fluent;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// Issue 3, point 7: state bytes are never trusted. Random bytes, every truncation and random byte flips give a
/// <see cref="CheckpointFormatException"/> naming file, field path and offset, never another exception, and the reader
/// never allocates more than a small multiple of its input, even for a hostile collection count.
/// </summary>
public sealed class CheckpointCorruptionTests
{
    private const string FileName = "ops/counter-7/state.bin";

    private static readonly Arbitrary<int> Seeds = Gen.Choose(0, int.MaxValue).ToArbitrary();

    private static readonly byte[] Valid = CheckpointSerializer.Serialize(ValidState());

    private static Everything ValidState()
    {
        var state = new StateRandom(1234).Everything();
        state.Text = "a text";
        state.Series = new() { [1] = [1.5, null], [-7] = [] };
        state.Leaves = new() { ["k"] = new Leaf { Name = "leaf", Child = new Leaf { Name = "child" } }, ["none"] = null };
        return state;
    }

    /// <summary>
    /// Every collection item costs at least one input byte and at most a few dozen bytes of objects (a dictionary
    /// entry, a list slot, a string); the constant covers the exception and its message.
    /// </summary>
    private static long AllocationBound(int inputLength) => (64L * inputLength) + (64 * 1024);

    [Fact]
    public void Forty_eight_random_bytes_give_a_typed_error()
    {
        Prop.ForAll(Seeds, seed =>
        {
            var bytes = new byte[48];
            new Random(seed).NextBytes(bytes);
            AssertRejectedOrRead<HostCounter>(bytes);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void Forty_eight_random_bytes_after_a_valid_header_give_a_typed_error()
    {
        // Past the magic and the checksum: random structure reaches the field reader itself.
        Prop.ForAll(Seeds, seed =>
        {
            var payload = new byte[48];
            new Random(seed).NextBytes(payload);
            AssertRejectedOrRead<Everything>(CheckpointFileImage.Build(Everything.StateTypeName, 0, payload));
            AssertRejectedOrRead<HostCounter>(CheckpointFileImage.Build(HostCounter.StateTypeName, 0, payload));
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_gives_a_typed_error()
    {
        for (var length = 0; length < Valid.Length; length++)
        {
            var error = AssertRejected<Everything>(Valid.AsSpan(0, length).ToArray());
            Assert.StartsWith(length < 30 ? "header" : "header.", error.FieldPath, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_truncation_of_the_payload_under_a_valid_header_gives_a_typed_error_inside_the_state()
    {
        var payload = CheckpointFileImage.Payload(Valid);
        var paths = new HashSet<string>();
        for (var length = 0; length < payload.Length; length++)
        {
            var bytes = CheckpointFileImage.Build(Everything.StateTypeName, 0, payload.AsSpan(0, length));
            try
            {
                CheckpointSerializer.Deserialize<Everything>(bytes, FileName);
            }
            catch (CheckpointFormatException error)
            {
                AssertNamesEverything(error, bytes);
                Assert.StartsWith("Everything", error.FieldPath, StringComparison.Ordinal);
                paths.Add(error.FieldPath);
            }
        }

        // The failures are located in the member being read (a cut collection fails on its own length), not reported as one generic error.
        Assert.Contains("Everything.Text", paths);
        Assert.Contains("Everything.Series", paths);
        Assert.True(paths.Count > 30, string.Join(", ", paths));
    }

    [Fact]
    public void Random_byte_flips_give_a_typed_error_or_a_valid_state()
    {
        Prop.ForAll(Seeds, seed =>
        {
            var random = new Random(seed);
            var bytes = (byte[])Valid.Clone();
            var flips = random.Next(1, 4);
            for (var i = 0; i < flips; i++)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            }

            AssertRejected<Everything>(bytes);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void Random_byte_flips_in_the_payload_with_a_recomputed_checksum_give_a_typed_error_or_a_valid_state()
    {
        var payload = CheckpointFileImage.Payload(Valid);
        var paths = new HashSet<string>();
        Prop.ForAll(Seeds, seed =>
        {
            var random = new Random(seed);
            var corrupt = (byte[])payload.Clone();
            var flips = random.Next(1, 4);
            for (var i = 0; i < flips; i++)
            {
                corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            }

            if (Read<Everything>(CheckpointFileImage.Build(Everything.StateTypeName, 0, corrupt)) is { } error)
            {
                paths.Add(error.FieldPath);
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(5000));

        // Failures deep inside collections and nested states are located there.
        Assert.Contains(paths, p => p.StartsWith("Everything.Leaves[\"k\"].value.", StringComparison.Ordinal) || p.StartsWith("Everything.Series[1].value", StringComparison.Ordinal));
        Assert.Contains(paths, p => p.StartsWith("Everything.Root.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(29, "Everything.Numbers")]
    [InlineData(30, "Everything.Names")]
    [InlineData(36, "Everything.LeafList")]
    [InlineData(37, "Everything.Jagged")]
    public void A_hostile_list_count_fails_before_allocating(int id, string path)
    {
        // A count of 2^31-1 items followed by 10 bytes: the array or list must never be created.
        var content = CheckpointFileImage.Concat(CheckpointFileImage.Varint(int.MaxValue), new byte[10]);
        var payload = CheckpointFileImage.Concat(CheckpointFileImage.Tag(id, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint((ulong)content.Length), content);
        var bytes = CheckpointFileImage.Build(Everything.StateTypeName, 0, payload);
        Read<Everything>(bytes);

        var error = AssertRejected<Everything>(bytes, out var allocated);
        Assert.Equal(path, error.FieldPath);
        Assert.Contains("count of 2147483647", error.Reason, StringComparison.Ordinal);

        // The state object, the reader's path stack and the exception: nothing sized by the count.
        Assert.True(allocated < 16 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Hostile_lengths_and_counts_in_nested_collections_fail_before_allocating()
    {
        // Series (id 32): one entry whose value list claims 2^31-1 items; Keys (id 31): a set of Guids, 17 bytes each at least.
        var list = CheckpointFileImage.Concat(CheckpointFileImage.Varint(int.MaxValue), [1, 1, 1]);
        var entry = CheckpointFileImage.Concat(CheckpointFileImage.Varint(1), CheckpointFileImage.Varint(6), CheckpointFileImage.Varint((ulong)list.Length), list);
        var series = CheckpointFileImage.Concat(CheckpointFileImage.Tag(32, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint((ulong)entry.Length), entry);
        var error = AssertRejected<Everything>(CheckpointFileImage.Build(Everything.StateTypeName, 0, series));
        Assert.Equal("Everything.Series[3].value", error.FieldPath);

        var guids = CheckpointFileImage.Concat(CheckpointFileImage.Varint(2), new byte[32]);
        var keys = CheckpointFileImage.Concat(CheckpointFileImage.Tag(31, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint((ulong)guids.Length), guids);
        error = AssertRejected<Everything>(CheckpointFileImage.Build(Everything.StateTypeName, 0, keys));
        Assert.Equal("Everything.Keys", error.FieldPath);
        Assert.Contains("each item takes at least 17", error.Reason, StringComparison.Ordinal);

        var text = CheckpointFileImage.Concat(CheckpointFileImage.Tag(14, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint(int.MaxValue), [65]);
        error = AssertRejected<Everything>(CheckpointFileImage.Build(Everything.StateTypeName, 0, text));
        Assert.Equal("Everything.Text", error.FieldPath);
    }

    [Fact]
    public void The_field_path_names_the_dictionary_key()
    {
        // HostCounter._countsByHost = { "a.example": <a varint cut short> }
        var entry = CheckpointFileImage.Concat(CheckpointFileImage.Varint(1), CheckpointFileImage.Varint(9), "a.example"u8.ToArray(), [0xFF]);
        var payload = CheckpointFileImage.Concat(CheckpointFileImage.Tag(1, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint((ulong)entry.Length), entry);
        var bytes = CheckpointFileImage.Build(HostCounter.StateTypeName, 0, payload);

        var error = AssertRejected<HostCounter>(bytes);
        Assert.Equal("HostCounter._countsByHost[\"a.example\"].value", error.FieldPath);
        Assert.Equal(CheckpointFileImage.PayloadStart(bytes) + payload.Length - 1, error.Offset);
        Assert.Contains(FileName, error.Message, StringComparison.Ordinal);
        Assert.Contains("HostCounter._countsByHost[\"a.example\"].value", error.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {error.Offset}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused()
    {
        // Leaf.Child (id 3) nested 100 times.
        byte[] inner = [];
        for (var i = 0; i < 100; i++)
        {
            inner = CheckpointFileImage.Concat(CheckpointFileImage.Tag(3, CheckpointWireKind.LengthDelimited), CheckpointFileImage.Varint((ulong)inner.Length), inner);
        }

        var error = AssertRejected<Leaf>(CheckpointFileImage.Build(Leaf.StateTypeName, 0, inner));
        Assert.Contains("deeper than 64", error.Reason, StringComparison.Ordinal);
        Assert.StartsWith("Leaf.Child.Child.Child", error.FieldPath, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "header.magic")]
    [InlineData(4, "header.formatVersion")]
    [InlineData(16, "header.stateTypeName")]
    public void Header_fields_are_validated_before_the_checksum(int offset, string path)
    {
        var bytes = (byte[])Valid.Clone();
        bytes[offset] ^= 0x5A;
        var error = AssertRejected<Everything>(bytes);
        Assert.Equal(path, error.FieldPath);
    }

    [Theory]
    [InlineData(6, "varint 300", "Everything.U8", "300")]
    [InlineData(7, "varint 70000", "Everything.U16", "70000")]
    [InlineData(8, "varint 5000000000", "Everything.U32", "5000000000")]
    [InlineData(16, "length 15", "Everything.Key", "a Guid must be 16 bytes, found 15")]
    [InlineData(17, "fixed64 3", "Everything.When", "kind 3 (at most 2)")]
    [InlineData(11, "3 bytes", "Everything.F64", "8 bytes are needed but only 3 are left")]
    public void A_scalar_the_type_cannot_hold_is_refused_naming_its_field_not_wrapped_or_misread(int id, string content, string path, string reason)
    {
        // The one field of the payload: an unsigned value past its type's range (it must not wrap), a Guid of the wrong
        // length, a DateTime of kind 3, a double cut short at the end of the payload.
        var (kind, bytes) = content.Split(' ') switch
        {
            ["varint", var value] => (CheckpointWireKind.Varint, CheckpointFileImage.Varint(ulong.Parse(value, System.Globalization.CultureInfo.InvariantCulture))),
            ["length", var length] => (CheckpointWireKind.LengthDelimited, CheckpointFileImage.Concat(CheckpointFileImage.Varint(ulong.Parse(length, System.Globalization.CultureInfo.InvariantCulture)), new byte[int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)])),
            ["fixed64", var raw] => (CheckpointWireKind.Fixed64, BitConverter.GetBytes(ulong.Parse(raw, System.Globalization.CultureInfo.InvariantCulture))),
            _ => (CheckpointWireKind.Fixed64, new byte[3]),
        };
        var payload = CheckpointFileImage.Concat(CheckpointFileImage.Tag(id, kind), bytes);

        var error = AssertRejected<Everything>(CheckpointFileImage.Build(Everything.StateTypeName, 0, payload));

        Assert.Equal(path, error.FieldPath);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_payload_byte_is_caught_by_the_checksum()
    {
        var bytes = (byte[])Valid.Clone();
        bytes[CheckpointFileImage.PayloadStart(bytes) + 3] ^= 1;
        var error = AssertRejected<Everything>(bytes);
        Assert.Equal("trailer.crc32c", error.FieldPath);
        Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.ReadHeader(bytes, FileName));
    }

    private static CheckpointFormatException AssertRejected<T>(byte[] bytes)
        where T : ICheckpointState<T> => AssertRejected<T>(bytes, out _);

    private static CheckpointFormatException AssertRejected<T>(byte[] bytes, out long allocated)
        where T : ICheckpointState<T>
    {
        var error = Read<T>(bytes, out allocated);
        Assert.NotNull(error);
        return error;
    }

    private static void AssertRejectedOrRead<T>(byte[] bytes)
        where T : ICheckpointState<T> => Read<T>(bytes);

    /// <summary>Reads, measuring this thread's allocations; any exception other than the typed one fails the test.</summary>
    private static CheckpointFormatException? Read<T>(byte[] bytes)
        where T : ICheckpointState<T> => Read<T>(bytes, out _);

    private static CheckpointFormatException? Read<T>(byte[] bytes, out long allocated)
        where T : ICheckpointState<T>
    {
        CheckpointFormatException? error = null;
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            CheckpointSerializer.Deserialize<T>(bytes, FileName);
        }
        catch (CheckpointFormatException e)
        {
            error = e;
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= AllocationBound(bytes.Length), $"reading {bytes.Length} bytes allocated {allocated} bytes");
        if (error is not null)
        {
            AssertNamesEverything(error, bytes);
        }

        return error;
    }

    private static void AssertNamesEverything(CheckpointFormatException error, byte[] bytes)
    {
        Assert.Equal(FileName, error.FileName);
        Assert.False(string.IsNullOrEmpty(error.FieldPath));
        Assert.InRange(error.Offset, 0, bytes.Length);
        Assert.Contains(FileName, error.Message, StringComparison.Ordinal);
        Assert.Contains(error.FieldPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("offset " + error.Offset, error.Message, StringComparison.Ordinal);
    }
}
