using Bulwark.Storage;

namespace Bulwark.Checkpoints;

/// <summary>A path garbage collection would delete, and why.</summary>
/// <param name="Path">Relative to the store root; a checkpoint directory or a shared file.</param>
/// <param name="Reason">Why it goes.</param>
public sealed record PlannedDeletion(string Path, string Reason);

/// <summary>
/// What opening the store and <see cref="Checkpointer.CollectGarbageAsync"/> would do, worked out without changing
/// anything (see <see cref="CheckpointGarbagePlanner"/>).
/// </summary>
/// <param name="Kept">The checkpoints that stay in the catalog, oldest first.</param>
/// <param name="Removed">The checkpoints that leave the catalog, oldest first.</param>
/// <param name="Deletions">Every path that would be deleted, in the order the checkpointer deletes them.</param>
/// <param name="Blockers">Why nothing at all would be deleted (the open or the collection refuses); empty when it would run.</param>
/// <param name="Notes">What stays although nothing needs it, and arguments that change nothing.</param>
public sealed record GarbageCollectionPlan(
    IReadOnlyList<Guid> Kept,
    IReadOnlyList<Guid> Removed,
    IReadOnlyList<PlannedDeletion> Deletions,
    IReadOnlyList<string> Blockers,
    IReadOnlyList<string> Notes)
{
    public bool IsBlocked => Blockers.Count > 0;
}

/// <summary>The decisions garbage collection makes, shared by <see cref="Checkpointer"/> and <see cref="CheckpointGarbagePlanner"/>.</summary>
internal static class GarbageCollectionRules
{
    /// <summary>The newest <paramref name="retain"/> checkpoints and those in <paramref name="except"/> stay; the rest go, both in commit order.</summary>
    public static (CheckpointInfo[] Keep, CheckpointInfo[] Remove) Split(CheckpointInfo[] committed, int retain, IReadOnlyCollection<Guid> except)
    {
        var keepIds = committed.Skip(Math.Max(0, committed.Length - retain)).Select(c => c.Id).Concat(except).ToHashSet();
        return (committed.Where(c => keepIds.Contains(c.Id)).ToArray(), committed.Where(c => !keepIds.Contains(c.Id)).ToArray());
    }

    /// <summary>The shared files a departing checkpoint's manifest lists that no staying checkpoint references.</summary>
    public static IEnumerable<CheckpointFileInfo> SharedFilesToDelete(CheckpointInfo? manifest, IReadOnlySet<string> referenced) =>
        manifest?.Files.Where(f => f.Kind == CheckpointFileKind.Shared && !referenced.Contains(f.Path)) ?? [];
}

