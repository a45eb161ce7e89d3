using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Checkpoints;
using Bulwark.Records;
using Bulwark.Storage;

namespace Bulwark.Shards;

/// <summary>Writes, reads and deletes one shard's part files in blob storage.</summary>
internal sealed class ShardPartStore<T>
    where T : IArrowRecord<T>
{
    private readonly string _shardId;
    private readonly IStorageBackend _blob;
    private readonly ShardOptions _options;
    private readonly Schema _schema;

    public ShardPartStore(string shardId, IStorageBackend blob, ShardOptions options)
    {
        _shardId = shardId;
        _blob = blob;
        _options = options;
        _schema = ShardPartFormat.PartSchema<T>();
    }

    public IStorageBackend Blob => _blob;

    /// <summary>
    /// Writes <paramref name="updates"/> (at least one) to <paramref name="key"/> and makes it durable — committed and
    /// its directory synced — before returning: a state may reference the part only once it cannot be lost.
    /// </summary>
    public async Task<ShardPart> WriteAsync(string key, long lower, long upper, IReadOnlyList<Update<T>> updates, CancellationToken ct)
    {
        var bytes = await ShardPartFormat.EncodeAsync(_schema, updates, _options.PartWriteOptions, ct).ConfigureAwait(false);
        var pending = await _blob.CreateAsync(key, ct).ConfigureAwait(false);
        await using (pending.ConfigureAwait(false))
        {
            await pending.WriteAsync(bytes, ct).ConfigureAwait(false);
            await pending.CommitAsync(ct).ConfigureAwait(false);
        }

        await _blob.SyncDirectoryAsync(ShardNames.PartsDirectory(_shardId), ct).ConfigureAwait(false);
        long minTime = long.MaxValue, maxTime = long.MinValue;
        foreach (var update in updates)
        {
            minTime = Math.Min(minTime, update.Time);
            maxTime = Math.Max(maxTime, update.Time);
        }

        return new ShardPart(key, lower, upper, minTime, maxTime, updates.Count, bytes.Length, Checksums.Crc32C(bytes));
    }

    /// <summary>Reads a part, checking its length and CRC32C against what the state recorded before decoding it.</summary>
    /// <exception cref="ShardPartException">The part is missing, has other bytes than recorded, or is not a part of this record type.</exception>
    public async Task<List<Update<T>>> ReadAsync(ShardPart part, CancellationToken ct)
    {
        var (bytes, problem, error) = await ShardPartCheck.ReadAsync(_blob, part, _options.MaxPartBytes, ct).ConfigureAwait(false);
        if (bytes is null)
        {
            throw new ShardPartException(_shardId, part.Key, problem!, error);
        }

        List<Update<T>> updates;
        try
        {
            updates = await ShardPartFormat.DecodeAsync<T>(bytes, part.Key, _options.PartReadOptions, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DataFormatException or ArrowSchemaMismatchException)
        {
            // The message ends its own sentence; the part exception ends the whole one.
            throw new ShardPartException(_shardId, part.Key, $"is not a part of {typeof(T).Name}: {e.Message.TrimEnd('.')}", e);
        }

        if (updates.Count != part.Rows)
        {
            throw new ShardPartException(_shardId, part.Key, $"holds {updates.Count} rows, not the {part.Rows} the state recorded");
        }

        return updates;
    }

    /// <summary>Deletes a part and syncs its directory. Only for parts no state can reference.</summary>
    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        await _blob.DeleteAsync(key, ct).ConfigureAwait(false);
        await _blob.SyncDirectoryAsync(ShardNames.PartsDirectory(_shardId), ct).ConfigureAwait(false);
    }
}
