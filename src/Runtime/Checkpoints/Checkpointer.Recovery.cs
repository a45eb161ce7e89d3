using Bulwark.Storage;

namespace Bulwark.Checkpoints;

/// <summary>Opening a store and recovering from damage: the recovery on open, the healthy restore and dropping a checkpoint.</summary>
public sealed partial class Checkpointer
{
    /// <summary>
    /// Restores the newest checkpoint that is intact, newest first, and reports every newer one it skipped and why.
    /// Only damage is skipped (a missing, truncated or corrupt manifest or state file); a storage failure is thrown,
    /// because falling back to older state over a transient error would silently lose progress.
    /// </summary>
    /// <exception cref="CheckpointStoreException">Storage failed while reading.</exception>
    public async ValueTask<HealthyRestoreResult> RestoreLatestHealthyAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var skipped = new List<SkippedCheckpoint>();
            for (var i = _committed.Length - 1; i >= 0; i--)
            {
                var id = _committed[i].Id;
                if (_damaged.TryGetValue(id, out var damage))
                {
                    skipped.Add(new SkippedCheckpoint(id, damage));
                    continue;
                }

                try
                {
                    return new HealthyRestoreResult(await RestoreLockedAsync(id, cancellationToken).ConfigureAwait(false), skipped);
                }
                catch (CheckpointCorruptException e)
                {
                    CheckpointerLog.DamagedCheckpoint(_logger, e, id, _backend.Description);
                    skipped.Add(new SkippedCheckpoint(id, e));
                }
            }

