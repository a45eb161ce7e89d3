
namespace Bulwark.Checkpoints;

/// <summary>Garbage collection: which checkpoints and shared files go, and the order in which they are deleted.</summary>
public sealed partial class Checkpointer
{
    private async ValueTask<GarbageCollectionResult> CollectLockedAsync(int retain, IReadOnlyCollection<Guid> except, CancellationToken cancellationToken)
    {
        await CheckWriterEpochAsync(cancellationToken).ConfigureAwait(false);
        var before = _committed;
        var (keep, remove) = GarbageCollectionRules.Split(before, retain, except);

        // What must survive is decided from the manifests as they are on disk now, all of them, before any deletion.
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var checkpoint in keep)
        {
            CheckpointInfo manifest;
            try
            {
                manifest = await ReadManifestAsync(checkpoint.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (CheckpointException) when (Deviations.HasFlag(ProtocolDeviation.SkipUnreadableRetainedManifests))
            {
                continue;
            }

            // The copy validated when the checkpoint was loaded protects too, should the disk copy have lost a line.
            referenced.UnionWith(manifest.Files.Select(f => f.Path));
            referenced.UnionWith(checkpoint.Files.Select(f => f.Path));
        }

        var rootEntries = await Io(Root, () => _backend.ListAsync(Root, cancellationToken)).ConfigureAwait(false);
        var orphans = rootEntries
            .Where(e => e.IsDirectory && CheckpointFiles.TryParseDirectoryName(e.Name, out var orphanId) && before.All(c => c.Id != orphanId))
            .Select(e => Guid.ParseExact(e.Name, "D"))
            .ToArray();

        var deleted = new List<string>();
        if (Deviations.HasFlag(ProtocolDeviation.DeleteBeforeCatalogDurable))
        {
            foreach (var checkpoint in remove)
            {
                deleted.AddRange(await RemoveCheckpointFilesAsync(checkpoint.Id, checkpoint, referenced, cancellationToken).ConfigureAwait(false));
            }
        }

        if (remove.Length > 0)
        {
            await CheckWriterEpochAsync(cancellationToken).ConfigureAwait(false);
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
        }

        // From here the catalog no longer names the removed checkpoints: a failure below leaves unreferenced files
        // that the next collection or startup removes, never a listed checkpoint with files missing.
        if (!Deviations.HasFlag(ProtocolDeviation.DeleteBeforeCatalogDurable))
        {
            foreach (var checkpoint in remove)
            {
                deleted.AddRange(await RemoveCheckpointFilesAsync(checkpoint.Id, checkpoint, referenced, cancellationToken).ConfigureAwait(false));
            }
        }

        foreach (var orphan in orphans)
        {
            CheckpointerLog.RemovingOrphan(_logger, CheckpointFiles.DirectoryOf(orphan), _backend.Description);
            deleted.AddRange(await RemoveCheckpointFilesAsync(orphan, null, referenced, cancellationToken).ConfigureAwait(false));
        }

        if (deleted.Count > 0)
        {
            await SyncStepAsync(CheckpointCommitStep.SyncRootAfterDeletion, Root, cancellationToken).ConfigureAwait(false);
        }

        CheckpointerLog.Collected(_logger, _backend.Description, remove.Length, deleted.Count);
        return new GarbageCollectionResult(remove.Select(c => c.Id).ToArray(), deleted);
    }

    /// <summary>
    /// Deletes a checkpoint directory that no durable catalog names, and the shared files its manifest lists that no
    /// kept checkpoint references. The shared files go first and are made durable before the directory goes, because
    /// the manifest inside it is the only record of which shared files to delete.
    /// </summary>
    private async ValueTask<List<string>> RemoveCheckpointFilesAsync(Guid id, CheckpointInfo? loaded, HashSet<string> referenced, CancellationToken cancellationToken) =>
        await RemoveCheckpointFilesAsync(id, loaded, referenced, deleteSharedFiles: true, cancellationToken).ConfigureAwait(false);

    private async ValueTask<List<string>> RemoveCheckpointFilesAsync(Guid id, CheckpointInfo? loaded, HashSet<string> referenced, bool deleteSharedFiles, CancellationToken cancellationToken)
    {
        var manifest = loaded;
        try
        {
            // A commit that failed early has no manifest: that is expected here, so it is checked, not thrown.
            var path = CheckpointFiles.ManifestPath(id);
            if (await Io(path, () => _backend.GetEntryAsync(path, cancellationToken)).ConfigureAwait(false) is { IsDirectory: false })
            {
                manifest = await ReadManifestAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (CheckpointStoreException) when (loaded is null)
        {
            // Storage failed, not the manifest: it is the only record of which shared files the directory brought,
            // so the directory stays until it can be read.
            throw;
        }
        catch (CheckpointException e)
        {
            if (loaded is not null)
            {
                CheckpointerLog.RemovedManifestUnreadable(_logger, e, id, _backend.Description);
            }
        }

        var deleted = new List<string>();
        foreach (var file in deleteSharedFiles ? GarbageCollectionRules.SharedFilesToDelete(manifest, referenced) : [])
        {
            var path = file.Path;
            if (await Step(CheckpointCommitStep.DeleteSharedFile, path, () => _backend.DeleteAsync(path, cancellationToken)).ConfigureAwait(false))
            {
                deleted.Add(path);
            }
        }

        if (deleted.Count > 0)
        {
            await SyncStepAsync(CheckpointCommitStep.SyncRootAfterDeletion, Root, cancellationToken).ConfigureAwait(false);
        }

        var directory = CheckpointFiles.DirectoryOf(id);
        if (await Step(CheckpointCommitStep.DeleteCheckpointDirectory, directory, () => _backend.DeleteDirectoryAsync(directory, cancellationToken)).ConfigureAwait(false))
        {
            deleted.Add(directory);
        }

        _metrics.GcDeletions.Add(deleted.Count);
        return deleted;
    }
}
