using Apache.Arrow.Types;
using Bulwark.Checkpoints;
using Bulwark.Parquet;
using Bulwark.Storage;

namespace Bulwark.Shards;

/// <summary>
/// Checks a part file against what a shard state recorded for it — without the record type, so that tools can verify
/// any shard (`bulwark verify`, `bulwark shard inspect`). The shard's own reads use the same check.
/// </summary>
public static class ShardPartCheck
{
    /// <summary>
    /// Null when the part at <see cref="ShardPart.Key"/> has the recorded length and CRC32C and, with
    /// <paramref name="checkContents"/>, is a Parquet file whose footer counts the recorded rows and that has the
    /// time and diff columns of a shard part; otherwise why not, as a phrase that follows the part's key.
    /// </summary>
    /// <param name="blob">The shard's blob storage.</param>
    /// <param name="part">The part as a state records it.</param>
    /// <param name="checkContents">Also read the Parquet footer.</param>
    /// <param name="maxPartBytes">A larger recorded size is refused before anything is read; null means <see cref="ShardOptions.MaxPartBytes"/>'s default.</param>
    /// <param name="ct">Cancels the read.</param>
    public static async Task<string?> VerifyAsync(IStorageBackend blob, ShardPart part, bool checkContents = true, long? maxPartBytes = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(part);
        var (bytes, problem, _) = await ReadAsync(blob, part, maxPartBytes ?? new ShardOptions().MaxPartBytes, ct).ConfigureAwait(false);
        if (bytes is null)
        {
            return problem;
        }

        if (!checkContents)
        {
            return null;
        }

        try
        {
            var reader = await ParquetFileReader.OpenAsync(new MemoryStream(bytes, writable: false), part.Key, cancellationToken: ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                foreach (var column in new[] { ShardPartFormat.TimeColumn, ShardPartFormat.DiffColumn })
                {
                    var index = reader.Schema.GetFieldIndex(column);
                    if (index < 0 || reader.Schema.GetFieldByIndex(index).DataType is not Int64Type)
                    {
                        return $"has no int64 column '{column}': it is not a shard part";
                    }
                }

                return reader.RowCount == part.Rows ? null : $"holds {reader.RowCount} rows by its Parquet footer, not the {part.Rows} the state recorded";
            }
        }
        catch (DataFormatException e)
        {
            return $"is not a readable Parquet file: {e.Message}";
        }
    }

    /// <summary>The part's bytes once their length and CRC32C match the state; otherwise null, the reason and the error behind it.</summary>
    internal static async Task<(byte[]? Bytes, string? Problem, Exception? Error)> ReadAsync(IStorageBackend blob, ShardPart part, long maxPartBytes, CancellationToken ct)
    {
        if (part.Bytes > maxPartBytes)
        {
            return (null, $"has {part.Bytes} bytes, more than MaxPartBytes ({maxPartBytes})", null);
        }

        byte[] bytes;
        try
        {
            bytes = await blob.ReadAllBytesAsync(part.Key, part.Bytes, ct).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            return (null, "is missing from blob storage", e);
        }
        catch (StorageException e) when (e is not StoragePathException)
        {
            return (null, $"could not be read: {e.Message}", e);
        }

        if (bytes.Length != part.Bytes || Checksums.Crc32C(bytes) is var crc && crc != part.Crc32C)
        {
            return (null, $"has {bytes.Length} bytes with another CRC32C than the {part.Bytes} bytes (CRC32C 0x{part.Crc32C:x8}) the state recorded", null);
        }

        return (bytes, null, null);
    }
}
