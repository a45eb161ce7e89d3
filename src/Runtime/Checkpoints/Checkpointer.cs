using System.Text.Json;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Checkpoints;

/// <summary>
/// Commits, lists, restores and garbage-collects checkpoints in one storage root (DESIGN §5). A checkpoint is a
/// directory named by its UUIDv7 id holding each operator's state file and a <c>manifest.json</c> that lists every file
/// the checkpoint needs; <c>checkpoints.json</c> at the root (the catalog) lists the committed ids in order. The
/// in-memory list is only ever changed after the catalog that holds it is durable, so a failed commit or collection
/// leaves it exactly as before. One checkpointer owns a store at a time: opening takes the store's lock
/// (<c>checkpoints.lock</c>) for the checkpointer's lifetime and bumps the writer epoch in the catalog; a commit or
/// collection first checks that the catalog still carries this checkpointer's epoch, so a writer that lost the store
/// (where locks do not reach, such as shared or object storage) is fenced off instead of overwriting the catalog.
/// Directories no catalog names are therefore the remains of the owner's own unfinished commits, and are removed.
/// </summary>
public sealed class Checkpointer : IAsyncDisposable
{
    /// <summary>The catalog's file name at the store root.</summary>
    public const string CatalogFileName = CheckpointFiles.CatalogFileName;

    /// <summary>The manifest's file name inside each checkpoint directory.</summary>
    public const string ManifestFileName = CheckpointFiles.ManifestFileName;

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of the checkpointer's counters.</summary>
    public const string MeterName = CheckpointMetrics.MeterName;

    private const string Root = "";

    private readonly IStorageBackend _backend;
    private readonly CheckpointerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CheckpointInfo[] _committed = [];
    private Dictionary<Guid, CheckpointCorruptException> _damaged = [];
    private StorageLock? _storeLock;
    private long _epoch;
    private bool _fenced;
    private long _fencedBy;
    private bool _disposed;
    private volatile bool _catalogInDoubt;

    private Checkpointer(IStorageBackend backend, CheckpointerOptions options, ILogger logger, TimeProvider time)
    {
        _backend = backend;
        _options = options;
        _logger = logger;
        _time = time;
    }

    /// <summary>The store the checkpoints live in.</summary>
    public IStorageBackend Backend => _backend;

    /// <summary>The committed checkpoints, oldest first, exactly as the durable catalog lists them.</summary>
    public IReadOnlyList<CheckpointInfo> Checkpoints => Volatile.Read(ref _committed);

    /// <summary>
    /// Catalogued checkpoints whose manifest could not be read when the store was opened, with the reason. They stay in
    /// <see cref="Checkpoints"/> (the catalog names them) with no files; restoring one fails, garbage collection that
    /// would keep one deletes nothing, and <see cref="RestoreLatestHealthyAsync"/> skips them.
    /// </summary>
    public IReadOnlyDictionary<Guid, CheckpointCorruptException> DamagedCheckpoints => _damaged;

    /// <summary>The newest committed checkpoint, or null if there is none.</summary>
    public CheckpointInfo? Latest => Volatile.Read(ref _committed) is { Length: > 0 } list ? list[^1] : null;

    /// <summary>
    /// True after a commit or collection failed once the catalog rename had been attempted and putting the previous
    /// catalog back failed too: the disk may hold either list. <see cref="Checkpoints"/> still lists what was last
    /// known durable; the next commit or collection first rewrites the catalog from it (and fails if it cannot).
    /// </summary>
    public bool IsCatalogInDoubt => _catalogInDoubt;

    private ProtocolDeviation Deviations => _options.Deviations;

