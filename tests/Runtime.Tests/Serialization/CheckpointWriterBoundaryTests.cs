using Bulwark.Serialization;
using Xunit;

namespace Bulwark.Runtime.Tests.Serialization;

/// <summary>
/// The writer reserves one byte for a collection's length and, when the content turns out to need a longer length
/// varint, moves the content up. That move needs room behind the content, which is short only when the content ends
/// exactly at the end of the writer's buffer. The complete Serialization mutation run of bench/mutation found the
/// reservation of that room removable without a test failing (and so did a later sweep of collection sizes, since its
/// items end in varints, whose writes always leave spare room).
/// </summary>
public sealed class CheckpointWriterBoundaryTests
{
    [Fact]
    public void A_collection_of_128_bytes_or_more_ending_exactly_at_the_end_of_the_buffer_is_moved_intact()
    {
        // Raw bytes and doubles are written with exact reservations (1 and 8 bytes), so the buffer (256 bytes, doubled
        // as needed) is full when the content ends at 256, 512 or 1024 bytes: for a prefix of 6 bytes, at 31, 63 and
        // 127 doubles (prefix, one byte reserved for the length, one for the count, then the doubles).
        var endedAtTheBuffersEnd = 0;
        for (var prefix = 0; prefix < 8; prefix++)
        {
            for (var count = 16; count <= 130; count++)
            {
                var values = Enumerable.Range(0, count).Select(i => i + (prefix / 10.0)).ToList();
                var bytes = Write(prefix, values);
                var contentEnd = prefix + 1 + (count < 128 ? 1 : 2) + (8 * count);
                endedAtTheBuffersEnd += contentEnd is 256 or 512 or 1024 ? 1 : 0;

                var reader = new CheckpointReader(bytes.AsSpan(prefix), "doubles.bin", "R");
                Assert.Equal(values, reader.ReadList(static (ref CheckpointReader r) => r.ReadDouble(), 8));
                Assert.Equal(0, reader.Remaining);
            }
        }

        Assert.Equal(3, endedAtTheBuffersEnd);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(512)]
    public void A_collection_that_starts_when_the_buffer_is_exactly_full_gets_room_for_its_length(int prefix)
    {
        // The one byte reserved for the length is the first byte past a full buffer: without its reservation the
        // writer's length would run one byte past the buffer, and the next write would copy bytes that are not there.
        var bytes = Write(prefix, [1.5, -2.25]);
        Assert.Equal(prefix + 1 + 1 + 16, bytes.Length);
        var reader = new CheckpointReader(bytes.AsSpan(prefix), "doubles.bin", "R");
        Assert.Equal([1.5, -2.25], reader.ReadList(static (ref CheckpointReader r) => r.ReadDouble(), 8));
    }

    /// <summary><paramref name="prefix"/> raw bytes, then <paramref name="values"/> as a list.</summary>
    private static byte[] Write(int prefix, List<double> values)
    {
        var writer = new CheckpointWriter();
        try
        {
            for (var i = 0; i < prefix; i++)
            {
                writer.WriteRawByte(0xEE);
            }

            writer.WriteList(values, static (ref CheckpointWriter w, double value) => w.WriteDouble(value));
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }
}
