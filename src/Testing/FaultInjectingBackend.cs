using Bulwark.Storage;

namespace Bulwark.Testing;

/// <summary>An error raised on purpose by <see cref="FaultInjectingBackend"/>; the message names the operation.</summary>
public sealed class InjectedFaultException : StorageException
{
    /// <summary>A fault fired at <paramref name="operation"/>; <paramref name="permanent"/> if its rule keeps firing.</summary>
    public InjectedFaultException(StorageOperation operation, bool permanent)
        : base($"Injected {(permanent ? "permanent" : "transient")} fault at {operation}.")
    {
        Operation = operation;
        IsPermanent = permanent;
    }

    /// <summary>The operation that failed.</summary>
    public StorageOperation Operation { get; }

    /// <summary>True if the fault keeps firing on every matching operation.</summary>
    public bool IsPermanent { get; }
}

/// <summary>When a fault fires relative to the real operation.</summary>
public enum FaultTiming
{
    /// <summary>The operation is not performed; the caller gets the error.</summary>
    Before,

    /// <summary>
    /// The operation is performed and the caller still gets the error, like an fsync or rename whose completion was not
    /// reported: the caller cannot know whether it took effect.
    /// </summary>
    After,
}

/// <summary>
/// A decorator over any <see cref="IStorageBackend"/> that fails chosen operations — the Nth, or every one a predicate
/// matches — once (transient) or from then on (permanent), before or after the operation takes effect, and traces
/// every operation it sees. With no fault scheduled it behaves exactly as the backend it wraps (it passes the same
/// storage contract). Typical use: run a workload, fail operation n, and check what the code under test reported
/// against what the storage holds.
/// </summary>
public sealed class FaultInjectingBackend : IStorageBackend
{
    private readonly IStorageBackend _inner;
    private readonly List<StorageOperation> _trace = [];
    private readonly List<Rule> _rules = [];
    private readonly Lock _lock = new();

    /// <summary>Wraps <paramref name="inner"/>, which performs every operation that is not failed before it runs.</summary>
    public FaultInjectingBackend(IStorageBackend inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <summary>
    /// The wrapped backend's description: errors the inner backend raises name it, and the decorator adds nothing to
    /// them (an injected fault says so in its own message).
    /// </summary>
    public string Description => _inner.Description;

    /// <summary>The backend that performs the operations.</summary>
    public IStorageBackend Inner => _inner;

    /// <summary>Operations seen so far (including failed ones), in order.</summary>
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

    /// <summary>The number of operations seen so far; the next one is numbered <c>OperationCount + 1</c> by <see cref="FailAt"/>.</summary>
    public int OperationCount
    {
        get
        {
            lock (_lock)
            {
                return _trace.Count;
            }
        }
    }

    /// <summary>The number of faults that fired.</summary>
    public int FaultsFired { get; private set; }

    /// <summary>Fails the <paramref name="n"/>th operation from now (1 = the next one) and, if permanent, every operation after it.</summary>
    public FaultInjectingBackend FailAt(int n, bool permanent = false, FaultTiming timing = FaultTiming.Before)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        lock (_lock)
        {
            var target = _trace.Count + n - 1;
            _rules.Add(new Rule(op => op.Sequence >= target, permanent, timing));
        }

        return this;
    }

    /// <summary>Fails operations that <paramref name="predicate"/> matches: the first one only, or every one if permanent.</summary>
    public FaultInjectingBackend FailWhen(Func<StorageOperation, bool> predicate, bool permanent = false, FaultTiming timing = FaultTiming.Before)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        lock (_lock)
        {
            _rules.Add(new Rule(predicate, permanent, timing));
        }