    /// <summary>
    /// Opens the store and recovers it: takes the store's lock, reads the catalog and every catalogued manifest, makes
    /// the catalog with a bumped writer epoch durable, then removes checkpoint directories the catalog does not list
    /// (commits that never reached their commit point). A store without a catalog but with checkpoint directories is
    /// refused, and nothing is deleted. The lock is held until <see cref="DisposeAsync"/>.
    /// </summary>
    /// <exception cref="CheckpointStoreLockedException">Another checkpointer has the store open; the exception names it.</exception>
    /// <exception cref="CheckpointStoreException">The catalog is missing while checkpoint directories exist, or storage failed.</exception>
    /// <exception cref="CheckpointCorruptException">The catalog or a catalogued manifest is malformed or missing.</exception>
    public static async ValueTask<Checkpointer> OpenAsync(
        IStorageBackend backend,
        CheckpointerOptions? options = null,
        ILogger<Checkpointer>? logger = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var checkpointer = new Checkpointer(backend, options ?? new CheckpointerOptions(), (ILogger?)logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
        try
        {
            await checkpointer.LockStoreAsync(cancellationToken).ConfigureAwait(false);
            await checkpointer.RecoverAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await checkpointer.ReleaseStoreLockAsync().ConfigureAwait(false);
            if (e is CheckpointException)
            {
                CheckpointMetrics.Failures.Add(1, new KeyValuePair<string, object?>("operation", "open"));
                CheckpointerLog.Refused(checkpointer._logger, e, backend.Description, e.Message);
            }

            throw;
        }

        CheckpointerLog.Opened(checkpointer._logger, backend.Description, checkpointer._committed.Length);
        return checkpointer;
    }

    /// <summary>A new, empty draft.</summary>
    public CheckpointDraft CreateDraft() => new();

    /// <summary>
    /// Commits <paramref name="draft"/> as the newest checkpoint. Protocol (each step waits for the previous one):
    /// create the checkpoint directory (its chain synced); write and commit every state file and new shared file;
    /// write and commit the manifest; sync the checkpoint directory and the root, so everything the manifest names is
    /// durable; write and commit the new catalog; sync the root — the commit point. Only then does
    /// <see cref="Checkpoints"/> change. On failure the catalog is put back if it may have been replaced, the new
    /// files are removed, and the error is thrown with the list unchanged.
    /// </summary>
    /// <exception cref="CheckpointCommitException">A step failed; <see cref="CheckpointCommitException.Step"/> says which.</exception>
    public async ValueTask<CheckpointInfo> CommitAsync(CheckpointDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await ResolveCatalogDoubtAsync(cancellationToken).ConfigureAwait(false);
            return await CommitLockedAsync(draft, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Restores the newest checkpoint, or returns null if there is none.</summary>
    /// <exception cref="CheckpointCorruptException">It is damaged; <see cref="RestoreLatestHealthyAsync"/> falls back to an older one.</exception>
    public async ValueTask<RestoredCheckpoint?> RestoreLatestAsync(CancellationToken cancellationToken = default) =>
        Latest is { } latest ? await RestoreAsync(latest.Id, cancellationToken).ConfigureAwait(false) : null;

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

    /// <summary>
    /// Restores a committed checkpoint. Its manifest is read again and verified first: every listed file must be
    /// present with its recorded size (all missing or wrong files are reported in one error), then every state file
    /// is read and checked against its CRC32C. An operator the manifest does not list is new; a listed one that is
    /// missing is corruption.
    /// </summary>
    /// <exception cref="CheckpointCorruptException">Files are missing, have the wrong size or checksum, or the manifest is bad.</exception>
    public async ValueTask<RestoredCheckpoint> RestoreAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_committed.Any(c => c.Id == id))
            {
                throw new ArgumentException($"Checkpoint {id:D} is not committed in {_backend.Description}.", nameof(id));
            }

            return await RestoreLockedAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (CheckpointException)
        {
            CheckpointMetrics.Failures.Add(1, new KeyValuePair<string, object?>("operation", "restore"));
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Keeps the newest <paramref name="retain"/> checkpoints (at least one: the newest checkpoint is never collected)
    /// and those in <paramref name="except"/>, and removes the rest. Every kept manifest is read first — if any cannot
    /// be, nothing is deleted and the error is thrown. The catalog without the removed checkpoints is made durable
    /// before anything is deleted; then the removed directories, the shared files only they referenced, and
    /// directories of failed commits are deleted.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retain"/> is less than 1.</exception>
    public async ValueTask<GarbageCollectionResult> CollectGarbageAsync(int retain, IReadOnlyCollection<Guid>? except = null, CancellationToken cancellationToken = default)
    {
        // Collecting the newest checkpoint would turn the next start into a clean slate: the one mistake GC must not allow.
        ArgumentOutOfRangeException.ThrowIfLessThan(retain, 1);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await ResolveCatalogDoubtAsync(cancellationToken).ConfigureAwait(false);
            return await CollectLockedAsync(retain, except ?? [], cancellationToken).ConfigureAwait(false);
        }
        catch (CheckpointException)
        {
            CheckpointMetrics.Failures.Add(1, new KeyValuePair<string, object?>("operation", "gc"));
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Waits for an operation in flight, then releases the store's lock.</summary>
    public async ValueTask DisposeAsync()
    {
        // Waiting for the gate lets an operation in flight finish; its durable effects are complete or rolled back.
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            await ReleaseStoreLockAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    internal static async ValueTask<byte[]> ReadVerifiedAsync(IStorageBackend backend, Guid id, CheckpointFileInfo file, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await backend.ReadAllBytesAsync(file.Path, file.Length, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointCorruptException(id, [new CheckpointProblem(file.Path, CheckpointProblemKind.Missing, "the file is missing")], e);
        }
        catch (IOException e)
        {
            throw new CheckpointStoreException($"Could not read '{file.Path}' of checkpoint {id:D}: {e.Message}", [file.Path], e);
        }

        if (bytes.LongLength != file.Length)
        {
            throw new CheckpointCorruptException(id, [new CheckpointProblem(file.Path, CheckpointProblemKind.WrongSize, $"it is {bytes.LongLength} bytes, the manifest recorded {file.Length}")]);
        }

        var crc = CheckpointFiles.Crc32C(bytes);
        if (crc != file.Crc32C)
        {
            throw new CheckpointCorruptException(id, [new CheckpointProblem(file.Path, CheckpointProblemKind.WrongChecksum, $"its CRC32C is {crc:x8}, the manifest recorded {file.Crc32C:x8}")]);
        }

        return bytes;
    }

    private async ValueTask<CheckpointInfo> CommitLockedAsync(CheckpointDraft draft, CancellationToken cancellationToken)
    {
        var before = _committed;
        var known = new Dictionary<string, CheckpointFileInfo>(StringComparer.Ordinal);
        foreach (var file in before.SelectMany(c => c.Files).Where(f => f.Kind == CheckpointFileKind.Shared))
        {
            known.TryAdd(file.Path, file);
        }

        var now = _time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var directory = CheckpointFiles.DirectoryOf(id);
        var files = new List<CheckpointFileInfo>();
        foreach (var name in draft.ReferencedSharedFiles.Order(StringComparer.Ordinal))
        {
            files.Add(known.TryGetValue(name, out var file)
                ? file
                : throw new ArgumentException($"Shared file '{name}' is not part of any committed checkpoint; add it with {nameof(CheckpointDraft.AddSharedFile)}.", nameof(draft)));
        }

        var newShared = new List<(string Path, SharedFileSource Source)>();
        foreach (var (name, source) in draft.NewSharedFiles.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (known.TryGetValue(name, out var existing))
            {
                // Shared files are immutable: rewriting one would change a file that committed checkpoints verify.
                files.Add(SameAsCommitted(existing, source)
                    ? existing
                    : throw new ArgumentException($"Shared file '{name}' already belongs to a committed checkpoint with different content (or content that can only be compared by rewriting it); shared files are immutable: reference it with {nameof(CheckpointDraft.ReferenceSharedFile)}.", nameof(draft)));
                continue;
            }

            newShared.Add((name, source));
        }

        var states = new List<(CheckpointFileInfo File, ReadOnlyMemory<byte> Bytes)>();
        foreach (var (operatorId, bytes) in draft.States.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            states.Add((new CheckpointFileInfo(CheckpointFiles.StatePath(id, operatorId), CheckpointFileKind.State, operatorId, bytes.Length, CheckpointFiles.Crc32C(bytes.Span)), bytes));
        }

        CheckpointInfo info;
        CheckpointInfo[] after;
        var catalogAttempted = false;
        long written = 0;
        try
        {
            // Checked before anything is written: a fenced writer must not even overwrite the owner's shared files.
            await CheckWriterEpochAsync(cancellationToken).ConfigureAwait(false);
            await Step(CheckpointCommitStep.CreateCheckpointDirectory, directory, () => _backend.CreateDirectoryAsync(directory, cancellationToken)).ConfigureAwait(false);
            CheckpointMetrics.Fsyncs.Add(1);
            foreach (var (file, bytes) in states)
            {
                written += await WriteFileStepAsync(CheckpointCommitStep.WriteStateFile, file.Path, bytes, cancellationToken).ConfigureAwait(false);
            }

            foreach (var (path, source) in newShared)
            {
                // A stream or file is measured while it is copied: its length and CRC32C are known only afterwards.
                var (length, crc) = await Step(CheckpointCommitStep.WriteSharedFile, path, () => source.WriteAsync(_backend, path, cancellationToken)).ConfigureAwait(false);
                files.Add(new CheckpointFileInfo(path, CheckpointFileKind.Shared, null, length, crc));
                if (source.IsWrittenByCommit)
                {
                    CheckpointMetrics.Fsyncs.Add(1);
                    written += length;
                }
            }

            files.AddRange(states.Select(s => s.File));
            info = new CheckpointInfo(id, now, files);
            after = [.. before, info];

            written += await WriteFileStepAsync(CheckpointCommitStep.WriteManifest, CheckpointFiles.ManifestPath(id), CheckpointFiles.EncodeManifest(info), cancellationToken).ConfigureAwait(false);

            // Barrier: the manifest and state renames (checkpoint directory) and the shared-file renames (root) must be
            // durable before the catalog can point at them; otherwise the catalog rename could persist without them.
            if (!Deviations.HasFlag(ProtocolDeviation.SkipCheckpointDirectorySync))
            {
                await SyncStepAsync(CheckpointCommitStep.SyncCheckpointDirectory, directory, cancellationToken).ConfigureAwait(false);
            }

            if (!Deviations.HasFlag(ProtocolDeviation.SkipRootSyncBeforeCatalog))
            {
                await SyncStepAsync(CheckpointCommitStep.SyncRootBeforeCatalog, Root, cancellationToken).ConfigureAwait(false);
            }

            if (Deviations.HasFlag(ProtocolDeviation.PublishBeforeCatalogDurable))
            {
                Volatile.Write(ref _committed, after);
            }

            // And again just before the catalog is replaced, the one write that could undo the new owner's commits.
            await CheckWriterEpochAsync(cancellationToken).ConfigureAwait(false);
            catalogAttempted = true;
            written += await WriteFileStepAsync(CheckpointCommitStep.WriteCatalog, CatalogFileName, EncodeCatalog(after), cancellationToken).ConfigureAwait(false);
            await SyncStepAsync(CheckpointCommitStep.SyncRootCommitPoint, Root, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!Deviations.HasFlag(ProtocolDeviation.PublishBeforeCatalogDurable))
        {
            CheckpointMetrics.Failures.Add(1, new KeyValuePair<string, object?>("operation", "commit"));
            if (e is CheckpointCommitException commitError)
            {
                CheckpointerLog.CommitFailed(_logger, e, commitError.Step, commitError.Path, _backend.Description);
            }

            // The catalog rename may have happened even though the call failed (the error can come from the fsync
            // after it): put the previous catalog back so that what is on disk matches the unchanged list.
            var catalogIsOld = !catalogAttempted || await TryWriteCatalogAsync(before).ConfigureAwait(false);
            if (catalogIsOld)
            {
                // A fenced writer removes only its own checkpoint directory: a shared file of the same name may be the
                // new owner's, and it is not this writer's to delete.
                await TryRemoveQuietlyAsync(id, e is CheckpointFencedException ? [] : newShared.Where(s => s.Source.IsWrittenByCommit).Select(s => s.Path)).ConfigureAwait(false);
            }

            throw;
        }

        // The commit point was reached: the catalog naming the checkpoint is durable.
        Volatile.Write(ref _committed, after);
        CheckpointMetrics.Commits.Add(1);
        CheckpointMetrics.BytesWritten.Add(written);
        CheckpointerLog.Committed(_logger, id, files.Count, written, _backend.Description);
        return info;
    }

    /// <summary>Whether a draft's new shared file is the committed one of the same name, without rewriting it.</summary>
    private static bool SameAsCommitted(CheckpointFileInfo committed, SharedFileSource source) => source switch
    {
        SharedFileSource.Memory memory => memory.Bytes.Length == committed.Length && CheckpointFiles.Crc32C(memory.Bytes.Span) == committed.Crc32C,
        SharedFileSource.Adopted adopted => (adopted.ExpectedLength ?? committed.Length) == committed.Length && (adopted.ExpectedCrc32C ?? committed.Crc32C) == committed.Crc32C,
        _ => false,
    };

    private async ValueTask<RestoredCheckpoint> RestoreLockedAsync(Guid id, CancellationToken cancellationToken)
    {
        var info = await ReadManifestAsync(id, cancellationToken).ConfigureAwait(false);
        var problems = new List<CheckpointProblem>();
        var absent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in info.Files)
        {
            var entry = await Io(file.Path, () => _backend.GetEntryAsync(file.Path, cancellationToken)).ConfigureAwait(false);
            if (entry is null)
            {
                if (Deviations.HasFlag(ProtocolDeviation.MissingStateIsNewOperator))
                {
                    absent.Add(file.Path);
                    continue;
                }

                problems.Add(new CheckpointProblem(file.Path, CheckpointProblemKind.Missing, "the file is missing"));
            }
            else if (entry.IsDirectory)
            {
                problems.Add(new CheckpointProblem(file.Path, CheckpointProblemKind.Malformed, "a directory is where the file should be"));
            }
            else if (entry.Length != file.Length)
            {
                problems.Add(new CheckpointProblem(file.Path, CheckpointProblemKind.WrongSize, $"it is {entry.Length} bytes, the manifest recorded {file.Length}"));
            }
        }

        if (problems.Count > 0)
        {
            throw new CheckpointCorruptException(id, problems);
        }

        var states = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        foreach (var file in info.Files.Where(f => f.Kind == CheckpointFileKind.State && !absent.Contains(f.Path)))
        {
            try
            {
                states[file.OperatorId!] = await ReadVerifiedAsync(_backend, id, file, cancellationToken).ConfigureAwait(false);
            }
            catch (CheckpointCorruptException e)
            {
                problems.AddRange(e.Problems);
            }
        }

        if (problems.Count > 0)
        {
            throw new CheckpointCorruptException(id, problems);
        }

        return new RestoredCheckpoint(_backend, info, states);
    }

    private async ValueTask<GarbageCollectionResult> CollectLockedAsync(int retain, IReadOnlyCollection<Guid> except, CancellationToken cancellationToken)
    {
        await CheckWriterEpochAsync(cancellationToken).ConfigureAwait(false);
        var before = _committed;
        var keepIds = before.Skip(Math.Max(0, before.Length - retain)).Select(c => c.Id).Concat(except).ToHashSet();
        var keep = before.Where(c => keepIds.Contains(c.Id)).ToArray();
        var remove = before.Where(c => !keepIds.Contains(c.Id)).ToArray();

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
        foreach (var file in deleteSharedFiles ? manifest?.Files.Where(f => f.Kind == CheckpointFileKind.Shared && !referenced.Contains(f.Path)) ?? [] : [])
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

        CheckpointMetrics.GcDeletions.Add(deleted.Count);
        return deleted;
    }

    private async ValueTask<CheckpointInfo> ReadManifestAsync(Guid id, CancellationToken cancellationToken)
    {
        var path = CheckpointFiles.ManifestPath(id);
        var entry = await Io(path, () => _backend.GetEntryAsync(path, cancellationToken)).ConfigureAwait(false);
        if (entry is null)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.Missing, "the manifest is missing");
        }

        if (entry.IsDirectory)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, "a directory is where the manifest should be");
        }

        if (entry.Length > _options.MaxManifestBytes)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.TooLarge, $"it is {entry.Length} bytes, more than the {_options.MaxManifestBytes} allowed");
        }

