using Bulwark.Storage;

namespace Bulwark.Checkpoints;

/// <summary>One writer per store: the store lock, the writer epoch in the catalog, and the catalog writes that carry it.</summary>
public sealed partial class Checkpointer
{
    private byte[] EncodeCatalog(IEnumerable<CheckpointInfo> list) => CheckpointFiles.EncodeCatalog(list.Select(c => c.Id), _epoch);

    private async ValueTask LockStoreAsync(CancellationToken cancellationToken)
    {
        if (Deviations.HasFlag(ProtocolDeviation.NoStoreOwnership))
        {
            return;
        }

        try
        {
            _storeLock = await _backend.AcquireLockAsync(CheckpointFiles.LockFileName, StorageLockOwner.Current("checkpointer", _time), cancellationToken).ConfigureAwait(false);
        }
        catch (StorageLockedException e)
        {
            throw new CheckpointStoreLockedException(_backend.Description, e.Holder, e);
        }
        catch (IOException e)
        {
            throw new CheckpointStoreException($"Could not take the lock '{CheckpointFiles.LockFileName}' of {_backend.Description}: {e.Message}", [CheckpointFiles.LockFileName], e);
        }
    }

    private async ValueTask ReleaseStoreLockAsync()
    {
        if (Interlocked.Exchange(ref _storeLock, null) is { } held)
        {
            await held.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the durable catalog's writer epoch and refuses to go on if it is not the one this checkpointer took on
    /// open: a checkpointer opened later owns the store. Once fenced, always fenced.
    /// </summary>
    private async ValueTask CheckWriterEpochAsync(CancellationToken cancellationToken)
    {
        if (Deviations.HasFlag(ProtocolDeviation.NoStoreOwnership))
        {
            return;
        }

        if (!_fenced)
        {
            var bytes = await Step(CheckpointCommitStep.CheckWriterEpoch, CatalogFileName, () => _backend.ReadAllBytesAsync(CatalogFileName, _options.MaxCatalogBytes, cancellationToken)).ConfigureAwait(false);
            var current = CheckpointFiles.DecodeCatalog(bytes).WriterEpoch;
            if (current == _epoch)
            {
                return;
            }

            _fenced = true;
            _fencedBy = current;
            CheckpointerLog.Fenced(_logger, _epoch, current, _backend.Description);
        }

        throw new CheckpointFencedException(_backend.Description, _epoch, _fencedBy);
    }

    /// <summary>
    /// A catalog in doubt is rewritten from the in-memory list before anything else changes the store, so that what a
    /// restart finds is again exactly what this process believes.
    /// </summary>
    private async ValueTask ResolveCatalogDoubtAsync(CancellationToken cancellationToken)
    {
        if (!_catalogInDoubt)
        {
            return;
        }

        await CheckWriterEpochAsync(cancellationToken).ConfigureAwait(false);
        await WriteFileStepAsync(CheckpointCommitStep.WriteCatalog, CatalogFileName, EncodeCatalog(_committed), cancellationToken).ConfigureAwait(false);
        await SyncStepAsync(CheckpointCommitStep.SyncRootCommitPoint, Root, cancellationToken).ConfigureAwait(false);
        _catalogInDoubt = false;
    }

    /// <summary>Rewrites the catalog from <paramref name="list"/> and syncs the root; false (logged, catalog in doubt) if that fails too.</summary>
    private async ValueTask<bool> TryWriteCatalogAsync(CheckpointInfo[] list)
    {
        try
        {
            // Not cancellable: a rollback abandoned half-way would leave the very mismatch it exists to remove.
            await WriteFileStepAsync(CheckpointCommitStep.WriteCatalog, CatalogFileName, EncodeCatalog(list), CancellationToken.None).ConfigureAwait(false);
            await SyncStepAsync(CheckpointCommitStep.SyncRootCommitPoint, Root, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is CheckpointException or IOException)
        {
            _catalogInDoubt = true;
            CheckpointerLog.CatalogRollbackFailed(_logger, e, _backend.Description);
            return false;
        }
    }
}
