using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Runtime.Tests.Parquet;
using Bulwark.Shards;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// What `bulwark verify` says of a shard part, as <see cref="ShardPartCheck.VerifyAsync"/> answers: nothing for a sound
/// part, and for each kind of damage a phrase that names it, from the recorded size to the Parquet footer.
/// </summary>
public sealed class ShardPartCheckTests
{
    [Fact]
    public async Task A_sound_part_verifies_up_to_its_exact_size_limit_and_one_byte_less_refuses_it_unread()
    {
        var (kit, part) = await OnePartAsync();
        Assert.Null(await ShardPartCheck.VerifyAsync(kit.Blob, part));
        Assert.Null(await ShardPartCheck.VerifyAsync(kit.Blob, part, maxPartBytes: part.Bytes));

        var faults = new FaultInjectingBackend(kit.Blob);
        Assert.Equal($"has {part.Bytes} bytes, more than MaxPartBytes ({part.Bytes - 1})", await ShardPartCheck.VerifyAsync(faults, part, maxPartBytes: part.Bytes - 1));
        Assert.DoesNotContain(faults.Trace, op => op.Kind == StorageOperationKind.Read);
    }

    [Fact]
    public async Task A_row_count_the_footer_contradicts_is_named_and_only_a_content_check_reads_the_footer()
    {
        var (kit, part) = await OnePartAsync();
        var miscounted = part with { Rows = part.Rows + 1 };

        Assert.Equal($"holds {part.Rows} rows by its Parquet footer, not the {part.Rows + 1} the state recorded", await ShardPartCheck.VerifyAsync(kit.Blob, miscounted));
        Assert.Null(await ShardPartCheck.VerifyAsync(kit.Blob, miscounted, checkContents: false));
    }

    [Fact]
    public async Task A_missing_part_is_named_and_both_arguments_are_required()
    {
        var (kit, part) = await OnePartAsync();
        Assert.True(await kit.Blob.DeleteAsync(part.Key));

        Assert.Equal("is missing from blob storage", await ShardPartCheck.VerifyAsync(kit.Blob, part));
        Assert.Equal("blob", (await Assert.ThrowsAsync<ArgumentNullException>(() => ShardPartCheck.VerifyAsync(null!, part))).ParamName);
        Assert.Equal("part", (await Assert.ThrowsAsync<ArgumentNullException>(() => ShardPartCheck.VerifyAsync(kit.Blob, null!))).ParamName);
    }

    [Fact]
    public async Task A_storage_failure_is_a_phrase_with_its_reason_not_an_exception()
    {
        var (kit, part) = await OnePartAsync();
        var faults = new FaultInjectingBackend(kit.Blob).FailWhen(StorageOperationKind.Read, permanent: true);

        var problem = await ShardPartCheck.VerifyAsync(faults, part);
        Assert.Equal($"could not be read: Injected permanent fault at {Assert.Single(faults.Trace, op => op.Kind == StorageOperationKind.Read)}.", problem);
    }

    [Fact]
    public async Task Bytes_with_the_recorded_checksum_that_are_no_shard_part_are_named_for_what_they_lack()
    {
        var kit = new ShardTestKit();

        Assert.StartsWith("is not a readable Parquet file: ", await VerifyStoredAsync(kit, "not a parquet file"u8.ToArray()), StringComparison.Ordinal);

        var foreign = new Schema.Builder().Field(f => f.Name("x").DataType(Int64Type.Default).Nullable(false)).Build();
        var foreignBytes = await Pq.WriteAsync(foreign, [new RecordBatch(foreign, [new Int64Array.Builder().Append(1).Build()], 1)]);
        Assert.Equal($"has no int64 column '{ShardPartFormat.TimeColumn}': it is not a shard part", await VerifyStoredAsync(kit, foreignBytes));

        var textDiff = new Schema.Builder()
            .Field(f => f.Name(ShardPartFormat.TimeColumn).DataType(Int64Type.Default).Nullable(false))
            .Field(f => f.Name(ShardPartFormat.DiffColumn).DataType(StringType.Default).Nullable(false))
            .Build();
        var textDiffBytes = await Pq.WriteAsync(textDiff, [new RecordBatch(textDiff, [new Int64Array.Builder().Append(1).Build(), new StringArray.Builder().Append("+1").Build()], 1)]);
        Assert.Equal($"has no int64 column '{ShardPartFormat.DiffColumn}': it is not a shard part", await VerifyStoredAsync(kit, textDiffBytes));
    }

    private static async Task<(ShardTestKit Kit, ShardPart Part)> OnePartAsync()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0, count: 3), 0, 1, Guid.NewGuid())).IsCommitted);
        return (kit, Assert.Single((await kit.StateAsync()).Parts));
    }

    /// <summary>Stores <paramref name="bytes"/> as a part whose recorded length and CRC32C match them, and verifies it.</summary>
    private static async Task<string?> VerifyStoredAsync(ShardTestKit kit, byte[] bytes)
    {
        var key = $"{kit.PartsDirectory}/{Guid.NewGuid():N}-{Guid.NewGuid():N}-1.parquet";
        await WriteRawAsync(kit.Blob, key, bytes);
        return await ShardPartCheck.VerifyAsync(kit.Blob, new ShardPart(key, 0, 1, 0, 0, 1, bytes.Length, Checksums.Crc32C(bytes)));
    }
}
