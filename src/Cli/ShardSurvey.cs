using Bulwark.Shards;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>
/// One shard as `bulwark shard inspect` and `bulwark verify` see it, read through any <see cref="IConsensus"/> and
/// only read: the head state; every state still in consensus; whether the part files the states a lease may still
/// read reference are intact; and the orphans, files under the shard's blob folder that no state references.
/// </summary>
/// <remarks>
/// Problems are what loses or hides data: a consensus entry that is not a valid state, a part such a state references
/// that is missing or damaged. Orphans are not problems: lost races, crashed writers and compactions leave them, and
/// garbage collection deletes them once no live writer may still commit them. Parts referenced only by states no
/// lease may read any more may be gone (collection deletes them before it truncates those entries) and are not checked.
/// </remarks>
internal sealed class ShardSurvey
{
    private const int ScanPage = 64;

    private ShardSurvey(string shardId, long headSeqNo)
    {
        ShardId = shardId;
        HeadSeqNo = headSeqNo;
    }

    public string ShardId { get; }

    public long HeadSeqNo { get; }

    /// <summary>The head state; null when its entry is not a valid state (a problem says why).</summary>
    public ShardState? Head { get; private set; }

    /// <summary>The sequence numbers of the entries consensus still holds, oldest first.</summary>
    public List<long> Entries { get; } = [];

    public List<Finding> Problems { get; } = [];

    public List<Finding> Orphans { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Part files referenced by older states but not by the head.</summary>
    public List<string> OlderParts { get; } = [];

    public int PartsChecked { get; private set; }

    /// <summary>Surveys shard <paramref name="shardId"/>; null when its consensus key has no entry.</summary>
    /// <param name="shardId">The shard.</param>
    /// <param name="consensus">Where its states are.</param>
    /// <param name="blob">Where its parts are; null checks the states alone.</param>
    /// <param name="verifyParts">Read every part a lease may still read and check CRC32C and Parquet footer; otherwise only the head's parts' presence and size from the listing.</param>
    /// <param name="nowMs">Leases expiring at or before this (Unix milliseconds) no longer hold anything.</param>
    /// <param name="ct">Stops the survey.</param>
    /// <exception cref="ConsensusException">Consensus cannot be read.</exception>
    /// <exception cref="IOException">Blob storage cannot be read.</exception>
    public static async Task<ShardSurvey?> RunAsync(string shardId, IConsensus consensus, IStorageBackend? blob, bool verifyParts, long nowMs, CancellationToken ct)
    {
        var key = ShardNames.ConsensusKey(shardId);
        if (await consensus.HeadAsync(key, ct) is not { } headEntry)
        {
            return null;
        }

        var survey = new ShardSurvey(shardId, headEntry.SeqNo);
        survey.Head = survey.Decode(key, headEntry);
        var states = new List<(long SeqNo, ShardState State)>();
        for (var from = 0L; ;)
        {
            var page = new List<VersionedData>(ScanPage);
            await foreach (var entry in consensus.ScanAsync(key, from, ScanPage, ct))
            {
                page.Add(entry);
            }

            foreach (var entry in page.Where(e => e.SeqNo < headEntry.SeqNo))
            {
                survey.Entries.Add(entry.SeqNo);
                if (survey.Decode(key, entry) is { } state)
                {
                    states.Add((entry.SeqNo, state));
                }
            }

            if (page.Count < ScanPage || page[^1].SeqNo >= headEntry.SeqNo)
            {
                break;
            }

            from = page[^1].SeqNo + 1;
        }

        survey.Entries.Add(headEntry.SeqNo);
        for (var i = 1; i < survey.Entries.Count; i++)
        {
            if (survey.Entries[i] != survey.Entries[i - 1] + 1)
            {
                survey.Notes.Add($"consensus entries {survey.Entries[i - 1] + 1} to {survey.Entries[i] - 1} of key {key} are missing: the entries below them are left from an interrupted truncation and are never read");
            }
        }

        if (survey.Head is not { } head)
        {
            survey.Notes.Add($"shard {shardId}: its parts and orphans are not checked: the head state cannot be read");
            return survey;
        }

        states.Add((headEntry.SeqNo, head));
        if (blob is null)
        {
            survey.Notes.Add($"shard {shardId}: its parts are not checked: no blob directory was given (--blob DIR)");
            return survey;
        }

        await survey.CheckPartsAsync(blob, states, verifyParts, nowMs, ct);
        return survey;
    }

    private ShardState? Decode(string key, VersionedData entry)
    {
        try
        {
            return ShardStateCodec.Decode(ShardId, key, entry);
        }
        catch (ShardStateException e)
        {
            Problems.Add(new Finding($"consensus entry {entry.SeqNo} of key {key}", $"it is not a valid shard state: {e.Reason}"));
            return null;
        }
    }

    private async Task CheckPartsAsync(IStorageBackend blob, List<(long SeqNo, ShardState State)> states, bool verifyParts, long nowMs, CancellationToken ct)
    {
        var head = states[^1].State;
        var files = await ListFilesAsync(blob, StoragePath.GetDirectory(ShardNames.PartsDirectory(ShardId)), ct);
        var referenced = states.SelectMany(s => s.State.Parts).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var inHead = head.Parts.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        OlderParts.AddRange(referenced.Where(k => !inHead.Contains(k)).Order(StringComparer.Ordinal));
        foreach (var file in files.Where(f => !referenced.Contains(f.Path)))
        {
            Orphans.Add(new Finding(file.Path, $"{BulwarkCommand.Count(file.Length)} bytes; no state references it (garbage collection deletes it once no live writer may still commit it)"));
        }

        if (!verifyParts)
        {
            var lengths = files.ToDictionary(f => f.Path, f => f.Length, StringComparer.Ordinal);
            foreach (var part in head.Parts)
            {
                PartsChecked++;
                if (!lengths.TryGetValue(part.Key, out var length))
                {
                    Problems.Add(new Finding(part.Key, "is missing from blob storage (the head state references it)"));
                }
                else if (length != part.Bytes)
                {
                    Problems.Add(new Finding(part.Key, $"has {length} bytes, not the {part.Bytes} the head state recorded"));
                }
            }

            return;
        }

        // What garbage collection keeps: the parts of every state from the oldest one a live lease may read.
        var oldest = head.Leases.Where(l => !l.IsExpired(nowMs)).Select(l => l.SeqNo).Append(states[^1].SeqNo).Min();
        var parts = states.Where(s => s.SeqNo >= oldest).SelectMany(s => s.State.Parts).DistinctBy(p => p.Key).ToList();
        foreach (var part in parts)
        {
            PartsChecked++;
            if (await ShardPartCheck.VerifyAsync(blob, part, checkContents: true, ct: ct) is { } reason)
            {
                Problems.Add(new Finding(part.Key, reason));
            }
        }
    }

    /// <summary>Every file under <paramref name="directory"/>, depth first; none when it does not exist.</summary>
    private static async Task<List<StorageEntry>> ListFilesAsync(IStorageBackend blob, string directory, CancellationToken ct)
    {
        var files = new List<StorageEntry>();
        if (await blob.GetEntryAsync(directory, ct) is not { IsDirectory: true })
        {
            return files;
        }

        foreach (var entry in await blob.ListAsync(directory, ct))
        {
            if (entry.IsDirectory)
            {
                files.AddRange(await ListFilesAsync(blob, entry.Path, ct));
            }
            else
            {
                files.Add(entry);
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }
}