        byte[] bytes;
        try
        {
            bytes = await _backend.ReadAllBytesAsync(path, _options.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.Missing, "the manifest is missing", e);
        }
        catch (IOException e)
        {
            throw new CheckpointStoreException($"Could not read '{path}': {e.Message}", [path], e);
        }

        return Deviations.HasFlag(ProtocolDeviation.UncheckedManifest)
            ? DecodeManifestUnchecked(bytes)
            : CheckpointFiles.DecodeManifest(id, bytes, _options.MaxFilesPerCheckpoint);
    }

    /// <summary>The historical bug of issue point 2: whatever the JSON holds is trusted, so a malformed manifest escapes as a raw exception.</summary>
    private static CheckpointInfo DecodeManifestUnchecked(byte[] bytes)
    {
        var document = JsonSerializer.Deserialize(bytes, CheckpointJsonContext.Default.ManifestDocument)!;
        return new CheckpointInfo(
            Guid.Parse(document.CheckpointId!),
            document.CreatedAt,
            document.Files!.Select(f => new CheckpointFileInfo(f.Path!, f.Kind == "state" ? CheckpointFileKind.State : CheckpointFileKind.Shared, f.OperatorId, f.Length, f.Crc32C)).ToArray());
    }

    private async ValueTask<long> WriteFileStepAsync(CheckpointCommitStep step, string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await Step(step, path, async () =>
        {
            var file = await _backend.CreateAsync(path, cancellationToken).ConfigureAwait(false);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await file.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        CheckpointMetrics.Fsyncs.Add(1);
        return bytes.Length;
    }

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

    private async ValueTask SyncStepAsync(CheckpointCommitStep step, string directory, CancellationToken cancellationToken)
    {
        await Step(step, directory, () => _backend.SyncDirectoryAsync(directory, cancellationToken)).ConfigureAwait(false);
        CheckpointMetrics.Fsyncs.Add(1);
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

    /// <summary>Best-effort removal of a failed commit's new files; anything left is an orphan that recovery or GC removes.</summary>
    private async ValueTask TryRemoveQuietlyAsync(Guid id, IEnumerable<string> newSharedFiles)
    {
        var directory = CheckpointFiles.DirectoryOf(id);
        try
        {
            var deletedShared = false;
            foreach (var path in newSharedFiles)
            {
                deletedShared |= await _backend.DeleteAsync(path, CancellationToken.None).ConfigureAwait(false);
            }

            if (deletedShared)
            {
                await _backend.SyncDirectoryAsync(Root, CancellationToken.None).ConfigureAwait(false);
            }

            if (await _backend.DeleteDirectoryAsync(directory, CancellationToken.None).ConfigureAwait(false))
            {
                await _backend.SyncDirectoryAsync(Root, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (IOException e)
        {
            CheckpointerLog.CleanupFailed(_logger, e, directory, _backend.Description);
        }
    }

    private static async ValueTask Step(CheckpointCommitStep step, string path, Func<ValueTask> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not CheckpointException)
        {
            throw new CheckpointCommitException(step, path, e);
        }
    }

    private static async ValueTask<T> Step<T>(CheckpointCommitStep step, string path, Func<ValueTask<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not CheckpointException)
        {
            throw new CheckpointCommitException(step, path, e);
        }
    }

    private static async ValueTask<T> Io<T>(string path, Func<ValueTask<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CheckpointStoreException($"Storage failed at '{path}': {e.Message}", [path], e);
        }
    }
}
