using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Parquet;
using Bulwark.Records;
using Bulwark.Runtime.Tests.Parquet;
using Bulwark.Shards;
using Bulwark.Storage;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

[ArrowRecord("timed")]
public sealed partial record TimedRow(long Id, [Column("_bulwark_time")] long At);

[ArrowRecord("diffed")]
public sealed partial record DiffedRow(long Id, [Column("_bulwark_diff")] long Change);

/// <summary>
/// A part is read only when its bytes are the ones the state recorded and they decode as updates of the shard's record
/// type, as many as recorded; otherwise the read fails naming the part. And no record type may use the part's own columns.
/// </summary>
public sealed class ShardPartReadTests
{
    [Fact]
    public void A_record_type_with_a_column_named_like_the_time_or_the_diff_has_no_part_schema()
    {
        var time = Assert.Throws<ArgumentException>(ShardPartFormat.PartSchema<TimedRow>);
        var diff = Assert.Throws<ArgumentException>(ShardPartFormat.PartSchema<DiffedRow>);

        Assert.StartsWith("Record type TimedRow has a column named '_bulwark_time' or '_bulwark_diff', which shard parts reserve.", time.Message, StringComparison.Ordinal);
        Assert.StartsWith("Record type DiffedRow has a column", diff.Message, StringComparison.Ordinal);
        Assert.Equal(["Src", "Dst", "_bulwark_time", "_bulwark_diff"], ShardPartFormat.PartSchema<Edge>().FieldsList.Select(f => f.Name));
        Assert.All(ShardPartFormat.PartSchema<Edge>().FieldsList.Skip(2), f => Assert.False(f.IsNullable, $"{f.Name} is nullable"));
    }

    [Fact]
    public async Task A_part_whose_columns_another_tool_put_in_another_order_is_read_by_name()
    {
        var (kit, shard) = await OnePartAsync();
        var schema = new Schema.Builder()
            .Field(f => f.Name(ShardPartFormat.TimeColumn).DataType(Int64Type.Default).Nullable(false))
            .Field(f => f.Name("Dst").DataType(StringType.Default).Nullable(false))
            .Field(f => f.Name(ShardPartFormat.DiffColumn).DataType(Int64Type.Default).Nullable(false))
            .Field(f => f.Name("Src").DataType(Int64Type.Default).Nullable(false))
            .Build();
        var columns = new IArrowArray[]
        {
            new Int64Array.Builder().Append(0).Append(0).Build(),
            new StringArray.Builder().Append("x").Append("y").Build(),
            new Int64Array.Builder().Append(2).Append(-1).Build(),
            new Int64Array.Builder().Append(7).Append(8).Build(),
        };
        var bytes = await Pq.WriteAsync(schema, [new RecordBatch(schema, columns, 2)]);
        await ReplacePartAsync(kit, bytes, rows: 2);

        Same([U(7, "x", 0, 2), U(8, "y", 0, -1)], await shard.SnapshotAsync(0));
    }

    [Fact]
    public async Task A_part_recorded_with_fewer_rows_than_it_holds_is_refused()
    {
        var (kit, shard) = await OnePartAsync();
        await kit.WriteHeadAsync(state => state with { Parts = [state.Parts[0] with { Rows = 2 }] });

        var refused = await Assert.ThrowsAsync<ShardPartException>(() => shard.SnapshotAsync(0));

        var key = (await kit.StateAsync()).Parts[0].Key;
        Assert.Equal(key, refused.PartKey);
        Assert.Equal($"Shard '{ShardId}': part '{key}' holds 3 rows, not the 2 the state recorded.", refused.Message);
    }

    [Theory]
    [InlineData(true, false, "has a null in '_bulwark_time'")]
    [InlineData(false, true, "has a null in '_bulwark_diff'")]
    public async Task A_part_with_a_null_time_or_diff_is_not_a_part(bool nullTime, bool nullDiff, string problem)
    {
        var (kit, shard) = await OnePartAsync();
        var schema = new Schema.Builder()
            .Field(f => f.Name("Src").DataType(Int64Type.Default).Nullable(false))
            .Field(f => f.Name("Dst").DataType(StringType.Default).Nullable(false))
            .Field(f => f.Name(ShardPartFormat.TimeColumn).DataType(Int64Type.Default).Nullable(true))
            .Field(f => f.Name(ShardPartFormat.DiffColumn).DataType(Int64Type.Default).Nullable(true))
            .Build();
        var time = new Int64Array.Builder();
        var diff = new Int64Array.Builder();
        _ = nullTime ? time.AppendNull() : time.Append(0);
        _ = nullDiff ? diff.AppendNull() : diff.Append(1);
        var bytes = await Pq.WriteAsync(schema, [new RecordBatch(schema, [new Int64Array.Builder().Append(1).Build(), new StringArray.Builder().Append("a").Build(), time.Build(), diff.Build()], 1)]);
        var key = await ReplacePartAsync(kit, bytes, rows: 1);

        var refused = await Assert.ThrowsAsync<ShardPartException>(() => shard.SnapshotAsync(0));

        Assert.Equal($"Shard '{ShardId}': part '{key}' is not a part of Edge: '{key}' {problem}: it is not a shard part.", refused.Message);
        Assert.IsType<DataFormatException>(refused.InnerException, exactMatch: false);
    }

