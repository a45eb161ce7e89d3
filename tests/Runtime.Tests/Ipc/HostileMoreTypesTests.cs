using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Files of the newer types written by Apache.Arrow, then damaged in exactly one place: every damage is refused with an
/// <see cref="ArrowFormatException"/> naming the column and what is wrong, before an Apache array could read through it.
/// </summary>
public sealed class HostileMoreTypesTests
{
    private const string LongText = "a value longer than twelve bytes";

    [Theory]
    [InlineData(new long[] { 0, 5, 2, 6 }, "decrease")]
    [InlineData(new long[] { 0, 2, 5, 6000 }, "offsets end at 6000, past the")]
    [InlineData(new long[] { -1, 2, 5, 6 }, "below zero")]
    [InlineData(new long[] { 0, 2, 5, 0x1_0000_0000 }, "large_utf8 values past 2147483647 are not supported")]
    public async Task Corrupt_large_utf8_offsets_are_refused(long[] offsets, string reason)
    {
        var column = new LargeStringArray.Builder().Append("ab").Append("cde").Append("f").Build();
        var bytes = await WriteAsync("text", column);
        Patch(bytes, Int64s(0, 2, 5, 6), Int64s(offsets));
        await AssertRefusedAsync(bytes, "text", reason);
    }

    [Fact]
    public async Task Large_list_offsets_past_the_child_are_refused()
    {
        var builder = new LargeListArray.Builder(Int32Type.Default);
        var values = (Int32Array.Builder)builder.ValueBuilder;
        builder.Append();
        values.Append(1).Append(2).Append(3);
        builder.Append();
        values.Append(4);
        var bytes = await WriteAsync("lists", builder.Build());
        Patch(bytes, Int64s(0, 3, 4), Int64s(0, 3, 9));
        await AssertRefusedAsync(bytes, "lists", "list offsets end at 9, past the 4 values");
    }

    [Theory]
    [InlineData(2, 0, "refers to data buffer 2, but the array has 1")]
    [InlineData(-1, 0, "refers to data buffer -1")]
    [InlineData(0, 1000, "lies outside data buffer 0")]
    [InlineData(0, -4, "lies outside data buffer 0")]
    public async Task Views_pointing_outside_their_data_buffers_are_refused(int bufferIndex, int offset, string reason)
    {
        var column = new StringViewArray.Builder().Append("inline").Append(LongText).Build();
        var bytes = await WriteAsync("views", column);
        var view = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(view, LongText.Length);
        "a va"u8.CopyTo(view.AsSpan(4));
        var damaged = (byte[])view.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(damaged.AsSpan(8), bufferIndex);
        BinaryPrimitives.WriteInt32LittleEndian(damaged.AsSpan(12), offset);
        Patch(bytes, view, damaged);
        await AssertRefusedAsync(bytes, "views", reason);
    }

    [Fact]
    public async Task A_variadic_buffer_count_past_the_buffers_of_the_batch_is_refused()
    {
        // One view into the third of three data buffers.
        var text = System.Text.Encoding.UTF8.GetBytes(LongText);
        var view = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(view, text.Length);
        text.AsSpan(0, 4).CopyTo(view.AsSpan(4));
        BinaryPrimitives.WriteInt32LittleEndian(view.AsSpan(8), 2);
        var buffers = new[] { ArrowBuffer.Empty, new ArrowBuffer(view), new ArrowBuffer(new byte[8]), new ArrowBuffer(new byte[8]), new ArrowBuffer(text) };
        var column = new StringViewArray(new ArrayData(StringViewType.Default, 1, 0, 0, buffers, []));
        Assert.Equal(LongText, column.GetString(0));
        var bytes = await WriteAsync("views", column);

        // The record batch's variadicBufferCounts vector: length 1, then the count 3 as an int64.
        Patch(bytes, [.. Int32s(1), .. Int64s(3)], [.. Int32s(1), .. Int64s(5)]);
        await AssertRefusedAsync(bytes, "views", "variadic buffer count 5 is outside 0..3");
    }

    [Fact]
    public async Task A_view_whose_prefix_differs_from_its_value_is_refused()
    {
        var column = new BinaryViewArray.Builder().Append(System.Text.Encoding.UTF8.GetBytes(LongText)).Build();
        var bytes = await WriteAsync("views", column);
        Patch(bytes, [.. Int32s(LongText.Length), .. "a va"u8.ToArray()], [.. Int32s(LongText.Length), .. "zzzz"u8.ToArray()]);
        await AssertRefusedAsync(bytes, "views", "prefix");
    }

    [Fact]
    public async Task A_union_type_id_that_is_not_declared_is_refused()
    {
        var bytes = await WriteAsync("u", MoreTypesData.SparseUnion());
        Patch(bytes, [5, 7, 7, 5, 5], [5, 7, 6, 5, 5]);
        await AssertRefusedAsync(bytes, "u", "union type id 6 at slot 2 is not one of the declared type ids [5, 7]");
    }

    [Fact]
    public async Task A_dense_union_offset_past_its_child_is_refused()
    {
        var bytes = await WriteAsync("u", MoreTypesData.DenseUnion());
        Patch(bytes, Int32s(0, 0, 1, 1, 2), Int32s(0, 0, 1, 1, 3));
        await AssertRefusedAsync(bytes, "u", "dense union offset 3 at slot 4 is outside child 'a' of 3 values");
    }

    [Fact]
    public async Task A_negative_dense_union_offset_is_refused()
    {
        var bytes = await WriteAsync("u", MoreTypesData.DenseUnion());
        Patch(bytes, Int32s(0, 0, 1, 1, 2), Int32s(0, -1, 1, 1, 2));
        await AssertRefusedAsync(bytes, "u", "dense union offset -1 at slot 1");
    }

