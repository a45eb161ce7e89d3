using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Bulwark.Records;
using Bulwark.Shards;

namespace Bulwark.Upsert;

/// <summary>
/// The checkpointed state of an upsert operator: its frontier F and every live key's row, which is exactly the output
/// shard's collection below F. Restoring it and applying the shard's updates in <c>[F, upper)</c> gives the state at
/// the upper; nothing else is needed (buffered input is not kept: the source replays the times at or above F).
/// </summary>
/// <remarks>
/// A <c>[CheckpointState]</c> type cannot be generic, and rows are <c>[ArrowRecord]</c> types, not checkpoint states,
/// so the rows are stored as one Arrow IPC stream written by the record's generated batch builder and read back by its
/// generated batch reader through the validating IPC reader. Keys are not stored: restoring applies the key function
/// to each row, which also checks that it still gives one row per key. <see cref="RecordSchema"/> refuses a restore
/// as another record type before any row is decoded.
/// </remarks>
[CheckpointState]
internal sealed partial class UpsertCheckpoint
{
    private const int RowsPerBatch = 65_536;

    [Id(1)]
    public string ShardId { get; set; } = string.Empty;

    /// <summary>The record's table name and Arrow schema, as the shard state records them.</summary>
    [Id(2)]
    public string RecordSchema { get; set; } = string.Empty;

    [Id(3)]
    public long Frontier { get; set; }

    /// <summary>The live rows, as an Arrow IPC stream.</summary>
    [Id(4)]
    public byte[] Rows { get; set; } = [];

    /// <summary>The source offset of each row, in the order of <see cref="Rows"/> (null: read from the shard).</summary>
    [Id(5)]
    public List<long?> Offsets { get; set; } = [];

    public static async Task<UpsertCheckpoint> CaptureAsync<TKey, TRow>(UpsertState<TKey, TRow> state, long frontier, string shardId, CancellationToken ct)
        where TKey : notnull
        where TRow : class, IArrowRecord<TRow>
    {
        var offsets = new List<long?>(state.Count);
        using var output = new MemoryStream();
        var writer = new ArrowIpcStreamWriter(output, TRow.ArrowSchema, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            using var builder = TRow.CreateBatchBuilder();
            foreach (var (_, value) in state.Entries)
            {
                builder.Append(value.Row);
                offsets.Add(value.Offset);
                if (builder.Count == RowsPerBatch)
                {
                    await WriteAsync(writer, builder, ct).ConfigureAwait(false);
                }
            }

            if (builder.Count > 0)
            {
                await WriteAsync(writer, builder, ct).ConfigureAwait(false);
            }

            await writer.CompleteAsync(ct).ConfigureAwait(false);
        }

        return new UpsertCheckpoint
        {
            ShardId = shardId,
            RecordSchema = ShardPartFormat.Describe<TRow>(),
            Frontier = frontier,
            Rows = output.ToArray(),
            Offsets = offsets,
        };
    }

    /// <summary>The state this checkpoint holds, for the operator of <paramref name="shardId"/>.</summary>
    /// <exception cref="UpsertCheckpointException">It belongs to another shard or record type, or its rows are not a valid state.</exception>
    public async Task<UpsertState<TKey, TRow>> RestoreAsync<TKey, TRow>(string shardId, Guid checkpointId, string operatorId, Func<TRow, TKey> keyOf, CancellationToken ct)
        where TKey : notnull
        where TRow : class, IArrowRecord<TRow>
    {
        UpsertCheckpointException Refused(string reason, Exception? inner = null) => new(shardId, checkpointId, operatorId, reason, inner);

        if (!string.Equals(ShardId, shardId, StringComparison.Ordinal))
        {
            throw Refused($"it was taken from shard '{ShardId}'");
        }

        var schema = ShardPartFormat.Describe<TRow>();
        if (!string.Equals(RecordSchema, schema, StringComparison.Ordinal))
        {
            throw Refused($"it holds {RecordSchema}, not {schema} ({typeof(TRow).Name})");
        }

        if (Frontier < 0)
        {
            throw Refused($"its frontier {Frontier} is negative");
        }

        var rows = new List<TRow>(Offsets.Count);
        try
        {
            var reader = await ArrowIpcStreamReader.OpenAsync(new MemoryStream(Rows, writable: false), $"checkpoint {checkpointId:D} operator '{operatorId}' rows", cancellationToken: ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadNextBatchAsync(ct).ConfigureAwait(false) is { } batch)
                {
                    using (batch)
                    {
                        rows.AddRange(TRow.ReadBatch(batch));
                    }
                }
            }
        }
        catch (Exception e) when (e is DataFormatException or ArrowSchemaMismatchException)
        {
            throw Refused($"its rows are not readable as {typeof(TRow).Name}: {e.Message}", e);
        }

        if (rows.Count != Offsets.Count)
        {
            throw Refused($"it holds {rows.Count} rows but {Offsets.Count} offsets");
        }

        var state = new UpsertState<TKey, TRow>(shardId, keyOf);
        for (var i = 0; i < rows.Count; i++)
        {
            if (!state.TryAdd(rows[i], Offsets[i]))
            {
                throw Refused($"key {UpsertState<TKey, TRow>.Describe(keyOf(rows[i]))} holds two rows");
            }
        }

        return state;
    }

    private static async Task WriteAsync<TRow>(ArrowIpcStreamWriter writer, IArrowBatchBuilder<TRow> builder, CancellationToken ct)
    {
        using RecordBatch batch = builder.Build();
        await writer.WriteBatchAsync(batch, ct).ConfigureAwait(false);
    }
}
