namespace Bulwark.Storage;

/// <summary>
/// An in-memory backend that models what a POSIX file system guarantees after a power cut, so that crash sweeps can
/// build every state a real disk could be left in. File contents become durable when a commit flushes them (the
/// fsync before the rename); a rename (publish), a deletion or a new directory entry becomes durable only when its
/// parent directory is synced. It records the ordered operation trace, and <see cref="EnumerateCrashStates"/> turns
/// a trace into crash states on which <see cref="FromState"/> builds a fresh backend to re-open a store.
/// </summary>
public sealed class CrashSimulatingBackend : IStorageBackend
{
    private readonly CrashModel _model;
    private readonly List<StorageOperation> _trace = [];
    private readonly Lock _lock = new();
    private readonly InProcessLockTable _locks = new();

    public CrashSimulatingBackend()
        : this(CrashState.Empty)
    {
    }

    private CrashSimulatingBackend(CrashState state) => _model = new CrashModel(state);

    public string Description => "crash-simulating memory";

    /// <summary>A backend whose volatile and durable contents are both <paramref name="state"/>: the disk after a reboot.</summary>
    public static CrashSimulatingBackend FromState(CrashState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new CrashSimulatingBackend(state);
    }

    /// <summary>Every operation so far, in order, including reads.</summary>
    public IReadOnlyList<StorageOperation> Trace
    {
        get
        {
            lock (_lock)
            {
                return _trace.ToArray();
            }
        }
    }

    /// <summary>The number of traced operations; a prefix of this length is what <see cref="CrashState.PrefixLength"/> counts.</summary>
    public int TraceCount
    {
        get
        {
            lock (_lock)
            {
                return _trace.Count;
            }
        }
    }

    /// <summary>Power cut: drops every write, rename, deletion and directory entry that is not durable; the backend then holds only the durable state.</summary>
    public CrashState Crash()
    {
        lock (_lock)
        {
            var state = _model.DurableState($"crash after {_trace.Count} operations", _trace.Count);
            _model.Reset(state);
            return state;
        }
    }

    /// <summary>What a crash now would leave, without crashing.</summary>
    public CrashState CaptureDurableState()
    {
        lock (_lock)
        {
            return _model.DurableState($"durable after {_trace.Count} operations", _trace.Count);
        }
    }