        return this;
    }

    /// <summary>Fails operations of <paramref name="kind"/> whose path satisfies <paramref name="pathMatches"/> (any path if null).</summary>
    public FaultInjectingBackend FailWhen(StorageOperationKind kind, Func<string, bool>? pathMatches = null, bool permanent = false, FaultTiming timing = FaultTiming.Before) =>
        FailWhen(op => op.Kind == kind && (pathMatches is null || pathMatches(op.Path)), permanent, timing);

    /// <summary>Removes every fault rule; the trace is kept.</summary>
    public void ClearFaults()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    /// <inheritdoc/>
    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) =>
        CreateAsync(path, noReplace: false, cancellationToken);

    /// <summary>
    /// Traced and failed like <see cref="CreateAsync(string, CancellationToken)"/>: a <see cref="StorageOperationKind.Create"/>,
    /// then on commit a <see cref="StorageOperationKind.Flush"/> and a <see cref="StorageOperationKind.Rename"/> (the
    /// no-replace rename), so every rule written for files applies to it too.
    /// </summary>
    public ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) =>
        CreateAsync(path, noReplace: true, cancellationToken);

    private async ValueTask<PendingFile> CreateAsync(string path, bool noReplace, CancellationToken cancellationToken)
    {
        path = StoragePath.NormalizeEntryPath(path);
        var fault = Check(StorageOperationKind.Create, path, default);
        var inner = noReplace
            ? await _inner.CreateNewAsync(path, cancellationToken).ConfigureAwait(false)
            : await _inner.CreateAsync(path, cancellationToken).ConfigureAwait(false);
        if (fault is not null)
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            throw fault;
        }

        return new FaultInjectingPendingFile(this, inner);
    }

    /// <inheritdoc/>
    public async ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        directory = StoragePath.NormalizeEntryPath(directory);
        var fault = Check(StorageOperationKind.CreateDirectory, directory, default);
        await _inner.CreateDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        ThrowIfAfter(fault);
    }

    /// <inheritdoc/>
    public async ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        directory = StoragePath.NormalizeEntryPath(directory);
        var fault = Check(StorageOperationKind.SyncDirectory, directory, default);
        await _inner.SyncDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        ThrowIfAfter(fault);
    }

    /// <inheritdoc/>
    public async ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        path = StoragePath.NormalizeEntryPath(path);
        var fault = Check(StorageOperationKind.Read, path, default);
        var stream = await _inner.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (fault is not null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw fault;
        }

        return stream;
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        path = StoragePath.NormalizeEntryPath(path);
        var fault = Check(StorageOperationKind.Read, path, default);
        var bytes = await _inner.ReadAllBytesAsync(path, maxBytes, cancellationToken).ConfigureAwait(false);
        ThrowIfAfter(fault);
        return bytes;
    }

    /// <inheritdoc/>
    public async ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default)
    {
        path = StoragePath.NormalizeEntryPath(path);
        var fault = Check(StorageOperationKind.GetEntry, path, default);
        var entry = await _inner.GetEntryAsync(path, cancellationToken).ConfigureAwait(false);
        ThrowIfAfter(fault);
        return entry;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default)
    {
        directory = StoragePath.NormalizeEntryPath(directory);
        var fault = Check(StorageOperationKind.List, directory, default);
        var entries = await _inner.ListAsync(directory, cancellationToken).ConfigureAwait(false);
        ThrowIfAfter(fault);
        return entries;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        path = StoragePath.NormalizeEntryPath(path);
        var fault = Check(StorageOperationKind.Delete, path, default);
        var deleted = await _inner.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
        ThrowIfAfter(fault);
        return deleted;
    }

    /// <inheritdoc/>
    public async ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default)
    {
        path = StoragePath.NormalizeEntryPath(path);
        var fault = Check(StorageOperationKind.Lock, path, default);
        var held = await _inner.AcquireLockAsync(path, owner, cancellationToken).ConfigureAwait(false);
        if (fault is not null)
        {
            // "Took effect but reported failure" must not leak the lock: the caller never sees the handle to release.
            await held.DisposeAsync().ConfigureAwait(false);
            throw fault;
        }

        return held;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        directory = StoragePath.NormalizeEntryPath(directory);
        var fault = Check(StorageOperationKind.DeleteDirectory, directory, default);
        var deleted = await _inner.DeleteDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        ThrowIfAfter(fault);
        return deleted;
    }

    /// <summary>
    /// Traces the operation and decides whether it fails: throws at once for <see cref="FaultTiming.Before"/>, and
    /// returns the exception to throw once the operation has been performed for <see cref="FaultTiming.After"/>.
    /// </summary>
    private InjectedFaultException? Check(StorageOperationKind kind, string path, ReadOnlyMemory<byte> data)
    {
        StorageOperation operation;
        Rule? fired = null;
        lock (_lock)
        {
            operation = new StorageOperation(_trace.Count, kind, path) { Data = data };
            _trace.Add(operation);
            for (var i = 0; i < _rules.Count; i++)
            {
                var rule = _rules[i];
                if (rule.Matches(operation))
                {
                    fired = rule;
                    if (!rule.Permanent)
                    {
                        _rules.RemoveAt(i);
                    }

                    FaultsFired++;
                    break;
                }
            }
        }

        if (fired is null)
        {
            return null;
        }

        var fault = new InjectedFaultException(operation, fired.Permanent);
        if (fired.Timing == FaultTiming.Before)
        {
            throw fault;
        }

        return fault;
    }

    private static void ThrowIfAfter(InjectedFaultException? fault)
    {
        if (fault is not null)
        {
            throw fault;
        }
    }

    private sealed record Rule(Func<StorageOperation, bool> Matches, bool Permanent, FaultTiming Timing);

    private sealed class FaultInjectingPendingFile : PendingFile
    {
        private readonly FaultInjectingBackend _owner;
        private readonly PendingFile _inner;
        private readonly ObservedWriteStream _stream;

        public FaultInjectingPendingFile(FaultInjectingBackend owner, PendingFile inner)
            : base(inner.Path)
        {
            _owner = owner;
            _inner = inner;
            _stream = new ObservedWriteStream(() => inner.Stream, bytes =>
            {
                // A write fault always fires before the bytes reach the file, whatever its timing: a failed write
                // that still landed is indistinguishable, to the writer, from one that did not.
                ThrowIfAfter(_owner.Check(StorageOperationKind.Write, Path, bytes.ToArray()));
            });
        }

        public override Stream Stream => _stream;

        public override async ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            // The inner commit is one call, so both of its steps are checked before it runs; an "after" fault on the
            // rename step performs the commit and still reports failure (the caller cannot tell whether it happened).
            ThrowIfAfter(_owner.Check(StorageOperationKind.Flush, Path, default));
            var renameFault = _owner.Check(StorageOperationKind.Rename, Path, default);
            await _inner.CommitAsync(cancellationToken).ConfigureAwait(false);
            IsCommitted = true;
            ThrowIfAfter(renameFault);
        }

        public override ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
