using System.Security.Cryptography;
using System.Text;

namespace Bulwark.Testing;

/// <summary>How many crash states <see cref="CrashSimulatingBackend.EnumerateCrashStates"/> builds per trace prefix.</summary>
public sealed class CrashEnumerationOptions
{
    /// <summary>Up to this many pending (unfenced) changes, every subset of them is a crash state.</summary>
    public int ExhaustiveSubsetLimit { get; init; } = 6;

    /// <summary>Whether to add states where the file being written last holds only a prefix of its bytes.</summary>
    public bool TornWrites { get; init; } = true;
}

/// <summary>
/// What a disk holds after a crash: committed files and directories reachable from the root, plus temporaries a crash
/// left behind mid-write (never visible through the backend, but part of what recovery must cope with).
/// </summary>
public sealed class CrashState
{
    private string? _key;

    internal CrashState(Dictionary<string, byte[]?> entries, Dictionary<string, byte[]> temporaries, string description, int prefixLength)
    {
        Entries = entries;
        Temporaries = temporaries;
        Description = description;
        PrefixLength = prefixLength;
    }

    /// <summary>The empty disk.</summary>
    public static CrashState Empty { get; } = new([], [], "empty", 0);

    /// <summary>How the state was made, for failure messages.</summary>
    public string Description { get; }

    /// <summary>The number of trace operations the state reflects (some of them lost by the crash).</summary>
    public int PrefixLength { get; }

    /// <summary>Committed files by path.</summary>
    public IReadOnlyDictionary<string, byte[]> Files => Entries.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal);

    /// <summary>Directories (the root excluded).</summary>
    public IReadOnlyCollection<string> Directories => Entries.Where(e => e.Value is null).Select(e => e.Key).ToArray();

    /// <summary>Temporaries of unfinished writes, by the final path they were meant for.</summary>
    public IReadOnlyDictionary<string, byte[]> LeftoverTemporaries => Temporaries;

    /// <summary>A fingerprint of the content: two states with equal keys hold the same files, bytes and temporaries.</summary>
    public string Key => _key ??= ComputeKey();

    /// <summary>Directory entries: a null value is a directory.</summary>
    internal Dictionary<string, byte[]?> Entries { get; }

    internal Dictionary<string, byte[]> Temporaries { get; }

    /// <summary>The <see cref="Description"/>.</summary>
    public override string ToString() => Description;

    private string ComputeKey()
    {
        var text = new StringBuilder();
        foreach (var (path, content) in Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append(content is null ? "d " : "f ").Append(path);
            if (content is not null)
            {
                text.Append(' ').Append(content.Length).Append(' ').Append(Checksum(content));
            }

            text.Append('\n');
        }

        foreach (var (path, content) in Temporaries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append("t ").Append(path).Append(' ').Append(content.Length).Append(' ').Append(Checksum(content)).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string Checksum(byte[] content)
    {
        // Contents are immutable and shared between the many states built from one trace: hash each array once.
        lock (ChecksumCache)
        {
            if (ChecksumCache.TryGetValue(content, out var cached))
            {
                return cached;
            }
        }

        var checksum = Convert.ToHexString(SHA256.HashData(content), 0, 12);
        lock (ChecksumCache)
        {
            ChecksumCache.AddOrUpdate(content, checksum);
        }

        return checksum;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], string> ChecksumCache = new();
}
