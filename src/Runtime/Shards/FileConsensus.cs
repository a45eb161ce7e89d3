using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Shards;

/// <summary>
/// An <see cref="IConsensus"/> over a local directory, durable across crashes and shared safely by any number of
/// instances and processes on one machine.
/// </summary>
/// <remarks>
/// <para>Layout: <c>{root}/{hex of the key's UTF-8 bytes}/{seqno as 20 digits}</c>, one immutable file per entry, plus
/// the key's <c>.lock</c> file. Hex names hold no separator, dot or letter case, so no key can name a path outside its
/// own directory or collide with another key on a case-insensitive file system.</para>
/// <para>A compare-and-set, under the key's lock, checks that the expected entry is the head (it exists and its
/// successor does not; for null, that the key has no entry), writes the new entry to a temporary, fsyncs it, publishes
/// it with link(2) — which fails rather than replaces if the name exists — and fsyncs the directory. A torn entry can
/// never be seen: its bytes were durable before its name existed. A crash between the temporary and the link leaves
/// only the temporary, which readers ignore and the next open deletes.</para>
/// <para>Why a lock when link(2) already refuses a second writer: truncation deletes entries, and without the lock a
/// writer that checked the head, then stalled while peers moved on and truncated, could re-create an entry that had
/// been truncated — an old compare-and-set succeeding long after it should have failed. Readers take no lock.</para>
/// <para>Reads fsync the key's directory before answering, so an entry a reader has seen survives a power loss even if
/// the writer that linked it died before its own directory fsync.</para>
/// </remarks>
public sealed partial class FileConsensus : IConsensus
{
    private const string Store = "file";

    private readonly ILogger logger;
    private readonly ConsensusInstruments instruments;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> prepared = new(StringComparer.Ordinal);

    // The highest head seen per key directory. Only a hint: every use re-validates it against the files.
    private readonly ConcurrentDictionary<string, long> heads = new(StringComparer.Ordinal);

    /// <summary>
    /// Test seam: the system calls that publish an entry and fsync a directory, the C library's in production. A test
    /// makes a link or an fsync fail, or a link take effect and still report a failure, which no real disk does on demand.
    /// </summary>
    internal ISystemCalls SystemCalls { get; set; }

    /// <summary>Test seam: every other file operation (writes, deletions, listings, the key lock), the file system's own in production.</summary>
    internal IConsensusFiles Files { get; }

    /// <param name="rootDirectory">The store's directory; it and its missing parents are created, each new level's parent synced.</param>
    /// <param name="logger">Receives commits, mismatches, truncations and crash clean-up.</param>
    /// <param name="meterFactory">Creates the <see cref="ConsensusMetrics.MeterName"/> meter; without one a process-wide meter is used.</param>
    /// <exception cref="ConsensusException">The root cannot be created or read.</exception>
    public FileConsensus(string rootDirectory, ILogger? logger = null, IMeterFactory? meterFactory = null)
        : this(rootDirectory, logger, meterFactory, readOnly: false, files: null, calls: null)
    {
    }

    /// <summary>Test seam: an instance whose opening (the root's creation, the sweep of crashed writers' files) already runs over <paramref name="files"/> and <paramref name="calls"/>.</summary>
    internal FileConsensus(string rootDirectory, IConsensusFiles files, ILogger? logger = null, ISystemCalls? calls = null)
        : this(rootDirectory, logger, meterFactory: null, readOnly: false, files, calls)
    {
    }

    private FileConsensus(string rootDirectory, ILogger? logger, IMeterFactory? meterFactory, bool readOnly, IConsensusFiles? files, ISystemCalls? calls)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        Files = files ?? ConsensusFiles.Instance;
        SystemCalls = calls ?? LibcSystemCalls.Instance;
        if (DirectorySync.IsRequired && !DirectorySync.IsImplemented)
        {
            throw new PlatformNotSupportedException($"Directory fsync is not implemented for {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; entries would not be durable.");
        }

        RootPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
        Description = $"consensus directory '{RootPath}'";
        this.logger = logger ?? NullLogger.Instance;
        instruments = ConsensusInstruments.Create(meterFactory);
        IsReadOnly = readOnly;
        if (readOnly)
        {
            if (!Files.DirectoryExists(RootPath))
            {
                throw new ConsensusException($"{Description} does not exist.");
            }

            return;
        }

