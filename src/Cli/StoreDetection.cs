using Bulwark.Checkpoints;
using Bulwark.Ingest;
using Bulwark.Shards;

namespace Bulwark.Cli;

/// <summary>The kinds of directory `bulwark verify` knows.</summary>
internal enum StoreKind
{
    None,
    CheckpointStore,
    IngestDataset,
    ShardConsensus,
    ShardBlob,
}

/// <summary>
/// Tells what a directory is from the names the runtime gives its files; nothing is opened for writing. The kinds are
/// tried in the order of <see cref="StoreKind"/>, and a directory is the first it matches.
/// </summary>
internal static class StoreDetection
{
    public const string LookedFor =
        "a checkpoint store (" + Checkpointer.CatalogFileName + " or checkpoint directories), "
        + "an ingest dataset (_commits/, _locks/ or TABLE/part-* files), "
        + "a shard consensus directory (FileConsensus key directories of shard states) "
        + "or a shard blob directory (shards/SHARD_ID/parts/)";

    /// <exception cref="IOException">The directory cannot be listed.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be listed.</exception>
    public static StoreKind Detect(string directory)
    {
        if (IsCheckpointStore(directory))
        {
            return StoreKind.CheckpointStore;
        }

        if (IsIngestDataset(directory))
        {
            return StoreKind.IngestDataset;
        }

        if (ShardsInConsensus(directory).Count > 0)
        {
            return StoreKind.ShardConsensus;
        }

        return ShardsInBlob(directory).Count > 0 ? StoreKind.ShardBlob : StoreKind.None;
    }

    /// <summary>A catalog, or a directory named exactly as the checkpointer names checkpoint directories.</summary>
    public static bool IsCheckpointStore(string directory) =>
        File.Exists(Path.Combine(directory, Checkpointer.CatalogFileName))
        || Directory.EnumerateDirectories(directory)
            .Any(d => Guid.TryParseExact(Path.GetFileName(d), "D", out var id) && id.ToString("D") == Path.GetFileName(d));

    /// <summary>A commit log, the writers' lock directory (a controller creates it when it opens), or a part file in a table directory.</summary>
    public static bool IsIngestDataset(string directory) =>
        Directory.Exists(Path.Combine(directory, "_commits"))
        || Directory.Exists(Path.Combine(directory, "_locks"))
        || Directory.EnumerateDirectories(directory)
            .Where(d => !Path.GetFileName(d).StartsWith('_'))
            .Any(d => Directory.EnumerateFiles(d).Any(f => IngestDataset.TryParsePartName(Path.GetFileName(f), out _, out _)));

    /// <summary>The ids of the shards whose state machine has a key in the FileConsensus directory.</summary>
    public static IReadOnlyList<string> ShardsInConsensus(string directory)
    {
        var prefix = ShardNames.ConsensusKey(string.Empty);
        try
        {
            return FileConsensus.OpenReadOnly(directory).ListKeys()
                .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.Length > prefix.Length)
                .Select(k => k[prefix.Length..])
                .ToArray();
        }
        catch (ConsensusException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    /// <summary>The ids of the shards with a parts folder in the blob directory.</summary>
    public static IReadOnlyList<string> ShardsInBlob(string directory)
    {
        var shards = Path.Combine(directory, "shards");
        if (!Directory.Exists(shards))
        {
            return [];
        }

        return Directory.EnumerateDirectories(shards)
            .Select(Path.GetFileName)
            .Where(id => Directory.Exists(Path.Combine(directory, ShardNames.PartsDirectory(id!))))
            .Order(StringComparer.Ordinal)
            .ToArray()!;
    }
}
