using Bulwark.Serialization;
using Xunit;

namespace Bulwark.Runtime.Tests.Serialization;

/// <summary>
/// The checkpoint writer and serializer refuse what they cannot write faithfully before writing anything (null where
/// the reader would restore something else, a tag id below 1), and serializing a small state costs memory in
/// proportion to it. The complete Serialization mutation run of bench/mutation found none of this pinned down.
/// </summary>
public sealed class CheckpointWriterContractTests
{
    [Fact]
    public void Null_values_and_collections_are_refused_by_name_rather_than_written_as_empty()
    {
        Assert.Equal("value", Refused<ArgumentNullException>((ref CheckpointWriter w) => w.WriteBytes((byte[])null!)).ParamName);
        Assert.Equal("value", Refused<ArgumentNullException>((ref CheckpointWriter w) => w.WriteString(null!)).ParamName);
        Assert.Equal("list", Refused<ArgumentNullException>((ref CheckpointWriter w) => w.WriteList<int>(null!, WriteInt)).ParamName);
        Assert.Equal("array", Refused<ArgumentNullException>((ref CheckpointWriter w) => w.WriteArray<int>(null!, WriteInt)).ParamName);
        Assert.Equal("set", Refused<ArgumentNullException>((ref CheckpointWriter w) => w.WriteHashSet<int>(null!, WriteInt)).ParamName);
        Assert.Equal("dictionary", Refused<ArgumentNullException>((ref CheckpointWriter w) => w.WriteDictionary<int, int>(null!, WriteInt, WriteInt)).ParamName);
        Assert.Equal("value", Refused<ArgumentNullException>((ref CheckpointWriter w) => w.WriteNested<Ledger>(null!)).ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_tag_id_below_one_is_refused(int id)
    {
        Assert.Equal("id", Refused<ArgumentOutOfRangeException>((ref CheckpointWriter w) => w.WriteTag(id, CheckpointWireKind.Varint)).ParamName);
    }

    [Fact]
    public void The_serializer_refuses_a_null_state_and_a_null_file_name()
    {
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => CheckpointSerializer.Serialize<Ledger>(null!)).ParamName);
        var bytes = CheckpointSerializer.Serialize(new Ledger { Balance = 5, Entries = 2 });
        Assert.Equal("fileName", Assert.Throws<ArgumentNullException>(() => CheckpointSerializer.ReadHeader(bytes, null!)).ParamName);
        Assert.Equal("fileName", Assert.Throws<ArgumentNullException>(() => CheckpointSerializer.Deserialize<Ledger>(bytes, null!)).ParamName);
        Assert.Equal(5, CheckpointSerializer.Deserialize<Ledger>(bytes, "ledger.bin").Balance);
    }

    [Fact]
    public void Serializing_a_small_state_allocates_in_proportion_to_it_not_to_the_largest_possible_checkpoint()
    {
        // About 1 KB of state: past the writer's first 256-byte buffer, so it has to grow.
        var text = new string('x', 1000);
        var state = new EarlierLedger((ref CheckpointWriter w) =>
        {
            w.WriteTag(3, CheckpointWireKind.LengthDelimited);
            w.WriteString(text);
        });
        CheckpointSerializer.Serialize(state);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var bytes = CheckpointSerializer.Serialize(state);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The result array plus, at most, a pooled buffer the pool had to create: far below a megabyte.
        Assert.True(allocated < 1 << 20, $"serializing a {bytes.Length}-byte checkpoint allocated {allocated} bytes");
    }

    private static void WriteInt(ref CheckpointWriter writer, int value) => writer.WriteInt32(value);

    private static TException Refused<TException>(WriteFields write)
        where TException : Exception => Assert.Throws<TException>(() =>
        {
            var writer = new CheckpointWriter();
            try
            {
                write(ref writer);
            }
            finally
            {
                writer.Dispose();
            }
        });
}
