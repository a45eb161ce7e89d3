using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Bulwark.Records;

namespace Bulwark.Shards;

/// <summary>
/// How a part stores updates: one Parquet file with the record's own columns (written by its generated builder) plus
/// two non-null int64 columns for the time and the diff. The record's reader matches columns by name and ignores the
/// extra two, so a part is also a plain Parquet table of the record type that DuckDB or pyarrow can query.
/// </summary>
internal static class ShardPartFormat
{
    public const string TimeColumn = "_bulwark_time";
    public const string DiffColumn = "_bulwark_diff";

    /// <summary>The record's schema with the time and diff columns appended.</summary>
    public static Schema PartSchema<T>()
        where T : IArrowRecord<T>
    {
        var fields = T.ArrowSchema.FieldsList.ToList();
        if (fields.Any(f => f.Name is TimeColumn or DiffColumn))
        {
            throw new ArgumentException($"Record type {typeof(T).Name} has a column named '{TimeColumn}' or '{DiffColumn}', which shard parts reserve.", nameof(T));
        }

        fields.Add(new Field(TimeColumn, Int64Type.Default, nullable: false));
        fields.Add(new Field(DiffColumn, Int64Type.Default, nullable: false));
        return new Schema(fields, T.ArrowSchema.Metadata);
    }

    /// <summary>The record's table name and schema, stored in the shard state so a shard is never opened as another type.</summary>
    public static string Describe<T>()
        where T : IArrowRecord<T> => $"{T.TableName} {ArrowTypes.Describe(T.ArrowSchema)}";

    /// <summary>Encodes <paramref name="updates"/> (at least one) as a complete Parquet file in memory.</summary>
    public static async Task<byte[]> EncodeAsync<T>(Schema schema, IReadOnlyList<Update<T>> updates, ParquetWriteOptions options, CancellationToken ct)
        where T : IArrowRecord<T>
    {
        using var builder = T.CreateBatchBuilder();
        var times = new Int64Array.Builder().Reserve(updates.Count);
        var diffs = new Int64Array.Builder().Reserve(updates.Count);
        foreach (var update in updates)
        {
            builder.Append(update.Row);
            times.Append(update.Time);
            diffs.Append(update.Diff);
        }

        using var rows = builder.Build();
        var arrays = new List<IArrowArray>(rows.Arrays) { times.Build(), diffs.Build() };

        // Not disposed: it shares the row arrays, whose pooled memory `rows` returns.
        var batch = new RecordBatch(schema, arrays, rows.Length);
        using var output = new MemoryStream();
        var writer = new ParquetFileWriter(output, schema, options, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteBatchAsync(batch, ct).ConfigureAwait(false);
            await writer.CompleteAsync(ct).ConfigureAwait(false);
        }

        return output.ToArray();
    }

    /// <summary>Decodes a part's bytes (already checked against their recorded length and CRC32C).</summary>
    /// <exception cref="DataFormatException">The bytes are not a Parquet file of this record type with time and diff columns.</exception>
    public static async Task<List<Update<T>>> DecodeAsync<T>(byte[] bytes, string key, ParquetReadOptions options, CancellationToken ct)
        where T : IArrowRecord<T>
    {
        var updates = new List<Update<T>>();
        var reader = await ParquetFileReader.OpenAsync(new MemoryStream(bytes, writable: false), key, options, cancellationToken: ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                using var batch = await reader.ReadRowGroupAsync(i, ct).ConfigureAwait(false);
                var rows = T.ReadBatch(batch);
                var times = Int64Column(batch, TimeColumn, key);
                var diffs = Int64Column(batch, DiffColumn, key);
                for (var r = 0; r < rows.Length; r++)
                {
                    updates.Add(new Update<T>(rows[r], times.GetValue(r) ?? throw Missing(key, TimeColumn), diffs.GetValue(r) ?? throw Missing(key, DiffColumn)));
                }
            }
        }

        return updates;
    }

    private static Int64Array Int64Column(RecordBatch batch, string name, string key)
    {
        var index = batch.Schema.GetFieldIndex(name);
        return index >= 0 && batch.Column(index) is Int64Array array
            ? array
            : throw new ParquetFormatException($"'{key}' has no int64 column '{name}': it is not a shard part.");
    }

    private static ParquetFormatException Missing(string key, string column) => new($"'{key}' has a null in '{column}': it is not a shard part.");
}