    [Theory]
    [InlineData(false, "time")]
    [InlineData(true, "time")]
    [InlineData(true, "diff")]
    public async Task A_part_whose_time_or_diff_is_missing_or_not_int64_is_not_a_part(bool present, string which)
    {
        var (kit, shard) = await OnePartAsync();
        var (column, other) = which == "time"
            ? (ShardPartFormat.TimeColumn, ShardPartFormat.DiffColumn)
            : (ShardPartFormat.DiffColumn, ShardPartFormat.TimeColumn);
        var builder = new Schema.Builder()
            .Field(f => f.Name("Src").DataType(Int64Type.Default).Nullable(false))
            .Field(f => f.Name("Dst").DataType(StringType.Default).Nullable(false))
            .Field(f => f.Name(other).DataType(Int64Type.Default).Nullable(false));
        var columns = new List<IArrowArray>
        {
            new Int64Array.Builder().Append(1).Build(), new StringArray.Builder().Append("a").Build(), new Int64Array.Builder().Append(0).Build(),
        };
        if (present)
        {
            // The column is there, but as 32-bit integers.
            builder.Field(f => f.Name(column).DataType(Int32Type.Default).Nullable(false));
            columns.Add(new Int32Array.Builder().Append(1).Build());
        }

        var schema = builder.Build();
        var key = await ReplacePartAsync(kit, await Pq.WriteAsync(schema, [new RecordBatch(schema, columns, 1)]), rows: 1);

        var refused = await Assert.ThrowsAsync<ShardPartException>(() => shard.SnapshotAsync(0));

        Assert.Equal($"Shard '{ShardId}': part '{key}' is not a part of Edge: '{key}' has no int64 column '{column}': it is not a shard part.", refused.Message);
        Assert.IsType<DataFormatException>(refused.InnerException, exactMatch: false);
    }

    [Fact]
    public async Task A_part_of_another_record_type_is_refused_naming_the_type_expected()
    {
        var (kit, shard) = await OnePartAsync();
        var schema = new Schema.Builder()
            .Field(f => f.Name("Src").DataType(StringType.Default).Nullable(false))
            .Field(f => f.Name(ShardPartFormat.TimeColumn).DataType(Int64Type.Default).Nullable(false))
            .Field(f => f.Name(ShardPartFormat.DiffColumn).DataType(Int64Type.Default).Nullable(false))
            .Build();
        var bytes = await Pq.WriteAsync(schema, [new RecordBatch(schema, [new StringArray.Builder().Append("x").Build(), new Int64Array.Builder().Append(0).Build(), new Int64Array.Builder().Append(1).Build()], 1)]);
        var key = await ReplacePartAsync(kit, bytes, rows: 1);

        var refused = await Assert.ThrowsAsync<ShardPartException>(() => shard.SnapshotAsync(0));

        Assert.StartsWith($"Shard '{ShardId}': part '{key}' is not a part of Edge: ", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(refused.InnerException);
    }

    [Fact]
    public async Task A_part_is_read_within_the_shards_part_read_limits()
    {
        var (kit, shard) = await OnePartAsync();
        Assert.Equal(3, (await shard.SnapshotAsync(0)).Count);
        var key = (await kit.StateAsync()).Parts[0].Key;
        var limited = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, kit.Options(limits: new ShardLimits(PartRead: new ParquetReadOptions { MaxRowGroupRows = 2 })));

        var refused = await Assert.ThrowsAsync<ShardPartException>(() => limited.SnapshotAsync(0));

        Assert.Equal(key, refused.PartKey);
        Assert.StartsWith($"Shard '{ShardId}': part '{key}' is not a part of Edge: ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("above the limit of 2 (ParquetReadOptions.MaxRowGroupRows)", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<(ShardTestKit Kit, Shard<Edge> Shard)> OnePartAsync()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0, count: 3), 0, 1, Guid.NewGuid())).IsCommitted);
        return (kit, shard);
    }

    /// <summary>Stores <paramref name="bytes"/> under the one part's key and records their length, checksum and rows in the state.</summary>
    private static async Task<string> ReplacePartAsync(ShardTestKit kit, byte[] bytes, long rows)
    {
        var key = (await kit.StateAsync()).Parts[0].Key;
        await WriteRawAsync(kit.Blob, key, bytes);
        await kit.WriteHeadAsync(state => state with { Parts = [state.Parts[0] with { Rows = rows, Bytes = bytes.Length, Crc32C = Checksums.Crc32C(bytes) }] });
        return key;
    }
}