        Guard(() =>
        {
            EnsureDirectory(RootPath);
            SweepAbandonedFiles();
        });
    }

    /// <summary>The absolute root directory.</summary>
    public string RootPath { get; }

    /// <summary>Names the store in messages and logs.</summary>
    public string Description { get; }

    public async Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default)
    {
        var directory = KeyDirectory(ConsensusArguments.ValidateKey(key));
        ct.ThrowIfCancellationRequested();
        while (true)
        {
            if (Guard(() => FindHead(directory)) is not { } head)
            {
                return null;
            }

            // The read, the absent successor and the still-present entry together show that this entry was the head at
            // the moment its successor was checked: entries are consecutive and a truncated one never comes back.
            var data = await TryReadEntryAsync(directory, head, ct).ConfigureAwait(false);
            if (data is null || Guard(() => EntryExists(directory, head + 1) || !EntryExists(directory, head)))
            {
                continue;
            }

            Guard(() => SyncDirectory(directory));
            return new VersionedData(head, data);
        }
    }

    public async Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        var directory = KeyDirectory(ConsensusArguments.ValidateCompareAndSet(key, expectedSeqNo, next));
        ThrowIfReadOnly("compare-and-set");
        ct.ThrowIfCancellationRequested();
        using var keyLock = await LockAsync(directory, ct).ConfigureAwait(false);

        // Under the lock nobody else adds or removes entries, so the head found is the head.
        var head = Guard(() => FindHead(directory));
        if (head != expectedSeqNo)
        {
            return Mismatch(key, expectedSeqNo, head);
        }

        var temporary = await WriteTemporaryAsync(directory, next.Data, ct).ConfigureAwait(false);
        var entry = Path.Join(directory, EntryName(next.SeqNo));
        bool published;
        try
        {
            published = TryPublish(temporary, entry);
        }
        catch (ConsensusException e) when (Files.FileExists(entry))
        {
            // link(2) is atomic, but an error after it (EIO) leaves the name's fate unclear; the entry is there now.
            DeleteTemporary(temporary);
            throw Indeterminate(key, next.SeqNo, e);
        }
        catch
        {
            DeleteTemporary(temporary);
            throw;
        }

        // Deleted before the sync so that one directory fsync makes both the new name and the removal durable.
        DeleteTemporary(temporary);
        try
        {
            SyncDirectory(directory);
        }
        catch (Exception e) when (published && e is StorageException or IOException)
        {
            // Published but perhaps not durable: a power loss could still take the entry away.
            throw Indeterminate(key, next.SeqNo, e);
        }
        catch (Exception e) when (e is StorageException or IOException)
        {
            throw new ConsensusException($"Cannot sync '{directory}' of {Description}: {e.Message}", isTransient: true, e);
        }

        if (!published)
        {
            // Only a writer that ignores the lock can get here; the link refused to replace its entry.
            return Mismatch(key, expectedSeqNo, Guard(() => FindHead(directory)));
        }

        heads.AddOrUpdate(directory, next.SeqNo, (_, cached) => Math.Max(cached, next.SeqNo));
        instruments.Recorded(Store, CasResult.Committed(next.SeqNo));
        ConsensusLog.Committed(logger, key, next.SeqNo, next.Data.Length, Description);
        return CasResult.Committed(next.SeqNo);
    }

    public async IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var directory = KeyDirectory(ConsensusArguments.ValidateScan(key, fromSeqNo, limit));
        ct.ThrowIfCancellationRequested();
        var listed = Guard(() => ListEntries(directory));
        if (listed.Count == 0)
        {
            yield break;
        }

        // Everything listed is made durable before any of it is handed out.
        Guard(() => SyncDirectory(directory));
        var yielded = 0;
        foreach (var seqNo in listed)
        {
            if (seqNo < fromSeqNo)
            {
                continue;
            }

            if (yielded == limit)
            {
                yield break;
            }

            // Gone since the listing means truncated meanwhile; the scan goes on from the survivors.
            if (await TryReadEntryAsync(directory, seqNo, ct).ConfigureAwait(false) is { } data)
            {
                yielded++;
                yield return new VersionedData(seqNo, data);
            }
        }
    }

    public async Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default)
    {
        var directory = KeyDirectory(ConsensusArguments.ValidateTruncate(key, belowSeqNo));
        ThrowIfReadOnly("truncate");
        ct.ThrowIfCancellationRequested();
        if (!Files.DirectoryExists(directory))
        {
            return 0;
        }

        using var keyLock = await LockAsync(directory, ct).ConfigureAwait(false);
        var listed = Guard(() => ListEntries(directory));
        if (listed.Count == 0)
        {
            return 0;
        }

        // Never the head; ascending, so that the entries left are always consecutive even if this stops half-way.
        var limit = Math.Min(belowSeqNo, listed[^1]);
        long removed = 0;
        try
        {
            foreach (var seqNo in listed)
            {
                if (seqNo >= limit)
                {
                    break;
                }

                Files.Delete(Path.Join(directory, EntryName(seqNo)));
                removed++;
            }

            if (removed > 0)
            {
                SyncDirectory(directory);
            }
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            if (removed == 0)
            {
                throw new ConsensusException($"Cannot truncate key '{key}' of {Description}: {e.Message}", isTransient: true, e);
            }

            throw new IndeterminateConsensusException($"Truncation of key '{key}' in {Description} removed {removed} entries and then failed; they may reappear after a crash: {e.Message}", e);
        }

        instruments.Truncated(Store, removed);
        ConsensusLog.Truncated(logger, key, removed, belowSeqNo, Description);
        return removed;
    }

    /// <summary>
    /// The highest sequence number in <paramref name="directory"/>, or null if it has none: the cached head walked
    /// forward while successors exist, or, if the cached entry is gone, a fresh listing.
    /// </summary>
    private long? FindHead(string directory)
    {
        long head;
        if (heads.TryGetValue(directory, out var cached) && EntryExists(directory, cached))
        {
            head = cached;
        }
        else
        {
            var listed = ListEntries(directory);
            if (listed.Count == 0)
            {
                return null;
            }

            head = listed[^1];
        }

        while (EntryExists(directory, head + 1))
        {
            head++;
        }

        heads.AddOrUpdate(directory, head, (_, c) => Math.Max(c, head));
        return head;
    }

    private CasResult Mismatch(string key, long? expected, long? head)
    {
        ConsensusLog.Mismatch(logger, key, expected, head, Description);
        var result = CasResult.Mismatch(head);
        instruments.Recorded(Store, result);
        return result;
    }

    private IndeterminateConsensusException Indeterminate(string key, long seqNo, Exception e)
    {
        ConsensusLog.Indeterminate(logger, e, key, seqNo, Description);
        instruments.CompareAndSet(Store, "indeterminate");
        return new IndeterminateConsensusException($"Entry {seqNo} of key '{key}' in {Description} was linked but may not be durable: {e.Message}", e);
    }

    /// <summary>
    /// Cleans a key directory under its lock: the temporaries of writers that crashed before linking, and the entries
    /// below a gap (a truncation deletes in ascending order, but a power loss may keep some deletions and lose others).
    /// Also syncs the root, in case whoever created the directory crashed before making its name durable.
    /// </summary>
    private void Prepare(string directory)
    {
        var changed = false;
        foreach (var path in Files.EnumerateFiles(directory, TemporaryPrefix + "*"))
        {
            Files.Delete(path);
            ConsensusLog.TemporaryRemoved(logger, path, Description);
            changed = true;
        }

        var listed = ListEntries(directory);
        for (var i = listed.Count - 1; i > 0; i--)
        {
            if (listed[i - 1] != listed[i] - 1)
            {
                for (var j = 0; j < i; j++)
                {
                    Files.Delete(Path.Join(directory, EntryName(listed[j])));
                }

                ConsensusLog.InterruptedTruncationFinished(logger, i, listed[i] - 1, directory, Description);
                changed = true;
                break;
            }
        }

        if (changed)
        {
            SyncDirectory(directory);
        }

        SyncDirectory(RootPath);
    }

    /// <summary>At open: prepares every key directory no other holder has locked; a locked one is prepared by its holder.</summary>
    private void SweepAbandonedFiles()
    {
        foreach (var directory in Files.EnumerateDirectories(RootPath))
        {
            if (!IsKeyDirectoryName(Path.GetFileName(directory)))
            {
                continue;
            }

            using var file = TryLockFile(directory);
            if (file is not null)
            {
                Prepare(directory);
                prepared.TryAdd(directory, 0);
            }
        }
    }

    /// <summary>Turns file-system failures into <see cref="ConsensusException"/>s; reads and checks take no effect.</summary>
    private T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConsensusException($"{Description}: {e.Message}", isTransient: true, e);
        }
    }

    private void Guard(Action action) => Guard(() =>
    {
        action();
        return 0;
    });
}