/// <summary>
/// Works out what <see cref="Checkpointer.OpenAsync"/> (which removes the directories of interrupted commits) followed
/// by <see cref="Checkpointer.CollectGarbageAsync"/> would delete from a store, by the same rules, reading only: no
/// lock is taken and nothing is written, so the plan can be made while the store's owner runs (and may then be out of
/// date by the time it is read).
/// </summary>
public static class CheckpointGarbagePlanner
{
    /// <param name="backend">The store.</param>
    /// <param name="retain">The newest checkpoints collection keeps, as passed to <see cref="Checkpointer.CollectGarbageAsync"/>.</param>
    /// <param name="except">Older checkpoints it keeps as well.</param>
    /// <param name="options">Size limits; the defaults when null.</param>
    /// <param name="cancellationToken">Cancels the planning.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retain"/> is less than 1.</exception>
    /// <exception cref="IOException">The storage failed.</exception>
    public static async ValueTask<GarbageCollectionPlan> PlanAsync(
        IStorageBackend backend,
        int retain,
        IReadOnlyCollection<Guid>? except = null,
        CheckpointerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfLessThan(retain, 1);
        except ??= [];
        options ??= new CheckpointerOptions();
        var notes = new List<string>();
        var root = await backend.ListAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        var directories = root.Where(e => e.IsDirectory && CheckpointFiles.TryParseDirectoryName(e.Name, out _)).Select(e => Guid.ParseExact(e.Name, "D")).ToArray();
        var catalogEntry = root.FirstOrDefault(e => e.Name == CheckpointFiles.CatalogFileName);
        if (catalogEntry is null || catalogEntry.IsDirectory)
        {
            return Blocked(catalogEntry is null && directories.Length == 0
                ? "there is no catalog and no checkpoint directory: this is an empty or no checkpoint store, and there is nothing to collect"
                : $"the catalog {CheckpointFiles.CatalogFileName} is missing or not a file while checkpoint directories exist: the checkpointer refuses to open the store; `bulwark checkpoints repair` rebuilds the catalog");
        }

        IReadOnlyList<Guid> ids;
        try
        {
            ids = CheckpointFiles.DecodeCatalog(await backend.ReadAllBytesAsync(CheckpointFiles.CatalogFileName, options.MaxCatalogBytes, cancellationToken).ConfigureAwait(false)).Ids;
        }
        catch (CheckpointCorruptException e)
        {
            return Blocked($"the catalog cannot be read ({e.Message}): the checkpointer refuses to open the store");
        }

        var committed = new CheckpointInfo[ids.Count];
        var damaged = new HashSet<Guid>();
        for (var i = 0; i < ids.Count; i++)
        {
            // As the checkpointer opens a store: a damaged catalogued checkpoint stays listed, with no files.
            var manifest = await ReadManifestAsync(backend, ids[i], options, cancellationToken).ConfigureAwait(false);
            if (manifest is null)
            {
                damaged.Add(ids[i]);
            }

            committed[i] = manifest ?? new CheckpointInfo(ids[i], default, []);
        }

        foreach (var id in except.Where(e => !ids.Contains(e)))
        {
            notes.Add($"{id:D} (--except) is not in the catalog; keeping it changes nothing");
        }

        var deletions = new List<PlannedDeletion>();
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        var orphans = directories.Where(d => !ids.Contains(d)).ToList();

        // Opening: with every catalogued manifest readable, the directories no catalog lists go, with the shared files
        // only they brought; with a damaged one, what the committed checkpoints need is unknown and the open removes nothing.
        if (damaged.Count == 0)
        {
            var referencedAtOpen = committed.SelectMany(c => c.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
            foreach (var orphan in orphans)
            {
                await PlanRemovalAsync(backend, orphan, null, referencedAtOpen, "opening the store removes it: no catalog lists it (an interrupted commit)", options, deletions, deleted, cancellationToken).ConfigureAwait(false);
            }

            orphans.Clear();
        }

        var (keep, remove) = GarbageCollectionRules.Split(committed, retain, except);
        var unreadableKept = keep.Where(k => damaged.Contains(k.Id)).Select(k => k.Id.ToString("D")).ToList();
        if (unreadableKept.Count > 0)
        {
            // With a damaged checkpoint the open removed nothing either, so nothing at all is deleted.
            return Blocked($"collection refuses and deletes nothing: the manifest of kept checkpoint(s) {string.Join(", ", unreadableKept)} cannot be read, so which shared files they need is unknown; `bulwark checkpoints drop` removes a damaged checkpoint");
        }

        var referenced = keep.SelectMany(c => c.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var checkpoint in remove)
        {
            var reason = damaged.Contains(checkpoint.Id)
                ? $"checkpoint {checkpoint.Id:D} is older than the newest {retain} kept; its manifest cannot be read, so the shared files it lists are unknown and stay"
                : $"checkpoint {checkpoint.Id:D} is older than the newest {retain} kept";
            await PlanRemovalAsync(backend, checkpoint.Id, damaged.Contains(checkpoint.Id) ? null : checkpoint, referenced, reason, options, deletions, deleted, cancellationToken).ConfigureAwait(false);
        }

        foreach (var orphan in orphans)
        {
            await PlanRemovalAsync(backend, orphan, null, referenced, "collection removes it: no catalog lists it (an interrupted commit)", options, deletions, deleted, cancellationToken).ConfigureAwait(false);
        }

        var needed = committed.SelectMany(c => c.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in root.Where(e => !e.IsDirectory && e.Name != CheckpointFiles.CatalogFileName && !CheckpointFiles.IsStoreLockFile(e.Name) && !needed.Contains(e.Path) && !deleted.Contains(e.Path)))
        {
            notes.Add($"'{entry.Path}' stays: no manifest lists it, and collection deletes only the shared files a removed checkpoint's manifest lists");
        }

        return new GarbageCollectionPlan(keep.Select(k => k.Id).ToArray(), remove.Select(r => r.Id).ToArray(), deletions, [], notes);

        GarbageCollectionPlan Blocked(string reason) => new([], [], [], [reason], notes);
    }

    /// <summary>As the checkpointer removes a directory: the manifest on disk (else the loaded one) names the shared files, which go first.</summary>
    private static async ValueTask PlanRemovalAsync(IStorageBackend backend, Guid id, CheckpointInfo? loaded, HashSet<string> referenced, string reason, CheckpointerOptions options, List<PlannedDeletion> deletions, HashSet<string> deleted, CancellationToken cancellationToken)
    {
        var manifest = await ReadManifestAsync(backend, id, options, cancellationToken).ConfigureAwait(false) ?? loaded;
        foreach (var file in GarbageCollectionRules.SharedFilesToDelete(manifest, referenced))
        {
            if (deleted.Add(file.Path) && await backend.GetEntryAsync(file.Path, cancellationToken).ConfigureAwait(false) is { IsDirectory: false })
            {
                deletions.Add(new PlannedDeletion(file.Path, $"a shared file of {id:D} that no kept checkpoint references"));
            }
        }

        var directory = CheckpointFiles.DirectoryOf(id);
        if (deleted.Add(directory))
        {
            deletions.Add(new PlannedDeletion(directory + "/", reason));
        }
    }

    /// <summary>The manifest as the checkpointer reads it, or null when it is missing or damaged.</summary>
    private static async ValueTask<CheckpointInfo?> ReadManifestAsync(IStorageBackend backend, Guid id, CheckpointerOptions options, CancellationToken cancellationToken)
    {
        var path = CheckpointFiles.ManifestPath(id);
        if (await backend.GetEntryAsync(path, cancellationToken).ConfigureAwait(false) is not { IsDirectory: false } entry || entry.Length > options.MaxManifestBytes)
        {
            return null;
        }

        try
        {
            return CheckpointFiles.DecodeManifest(id, await backend.ReadAllBytesAsync(path, options.MaxManifestBytes, cancellationToken).ConfigureAwait(false), options.MaxFilesPerCheckpoint);
        }
        catch (CheckpointCorruptException)
        {
            return null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
