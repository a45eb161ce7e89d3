using System.Security.Cryptography;
using System.Text;

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

    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default)
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

        return ValueTask.FromResult<PendingFile>(new CrashPendingFile(this, path));
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
        private bool _closed;

        public CrashPendingFile(CrashSimulatingBackend owner, string path)
            : base(path)
        {
            _owner = owner;
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

/// <summary>How many crash states <see cref="CrashSimulatingBackend.EnumerateCrashStates"/> builds per trace prefix.</summary>
public sealed class CrashEnumerationOptions
{
    /// <summary>Up to this many pending (unfenced) changes, every subset of them is a crash state.</summary>
    public int ExhaustiveSubsetLimit { get; init; } = 6;

    /// <summary>Whether to add states where the file being written last holds only a prefix of its bytes.</summary>
    public bool TornWrites { get; init; } = true;
}

/// <summary>
/// What a disk holds after a crash: committed files and directories reachable from the root, plus temporaries a crash
/// left behind mid-write (never visible through the backend, but part of what recovery must cope with).
/// </summary>
public sealed class CrashState
{
    private string? _key;

    internal CrashState(Dictionary<string, byte[]?> entries, Dictionary<string, byte[]> temporaries, string description, int prefixLength)
    {
        Entries = entries;
        Temporaries = temporaries;
        Description = description;
        PrefixLength = prefixLength;
    }

    /// <summary>The empty disk.</summary>
    public static CrashState Empty { get; } = new([], [], "empty", 0);

    /// <summary>How the state was made, for failure messages.</summary>
    public string Description { get; }

    /// <summary>The number of trace operations the state reflects (some of them lost by the crash).</summary>
    public int PrefixLength { get; }

    /// <summary>Committed files by path.</summary>
    public IReadOnlyDictionary<string, byte[]> Files => Entries.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal);

    /// <summary>Directories (the root excluded).</summary>
    public IReadOnlyCollection<string> Directories => Entries.Where(e => e.Value is null).Select(e => e.Key).ToArray();

    /// <summary>Temporaries of unfinished writes, by the final path they were meant for.</summary>
    public IReadOnlyDictionary<string, byte[]> LeftoverTemporaries => Temporaries;

    /// <summary>A fingerprint of the content: two states with equal keys hold the same files, bytes and temporaries.</summary>
    public string Key => _key ??= ComputeKey();

    /// <summary>Directory entries: a null value is a directory.</summary>
    internal Dictionary<string, byte[]?> Entries { get; }

    internal Dictionary<string, byte[]> Temporaries { get; }

    public override string ToString() => Description;

    private string ComputeKey()
    {
        var text = new StringBuilder();
        foreach (var (path, content) in Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append(content is null ? "d " : "f ").Append(path);
            if (content is not null)
            {
                text.Append(' ').Append(content.Length).Append(' ').Append(Checksum(content));
            }

            text.Append('\n');
        }

        foreach (var (path, content) in Temporaries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append("t ").Append(path).Append(' ').Append(content.Length).Append(' ').Append(Checksum(content)).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string Checksum(byte[] content)
    {
        // Contents are immutable and shared between the many states built from one trace: hash each array once.
        lock (ChecksumCache)
        {
            if (ChecksumCache.TryGetValue(content, out var cached))
            {
                return cached;
            }
        }

        var checksum = Convert.ToHexString(SHA256.HashData(content), 0, 12);
        lock (ChecksumCache)
        {
            ChecksumCache.AddOrUpdate(content, checksum);
        }

        return checksum;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], string> ChecksumCache = new();
}

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
