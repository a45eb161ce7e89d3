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

    /// <summary>Why a path that should be a directory is not one: "'X' does not exist" or "'X' is a file, not a directory".</summary>
    public static string NotADirectory(string path) =>
        File.Exists(path) ? $"'{path}' is a file, not a directory" : $"'{path}' does not exist";

    /// <summary>
    /// "; did you mean 'DIR/child'?" when exactly one directory inside <paramref name="directory"/> is what was wanted
    /// (the user named the parent), else empty. A child that cannot be read is not a candidate.
    /// </summary>
    public static string DidYouMean(string directory, Func<string, bool> isWanted)
    {
        string[] matches;
        try
        {
            matches = Directory.EnumerateDirectories(directory).Where(d => Matches(d, isWanted)).Take(2).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }

        return matches.Length == 1 ? $"; did you mean '{matches[0]}'?" : string.Empty;
    }

    /// <summary>Whatever kind of store <paramref name="directory"/> is; false when it cannot be read.</summary>
    public static bool IsAnyStore(string directory) => Detect(directory) != StoreKind.None;

    private static bool Matches(string directory, Func<string, bool> isWanted)
    {
        try
        {
            return isWanted(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