    /// <summary>What a reader sees now (as if the OS flushed everything).</summary>
    public CrashState CaptureVisibleState()
    {
        lock (_lock)
        {
            return _model.VisibleState($"visible after {_trace.Count} operations", _trace.Count);
        }
    }

    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) =>
        Create(path, noReplace: false, cancellationToken);

    /// <summary>
    /// A pending file published by a no-replace rename: traced as a <see cref="StorageOperationKind.Rename"/> and modelled
    /// exactly like one (durable once its directory is synced), but refused, with nothing traced as published, when a
    /// committed file is visible at the path.
    /// </summary>
    public ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) =>
        Create(path, noReplace: true, cancellationToken);

    private ValueTask<PendingFile> Create(string path, bool noReplace, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        path = StoragePath.Normalize(path);
        if (path.Length == 0)
        {
            throw new StorageException("Cannot create a file at the storage root itself.");
        }

        lock (_lock)
        {
            if (_model.Visible.TryGetValue(path, out var existing) && existing is null)
            {
                throw new StorageException($"Cannot create file '{path}': a directory has that name.");
            }

            CreateDirectoryChain(StoragePath.GetDirectory(path));
            Record(StorageOperationKind.Create, path);
        }

        return ValueTask.FromResult<PendingFile>(new CrashPendingFile(this, path, noReplace));
    }

    public ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        directory = StoragePath.Normalize(directory);
        lock (_lock)
        {
            CreateDirectoryChain(directory);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        directory = StoragePath.Normalize(directory);
        lock (_lock)
        {
            if (directory.Length > 0 && !(_model.Visible.TryGetValue(directory, out var node) && node is null))
            {
                throw new DirectoryNotFoundException($"Cannot sync directory '{directory}': it does not exist.");
            }

            var op = Record(StorageOperationKind.SyncDirectory, directory);
            _model.Sync(directory, op.Sequence);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        path = StoragePath.Normalize(path);
        lock (_lock)
        {
            Record(StorageOperationKind.Read, path);
            return ValueTask.FromResult<Stream>(new MemoryStream(ReadFile(path), writable: false));
        }
    }

    public ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        path = StoragePath.Normalize(path);
        lock (_lock)
        {
            Record(StorageOperationKind.Read, path);
            var content = ReadFile(path);
            if (content.LongLength > maxBytes)
            {
                throw new StorageException($"File '{path}' is {content.LongLength} bytes, more than the {maxBytes} allowed.");
            }

            return ValueTask.FromResult(content.ToArray());
        }
    }

    public ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        path = StoragePath.Normalize(path);
        lock (_lock)
        {
            Record(StorageOperationKind.GetEntry, path);
            if (path.Length == 0)
            {
                return ValueTask.FromResult<StorageEntry?>(new StorageEntry(string.Empty, true, 0));
            }

            return ValueTask.FromResult(_model.Visible.TryGetValue(path, out var node)
                ? new StorageEntry(path, node is null, node?.LongLength ?? 0)
                : null);
        }
    }

    public ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        directory = StoragePath.Normalize(directory);
        lock (_lock)
        {
            Record(StorageOperationKind.List, directory);
            if (directory.Length > 0 && !(_model.Visible.TryGetValue(directory, out var node) && node is null))
            {
                throw new DirectoryNotFoundException($"Cannot list directory '{directory}': it does not exist.");
            }

            var entries = _model.Visible
                .Where(e => e.Key.Length > 0 && StoragePath.GetDirectory(e.Key) == directory)
                .Select(e => new StorageEntry(e.Key, e.Value is null, e.Value?.LongLength ?? 0))
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .ToArray();
            return ValueTask.FromResult<IReadOnlyList<StorageEntry>>(entries);
        }
    }

    public ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        path = StoragePath.Normalize(path);
        lock (_lock)
        {
            if (!_model.Visible.TryGetValue(path, out var node))
            {
                return ValueTask.FromResult(false);
            }

            if (node is null)
            {
                throw new StorageException($"Cannot delete '{path}' as a file: it is a directory.");
            }

            var op = Record(StorageOperationKind.Delete, path);
            _model.Unlink(path, op.Sequence);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        directory = StoragePath.Normalize(directory);
        if (directory.Length == 0)
        {
            throw new StorageException("Cannot delete the storage root.");
        }

        lock (_lock)
        {
            if (!_model.Visible.TryGetValue(directory, out var node))
            {
                return ValueTask.FromResult(false);
            }

            if (node is not null)
            {
                throw new StorageException($"Cannot delete '{directory}' as a directory: it is a file.");
            }

            var op = Record(StorageOperationKind.DeleteDirectory, directory);
            _model.RemoveDirectory(directory, op.Sequence);
            return ValueTask.FromResult(true);
        }
    }

    /// <summary>
    /// A lock held by this simulated process. Locks are not part of the durable state: a backend made from a
    /// <see cref="CrashState"/> (the restarted process) starts with none, as the OS releases a dead process's locks.
    /// </summary>
    public ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_locks.Acquire(StorageNames.NormalizeBelowRoot(path), owner, Description));
    }

    /// <summary>
    /// Builds the distinct crash states a disk could be left in at every point of <paramref name="trace"/> (recorded by a
    /// backend that started from <paramref name="initial"/>): for every prefix, the state with every pending change
    /// persisted, the state with every unsynced change dropped, ordering states (one pending change lost while the
    /// later ones persisted, or persisted alone — a pending change is one no directory sync has yet fenced), every
    /// combination of pending changes when there are few, and torn writes of the file being written last.
    /// </summary>
    public static IEnumerable<CrashState> EnumerateCrashStates(CrashState initial, IReadOnlyList<StorageOperation> trace, CrashEnumerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(trace);
        options ??= new CrashEnumerationOptions();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var model = new CrashModel(initial);
        var writing = new Dictionary<string, List<byte>>(StringComparer.Ordinal);
        string? lastCreated = null;

        foreach (var state in StatesAt(0, namespaceChanged: true))
        {
            yield return state;
        }

        foreach (var op in trace)
        {
            if (!op.IsMutation)
            {
                continue;
            }

            // Creating and writing a pending file changes only its hidden temporary: the namespace states of the
            // previous prefix would repeat, so only the torn-write states are new there.
            var namespaceChanged = op.Kind is not (StorageOperationKind.Create or StorageOperationKind.Write or StorageOperationKind.Flush);
            switch (op.Kind)
            {
                case StorageOperationKind.Create:
                    writing[op.Path] = [];
                    lastCreated = op.Path;
                    break;
                case StorageOperationKind.Write:
                    if (writing.TryGetValue(op.Path, out var bytes))
                    {
                        bytes.AddRange(op.Data.Span);
                    }

                    break;
                case StorageOperationKind.Flush:
                    break;
                case StorageOperationKind.Rename:
                    writing.Remove(op.Path);
                    if (lastCreated == op.Path)
                    {
                        lastCreated = null;
                    }

                    model.Publish(op.Path, op.Data.ToArray(), op.Sequence);
                    break;
                case StorageOperationKind.SyncDirectory:
                    model.Sync(op.Path, op.Sequence);
                    break;
                case StorageOperationKind.CreateDirectory:
                    model.MakeDirectory(op.Path, op.Sequence);
                    break;
                case StorageOperationKind.Delete:
                    model.Unlink(op.Path, op.Sequence);
                    break;
                case StorageOperationKind.DeleteDirectory:
                    model.RemoveDirectory(op.Path, op.Sequence);
                    break;
            }

            foreach (var state in StatesAt(op.Sequence + 1, namespaceChanged))
            {
                yield return state;
            }
        }

        IEnumerable<CrashState> StatesAt(int prefix, bool namespaceChanged)
        {
            var pending = model.Pending;
            var candidates = new List<(string Label, ulong Mask)>();
            if (namespaceChanged)
            {
                candidates.Add(("unsynced dropped", 0UL));
            }

            var count = Math.Min(pending.Count, 63);
            var all = count == 64 ? ulong.MaxValue : (1UL << count) - 1;
            if (count > 0 && namespaceChanged)
            {
                candidates.Add(("everything persisted", all));
                for (var i = 0; i < count; i++)
                {
                    candidates.Add(($"lost {pending[i]} while later changes persisted", all & ~(1UL << i)));
                    candidates.Add(($"only {pending[i]} persisted", 1UL << i));
                }

                if (count <= options.ExhaustiveSubsetLimit)
                {
                    for (var mask = 1UL; mask < all; mask++)
                    {
                        candidates.Add(($"pending subset 0x{mask:x}", mask));
                    }
                }
            }

            var masks = new HashSet<ulong>();
            foreach (var (label, mask) in candidates)
            {
                if (!masks.Add(mask))
                {
                    continue;
                }

                var state = model.StateWith(mask, $"prefix {prefix}: {label}", prefix, temporary: null);
                if (seen.Add(state.Key))
                {
                    yield return state;
                }
            }

            if (lastCreated is not null && writing.TryGetValue(lastCreated, out var written) && written.Count > 0 && options.TornWrites)
            {
                var content = written.ToArray();
                foreach (var cut in new[] { 0, 1, content.Length / 2, content.Length - 1, content.Length }.Distinct())
                {
                    if (cut < 0 || cut > content.Length)
                    {
                        continue;
                    }

                    foreach (var mask in count > 0 ? new[] { 0UL, all } : [0UL])
                    {
                        var torn = model.StateWith(mask, $"prefix {prefix}: torn write of '{lastCreated}' ({cut} of {content.Length} bytes)", prefix, (lastCreated, content[..cut]));
                        if (seen.Add(torn.Key))
                        {
                            yield return torn;
                        }
                    }
                }
            }
        }
    }

    private void CreateDirectoryChain(string directory)
    {
        if (directory.Length == 0)
        {
            return;
        }

        if (_model.Visible.TryGetValue(directory, out var node))
        {
            if (node is not null)
            {
                throw new StorageException($"Cannot create directory '{directory}': a file has that name.");
            }

            return;
        }

        var parent = StoragePath.GetDirectory(directory);
        CreateDirectoryChain(parent);

        // The contract syncs each new entry's parent as it is created, so the chain is durable when this returns.
        var create = Record(StorageOperationKind.CreateDirectory, directory);
        _model.MakeDirectory(directory, create.Sequence);
        var sync = Record(StorageOperationKind.SyncDirectory, parent);
        _model.Sync(parent, sync.Sequence);
    }

    private byte[] ReadFile(string path)
    {
        if (!_model.Visible.TryGetValue(path, out var node) || node is null)
        {
            throw new FileNotFoundException($"No committed file at '{path}'.", path);
        }

        return node;
    }

    private StorageOperation Record(StorageOperationKind kind, string path, ReadOnlyMemory<byte> data = default)
    {
        var op = new StorageOperation(_trace.Count, kind, path) { Data = data };
        _trace.Add(op);
        return op;
    }

    private sealed class CrashPendingFile : PendingFile
    {
        private readonly CrashSimulatingBackend _owner;
        private readonly MemoryStream _buffer = new();
        private readonly ObservedWriteStream _stream;
        private readonly bool _noReplace;
        private bool _closed;

        public CrashPendingFile(CrashSimulatingBackend owner, string path, bool noReplace)
            : base(path)
        {
            _owner = owner;
            _noReplace = noReplace;
            _stream = new ObservedWriteStream(_buffer, bytes =>
            {
                if (_closed)
                {
                    throw new ObjectDisposedException(nameof(PendingFile), $"Pending file '{Path}' was already committed or disposed.");
                }

                lock (_owner._lock)
                {
                    _owner.Record(StorageOperationKind.Write, Path, bytes.ToArray());
                }
            });
        }

        public override Stream Stream => _stream;

        public override ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_closed)
            {
                throw new InvalidOperationException($"Pending file '{Path}' was already committed or disposed.");
            }

            var content = _buffer.ToArray();
            lock (_owner._lock)
            {
                var parent = StoragePath.GetDirectory(Path);
                if (parent.Length > 0 && !(_owner._model.Visible.TryGetValue(parent, out var dir) && dir is null))
                {
                    throw new DirectoryNotFoundException($"Cannot commit '{Path}': its directory was deleted.");
                }

                if (_owner._model.Visible.TryGetValue(Path, out var existing) && existing is null)
                {
                    throw new StorageException($"Cannot commit '{Path}': a directory has that name.");
                }

                _owner.Record(StorageOperationKind.Flush, Path, content);
                if (_noReplace && _owner._model.Visible.TryGetValue(Path, out var taken) && taken is not null)
                {
                    // link(2) failing with EEXIST: the flushed temporary is left unpublished, the existing file untouched.
                    _closed = true;
                    throw new StorageFileExistsException(Path, _owner.Description);
                }

                var rename = _owner.Record(StorageOperationKind.Rename, Path, content);
                _owner._model.Publish(Path, content, rename.Sequence);
            }

            _closed = true;
            IsCommitted = true;
            return ValueTask.CompletedTask;
        }

        public override ValueTask DisposeAsync()
        {
            _closed = true;
            return ValueTask.CompletedTask;
        }
    }
}
