using Bulwark.Storage;

namespace Bulwark.Checkpoints;

/// <summary>A checkpoint directory the repair leaves out of the new catalog, and what is wrong with it.</summary>
public sealed record RepairExclusion(Guid Id, IReadOnlyList<CheckpointProblem> Problems);

/// <summary>
/// What <see cref="CheckpointStoreRepair.ApplyAsync"/> will write: a catalog naming <see cref="Keep"/> in commit order
/// with <see cref="NextWriterEpoch"/>. The directories in <see cref="Exclude"/> are no longer catalogued and are removed
/// the next time a checkpointer opens the store.
/// </summary>
public sealed record CheckpointRepairPlan(
    string Store,
    IReadOnlyList<CheckpointInfo> Keep,
    IReadOnlyList<RepairExclusion> Exclude,
    IReadOnlyList<Guid>? CurrentCatalog,
    long NextWriterEpoch)
{
    /// <summary>True when the catalog on disk is missing, unreadable or lists other checkpoints than <see cref="Keep"/>.</summary>
    public bool ChangesCatalog => CurrentCatalog is null || !CurrentCatalog.SequenceEqual(Keep.Select(k => k.Id));
}

/// <summary>
/// Rebuilds a lost or damaged catalog from the checkpoint directories whose manifest and every listed file (size and
/// CRC32C) are intact. Planning only reads; applying takes the store's lock, checks that the store still matches the
/// plan and writes the catalog durably — it deletes nothing.
/// </summary>
public static class CheckpointStoreRepair
{
    public static async ValueTask<CheckpointRepairPlan> PlanAsync(IStorageBackend backend, CheckpointerOptions? options = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        options ??= new CheckpointerOptions();
        var root = await backend.ListAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        var (current, epoch) = await ReadCatalogAsync(backend, root, options, cancellationToken).ConfigureAwait(false);

        var keep = new List<CheckpointInfo>();
        var exclude = new List<RepairExclusion>();
        foreach (var entry in root.Where(e => e.IsDirectory))
        {
            if (!CheckpointFiles.TryParseDirectoryName(entry.Name, out var id))
            {
                continue;
            }

            try
            {
                keep.Add(await VerifyAsync(backend, id, options, cancellationToken).ConfigureAwait(false));
            }
            catch (CheckpointCorruptException e)
            {
                exclude.Add(new RepairExclusion(id, e.Problems));
            }
        }

        // Commit order: the manifest's commit time, then the UUIDv7 id (whose leading bits are that same time).
        keep.Sort((a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : string.CompareOrdinal(CheckpointFiles.DirectoryOf(a.Id), CheckpointFiles.DirectoryOf(b.Id)));

        // Without a readable catalog the last epoch is unknown; a clock-based one is above any epoch counted by opens,
        // so a checkpointer still running on the old catalog stays fenced.
        var next = epoch is { } known ? known + 1 : Math.Max(1, (timeProvider ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds());
        return new CheckpointRepairPlan(backend.Description, keep, exclude, current, next);
    }

    /// <exception cref="CheckpointStoreLockedException">A checkpointer has the store open.</exception>
    /// <exception cref="CheckpointStoreException">The store changed since the plan was made; make a new plan.</exception>
    public static async ValueTask ApplyAsync(IStorageBackend backend, CheckpointRepairPlan plan, CheckpointerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(plan);
        StorageLock held;
        try
        {
            held = await backend.AcquireLockAsync(CheckpointFiles.LockFileName, StorageLockOwner.Current("checkpoint repair"), cancellationToken).ConfigureAwait(false);
        }
        catch (StorageLockedException e)
        {
            throw new CheckpointStoreLockedException(backend.Description, e.Holder, e);
        }

        await using (held.ConfigureAwait(false))
        {
            var again = await PlanAsync(backend, options, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!again.Keep.Select(k => k.Id).SequenceEqual(plan.Keep.Select(k => k.Id)) || !Same(again.CurrentCatalog, plan.CurrentCatalog))
            {
                throw new CheckpointStoreException($"The checkpoint store {backend.Description} changed since the repair was planned; nothing was written. Plan again.", [CheckpointFiles.CatalogFileName]);
            }

            var file = await backend.CreateAsync(CheckpointFiles.CatalogFileName, cancellationToken).ConfigureAwait(false);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(CheckpointFiles.EncodeCatalog(plan.Keep.Select(k => k.Id), plan.NextWriterEpoch), cancellationToken).ConfigureAwait(false);
                await file.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            await backend.SyncDirectoryAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool Same(IReadOnlyList<Guid>? a, IReadOnlyList<Guid>? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);

    private static async ValueTask<(IReadOnlyList<Guid>? Ids, long? Epoch)> ReadCatalogAsync(IStorageBackend backend, IReadOnlyList<StorageEntry> root, CheckpointerOptions options, CancellationToken cancellationToken)
    {
        var entry = root.FirstOrDefault(e => !e.IsDirectory && e.Name == CheckpointFiles.CatalogFileName);
        if (entry is null || entry.Length > options.MaxCatalogBytes)
        {
            return (null, null);
        }

        try
        {
            var catalog = CheckpointFiles.DecodeCatalog(await backend.ReadAllBytesAsync(entry.Path, options.MaxCatalogBytes, cancellationToken).ConfigureAwait(false));
            return (catalog.Ids, catalog.WriterEpoch);
        }
        catch (CheckpointCorruptException)
        {
            return (null, null);
        }
        catch (FileNotFoundException)
        {
            return (null, null);
        }
    }

    /// <summary>The checkpoint's manifest, after every file it lists was found with its recorded size and CRC32C.</summary>
    private static async ValueTask<CheckpointInfo> VerifyAsync(IStorageBackend backend, Guid id, CheckpointerOptions options, CancellationToken cancellationToken)
    {
        var path = CheckpointFiles.ManifestPath(id);
        var entry = await backend.GetEntryAsync(path, cancellationToken).ConfigureAwait(false);
        if (entry is null || entry.IsDirectory)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.Missing, "the manifest is missing");
        }

        if (entry.Length > options.MaxManifestBytes)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.TooLarge, $"it is {entry.Length} bytes, more than the {options.MaxManifestBytes} allowed");
        }

        var info = CheckpointFiles.DecodeManifest(id, await backend.ReadAllBytesAsync(path, options.MaxManifestBytes, cancellationToken).ConfigureAwait(false), options.MaxFilesPerCheckpoint);
        var problems = new List<CheckpointProblem>();
        foreach (var file in info.Files)
        {
            try
            {
                await Checkpointer.ReadVerifiedAsync(backend, id, file, cancellationToken).ConfigureAwait(false);
            }
            catch (CheckpointCorruptException e)
            {
                problems.AddRange(e.Problems);
            }
        }

        return problems.Count == 0 ? info : throw new CheckpointCorruptException(id, problems);
    }
}
