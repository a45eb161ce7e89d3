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
public sealed partial class Checkpointer : IAsyncDisposable
{
    /// <summary>The catalog's file name at the store root.</summary>
    public const string CatalogFileName = CheckpointFiles.CatalogFileName;

    /// <summary>The store lock's file name at the store root, held while a checkpointer has the store open.</summary>
    public const string LockFileName = CheckpointFiles.LockFileName;

    /// <summary>The manifest's file name inside each checkpoint directory.</summary>
    public const string ManifestFileName = CheckpointFiles.ManifestFileName;

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of the checkpointer's counters.</summary>
    public const string MeterName = CheckpointMetrics.MeterName;

    private const string Root = "";

    private readonly IStorageBackend _backend;
    private readonly CheckpointerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CheckpointInstruments _metrics;
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
        _metrics = CheckpointInstruments.Create(options.MeterFactory);
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

    /// <summary>
    /// True once a commit or collection found that a checkpointer opened later owns the store: this one commits and
    /// deletes nothing any more (see <see cref="CheckpointFencedException"/>).
    /// </summary>
    public bool IsFenced => Volatile.Read(ref _fenced);

    private ProtocolDeviation Deviations => _options.Deviations;

    /// <summary>
    /// Opens the store and recovers it: takes the store's lock, reads the catalog and every catalogued manifest, makes
    /// the catalog with a bumped writer epoch durable, then removes checkpoint directories the catalog does not list
    /// (commits that never reached their commit point) and, on a <see cref="LocalFileSystemBackend"/>, the hidden
    /// temporaries killed processes left at the store root. A store without a catalog but with checkpoint directories is
    /// refused, and nothing is deleted. The lock is held until <see cref="DisposeAsync"/>.
    /// </summary>
    /// <remarks>
    /// A file written to the store root for <see cref="CheckpointDraft.AdoptSharedFile"/> must not be pending (created,
    /// not yet committed) while the store opens: its temporary looks exactly like one a killed commit left.
    /// </remarks>
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
                checkpointer._metrics.Failed("open");
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
            _metrics.Failed("restore");
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
            _metrics.Failed("gc");
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

        var crc = Checksums.Crc32C(bytes);
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
            states.Add((new CheckpointFileInfo(CheckpointFiles.StatePath(id, operatorId), CheckpointFileKind.State, operatorId, bytes.Length, Checksums.Crc32C(bytes.Span)), bytes));
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
            _metrics.Fsyncs.Add(1);
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
                    _metrics.Fsyncs.Add(1);
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
            _metrics.Failed("commit");
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
        _metrics.Commits.Add(1);
        _metrics.BytesWritten.Add(written);
        CheckpointerLog.Committed(_logger, id, files.Count, written, _backend.Description);
        return info;
    }

    /// <summary>Whether a draft's new shared file is the committed one of the same name, without rewriting it.</summary>
    private static bool SameAsCommitted(CheckpointFileInfo committed, SharedFileSource source) => source switch
    {
        SharedFileSource.Memory memory => memory.Bytes.Length == committed.Length && Checksums.Crc32C(memory.Bytes.Span) == committed.Crc32C,
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
}