    [Fact]
    public async Task A_fixed_size_list_whose_child_is_too_short_is_refused()
    {
        var builder = new FixedSizeListArray.Builder(Int32Type.Default, 3);
        var values = (Int32Array.Builder)builder.ValueBuilder;
        for (var i = 0; i < 5; i++)
        {
            builder.Append();
            values.Append(i).Append(i + 100).Append(i + 200);
        }

        var bytes = await WriteAsync("fixed", builder.Build());

        // The child's field node: length 15, null count 0.
        Patch(bytes, Int64s(15, 0), Int64s(14, 0));
        await AssertRefusedAsync(bytes, "fixed", "fixed size list child has 14 values, 5 lists of 3 need 15");
    }

    [Fact]
    public async Task A_null_map_key_is_refused()
    {
        var keys = new StringArray.Builder().Append("k1").AppendNull().Build();
        var values = new Int32Array.Builder().Append(1).Append(2).Build();
        var bytes = await WriteAsync("m", HandBuiltMap(keys, values, ArrowBuffer.Empty, 0));
        await AssertRefusedAsync(bytes, "m", "map key 1 is null; map keys cannot be null");
    }

    [Fact]
    public async Task A_null_map_entry_is_refused()
    {
        var keys = new StringArray.Builder().Append("k1").Append("k2").Build();
        var values = new Int32Array.Builder().Append(1).Append(2).Build();
        var bytes = await WriteAsync("m", HandBuiltMap(keys, values, new ArrowBuffer(new byte[] { 0b01 }), 1));
        await AssertRefusedAsync(bytes, "m", "map entry 1 is null; map entries cannot be null");
    }

    [Fact]
    public async Task A_map_whose_schema_allows_null_keys_is_refused()
    {
        var type = new MapType(new Field("key", StringType.Default, true), new Field("value", Int32Type.Default, true));
        var keys = new StringArray.Builder().Append("k1").Build();
        var values = new Int32Array.Builder().Append(1).Build();
        var entries = new StructArray(type.KeyValueType, 1, [keys, values], ArrowBuffer.Empty, 0);
        var offsets = new ArrowBuffer(Int32s(0, 1));
        var bytes = await WriteAsync("m", new MapArray(type, 1, offsets, entries, ArrowBuffer.Empty, 0, 0));
        await AssertRefusedAsync(bytes, "m", "map keys cannot be null");
    }

    [Theory]
    [InlineData(10, 2, "decimal32(10, 2) is not supported")]
    [InlineData(5, 6, "decimal32(5, 6) is not supported")]
    public async Task Decimal_precision_beyond_the_width_is_refused(int precision, int scale, string reason)
    {
        var type = new Decimal32Type(precision, scale);
        var column = new Decimal32Array(new ArrayData(type, 1, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(Int32s(7))], []));
        var bytes = await WriteAsync("d", column);
        await AssertRefusedAsync(bytes, "d", reason);
    }

    [Fact]
    public async Task ListView_is_refused_as_not_supported_by_name()
    {
        var builder = new ListViewArray.Builder(Int32Type.Default);
        builder.Append();
        ((Int32Array.Builder)builder.ValueBuilder).Append(1);
        var bytes = await WriteAsync("lv", builder.Build());
        await AssertRefusedAsync(bytes, "lv", "ListView is not supported");
    }

    [Fact]
    public async Task RunEndEncoded_is_refused_as_not_supported_by_name()
    {
        var runEnds = new Int32Array.Builder().Append(2).Append(3).Build();
        var values = new Int64Array.Builder().Append(10).Append(20).Build();
        var bytes = await WriteAsync("ree", new RunEndEncodedArray(runEnds, values));
        await AssertRefusedAsync(bytes, "ree", "RunEndEncoded is not supported");
    }

    private static MapArray HandBuiltMap(StringArray keys, Int32Array values, ArrowBuffer entriesValidity, int entriesNulls)
    {
        var type = new MapType(StringType.Default, Int32Type.Default);
        var entries = new StructArray(type.KeyValueType, keys.Length, [keys, values], entriesValidity, entriesNulls);
        var offsets = new ArrowBuffer(Int32s(0, keys.Length));
        return new MapArray(type, 1, offsets, entries, ArrowBuffer.Empty, 0, 0);
    }

    private static Task<byte[]> WriteAsync(string name, IArrowArray column)
    {
        var schema = new Schema([new Field(name, column.Data.DataType, true)], null);
        return MoreTypesIpc.WriteWithApacheAsync(new RecordBatch(schema, [column], column.Length), file: false);
    }

    private static async Task AssertRefusedAsync(byte[] bytes, string column, string reason)
    {
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => MoreTypesIpc.ReadWithBulwarkAsync(bytes, file: false));
        Assert.Contains($"'{column}", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Replaces the only occurrence of <paramref name="find"/>; the test data is chosen so the pattern is unique.</summary>
    private static void Patch(byte[] bytes, byte[] find, byte[] replacement)
    {
        Assert.Equal(find.Length, replacement.Length);
        var at = bytes.AsSpan().IndexOf(find);
        Assert.True(at >= 0, "pattern not found");
        Assert.True(bytes.AsSpan(at + 1).IndexOf(find) < 0, "pattern occurs more than once");
        replacement.CopyTo(bytes, at);
    }

    private static byte[] Int64s(params long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return bytes;
    }

    private static byte[] Int32s(params int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }
}
