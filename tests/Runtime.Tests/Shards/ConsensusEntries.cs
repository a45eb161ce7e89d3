using System.Globalization;
using System.Text;
using Bulwark.Shards;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>The entries consensus tests write, and where <see cref="FileConsensus"/> keeps them on disk.</summary>
internal static class ConsensusEntries
{
    public static VersionedData Entry(long seqNo, string text) => new(seqNo, Encoding.UTF8.GetBytes(text));

    /// <summary>An entry whose text names its sequence number.</summary>
    public static VersionedData Entry(long seqNo) => Entry(seqNo, $"entry {seqNo}");

    /// <summary>An entry's file name: its sequence number in twenty digits, so that names sort as numbers do.</summary>
    public static string Name(long seqNo) => seqNo.ToString("D20", CultureInfo.InvariantCulture);

    /// <summary>A key's directory under a consensus root: the key's UTF-8 bytes in lower-case hex.</summary>
    public static string KeyDirectory(string root, string key) => Path.Join(root, Convert.ToHexStringLower(Encoding.UTF8.GetBytes(key)));
}
