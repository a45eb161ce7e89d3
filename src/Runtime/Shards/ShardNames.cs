using System.Globalization;

namespace Bulwark.Shards;

/// <summary>
/// Where a shard lives: its consensus key and its part files. Shard ids are restricted to characters that are safe both
/// as a consensus key and as a path segment, so no id (and no corrupt state) names a file outside the shard's folder.
/// </summary>
public static class ShardNames
{
    /// <summary>The longest shard id: the consensus key "shard/&lt;id&gt;" stays below <see cref="ConsensusLimits.MaxKeyBytes"/>.</summary>
    public const int MaxShardIdLength = 100;

    /// <summary>The longest writer or reader id.</summary>
    public const int MaxHolderIdLength = 200;

    private const string PartExtension = ".parquet";

    /// <summary>The consensus key of a shard's state machine.</summary>
    public static string ConsensusKey(string shardId) => "shard/" + shardId;

    /// <summary>The blob folder of a shard's parts.</summary>
    public static string PartsDirectory(string shardId) => $"shards/{shardId}/parts";

    /// <summary>
    /// A part appended by the writer holding <paramref name="leaseId"/>: the lease id leads the name, so garbage
    /// collection knows which parts a live writer may still be about to commit.
    /// </summary>
    internal static string AppendPartKey(string shardId, Guid leaseId, Guid token, int attempt) =>
        $"{PartsDirectory(shardId)}/{leaseId:N}-{token:N}-{attempt.ToString(CultureInfo.InvariantCulture)}{PartExtension}";

    /// <summary>A part written by a compaction under <paramref name="leaseId"/>, numbered like the writer's appends.</summary>
    internal static string CompactedPartKey(string shardId, Guid leaseId, int attempt) =>
        $"{PartsDirectory(shardId)}/{leaseId:N}-c{attempt.ToString(CultureInfo.InvariantCulture)}{PartExtension}";

    /// <summary>The lease id a part's file name starts with, or null for a name no shard writes.</summary>
    internal static Guid? LeaseOfPart(string fileName) => ParsePart(fileName)?.Lease;

    /// <summary>
    /// The lease and attempt number of a part file name (<c>&lt;lease&gt;-&lt;token&gt;-&lt;n&gt;.parquet</c> or
    /// <c>&lt;lease&gt;-c&lt;n&gt;.parquet</c>), or null for a name no shard writes.
    /// </summary>
    internal static (Guid Lease, int Attempt)? ParsePart(string fileName)
    {
        if (!fileName.EndsWith(PartExtension, StringComparison.Ordinal) || fileName.Length < 35 || fileName[32] != '-'
            || !Guid.TryParseExact(fileName.AsSpan(0, 32), "N", out var lease))
        {
            return null;
        }

        // A token may start with 'c' too, so the longer form is tried first.
        var rest = fileName.AsSpan(33, fileName.Length - 33 - PartExtension.Length);
        if (rest.Length > 33 && rest[32] == '-' && Guid.TryParseExact(rest[..32], "N", out _))
        {
            rest = rest[33..];
        }
        else if (rest.StartsWith("c"))
        {
            rest = rest[1..];
        }
        else
        {
            return null;
        }

        return rest.Length is > 0 and <= 10 && !rest.StartsWith("0") && int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            ? (lease, attempt)
            : null;
    }

    internal static bool IsPartKeyOf(string shardId, string key) =>
        key.StartsWith(PartsDirectory(shardId) + "/", StringComparison.Ordinal)
        && key.IndexOf('/', PartsDirectory(shardId).Length + 1) < 0
        && LeaseOfPart(key[(PartsDirectory(shardId).Length + 1)..]) is not null;

    /// <summary>A shard id is 1 to 100 ASCII letters, digits, '.', '_' or '-', and does not start with '.'.</summary>
    public static void ValidateShardId(string shardId, string paramName = "shardId")
    {
        if (CheckShardId(shardId) is { } reason)
        {
            throw new ArgumentException($"Shard id '{shardId}' is refused: {reason}.", paramName);
        }
    }

    /// <summary>A writer or reader id is 1 to 200 characters with no control character and no unpaired surrogate.</summary>
    public static void ValidateHolderId(string holderId, string paramName)
    {
        if (CheckHolderId(holderId) is { } reason)
        {
            throw new ArgumentException($"Id '{holderId}' is refused: {reason}.", paramName);
        }
    }

    internal static string? CheckShardId(string? shardId)
    {
        if (string.IsNullOrEmpty(shardId) || shardId.Length > MaxShardIdLength)
        {
            return $"it must have 1 to {MaxShardIdLength} characters";
        }

        if (shardId[0] == '.')
        {
            return "it must not start with '.'";
        }

        foreach (var c in shardId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return "only ASCII letters, digits, '.', '_' and '-' are allowed";
            }
        }

        return null;
    }

    internal static string? CheckHolderId(string? holderId)
    {
        if (string.IsNullOrEmpty(holderId) || holderId.Length > MaxHolderIdLength)
        {
            return $"it must have 1 to {MaxHolderIdLength} characters";
        }

        for (var i = 0; i < holderId.Length; i++)
        {
            var c = holderId[i];
            if (char.IsControl(c))
            {
                return "it must not contain control characters";
            }

            if (char.IsHighSurrogate(c) && i + 1 < holderId.Length && char.IsLowSurrogate(holderId[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "it must not contain an unpaired surrogate";
            }
        }

        return null;
    }
}
