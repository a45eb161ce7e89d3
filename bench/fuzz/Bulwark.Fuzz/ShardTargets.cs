using Bulwark.Arrow;
using Bulwark.Shards;

namespace Bulwark.Fuzz;

/// <summary>Shard state entries (codec and invariants) and shard part files (Parquet decoded to updates).</summary>
internal static class ShardTargets
{
    public const string ShardId = "edges-1";

    public static readonly FuzzTarget State = new(
        "shard-state",
        "ShardStateCodec.Decode: a consensus entry of shard edges-1, invariants checked (the trailer CRC32C is recomputed)",
        ReadState,
        [typeof(ShardStateException)]);

    public static readonly FuzzTarget Part = new(
        "shard-part",
        "ShardPartFormat.DecodeAsync<Edge>: a part file decoded to updates (time, diff and the record columns)",
        input => ShardPartFormat.DecodeAsync<Edge>(input, ShardNames.PartsDirectory(ShardId) + "/fuzz.parquet", ParquetTargets.Limits, CancellationToken.None).GetAwaiter().GetResult(),
        [typeof(DataFormatException), typeof(ArrowSchemaMismatchException)]);

    private static void ReadState(byte[] input) =>
        ShardStateCodec.Decode(ShardId, ShardNames.ConsensusKey(ShardId), new VersionedData(5, CheckpointTargets.WithValidTrailer(input)));
}
