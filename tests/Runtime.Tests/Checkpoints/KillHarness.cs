using System.Globalization;
using System.Security.Cryptography;
using Xunit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// What the process-kill tests share besides <see cref="WorkerProcess"/>: the kill count and seed from the environment
/// (so <c>bench/kills.sh</c> can run thousands of kills and a failure replays), and a snapshot of everything outside
/// the store under test, to show a killed or recovering writer touched nothing beyond its root.
/// </summary>
internal static class KillHarness
{
    /// <summary>A positive integer from the environment variable <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public static int Number(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    /// <summary>The kill count from <c>{prefix}_KILLS</c> and the seed from <c>{prefix}_KILL_SEED</c>, described for the test output.</summary>
    public static (int Kills, int Seed, string Description) Settings(string prefix, int defaultKills)
    {
        var kills = Number($"{prefix}_KILLS", defaultKills);
        var seed = Number($"{prefix}_KILL_SEED", Random.Shared.Next(1, int.MaxValue));
        return (kills, seed, $"seed {seed} (replay with {prefix}_KILL_SEED={seed}), {kills} kills ({prefix}_KILLS)");
    }
}

/// <summary>
/// Every file and directory under a parent directory except the roots a test lets its writers use, with each file's
/// length, last write time and SHA-256: <see cref="AssertUnchanged"/> fails if anything outside the roots appeared,
/// vanished or changed. The test seeds the parent with sentinel files (<see cref="PlantSentinels"/>) so there is
/// something to disturb, beside the roots and one level up.
/// </summary>
internal sealed class OutsideRoots
{
    private readonly string _parent;
    private readonly string[] _roots;
    private readonly Dictionary<string, string> _entries;

    private OutsideRoots(string parent, string[] roots)
    {
        _parent = Path.GetFullPath(parent);
        _roots = [.. roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)))];
        _entries = Read();
    }

    public static OutsideRoots Take(string parent, params string[] roots) => new(parent, roots);

    /// <summary>A sibling directory with a file, and a file beside the roots, that no writer has any business touching.</summary>
    public static void PlantSentinels(string parent)
    {
        Directory.CreateDirectory(Path.Join(parent, "outside"));
        File.WriteAllText(Path.Join(parent, "outside", "sentinel.txt"), "not the store's");
        File.WriteAllText(Path.Join(parent, "beside.txt"), "not the store's either");
    }

    public void AssertUnchanged(string context)
    {
        var now = Read();
        var changed = _entries.Where(e => !now.TryGetValue(e.Key, out var v) || v != e.Value).Select(e => $"changed or removed: {e.Key}")
            .Concat(now.Keys.Where(k => !_entries.ContainsKey(k)).Select(k => $"appeared: {k}"))
            .ToArray();
        Assert.True(changed.Length == 0, $"{context}: outside the roots: {string.Join(", ", changed)}");
    }

    private Dictionary<string, string> Read()
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(_parent);
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
            {
                if (_roots.Contains(entry, StringComparer.Ordinal))
                {
                    continue;
                }

                if (Directory.Exists(entry))
                {
                    entries[entry] = "directory";
                    pending.Push(entry);
                }
                else
                {
                    var info = new FileInfo(entry);
                    entries[entry] = $"{info.Length} {info.LastWriteTimeUtc.Ticks} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry)))}";
                }
            }
        }

        return entries;
    }
}
