using Bulwark.Storage;

namespace Bulwark.Testing;

/// <summary>The file-system model behind <see cref="CrashSimulatingBackend"/>: a visible namespace, a durable one, and the changes in between.</summary>
internal sealed class CrashModel
{
    private Dictionary<string, byte[]?> _durable = new(StringComparer.Ordinal);

    public CrashModel(CrashState state) => Reset(state);

    /// <summary>What readers see now: a null value is a directory.</summary>
    public Dictionary<string, byte[]?> Visible { get; private set; } = new(StringComparer.Ordinal);

    /// <summary>Changes applied to <see cref="Visible"/> that no directory sync has made durable yet, in order.</summary>
    public List<Change> Pending { get; } = [];

    public void Reset(CrashState state)
    {
        _durable = new Dictionary<string, byte[]?>(state.Entries, StringComparer.Ordinal);
        Visible = new Dictionary<string, byte[]?>(state.Entries, StringComparer.Ordinal);
        Pending.Clear();
    }

    public void MakeDirectory(string path, int sequence)
    {
        if (Visible.ContainsKey(path))
        {
            return;
        }

        Visible[path] = null;
        Pending.Add(new Change(sequence, ChangeKind.MakeDirectory, path, null));
    }

    public void Publish(string path, byte[] content, int sequence)
    {
        Visible[path] = content;
        Pending.Add(new Change(sequence, ChangeKind.Publish, path, content));
    }

    public void Unlink(string path, int sequence)
    {
        if (Visible.Remove(path))
        {
            Pending.Add(new Change(sequence, ChangeKind.Unlink, path, null));
        }
    }

    /// <summary>
    /// A recursive removal is many unlinks, each durable when its own directory is synced, then the removal of the
    /// directory's entry in its parent; modelling each keeps the partly emptied directories a crash can leave.
    /// </summary>
    public void RemoveDirectory(string path, int sequence)
    {
        if (!Visible.ContainsKey(path))
        {
            return;
        }

        var prefix = path + "/";
        var below = Visible.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .OrderByDescending(k => k.Count(c => c == '/'))
            .ThenBy(k => k, StringComparer.Ordinal)
            .ToArray();
        foreach (var entry in below)
        {
            var kind = Visible[entry] is null ? ChangeKind.RemoveDirectory : ChangeKind.Unlink;
            Visible.Remove(entry);
            Pending.Add(new Change(sequence, kind, entry, null));
        }

        Visible.Remove(path);
        Pending.Add(new Change(sequence, ChangeKind.RemoveDirectory, path, null));
    }

    /// <summary>fsync of a directory: every pending change to its entries becomes durable.</summary>
    public void Sync(string directory, int sequence)
    {
        _ = sequence;
        for (var i = 0; i < Pending.Count;)
        {
            if (Pending[i].Parent == directory)
            {
                Apply(_durable, Pending[i]);
                Pending.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }

        // Changes inside a directory whose removal is durable can never reappear: keeping them would only multiply
        // the crash states by combinations that all look the same.
        var pendingDirectories = Pending.Where(p => p.Kind == ChangeKind.MakeDirectory).Select(p => p.Path).ToHashSet(StringComparer.Ordinal);
        Pending.RemoveAll(c => c.Parent.Length > 0 && !_durable.ContainsKey(c.Parent) && !Visible.ContainsKey(c.Parent) && !pendingDirectories.Contains(c.Parent));
    }

    public CrashState DurableState(string description, int prefix) => StateWith(0, description, prefix, null);

    public CrashState VisibleState(string description, int prefix) => new(Reachable(Visible), [], description, prefix);

    /// <summary>The durable state plus the pending changes whose bit is set in <paramref name="mask"/>, applied in order.</summary>
    public CrashState StateWith(ulong mask, string description, int prefix, (string Path, byte[] Content)? temporary)
    {
        var entries = new Dictionary<string, byte[]?>(_durable, StringComparer.Ordinal);
        for (var i = 0; i < Pending.Count && i < 64; i++)
        {
            if ((mask & (1UL << i)) != 0)
            {
                Apply(entries, Pending[i]);
            }
        }

        var reachable = Reachable(entries);
        var temporaries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (temporary is { } t)
        {
            var parent = StoragePath.GetDirectory(t.Path);
            if (parent.Length == 0 || (reachable.TryGetValue(parent, out var dir) && dir is null))
            {
                temporaries[t.Path] = t.Content;
            }
        }

        return new CrashState(reachable, temporaries, description, prefix);
    }

    private static void Apply(Dictionary<string, byte[]?> entries, Change change)
    {
        switch (change.Kind)
        {
            case ChangeKind.MakeDirectory:
                entries.TryAdd(change.Path, null);
                break;
            case ChangeKind.Publish:
                entries[change.Path] = change.Content;
                break;
            case ChangeKind.Unlink:
                entries.Remove(change.Path);
                break;
            case ChangeKind.RemoveDirectory:
                entries.Remove(change.Path);
                var prefix = change.Path + "/";
                foreach (var key in entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToArray())
                {
                    entries.Remove(key);
                }

                break;
        }
    }

    /// <summary>An entry survives only if every directory above it does: a durable entry in an unreachable directory is lost.</summary>
    private static Dictionary<string, byte[]?> Reachable(Dictionary<string, byte[]?> entries)
    {
        var result = new Dictionary<string, byte[]?>(entries.Count, StringComparer.Ordinal);
        foreach (var (path, content) in entries)
        {
            var ok = true;
            for (var parent = StoragePath.GetDirectory(path); parent.Length > 0; parent = StoragePath.GetDirectory(parent))
            {
                if (!(entries.TryGetValue(parent, out var node) && node is null))
                {
                    ok = false;
                    break;
                }
            }

            if (ok)
            {
                result[path] = content;
            }
        }

        return result;
    }

    internal enum ChangeKind
    {
        MakeDirectory,
        Publish,
        Unlink,
        RemoveDirectory,
    }

    internal sealed record Change(int Sequence, ChangeKind Kind, string Path, byte[]? Content)
    {
        public string Parent { get; } = StoragePath.GetDirectory(Path);

        public override string ToString() => $"{Kind} '{Path}' (#{Sequence})";
    }
}