            return new HealthyRestoreResult(null, skipped);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Removes one checkpoint — typically a damaged one — from the catalog (durably), then deletes its directory and the
    /// shared files no other checkpoint references. With a damaged checkpoint in the store, no shared file is deleted:
    /// what the damaged manifests reference is unknown. The newest checkpoint may be dropped this way, by name.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not in the catalog.</exception>
    public async ValueTask<GarbageCollectionResult> DropCheckpointAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var before = _committed;
            var dropped = before.FirstOrDefault(c => c.Id == id)
                ?? throw new ArgumentException($"Checkpoint {id:D} is not in the catalog of {_backend.Description}.", nameof(id));
            await ResolveCatalogDoubtAsync(cancellationToken).ConfigureAwait(false);
            await CheckWriterEpochAsync(cancellationToken).ConfigureAwait(false);
            var keep = before.Where(c => c.Id != id).ToArray();
            try
            {
                await WriteFileStepAsync(CheckpointCommitStep.WriteCatalog, CatalogFileName, EncodeCatalog(keep), cancellationToken).ConfigureAwait(false);
                await SyncStepAsync(CheckpointCommitStep.SyncRootCommitPoint, Root, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                await TryWriteCatalogAsync(before).ConfigureAwait(false);
                throw;
            }

            Volatile.Write(ref _committed, keep);
            var wasDamaged = _damaged.Remove(id);
            var referenced = keep.SelectMany(c => c.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
            var deleted = await RemoveCheckpointFilesAsync(id, wasDamaged ? null : dropped, referenced, deleteSharedFiles: _damaged.Count == 0, cancellationToken).ConfigureAwait(false);
            if (deleted.Count > 0)
            {
                await SyncStepAsync(CheckpointCommitStep.SyncRootAfterDeletion, Root, cancellationToken).ConfigureAwait(false);
            }

            CheckpointerLog.Dropped(_logger, id, deleted.Count, _backend.Description);
            return new GarbageCollectionResult([id], deleted);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask RecoverAsync(CancellationToken cancellationToken)
    {
        var rootEntries = await Io(Root, () => _backend.ListAsync(Root, cancellationToken)).ConfigureAwait(false);
        var catalogEntry = rootEntries.FirstOrDefault(e => e.Name == CatalogFileName);
        var directories = rootEntries
            .Where(e => e.IsDirectory && CheckpointFiles.TryParseDirectoryName(e.Name, out _))
            .Select(e => e.Name)
            .ToArray();

        if (catalogEntry is null)
        {
            if (directories.Length > 0 && !Deviations.HasFlag(ProtocolDeviation.MissingCatalogIsCleanSlate))
            {
                throw new CheckpointStoreException(
                    $"The catalog '{CatalogFileName}' of {_backend.Description} is missing but checkpoint directories exist: {string.Join(", ", directories)}. " +
                    "Refusing to start rather than treat the store as empty; nothing was deleted. `bulwark checkpoints repair STORE` rebuilds the catalog from the intact manifests; or move the directories away to start from nothing.",
                    directories);
            }

            foreach (var directory in directories)
            {
                await _backend.DeleteDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
            }

            // An empty store gets its catalog before any checkpoint directory exists, so that from now on a missing
            // catalog beside checkpoint directories can only mean the catalog was lost.
            _epoch = 1;
            await WriteFileStepAsync(CheckpointCommitStep.WriteCatalog, CatalogFileName, EncodeCatalog([]), cancellationToken).ConfigureAwait(false);
            await SyncStepAsync(CheckpointCommitStep.SyncRootCommitPoint, Root, cancellationToken).ConfigureAwait(false);
            _committed = [];
            await RemoveAbandonedTemporariesAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        if (catalogEntry.IsDirectory)
        {
            throw CheckpointFiles.CatalogCorrupt("it is a directory");
        }

        if (catalogEntry.Length > _options.MaxCatalogBytes)
        {
            throw new CheckpointCorruptException(null, [new CheckpointProblem(CatalogFileName, CheckpointProblemKind.TooLarge, $"it is {catalogEntry.Length} bytes, more than the {_options.MaxCatalogBytes} allowed")]);
        }

        byte[] catalogBytes;
        try
        {
            catalogBytes = await _backend.ReadAllBytesAsync(CatalogFileName, _options.MaxCatalogBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new CheckpointStoreException($"The catalog of {_backend.Description} vanished while it was being opened.", [CatalogFileName], e);
        }
        catch (IOException e)
        {
            throw new CheckpointStoreException($"Could not read the catalog of {_backend.Description}: {e.Message}", [CatalogFileName], e);
        }

        var catalog = CheckpointFiles.DecodeCatalog(catalogBytes);
        var ids = catalog.Ids;
        var committed = new CheckpointInfo[ids.Count];
        var damaged = new Dictionary<Guid, CheckpointCorruptException>();
        for (var i = 0; i < ids.Count; i++)
        {
            try
            {
                committed[i] = await ReadManifestAsync(ids[i], cancellationToken).ConfigureAwait(false);
            }
            catch (CheckpointCorruptException e) when (!Deviations.HasFlag(ProtocolDeviation.DamagedManifestBlocksOpen))
            {
                // One damaged checkpoint must not block a store whose other checkpoints are intact: it is kept in the
                // list (the catalog names it) without files, and everything that would need its files refuses.
                CheckpointerLog.DamagedCheckpoint(_logger, e, ids[i], _backend.Description);
                committed[i] = new CheckpointInfo(ids[i], default, []);
                damaged[ids[i]] = e;
            }
        }

        _committed = committed;
        _damaged = damaged;

        // Taking ownership: every checkpointer opened earlier now fails its epoch check before it touches the catalog.
        // This comes before the orphans are removed, which would otherwise race a stale writer's commit in flight.
        _epoch = checked(catalog.WriterEpoch + 1);
        if (!Deviations.HasFlag(ProtocolDeviation.NoStoreOwnership))
        {
            await WriteFileStepAsync(CheckpointCommitStep.WriteCatalog, CatalogFileName, EncodeCatalog(committed), cancellationToken).ConfigureAwait(false);
            await SyncStepAsync(CheckpointCommitStep.SyncRootCommitPoint, Root, cancellationToken).ConfigureAwait(false);
        }

        // No manifest can name a temporary (paths of that form are refused), so they go even beside a damaged checkpoint.
        await RemoveAbandonedTemporariesAsync(cancellationToken).ConfigureAwait(false);

        // Only now, with every catalogued manifest read, is it known which files the committed checkpoints need. With a
        // damaged one that is not known at all, so nothing is removed.
        if (damaged.Count > 0)
        {
            return;
        }

        var referenced = committed.SelectMany(c => c.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var catalogued = ids.Select(CheckpointFiles.DirectoryOf).ToHashSet(StringComparer.Ordinal);
        var removedAny = false;
        foreach (var directory in directories.Where(d => !catalogued.Contains(d)))
        {
            CheckpointerLog.RemovingOrphan(_logger, directory, _backend.Description);
            try
            {
                removedAny |= (await RemoveCheckpointFilesAsync(Guid.ParseExact(directory, "D"), null, referenced, cancellationToken).ConfigureAwait(false)).Count > 0;
            }
            catch (CheckpointException e)
            {
                // A leftover directory is harmless (no catalog names it); failing to open over it would not be.
                CheckpointerLog.CleanupFailed(_logger, e, directory, _backend.Description);
            }
        }

        if (removedAny)
        {
            try
            {
                await SyncStepAsync(CheckpointCommitStep.SyncRootAfterDeletion, Root, cancellationToken).ConfigureAwait(false);
            }
            catch (CheckpointException e)
            {
                CheckpointerLog.CleanupFailed(_logger, e, Root, _backend.Description);
            }
        }
    }

    /// <summary>
    /// Deletes the local backend's hidden temporaries (".&lt;name&gt;.&lt;random&gt;.tmp") at the store root: what a
    /// process killed inside a commit (an uncommitted catalog or shared file) or inside a checkpoint directory's removal
    /// (the directory renamed away, not yet deleted) left. No listing shows them, so nothing else ever reclaims them.
    /// </summary>
    /// <remarks>
    /// Only while this checkpointer holds the store's lock, which the killed owner held: no other checkpointer of the
    /// store has a temporary open. Only at the root, whose entries all belong to the store; temporaries inside checkpoint
    /// directories go with their directory, which is only ever unfinished when no catalog names it. A failure is
    /// logged, not thrown: a temporary left behind costs disk space, refusing to open would cost the pipeline.
    /// </remarks>
    private async ValueTask RemoveAbandonedTemporariesAsync(CancellationToken cancellationToken)
    {
        if (_storeLock is null || _backend is not LocalFileSystemBackend local)
        {
            return;
        }

        try
        {
            var removed = await local.DeleteAbandonedTemporariesAsync(Root, cancellationToken).ConfigureAwait(false);
            if (removed > 0)
            {
                CheckpointerLog.RemovedTemporaries(_logger, removed, _backend.Description);
                _metrics.GcDeletions.Add(removed);
                await SyncStepAsync(CheckpointCommitStep.SyncRootAfterDeletion, Root, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or CheckpointException)
        {
            CheckpointerLog.CleanupFailed(_logger, e, Root, _backend.Description);
        }
    }
}
